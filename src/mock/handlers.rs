//! Routing and the handlers of each operation.

use super::*;

pub(crate) struct Responder {
    pub(crate) state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        state.store_deferred();
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let method = request.method.as_str();
        let route = route(method, &segments);
        let operation = route.as_ref().map(|(op, _, _)| *op);

        let mut delay = Duration::ZERO;
        let (status, template) = 'answer: {
            // `/1/auth` is asked with the data key it checks (in `X-Honeycomb-Team`), not
            // the management key: its handler authenticates it.
            if operation != Some(Operation::VerifyKey) && !authorized(&state, request) {
                let reply = state.error(
                    401,
                    "unauthenticated/invalid-key",
                    "invalid API key",
                    None,
                    Source::Header("Authorization"),
                );
                break 'answer (401, reply.render(&[]));
            }
            let Some((op, team, id)) = route else {
                break 'answer (404, state.error(404, "not-found", "route not found", None, Source::None).render(&[]));
            };
            delay = state.delays.get(&op).copied().unwrap_or_default();
            let (rate_headers, over) = state.rate_limit(op);
            if let Some(wait) = over {
                break 'answer (429, state.rate_limited(wait).render(&rate_headers));
            }
            let fault = state.faults.get_mut(&op).and_then(VecDeque::pop_front);
            if let Some(fault) = &fault
                && !fault.after_processing
            {
                break 'answer (fault.status, state.fault_reply(fault, &rate_headers));
            }
            let reply = handle(&mut state, op, team, id, request);
            match &fault {
                Some(fault) => (fault.status, state.fault_reply(fault, &rate_headers)),
                None => (reply.status, reply.render(&rate_headers)),
            }
        };

        state.log.push(RecordedRequest {
            operation,
            method: method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            content_type: request.headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string),
            body: request.body.clone(),
            status,
        });
        if delay.is_zero() { template } else { template.set_delay(delay) }
    }
}

pub(crate) fn authorized(state: &State, request: &Request) -> bool {
    let expected = format!("Bearer {}:{}", state.key_id, state.key_secret);
    request.headers.get("authorization").is_some_and(|v| v.as_bytes() == expected.as_bytes())
}

/// The operation a method and path name, with the team and id segments.
pub(crate) fn route<'a>(method: &str, segments: &[&'a str]) -> Option<(Operation, &'a str, Option<&'a str>)> {
    match (method, segments) {
        ("GET", ["2", "auth"]) => Some((Operation::GetAuth, "", None)),
        ("GET", ["1", "auth"]) => Some((Operation::VerifyKey, "", None)),
        ("GET", ["2", "teams", team, "api-keys"]) => Some((Operation::ListApiKeys, team, None)),
        ("POST", ["2", "teams", team, "api-keys"]) => Some((Operation::CreateApiKey, team, None)),
        ("GET", ["2", "teams", team, "api-keys", id]) => Some((Operation::GetApiKey, team, Some(id))),
        ("PATCH", ["2", "teams", team, "api-keys", id]) => Some((Operation::UpdateApiKey, team, Some(id))),
        ("DELETE", ["2", "teams", team, "api-keys", id]) => Some((Operation::DeleteApiKey, team, Some(id))),
        ("GET", ["2", "teams", team, "environments"]) => Some((Operation::ListEnvironments, team, None)),
        ("POST", ["2", "teams", team, "environments"]) => Some((Operation::CreateEnvironment, team, None)),
        ("GET", ["2", "teams", team, "environments", id]) => Some((Operation::GetEnvironment, team, Some(id))),
        ("PATCH", ["2", "teams", team, "environments", id]) => Some((Operation::UpdateEnvironment, team, Some(id))),
        ("DELETE", ["2", "teams", team, "environments", id]) => Some((Operation::DeleteEnvironment, team, Some(id))),
        _ => None,
    }
}

pub(crate) fn handle(state: &mut State, op: Operation, team: &str, id: Option<&str>, request: &Request) -> Reply {
    if !matches!(op, Operation::GetAuth | Operation::VerifyKey) && team != state.team_slug {
        return state.not_found("team");
    }
    let id = id.unwrap_or_default();
    match op {
        Operation::GetAuth => auth(state),
        Operation::VerifyKey => verify_key(state, request),
        Operation::ListApiKeys => list_keys(state, request),
        Operation::CreateApiKey => match body(state, request) {
            Ok(body) => create_key(state, &body),
            Err(reply) => reply,
        },
        Operation::GetApiKey => match state.index.get(id).and_then(|seq| state.keys.get(seq)) {
            Some(key) => Reply::ok(200, json!({"data": state.key_json(key, false)})),
            None => state.not_found("API key"),
        },
        Operation::UpdateApiKey => {
            if !state.index.contains_key(id) {
                return state.not_found("API key");
            }
            match body(state, request) {
                Ok(body) => update_key(state, id, &body),
                Err(reply) => reply,
            }
        }
        Operation::DeleteApiKey => match state.index.remove(id) {
            Some(seq) => {
                state.keys.remove(&seq);
                Reply::empty(204)
            }
            None => state.not_found("API key"),
        },
        Operation::ListEnvironments => environments::list(state, request),
        Operation::GetEnvironment => match state.environments.iter().find(|e| e.id == id) {
            Some(env) => Reply::ok(200, json!({"data": state.environment_json(env)})),
            None => state.not_found("environment"),
        },
        Operation::CreateEnvironment => match body(state, request) {
            Ok(body) => environments::create(state, &body),
            Err(reply) => reply,
        },
        Operation::UpdateEnvironment => {
            if !state.environments.iter().any(|e| e.id == id) {
                return state.not_found("environment");
            }
            match body(state, request) {
                Ok(body) => environments::update(state, id, &body),
                Err(reply) => reply,
            }
        }
        Operation::DeleteEnvironment => environments::delete(state, id),
    }
}

pub(crate) fn auth(state: &State) -> Reply {
    let now = State::timestamp(&state.created_at);
    Reply::ok(
        200,
        json!({
            "data": {
                "id": state.key_id,
                "type": "api-keys",
                "attributes": {
                    "name": "mock management key",
                    "key_type": "management",
                    "disabled": false,
                    "scopes": state.scopes,
                    "timestamps": {"created": now, "updated": now},
                },
                "relationships": {"team": {"data": {"id": state.team_id, "type": "teams"}}},
            },
            "included": [
                {"id": state.team_id, "type": "teams", "attributes": {"name": state.team_name, "slug": state.team_slug}}
            ],
        }),
    )
}

/// `GET /1/auth`: the stored key `X-Honeycomb-Team` names (an ingest key's id and secret
/// joined, a configuration key's secret), if it is enabled; else a 401 in v1's own error
/// form. A deleted key is no longer stored, so it is unknown.
pub(crate) fn verify_key(state: &State, request: &Request) -> Reply {
    let sent = request.headers.get("x-honeycomb-team").map(|v| v.as_bytes()).unwrap_or_default();
    let found = state.keys.values().find(|k| {
        let expected = if k.key_type == "ingest" { format!("{}{}", k.id, k.secret) } else { k.secret.clone() };
        !sent.is_empty() && expected.as_bytes() == sent
    });
    // A key younger than `verify_after` is not known to `/1/auth` yet.
    let settled =
        |k: &&MockKey| state.now() - k.created >= chrono::Duration::from_std(state.verify_after).unwrap_or_default();
    match found.filter(|k| !k.disabled).filter(settled) {
        Some(key) => Reply::plain(200, state.identity_json(key)),
        None => Reply::plain(401, json!({"error": "unknown API key - check your credentials"})),
    }
}

/// The body of a POST or PATCH: the right media type, at most [`BODY_LIMIT`] bytes, JSON.
pub(crate) fn body(state: &mut State, request: &Request) -> Result<Value, Reply> {
    let content_type = request.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.trim() != JSON_API {
        return Err(state.error(
            415,
            "unsupported-media-type",
            "unsupported media type",
            Some(format!("request bodies must be sent as {JSON_API}")),
            Source::Header("Content-Type"),
        ));
    }
    if request.body.len() > BODY_LIMIT {
        return Err(State::payload_too_large());
    }
    serde_json::from_slice(&request.body).map_err(|_| {
        state.error(
            400,
            "invalid",
            "request body could not be parsed",
            Some("the body is not JSON".into()),
            Source::None,
        )
    })
}

/// `data` of a request body: an object of type `kind` (`api-keys`, `environments`).
pub(crate) fn data_of<'a>(state: &mut State, body: &'a Value, kind: &str) -> Result<&'a Value, Reply> {
    let data = &body["data"];
    if !data.is_object() {
        return Err(state.invalid("/data", "data is required"));
    }
    if data["type"] != kind {
        return Err(state.invalid("/data/type", format!("type must be {kind}")));
    }
    Ok(data)
}

/// An optional boolean `disabled`.
pub(crate) fn disabled_of(state: &mut State, value: Option<&Value>) -> Result<Option<bool>, Reply> {
    match value {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(state.invalid("/data/attributes/disabled", "disabled must be a boolean")),
    }
}

/// `page[size]`, `page[after]` (a cursor this fake issued: a hexadecimal position) and
/// `filter[type]`.
pub(crate) struct PageParams {
    pub(crate) size: usize,
    pub(crate) after: u64,
    pub(crate) filter: Option<String>,
}

pub(crate) fn page_params(state: &mut State, request: &Request) -> Result<PageParams, Reply> {
    let mut params = PageParams { size: DEFAULT_PAGE, after: 0, filter: None };
    for (name, value) in request.url.query_pairs() {
        match name.as_ref() {
            "page[size]" => match value.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => params.size = n,
                _ => {
                    return Err(
                        state.invalid_parameter("page[size]", format!("must be an integer from 1 to {MAX_PAGE}"))
                    );
                }
            },
            "page[after]" => match u64::from_str_radix(&value, 16) {
                Ok(position) => params.after = position,
                Err(_) => return Err(state.invalid_parameter("page[after]", "is not a cursor this server issued")),
            },
            "filter[type]" => params.filter = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(params)
}

/// One page of `items` (by position, from 1) after the cursor, with a relative
/// `links.next` that repeats the size and the filter, null on the last page.
pub(crate) fn paginate(path: &str, params: &PageParams, items: impl Iterator<Item = (u64, Value)>) -> Reply {
    let mut after = items.skip_while(|(position, _)| *position <= params.after).peekable();
    let mut data = Vec::with_capacity(params.size);
    let mut last = 0;
    while data.len() < params.size {
        let Some((position, item)) = after.next() else { break };
        data.push(item);
        last = position;
    }
    let next = if after.peek().is_some() {
        let mut link = format!("{path}?page[after]={last:x}&page[size]={}", params.size);
        if let Some(f) = &params.filter {
            let _ = write!(link, "&filter[type]={f}");
        }
        Value::String(link)
    } else {
        Value::Null
    };
    Reply::ok(200, json!({"data": data, "links": {"next": next}}))
}

pub(crate) fn list_keys(state: &mut State, request: &Request) -> Reply {
    let params = match page_params(state, request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    if let Some(f) = params.filter.as_deref().filter(|f| !SPEC_KEY_TYPE_FILTERS.contains(f)) {
        let detail = format!("`{f}` is not a key type; use one of {}", SPEC_KEY_TYPE_FILTERS.join(", "));
        return state.invalid_parameter("filter[type]", detail);
    }
    let path = format!("/2/teams/{}/api-keys", state.team_slug);
    let matching = state
        .keys
        .range(params.after.saturating_add(1)..)
        .filter(|(_, k)| params.filter.as_deref().is_none_or(|f| k.key_type == f))
        .map(|(seq, k)| (*seq, state.key_json(k, false)));
    paginate(&path, &params, matching)
}

/// The longest key name the spec allows, in characters.
const KEY_NAME_MAX: usize = 100;

/// Checks a name: a non-blank string of at most `max` characters (100 for a key, 255 for
/// an environment).
pub(crate) fn check_name(
    state: &mut State,
    value: Option<&Value>,
    required: bool,
    max: usize,
) -> Result<Option<String>, Reply> {
    const POINTER: &str = "/data/attributes/name";
    match value {
        None if required => Err(state.invalid(POINTER, "name is required")),
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(state.invalid(POINTER, "name must not be blank")),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(state.invalid(POINTER, format!("name must be at most {max} characters")))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(state.invalid(POINTER, "name must be a string")),
    }
}

/// Checks a permissions object: booleans, known names, and only `create_datasets` on
/// ingest keys.
pub(crate) fn check_permissions(
    state: &mut State,
    value: Option<&Value>,
    key_type: &str,
) -> Result<BTreeMap<String, bool>, Reply> {
    const POINTER: &str = "/data/attributes/permissions";
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    let Some(members) = value.as_object() else { return Err(state.invalid(POINTER, "permissions must be an object")) };
    let mut out = BTreeMap::new();
    for (name, granted) in members {
        let pointer = format!("{POINTER}/{}", pointer_segment(name));
        let Some(granted) = granted.as_bool() else {
            return Err(state.invalid(&pointer, "permissions must be booleans"));
        };
        if !permission_names(key_type).contains(&name.as_str()) {
            let detail = if SPEC_PERMISSIONS.contains(&name.as_str()) {
                format!("{name} is not a permission of {key_type} keys")
            } else {
                format!("{name} is not a permission")
            };
            return Err(state.invalid(&pointer, detail));
        }
        out.insert(name.clone(), granted);
    }
    Ok(out)
}

pub(crate) fn create_key(state: &mut State, body: &Value) -> Reply {
    let data = match data_of(state, body, "api-keys") {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let attributes = &data["attributes"];
    if !attributes.is_object() {
        return state.invalid("/data/attributes", "attributes are required");
    }
    let name = match check_name(state, attributes.get("name"), true, KEY_NAME_MAX) {
        Ok(name) => name.unwrap_or_default(),
        Err(reply) => return reply,
    };
    let key_type = match attributes.get("key_type").and_then(Value::as_str) {
        Some(t) if SPEC_KEY_TYPES.contains(&t) => t.to_string(),
        _ => {
            let detail = format!("key_type must be one of {}", SPEC_KEY_TYPES.join(", "));
            return state.invalid("/data/attributes/key_type", detail);
        }
    };
    let disabled = match disabled_of(state, attributes.get("disabled")) {
        Ok(disabled) => disabled.unwrap_or(false),
        Err(reply) => return reply,
    };
    let permissions = match check_permissions(state, attributes.get("permissions"), &key_type) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let environment = &data["relationships"]["environment"]["data"];
    let Some(environment_id) = environment["id"].as_str() else {
        return state.invalid("/data/relationships/environment/data/id", "an environment is required");
    };
    if environment["type"] != "environments" {
        return state.invalid("/data/relationships/environment/data/type", "type must be environments");
    }
    if !state.environments.iter().any(|e| e.id == environment_id) {
        return state.invalid("/data/relationships/environment/data/id", "environment does not exist");
    }
    let environment_id = environment_id.to_string();
    let now = state.now();
    let key = state.insert(&name, &key_type, disabled, &environment_id, permissions, now);
    let reply = Reply::ok(201, json!({"data": state.key_json(&key, true)}));
    if let Some(after) = state.store_late.take()
        && let Some(seq) = state.index.remove(&key.id)
        && let Some(key) = state.keys.remove(&seq)
    {
        let due = state.elapsed() + after;
        state.deferred.push((due, seq, key));
    }
    reply
}

pub(crate) fn update_key(state: &mut State, id: &str, body: &Value) -> Reply {
    let data = match data_of(state, body, "api-keys") {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    if data["id"] != id {
        return state.invalid("/data/id", "id must be the id in the path");
    }
    let Some(seq) = state.index.get(id).copied() else { return state.not_found("API key") };
    let Some(current) = state.keys.get(&seq).cloned() else { return state.not_found("API key") };
    let attributes = match data.get("attributes") {
        Some(Value::Object(a)) => a.clone(),
        None => Map::new(),
        Some(_) => return state.invalid("/data/attributes", "attributes must be an object"),
    };
    let name = match check_name(state, attributes.get("name"), false, KEY_NAME_MAX) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let disabled = match disabled_of(state, attributes.get("disabled")) {
        Ok(disabled) => disabled,
        Err(reply) => return reply,
    };
    if attributes.get("key_type").is_some_and(|t| t != current.key_type.as_str()) {
        return state.invalid("/data/attributes/key_type", "the key type cannot be changed");
    }
    if attributes.contains_key("permissions") && current.key_type == "ingest" {
        return state.invalid("/data/attributes/permissions", "ingest keys' permissions cannot be changed");
    }
    let permissions = match check_permissions(state, attributes.get("permissions"), &current.key_type) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    match data.pointer("/relationships/environment/data") {
        None | Some(Value::Null) => {}
        Some(env) if env["id"] == current.environment_id.as_str() => {}
        Some(_) => {
            return state.invalid("/data/relationships/environment/data/id", "the environment cannot be changed");
        }
    }
    let now = state.now();
    let Some(key) = state.keys.get_mut(&seq) else { return state.not_found("API key") };
    if let Some(name) = name {
        key.name = name;
    }
    if let Some(disabled) = disabled {
        key.disabled = disabled;
    }
    key.permissions.extend(permissions);
    // Timestamps have whole seconds on the wire; each change moves `updated` on by at least
    // a second, even within the second of the last one, so that a change is always visible.
    key.updated = now.max(key.updated + chrono::Duration::seconds(1));
    let key = key.clone();
    Reply::ok(200, json!({"data": state.key_json(&key, false)}))
}
