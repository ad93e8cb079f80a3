//! Every answer of the fake against Honeycomb's published document: each operation, its
//! successes and its errors (faults and rate limits included), over raw HTTP, validated
//! against that operation's `responses.<status>` schema in `spec/api-keys.yaml` (OpenAPI
//! 3.1, whose schemas are JSON Schema 2020-12), for the media type it was sent as. A status
//! or a media type the document does not list for the operation is a failure too. The
//! overlay's tolerance is the library's reading, never the fake's writing: the fake sends
//! what the document says, so that a client generated from it (Honeycomb's Python client,
//! `.ci/peer-client.py`) reads it.
#![cfg(feature = "mock")]

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Mutex,
    time::Duration,
};

use chrono::Utc;
use honeycomb_api_keys::{
    Operation, Permissions,
    mock::{BODY_LIMIT, Fault, MockHoneycomb, MockKeySeed},
};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::spec;

const JSON_API: &str = "application/vnd.api+json";

/// The published operation ids, with the crate's operation for each.
const OPERATIONS: &[(&str, Operation)] = &[
    ("getV2Auth", Operation::GetAuth),
    ("getAuth", Operation::VerifyKey),
    ("listApiKeys", Operation::ListApiKeys),
    ("createApiKey", Operation::CreateApiKey),
    ("getApiKey", Operation::GetApiKey),
    ("updateApiKey", Operation::UpdateApiKey),
    ("deleteApiKey", Operation::DeleteApiKey),
    ("listEnvironments", Operation::ListEnvironments),
    ("createEnvironment", Operation::CreateEnvironment),
    ("getEnvironment", Operation::GetEnvironment),
    ("updateEnvironment", Operation::UpdateEnvironment),
    ("deleteEnvironment", Operation::DeleteEnvironment),
];

/// The operation with this `operationId` in the published document.
fn operation(id: &str) -> &'static Value {
    let paths = spec()["paths"].as_object().unwrap();
    paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .find(|op| op["operationId"] == id)
        .unwrap_or_else(|| panic!("no operation {id} in spec/api-keys.yaml"))
}

/// A local `$ref` of the document (`#/components/...`), followed.
fn follow(value: &'static Value) -> &'static Value {
    match value["$ref"].as_str() {
        Some(reference) => spec().pointer(reference.trim_start_matches('#')).unwrap(),
        None => value,
    }
}

/// Checks one answer against the document: its status is listed for the operation (or
/// `default` is), a body-less response has no body, else its media type is listed and its
/// body validates against that media type's schema. `Err` says what does not conform.
fn conforms(operation_id: &str, status: u16, content_type: &str, body: &[u8]) -> Result<(), String> {
    let responses = &operation(operation_id)["responses"];
    let response = responses.get(status.to_string()).or_else(|| responses.get("default")).ok_or_else(|| {
        let listed: Vec<&String> = responses.as_object().unwrap().keys().collect();
        format!("{operation_id}: status {status} is not in the document (it lists {listed:?})")
    })?;
    let response = follow(response);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return match body.is_empty() {
            true => Ok(()),
            false => {
                Err(format!("{operation_id} {status}: the document has no body, the fake sent {} bytes", body.len()))
            }
        };
    };
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let Some(schema) = content.get(media).map(|m| &m["schema"]) else {
        let listed: Vec<&String> = content.keys().collect();
        return Err(format!(
            "{operation_id} {status}: media type {media:?} is not in the document (it lists {listed:?})"
        ));
    };
    let instance: Value = serde_json::from_slice(body).map_err(|e| {
        format!("{operation_id} {status}: the body is not JSON ({e}): {}", String::from_utf8_lossy(body))
    })?;
    let errors = validate(schema, &instance);
    match errors.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "{operation_id} {status} ({media}) does not validate:\n  {}\nbody: {instance}",
            errors.join("\n  ")
        )),
    }
}

/// The errors of `instance` against `schema`, a schema of the document: validated in a
/// bundle that carries the document's components, so that its `$ref`s resolve; JSON Schema
/// 2020-12, formats (`date-time`) checked.
fn validate(schema: &Value, instance: &Value) -> Vec<String> {
    static VALIDATORS: Mutex<BTreeMap<String, std::sync::Arc<jsonschema::Validator>>> = Mutex::new(BTreeMap::new());
    let key = schema.to_string();
    let validator = VALIDATORS
        .lock()
        .unwrap()
        .entry(key)
        .or_insert_with(|| {
            let bundle = json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "components": spec()["components"],
                "allOf": [schema],
            });
            let options =
                jsonschema::options().with_draft(jsonschema::Draft::Draft202012).should_validate_formats(true);
            std::sync::Arc::new(options.build(&bundle).expect("the document's schemas compile"))
        })
        .clone();
    validator.iter_errors(instance).map(|e| format!("at {}: {e}", e.instance_path())).collect()
}

/// The fake over raw HTTP, every answer checked against the document and recorded.
struct Checked {
    fake: MockHoneycomb,
    http: reqwest::Client,
    auth: String,
    /// A data key the fake knows, for `/1/auth`.
    data_key: Mutex<String>,
    seen: Mutex<BTreeSet<(&'static str, u16)>>,
    failures: Mutex<Vec<String>>,
}

/// A request: its body as JSON (sent as JSON:API) or raw bytes with a media type.
enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>, &'static str),
}

impl Checked {
    async fn start() -> Self {
        let fake = MockHoneycomb::start().await;
        let (id, secret) = fake.management_key();
        let auth = format!("Bearer {id}:{secret}");
        Checked {
            fake,
            http: reqwest::Client::new(),
            auth,
            data_key: Mutex::default(),
            seen: Mutex::default(),
            failures: Mutex::default(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.uri())
    }

    fn keys(&self) -> String {
        self.url("/2/teams/mock-team/api-keys")
    }

    fn envs(&self) -> String {
        self.url("/2/teams/mock-team/environments")
    }

    /// Sends a request to `operation`, checks the answer, returns its status and body.
    async fn send(&self, operation: &'static str, method: Method, url: &str, body: Body) -> (u16, Value) {
        self.send_as(operation, method, url, body, &self.auth).await
    }

    async fn send_as(
        &self,
        operation: &'static str,
        method: Method,
        url: &str,
        body: Body,
        auth: &str,
    ) -> (u16, Value) {
        // /1/auth takes a data key (what a sender puts in X-Honeycomb-Team), nothing else:
        // the one made below, or an unknown one where the others get a wrong credential.
        let mut request = self.http.request(method.clone(), url);
        request = if operation == "getAuth" {
            let known = self.data_key.lock().unwrap().clone();
            request
                .header("X-Honeycomb-Team", if auth == self.auth { known } else { "nosuchkey0123456789abcdef".into() })
        } else {
            request.header("Authorization", auth)
        };
        request = match body {
            Body::None => request,
            Body::Json(v) => request.header("Content-Type", JSON_API).body(v.to_string()),
            Body::Raw(bytes, media) => request.header("Content-Type", media).body(bytes),
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
        let bytes = response.bytes().await.unwrap();
        if let Err(e) = conforms(operation, status, content_type.as_deref().unwrap_or_default(), &bytes) {
            self.failures.lock().unwrap().push(format!("{method} {url}: {e}"));
        }
        self.seen.lock().unwrap().insert((operation, status));
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    fn env(&self, name: &str) -> String {
        self.fake.environment_id(name).unwrap()
    }

    fn new_key(&self, name: &Value, key_type: &str) -> Value {
        json!({"data": {"type": "api-keys", "attributes": {"name": name, "key_type": key_type},
            "relationships": {"environment": {"data": {"type": "environments", "id": self.env("production")}}}}})
    }
}

#[tokio::test]
async fn every_answer_of_the_fake_validates_against_the_published_document() {
    let c = Checked::start().await;
    let old = Utc::now() - chrono::Duration::days(400);
    let seeded = c.fake.seed(
        MockKeySeed::configuration("audited", "staging", &Permissions::read_only_querying())
            .disabled(true)
            .created(old)
            .updated(old + chrono::Duration::days(3))
            .creator("hcxus_01jalice000000000000000000")
            .editor("hcxus_01jbob00000000000000000000"),
    );
    c.fake.seed(MockKeySeed::ingest("nobody's", "production").without_creator());
    c.fake.seed_keys(3);
    let key = format!("{}/{}", c.keys(), seeded.id);
    let missing_key = format!("{}/hcxik_01jnosuchkey00000000000000", c.keys());
    let (auth, wrong) = (c.url("/2/auth"), "Bearer hcxmk_01jnotthekey0000000000000000:nope");

    // Successes.
    c.send("getV2Auth", Method::GET, &auth, Body::None).await;
    c.send("listApiKeys", Method::GET, &format!("{}?page[size]=2", c.keys()), Body::None).await;
    c.send("listApiKeys", Method::GET, &c.keys(), Body::None).await;
    c.send("listApiKeys", Method::GET, &format!("{}?filter[type]=configuration", c.keys()), Body::None).await;
    let (status, created) =
        c.send("createApiKey", Method::POST, &c.keys(), Body::Json(c.new_key(&json!("ci"), "ingest"))).await;
    assert_eq!(status, 201, "{created}");
    let config = c.new_key(&json!("cfg"), "configuration");
    let (_, cfg) = c.send("createApiKey", Method::POST, &c.keys(), Body::Json(config)).await;
    // A configuration key's data key is its secret.
    *c.data_key.lock().unwrap() = cfg["data"]["attributes"]["secret"].as_str().unwrap().to_string();
    c.send("getAuth", Method::GET, &c.url("/1/auth"), Body::None).await;
    c.send("getApiKey", Method::GET, &key, Body::None).await;
    let rename =
        json!({"data": {"id": seeded.id, "type": "api-keys", "attributes": {"name": "renamed", "disabled": false}}});
    c.send("updateApiKey", Method::PATCH, &key, Body::Json(rename.clone())).await;
    let created_id = created["data"]["id"].as_str().unwrap();
    c.send("deleteApiKey", Method::DELETE, &format!("{}/{created_id}", c.keys()), Body::None).await;
    c.send("listEnvironments", Method::GET, &format!("{}?page[size]=1", c.envs()), Body::None).await;
    let new_env = json!({"data": {"type": "environments", "attributes": {"name": "QA", "color": "gold"}}});
    let (_, env) = c.send("createEnvironment", Method::POST, &c.envs(), Body::Json(new_env.clone())).await;
    let env_id = env["data"]["id"].as_str().unwrap().to_string();
    let env_url = format!("{}/{env_id}", c.envs());
    c.send("getEnvironment", Method::GET, &env_url, Body::None).await;
    let unprotect = json!({"data": {"id": env_id, "type": "environments",
        "attributes": {"description": "", "settings": {"delete_protected": false}}}});
    c.send("updateEnvironment", Method::PATCH, &env_url, Body::Json(unprotect)).await;
    let protected_env = format!("{}/{}", c.envs(), c.env("staging"));
    c.send("deleteEnvironment", Method::DELETE, &protected_env, Body::None).await; // 409
    c.send("deleteEnvironment", Method::DELETE, &env_url, Body::None).await;

    // The fake's own errors: 400, 401, 404, 409, 413, 415, 422.
    let garbage = || Body::Raw(b"{not json".to_vec(), JSON_API);
    let oversized = || Body::Raw(vec![b' '; BODY_LIMIT + 1], JSON_API);
    let plain = || Body::Raw(b"{}".to_vec(), "application/json");
    for (op, method, url) in [
        ("getV2Auth", Method::GET, auth.clone()),
        ("getAuth", Method::GET, c.url("/1/auth")),
        ("listApiKeys", Method::GET, c.keys()),
        ("createApiKey", Method::POST, c.keys()),
        ("getApiKey", Method::GET, key.clone()),
        ("updateApiKey", Method::PATCH, key.clone()),
        ("deleteApiKey", Method::DELETE, key.clone()),
        ("listEnvironments", Method::GET, c.envs()),
        ("createEnvironment", Method::POST, c.envs()),
        ("getEnvironment", Method::GET, protected_env.clone()),
        ("updateEnvironment", Method::PATCH, protected_env.clone()),
        ("deleteEnvironment", Method::DELETE, protected_env.clone()),
    ] {
        assert_eq!(c.send_as(op, method.clone(), &url, Body::None, wrong).await.0, 401, "{op}");
        if method == Method::POST || method == Method::PATCH {
            assert_eq!(c.send(op, method.clone(), &url, garbage()).await.0, 400, "{op}");
            assert_eq!(c.send(op, method.clone(), &url, oversized()).await.0, 413, "{op}");
            assert_eq!(c.send(op, method.clone(), &url, plain()).await.0, 415, "{op}");
            assert_eq!(c.send(op, method.clone(), &url, Body::Json(json!({"data": 1}))).await.0, 422, "{op}");
        }
        if op != "getV2Auth" && op != "getAuth" {
            let other_team = url.replace("/mock-team/", "/other-team/");
            let body =
                if method == Method::POST || method == Method::PATCH { Body::Json(json!({})) } else { Body::None };
            assert_eq!(c.send(op, method, &other_team, body).await.0, 404, "{op}");
        }
    }
    c.send("getApiKey", Method::GET, &missing_key, Body::None).await;
    c.send("updateApiKey", Method::PATCH, &missing_key, Body::Json(rename)).await;
    c.send("deleteApiKey", Method::DELETE, &missing_key, Body::None).await;
    let missing_env = format!("{}/hcxen_01jnosuchenv00000000000000", c.envs());
    c.send("getEnvironment", Method::GET, &missing_env, Body::None).await;
    c.send("deleteEnvironment", Method::DELETE, &missing_env, Body::None).await;
    c.send("listApiKeys", Method::GET, &format!("{}?page[size]=0", c.keys()), Body::None).await;
    c.send("listApiKeys", Method::GET, &format!("{}?filter[type]=service", c.keys()), Body::None).await;
    c.send("listEnvironments", Method::GET, &format!("{}?page[after]=zz", c.envs()), Body::None).await;
    let long = c.new_key(&json!("x".repeat(101)), "ingest");
    c.send("createApiKey", Method::POST, &c.keys(), Body::Json(long)).await;
    let (status, _) = c
        .send(
            "createEnvironment",
            Method::POST,
            &c.envs(),
            Body::Json(json!({"data": {"type": "environments",
        "attributes": {"name": "Production"}}})),
        )
        .await;
    assert_eq!(status, 409);

    // Faults: every error status the document lists for each operation, before and after
    // processing; then the fake's own rate limit.
    for &(op, operation) in OPERATIONS {
        let (method, url, body) = request_of(&c, op, &seeded.id).await;
        let responses = operation_statuses(op);
        for status in responses.iter().filter(|s| **s >= 400) {
            for after in [false, true] {
                let fault = match *status {
                    429 => Fault::rate_limited(Duration::from_secs(30)),
                    s => Fault::status(s),
                };
                c.fake.fail_next(operation, 1, if after { fault.after_processing() } else { fault });
                let body = match &body {
                    Some(b) => Body::Json(b.clone()),
                    None => Body::None,
                };
                assert_eq!(c.send(op, method.clone(), &url, body).await.0, *status, "{op}");
                if after {
                    break; // once is enough for the request's own effect
                }
            }
        }
        c.fake.rate_limit_per(operation, 1, Duration::from_secs(60));
        for _ in 0..2 {
            let body = body.clone().map_or(Body::None, Body::Json);
            c.send(op, method.clone(), &url, body).await;
        }
        c.fake.rate_limit(operation, None);
    }

    let failures = c.failures.lock().unwrap().clone();
    assert!(failures.is_empty(), "{} answers do not conform:\n{}", failures.len(), failures.join("\n\n"));
    // Every operation of the document was driven to a success and to errors.
    let seen = c.seen.lock().unwrap().clone();
    for &(op, _) in OPERATIONS {
        let statuses: Vec<u16> = seen.iter().filter(|(o, _)| *o == op).map(|(_, s)| *s).collect();
        assert!(statuses.iter().any(|s| *s < 300), "{op}: no success checked ({statuses:?})");
        assert!(statuses.contains(&401) && statuses.contains(&429), "{op}: {statuses:?}");
        for listed in operation_statuses(op) {
            assert!(statuses.contains(&listed), "{op}: status {listed} of the document never checked ({statuses:?})");
        }
    }
    let documented: BTreeSet<&str> = spec()["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let driven: BTreeSet<&str> = OPERATIONS.iter().map(|(op, _)| *op).collect();
    assert_eq!(documented, driven, "every operation of spec/api-keys.yaml is driven here (OPERATIONS)");
}

/// The statuses the document lists for an operation.
fn operation_statuses(op: &str) -> Vec<u16> {
    operation(op)["responses"].as_object().unwrap().keys().filter_map(|s| s.parse().ok()).collect()
}

/// A request that succeeds on `op` (fresh objects for the writes that consume them).
async fn request_of(c: &Checked, op: &str, key_id: &str) -> (Method, String, Option<Value>) {
    let key = format!("{}/{key_id}", c.keys());
    let env = format!("{}/{}", c.envs(), c.env("production"));
    match op {
        "getV2Auth" => (Method::GET, c.url("/2/auth"), None),
        "getAuth" => (Method::GET, c.url("/1/auth"), None),
        "listApiKeys" => (Method::GET, c.keys(), None),
        "createApiKey" => (Method::POST, c.keys(), Some(c.new_key(&json!("faulted"), "ingest"))),
        "getApiKey" => (Method::GET, key, None),
        "updateApiKey" => {
            let body = json!({"data": {"id": key_id, "type": "api-keys", "attributes": {"disabled": true}}});
            (Method::PATCH, key, Some(body))
        }
        "deleteApiKey" => {
            let doomed = c.fake.seed(MockKeySeed::ingest("doomed", "production"));
            (Method::DELETE, format!("{}/{}", c.keys(), doomed.id), None)
        }
        "listEnvironments" => (Method::GET, c.envs(), None),
        "createEnvironment" => {
            (Method::POST, c.envs(), Some(json!({"data": {"type": "environments", "attributes": {"name": "Faulted"}}})))
        }
        "getEnvironment" => (Method::GET, env, None),
        "updateEnvironment" => {
            let id = c.env("production");
            (
                Method::PATCH,
                env,
                Some(json!({"data": {"id": id, "type": "environments", "attributes": {"color": "red"}}})),
            )
        }
        "deleteEnvironment" => {
            let body = json!({"data": {"type": "environments", "attributes": {"name": "Doomed"}}});
            let (_, made) = c.send("createEnvironment", Method::POST, &c.envs(), Body::Json(body)).await;
            let id = made["data"]["id"].as_str().unwrap().to_string();
            let off = json!({"data": {"id": id, "type": "environments", "attributes": {"settings": {"delete_protected": false}}}});
            let url = format!("{}/{id}", c.envs());
            c.send("updateEnvironment", Method::PATCH, &url, Body::Json(off)).await;
            (Method::DELETE, url, None)
        }
        other => panic!("no request for {other}"),
    }
}

/// The check can fail: bodies shaped as the fake used to send them, or as the document
/// does not allow, are refused, naming what is wrong.
#[test]
fn the_conformance_check_refuses_what_the_document_does_not_allow() {
    let key = |relationships: Value| {
        json!({"data": {"id": "hcxik_01jabcdefghjkmnpqrstvwxyz0", "type": "api-keys",
            "attributes": {"name": "k", "key_type": "ingest", "disabled": false,
                "permissions": {"create_datasets": false},
                "timestamps": {"created": "2026-01-02T03:04:05Z", "updated": "2026-01-02T03:04:05Z"}},
            "relationships": relationships,
            "links": {"self": "/2/teams/t/api-keys/hcxik_01jabcdefghjkmnpqrstvwxyz0"}}})
    };
    let env = json!({"data": {"id": "hcxen_01j", "type": "environments"}});
    let user = json!({"data": {"id": "hcxus_01j", "type": "users"}});
    let check = |body: &Value| conforms("getApiKey", 200, JSON_API, body.to_string().as_bytes());

    // What the document allows: a user, or null.
    check(&key(json!({"environment": env, "creator": user, "editor": null}))).unwrap();
    // What the fake used to send: an editor whose data is null.
    let empty_editor = key(json!({"environment": env, "creator": user, "editor": {"data": null}}));
    let err = check(&empty_editor).unwrap_err();
    assert!(err.contains("/data/relationships/editor"), "{err}");
    // A timestamp that is no date-time, a missing environment, an unknown key type.
    let mut bad_time = key(json!({"environment": env}));
    bad_time["data"]["attributes"]["timestamps"]["created"] = json!("yesterday");
    let err = check(&bad_time).unwrap_err();
    assert!(err.contains("yesterday"), "{err}");
    assert!(check(&key(json!({}))).is_err());
    let mut service = key(json!({"environment": env}));
    service["data"]["attributes"]["key_type"] = json!("service");
    assert!(check(&service).is_err());
    // A status or a media type the document does not list, a body where it has none.
    let err = conforms("getApiKey", 503, JSON_API, b"{}").unwrap_err();
    assert!(err.contains("status 503 is not in the document"), "{err}");
    let err = conforms("createApiKey", 415, "application/json", b"{}").unwrap_err();
    assert!(err.contains("media type \"application/json\""), "{err}");
    assert!(conforms("deleteApiKey", 204, "", b"{}").unwrap_err().contains("no body"));
    // An error without the members JSON:API's error objects require here.
    let err = conforms("getApiKey", 404, JSON_API, br#"{"errors": [{"title": "not found"}]}"#).unwrap_err();
    assert!(err.contains("/errors/0"), "{err}");
}

/// A `Fault::rate_limited(300 s)` says the same time in its body's detail and its
/// `Retry-After`: about 300 s from now, not one second.
#[tokio::test]
async fn a_rate_limited_fault_says_one_time_in_its_detail_and_its_retry_after() {
    let c = Checked::start().await;
    c.fake.fail_next(Operation::GetAuth, 1, Fault::rate_limited(Duration::from_secs(300)));
    let response = c.http.get(c.url("/2/auth")).header("Authorization", &c.auth).send().await.unwrap();
    assert_eq!(response.status(), 429);
    let retry_after = response.headers()["retry-after"].to_str().unwrap().to_string();
    assert_eq!(response.headers()["ratelimit"], "limit=100, remaining=0, reset=300");
    let body: Value = response.json().await.unwrap();
    let detail = body["errors"][0]["detail"].as_str().unwrap();
    let said = detail.strip_prefix("Please try again after ").and_then(|d| d.strip_suffix('.')).unwrap();
    let said = chrono::DateTime::parse_from_rfc3339(said).unwrap().with_timezone(&Utc);
    let retry_after: chrono::DateTime<Utc> = httpdate::parse_http_date(&retry_after).unwrap().into();
    assert_eq!(said, retry_after, "{detail} vs Retry-After {retry_after}");
    let wait = said - Utc::now();
    assert!(wait > chrono::Duration::seconds(295) && wait <= chrono::Duration::seconds(301), "{wait}");

    // The fake's own limit says one time too.
    c.fake.rate_limit_per(Operation::GetAuth, 1, Duration::from_secs(60));
    c.http.get(c.url("/2/auth")).header("Authorization", &c.auth).send().await.unwrap();
    let limited = c.http.get(c.url("/2/auth")).header("Authorization", &c.auth).send().await.unwrap();
    let retry_after: chrono::DateTime<Utc> =
        httpdate::parse_http_date(limited.headers()["retry-after"].to_str().unwrap()).unwrap().into();
    let body: Value = limited.json().await.unwrap();
    assert!(
        body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains(&retry_after.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
}
