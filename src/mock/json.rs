//! The fake's own wire JSON: replies, JSON:API errors, key and environment objects. It is
//! written here, never through the crate's codecs, so that it cannot agree with their bugs.

use super::*;

/// What a handler answers: a status and a body (JSON:API unless `problem`).
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) problem: bool,
    pub(crate) headers: Vec<(String, String)>,
}

impl Reply {
    pub(crate) fn ok(status: u16, body: Value) -> Self {
        Reply { status, body: Some(body), problem: false, headers: Vec::new() }
    }

    /// A plain `application/json` body (v1's `/1/auth`, not JSON:API).
    pub(crate) fn plain(status: u16, body: Value) -> Self {
        Reply { status, body: Some(body), problem: true, headers: Vec::new() }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Reply { status, body: None, problem: false, headers: Vec::new() }
    }

    /// The response: the rate-limit headers first, then the reply's own (which win).
    pub(crate) fn render(self, rate_headers: &[(String, String)]) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(self.status);
        if let Some(body) = &self.body {
            let content_type = if self.problem { "application/json" } else { JSON_API };
            template = template.set_body_raw(serde_json::to_vec(body).unwrap_or_default(), content_type);
        }
        for (name, value) in rate_headers.iter().chain(&self.headers) {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }
}

/// A key's creator or editor as the published document has it: a user's relationship,
/// or `null` when there is none (never `{"data": null}`, which its `UserRelationship`
/// does not allow, however tolerantly the crate reads it).
fn user_relationship(id: Option<&str>) -> Value {
    match id {
        Some(id) => json!({"data": {"id": id, "type": "users"}}),
        None => Value::Null,
    }
}

/// `t` in whole seconds, as an HTTP date says it (and the `Date` header, so that
/// `Retry-After` minus `Date` is the wait).
fn whole_second(t: SystemTime) -> SystemTime {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    SystemTime::UNIX_EPOCH + Duration::from_secs(since.as_secs())
}

/// Where an invalid request's problem is.
pub(crate) enum Source<'a> {
    Pointer(&'a str),
    Parameter(&'a str),
    Header(&'a str),
    None,
}

/// A member name as a JSON pointer segment (RFC 6901: `~` is `~0`, `/` is `~1`).
pub(crate) fn pointer_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

impl State {
    pub(crate) fn error(
        &mut self,
        status: u16,
        code: &str,
        title: &str,
        detail: Option<String>,
        source: Source<'_>,
    ) -> Reply {
        let mut e = Map::new();
        let id = format!("{:016x}{:016x}", self.next_random(), self.next_random());
        e.insert("id".into(), json!(id));
        e.insert("status".into(), json!(status.to_string()));
        e.insert("code".into(), json!(code));
        e.insert("title".into(), json!(title));
        if let Some(d) = detail {
            e.insert("detail".into(), json!(d));
        }
        match source {
            Source::Pointer(p) => e.insert("source".into(), json!({"pointer": p})),
            Source::Parameter(p) => e.insert("source".into(), json!({"parameter": p})),
            Source::Header(h) => e.insert("source".into(), json!({"header": h})),
            Source::None => None,
        };
        Reply::ok(status, json!({"errors": [Value::Object(e)]}))
    }

    pub(crate) fn invalid(&mut self, pointer: &str, detail: impl Into<String>) -> Reply {
        self.error(422, "validation-failed/invalid", "field is invalid", Some(detail.into()), Source::Pointer(pointer))
    }

    pub(crate) fn invalid_parameter(&mut self, parameter: &str, detail: impl Into<String>) -> Reply {
        self.error(
            422,
            "validation-failed/invalid",
            "parameter is invalid",
            Some(detail.into()),
            Source::Parameter(parameter),
        )
    }

    pub(crate) fn not_found(&mut self, what: &str) -> Reply {
        self.error(404, "not-found", &format!("{what} not found"), None, Source::None)
    }

    /// Honeycomb's 429: `rate-limited/may-retry`, with when to try again. The detail and
    /// `Retry-After` name the same instant, `wait` from now (real time, as the `Date`
    /// header the client measures `Retry-After` against), in whole seconds as both say it.
    pub(crate) fn rate_limited(&mut self, wait: Duration) -> Reply {
        let at = whole_second(SystemTime::now() + wait);
        let detail = format!("Please try again after {}.", State::timestamp(&DateTime::<Utc>::from(at)));
        let mut reply =
            self.error(429, "rate-limited/may-retry", "request rate limit exceeded", Some(detail), Source::None);
        reply.headers.push(("Retry-After".into(), httpdate::fmt_http_date(at)));
        reply
    }

    /// Honeycomb's 413: a problem document, as `application/json` (the published
    /// document's only media type for it).
    pub(crate) fn payload_too_large() -> Reply {
        let mut reply = Reply::ok(
            413,
            json!({
                "error": "request body is too large",
                "status": 413,
                "type": "https://api.honeycomb.io/problems/payload-too-large",
                "title": "The request body is too large",
                "detail": format!("the limit is {BODY_LIMIT} bytes"),
            }),
        );
        reply.problem = true;
        reply
    }

    pub(crate) fn timestamp(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    pub(crate) fn key_json(&self, key: &MockKey, with_secret: bool) -> Value {
        let mut attributes = json!({
            "name": key.name,
            "key_type": key.key_type,
            "disabled": key.disabled,
            "permissions": key.permissions,
            "timestamps": {"created": State::timestamp(&key.created), "updated": State::timestamp(&key.updated)},
        });
        if with_secret {
            attributes["secret"] = json!(key.secret);
        }
        json!({
            "id": key.id,
            "type": "api-keys",
            "attributes": attributes,
            "relationships": {
                "environment": {"data": {"id": key.environment_id, "type": "environments"}},
                "creator": user_relationship(key.creator.as_deref()),
                "editor": user_relationship(key.editor.as_deref()),
            },
            "links": {"self": format!("/2/teams/{}/api-keys/{}", self.team_slug, key.id)},
        })
    }

    /// `/1/auth`'s answer for `key` (the published `Auth` object): its v1 access flags,
    /// from its permissions by the fake's own table (an ingest key shows only
    /// `createDatasets`, as Honeycomb's published example does).
    pub(crate) fn identity_json(&self, key: &MockKey) -> Value {
        const V1_FLAGS: &[(&str, &str)] = &[
            ("events", "send_events"),
            ("markers", "manage_markers"),
            ("triggers", "manage_triggers"),
            ("boards", "manage_boards"),
            ("queries", "run_queries"),
            ("columns", "manage_columns"),
            ("createDatasets", "create_datasets"),
            ("slos", "manage_slos"),
            ("recipients", "manage_recipients"),
            ("privateBoards", "manage_privateBoards"),
        ];
        let granted = |permission: &str| key.permissions.get(permission).copied().unwrap_or(false);
        let access: Map<String, Value> = V1_FLAGS
            .iter()
            .filter(|(flag, _)| key.key_type != "ingest" || *flag == "createDatasets")
            .map(|(flag, permission)| ((*flag).to_string(), json!(granted(permission))))
            .collect();
        let env = self.environments.iter().find(|e| e.id == key.environment_id);
        json!({
            "id": key.id,
            "type": key.key_type,
            "api_key_access": access,
            "environment": {
                "name": env.map_or("", |e| e.name.as_str()),
                "slug": env.map_or("", |e| e.slug.as_str()),
            },
            "team": {"name": self.team_name, "slug": self.team_slug},
        })
    }

    pub(crate) fn environment_json(&self, env: &MockEnvironment) -> Value {
        json!({
            "id": env.id,
            "type": "environments",
            "attributes": {
                "name": env.name,
                "slug": env.slug,
                "description": env.description.as_deref().unwrap_or(""),
                "color": env.color,
                "settings": {"delete_protected": env.delete_protected},
            },
            "links": {"self": format!("/2/teams/{}/environments/{}", self.team_slug, env.id)},
        })
    }
}
