//! The fake checked against Honeycomb's wire facts with raw HTTP (not through the SDK), so
//! that it cannot drift into agreeing with the SDK's bugs.
#![cfg(feature = "mock")]

use std::time::Duration;

use honeycomb_api_keys::{
    Operation,
    mock::{BODY_LIMIT, Fault, MockHoneycomb},
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const JSON_API: &str = "application/vnd.api+json";

struct Wire {
    fake: MockHoneycomb,
    http: reqwest::Client,
    auth: String,
}

impl Wire {
    async fn start() -> Self {
        let fake = MockHoneycomb::start().await;
        let (id, secret) = fake.management_key();
        let auth = format!("Bearer {id}:{secret}");
        Wire { fake, http: reqwest::Client::new(), auth }
    }

    fn keys_url(&self) -> String {
        format!("{}/2/teams/mock-team/api-keys", self.fake.uri())
    }

    fn env(&self) -> String {
        self.fake.environment_id("production").unwrap()
    }

    /// Sends a request; returns status, content type and JSON body (Null when empty).
    async fn send(&self, method: Method, url: &str, body: Option<Value>) -> (StatusCode, String, Value) {
        let mut request = self.http.request(method, url).header("Authorization", &self.auth);
        if let Some(body) = body {
            request = request.header("Content-Type", JSON_API).body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let content_type =
            response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        (status, content_type, body)
    }

    async fn create(&self, name: &str, key_type: &str, permissions: Option<Value>) -> (StatusCode, Value) {
        let mut attributes = json!({"name": name, "key_type": key_type});
        if let Some(p) = permissions {
            attributes["permissions"] = p;
        }
        let body = json!({"data": {"type": "api-keys", "attributes": attributes,
            "relationships": {"environment": {"data": {"type": "environments", "id": self.env()}}}}});
        let (status, _, body) = self.send(Method::POST, &self.keys_url(), Some(body)).await;
        (status, body)
    }
}

fn pointer(body: &Value) -> &str {
    body["errors"][0]["source"]["pointer"].as_str().unwrap_or("")
}

#[tokio::test]
async fn auth_names_the_team_only_in_included() {
    let w = Wire::start().await;
    let (status, content_type, body) = w.send(Method::GET, &format!("{}/2/auth", w.fake.uri()), None).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, JSON_API);
    assert_eq!(body["data"]["type"], "api-keys");
    assert_eq!(body["data"]["attributes"]["key_type"], "management");
    assert!(body["data"]["attributes"].get("slug").is_none());
    let team_id = &body["data"]["relationships"]["team"]["data"]["id"];
    let team =
        body["included"].as_array().unwrap().iter().find(|i| i["type"] == "teams" && &i["id"] == team_id).unwrap();
    assert_eq!(team["attributes"]["slug"], "mock-team");
}

#[tokio::test]
async fn a_wrong_credential_gets_the_live_401() {
    let w = Wire::start().await;
    let response = w.http.get(w.keys_url()).header("Authorization", "Bearer hcxmk_x:wrong").send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["content-type"], JSON_API);
    let body: Value = response.json().await.unwrap();
    let e = &body["errors"][0];
    assert_eq!((e["status"].as_str(), e["code"].as_str()), (Some("401"), Some("unauthenticated/invalid-key")));
    assert_eq!(e["title"], "invalid API key");
    assert_eq!(e["source"]["header"], "Authorization");
    assert_eq!(e["id"].as_str().unwrap().len(), 32);
    let no_header = w.http.get(w.keys_url()).send().await.unwrap();
    assert_eq!(no_header.status(), 401);
}

#[tokio::test]
async fn create_returns_201_with_the_secret_and_nothing_else_ever_does() {
    let w = Wire::start().await;
    let (status, created) = w.create("ingest one", "ingest", None).await;
    assert_eq!(status, 201);
    let data = &created["data"];
    let id = data["id"].as_str().unwrap();
    assert!(id.starts_with("hcxik_") && id.len() == 32, "{id}");
    let secret = data["attributes"]["secret"].as_str().unwrap();
    assert_eq!(id.len() + secret.len(), 64);
    assert_eq!(data["attributes"]["disabled"], false);
    assert_eq!(data["attributes"]["permissions"], json!({"create_datasets": false}));
    assert!(data["attributes"]["timestamps"]["created"].as_str().unwrap().ends_with('Z'));
    assert!(data["attributes"].get("created_at").is_none());
    assert_eq!(data["relationships"]["environment"]["data"]["id"], w.env());
    assert_eq!(data["links"]["self"], format!("/2/teams/mock-team/api-keys/{id}"));

    let (_, _, got) = w.send(Method::GET, &format!("{}/{id}", w.keys_url()), None).await;
    assert!(got["data"]["attributes"].get("secret").is_none());
    let (_, _, listed) = w.send(Method::GET, &w.keys_url(), None).await;
    assert!(listed["data"][0]["attributes"].get("secret").is_none());

    let (status, config) = w.create("config", "configuration", Some(json!({"run_queries": true}))).await;
    assert_eq!(status, 201);
    assert!(config["data"]["id"].as_str().unwrap().starts_with("hcxlk_"));
    let permissions = &config["data"]["attributes"]["permissions"];
    assert_eq!(
        *permissions,
        crate::common::config_permissions(&["run_queries"]),
        "configuration keys carry every permission"
    );
    assert_eq!(permissions["manage_privateBoards"], false);
    assert_eq!(permissions["manage_signals"], false);
}

#[tokio::test]
async fn invalid_creates_get_422_with_a_pointer() {
    let w = Wire::start().await;
    let long = "n".repeat(101);
    for (name, key_type, expected) in [
        ("", "ingest", "/data/attributes/name"),
        ("   ", "ingest", "/data/attributes/name"),
        (long.as_str(), "ingest", "/data/attributes/name"),
        ("ok", "management", "/data/attributes/key_type"),
    ] {
        let (status, body) = w.create(name, key_type, None).await;
        assert_eq!(status, 422, "{name:?} {key_type}");
        assert_eq!(pointer(&body), expected);
        assert_eq!(body["errors"][0]["code"], "validation-failed/invalid");
    }
    let (status, body) = w.create("ingest", "ingest", Some(json!({"run_queries": true}))).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/attributes/permissions/run_queries"));

    let no_env =
        json!({"data": {"type": "api-keys", "attributes": {"name": "x", "key_type": "ingest"}, "relationships": {}}});
    let (status, _, body) = w.send(Method::POST, &w.keys_url(), Some(no_env)).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/relationships/environment/data/id"));
    let unknown_env = json!({"data": {"type": "api-keys", "attributes": {"name": "x", "key_type": "ingest"},
        "relationships": {"environment": {"data": {"type": "environments", "id": "hcxen_nope"}}}}});
    let (status, _, body) = w.send(Method::POST, &w.keys_url(), Some(unknown_env)).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/relationships/environment/data/id"));
    assert!(w.fake.keys().is_empty(), "nothing invalid was stored");
}

#[tokio::test]
async fn wrong_media_type_is_415_and_oversized_bodies_are_413() {
    let w = Wire::start().await;
    let body = json!({"data": {"type": "api-keys", "attributes": {"name": "x", "key_type": "ingest"}}}).to_string();
    let response = w
        .http
        .post(w.keys_url())
        .header("Authorization", &w.auth)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(response.headers()["content-type"], JSON_API);

    let huge =
        json!({"data": {"type": "api-keys", "attributes": {"name": "x".repeat(BODY_LIMIT), "key_type": "ingest"}}});
    let (status, content_type, body) = w.send(Method::POST, &w.keys_url(), Some(huge)).await;
    assert_eq!(status, 413);
    assert_eq!(content_type, "application/json");
    assert_eq!(body["status"], 413);

    let (status, _, _) = w.send(Method::POST, &w.keys_url(), None).await;
    assert_eq!(status, 415, "a POST without a body has no JSON:API media type either");
    let garbage = w
        .http
        .post(w.keys_url())
        .header("Authorization", &w.auth)
        .header("Content-Type", JSON_API)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
}

#[tokio::test]
async fn list_pages_by_20_by_default_with_relative_next_links_to_a_null_end() {
    let w = Wire::start().await;
    w.fake.seed_keys(45);
    let (_, _, first) = w.send(Method::GET, &w.keys_url(), None).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 20);
    let next = first["links"]["next"].as_str().unwrap();
    assert!(next.starts_with("/2/teams/mock-team/api-keys?"), "{next}");
    assert!(next.contains("page[after]=") && next.contains("page[size]=20"), "{next}");

    let mut seen = first["data"].as_array().unwrap().len();
    let mut link = next.to_string();
    loop {
        let (_, _, page) = w.send(Method::GET, &format!("{}{link}", w.fake.uri()), None).await;
        seen += page["data"].as_array().unwrap().len();
        match page["links"]["next"].as_str() {
            Some(next) => link = next.to_string(),
            None => {
                assert!(page["links"]["next"].is_null());
                break;
            }
        }
    }
    assert_eq!(seen, 45);
}

#[tokio::test]
async fn list_sizes_over_100_are_rejected_and_the_filter_is_kept_in_next() {
    let w = Wire::start().await;
    for bad in ["0", "101", "10.0", "x"] {
        let (status, _, body) = w.send(Method::GET, &format!("{}?page%5Bsize%5D={bad}", w.keys_url()), None).await;
        assert_eq!(status, 422, "{bad}");
        assert_eq!(body["errors"][0]["source"]["parameter"], "page[size]");
    }
    w.fake.seed_keys(3);
    for _ in 0..3 {
        w.create("c", "configuration", None).await;
    }
    let (_, _, page) =
        w.send(Method::GET, &format!("{}?filter[type]=configuration&page[size]=2", w.keys_url()), None).await;
    assert!(page["data"].as_array().unwrap().iter().all(|k| k["attributes"]["key_type"] == "configuration"));
    assert!(page["links"]["next"].as_str().unwrap().contains("filter[type]=configuration"));
    let (status, _, _) = w.send(Method::GET, &format!("{}?filter[type]=management", w.keys_url()), None).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn update_merges_permissions_tolerates_a_null_environment_and_moves_updated() {
    let w = Wire::start().await;
    let (_, created) = w.create("c", "configuration", Some(json!({"run_queries": true, "manage_boards": true}))).await;
    let id = created["data"]["id"].as_str().unwrap().to_string();
    let before = created["data"]["attributes"]["timestamps"]["updated"].as_str().unwrap().to_string();
    let patch = json!({"data": {"id": id, "type": "api-keys",
        "attributes": {"name": "renamed", "disabled": true, "permissions": {"manage_boards": false, "manage_slos": true}},
        "relationships": {"environment": {"data": null}}}});
    let (status, _, body) = w.send(Method::PATCH, &format!("{}/{id}", w.keys_url()), Some(patch)).await;
    assert_eq!(status, 200);
    let a = &body["data"]["attributes"];
    assert_eq!((a["name"].as_str(), a["disabled"].as_bool()), (Some("renamed"), Some(true)));
    assert_eq!(a["permissions"]["run_queries"], true, "omitted permissions keep their value");
    assert_eq!(a["permissions"]["manage_boards"], false);
    assert_eq!(a["permissions"]["manage_slos"], true);
    assert!(a.get("secret").is_none());
    assert!(a["timestamps"]["updated"].as_str().unwrap() > before.as_str());

    let retype = json!({"data": {"id": id, "type": "api-keys", "attributes": {"key_type": "ingest"}}});
    let (status, _, body) = w.send(Method::PATCH, &format!("{}/{id}", w.keys_url()), Some(retype)).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/attributes/key_type"));
    let move_env = json!({"data": {"id": id, "type": "api-keys", "attributes": {},
        "relationships": {"environment": {"data": {"type": "environments", "id": w.fake.environment_id("staging").unwrap()}}}}});
    let (status, _, _) = w.send(Method::PATCH, &format!("{}/{id}", w.keys_url()), Some(move_env)).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn ingest_keys_reject_permission_updates() {
    let w = Wire::start().await;
    let (_, created) = w.create("i", "ingest", None).await;
    let id = created["data"]["id"].as_str().unwrap();
    let patch =
        json!({"data": {"id": id, "type": "api-keys", "attributes": {"permissions": {"create_datasets": true}}}});
    let (status, _, body) = w.send(Method::PATCH, &format!("{}/{id}", w.keys_url()), Some(patch)).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/attributes/permissions"));
}

#[tokio::test]
async fn delete_is_204_without_a_body_then_404() {
    let w = Wire::start().await;
    let (_, created) = w.create("d", "ingest", None).await;
    let url = format!("{}/{}", w.keys_url(), created["data"]["id"].as_str().unwrap());
    let (status, _, body) = w.send(Method::DELETE, &url, None).await;
    assert_eq!((status.as_u16(), body), (204, Value::Null));
    let (status, content_type, body) = w.send(Method::GET, &url, None).await;
    assert_eq!((status.as_u16(), content_type.as_str()), (404, JSON_API));
    assert_eq!(body["errors"][0]["status"], "404");
    assert_eq!(w.send(Method::DELETE, &url, None).await.0, 404);
}

#[tokio::test]
async fn rate_limits_send_honeycombs_headers_and_429s_when_enforced() {
    let w = Wire::start().await;
    let response = w.http.get(w.keys_url()).header("Authorization", &w.auth).send().await.unwrap();
    assert!(response.headers().get("ratelimit").is_none(), "no limit enforced, no headers (tests run at full speed)");

    w.fake.rate_limit(Operation::ListApiKeys, Some(3));
    let mut responses = Vec::new();
    for _ in 0..4 {
        responses.push(w.http.get(w.keys_url()).header("Authorization", &w.auth).send().await.unwrap());
    }
    assert_eq!(responses.iter().map(|r| r.status().as_u16()).collect::<Vec<_>>(), [200, 200, 200, 429]);
    assert_eq!(responses[0].headers()["ratelimit"], "limit=3, remaining=2, reset=60");
    assert_eq!(responses[2].headers()["ratelimit"], "limit=3, remaining=0, reset=60");
    assert_eq!(responses[0].headers()["ratelimit-policy"], "3;w=60");
    let limited = responses.pop().unwrap();
    assert!(httpdate::parse_http_date(limited.headers()["retry-after"].to_str().unwrap()).is_ok());
    assert_eq!(limited.headers()["content-type"], JSON_API);
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "rate-limited/may-retry");
    assert!(body["errors"][0]["detail"].as_str().unwrap().starts_with("Please try again after "));
    // Other operations have their own window; a minute later the list works again.
    assert_eq!(w.send(Method::GET, &format!("{}/2/auth", w.fake.uri()), None).await.0, 200);
    w.fake.advance_clock(Duration::from_secs(61));
    assert_eq!(w.send(Method::GET, &w.keys_url(), None).await.0, 200);
    // A wrong credential is refused before it is counted.
    let wrong = w.http.get(w.keys_url()).header("Authorization", "Bearer hcxmk_x:nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn an_injected_429_carries_its_own_rate_limit_headers() {
    let w = Wire::start().await;
    w.fake.rate_limit(Operation::ListApiKeys, Some(100));
    w.fake.fail_next(Operation::ListApiKeys, 1, Fault::rate_limited(Duration::from_secs(5)));
    let response = w.http.get(w.keys_url()).header("Authorization", &w.auth).send().await.unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["ratelimit"], "limit=100, remaining=0, reset=5", "the fault's header wins");
    let wait = httpdate::parse_http_date(response.headers()["retry-after"].to_str().unwrap()).unwrap();
    let secs = wait.duration_since(std::time::SystemTime::now()).unwrap_or_default().as_secs();
    assert!((3..=5).contains(&secs), "{secs}");
}

#[tokio::test]
async fn faults_replace_answers_and_the_log_counts_every_request() {
    let w = Wire::start().await;
    w.fake.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
    assert_eq!(w.create("k", "ingest", None).await.0, 500);
    assert!(w.fake.keys().is_empty(), "a failed create stores nothing");
    w.fake.fail_next(Operation::CreateApiKey, 1, Fault::status(502).after_processing());
    assert_eq!(w.create("k", "ingest", None).await.0, 502);
    assert_eq!(w.fake.keys().len(), 1, "a lost answer still created the key");
    assert_eq!(w.create("k", "ingest", None).await.0, 201);
    w.fake.fail_next(Operation::GetApiKey, 1, Fault::status(502).body("<html>Bad Gateway</html>", "text/html"));
    let response =
        w.http.get(format!("{}/whatever", w.keys_url())).header("Authorization", &w.auth).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.text().await.unwrap(), "<html>Bad Gateway</html>");
    assert_eq!(w.fake.count(Operation::CreateApiKey), 3);
    assert_eq!(w.fake.count(Operation::GetApiKey), 1);
    let requests = w.fake.requests();
    assert_eq!(requests.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 502, 201, 502]);
    assert_eq!(requests[0].content_type.as_deref(), Some(JSON_API));
    let sent: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(sent["data"]["attributes"]["name"], "k");
}

#[tokio::test]
async fn delays_hold_the_answer_back() {
    let w = Wire::start().await;
    w.fake.delay(Operation::GetAuth, Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert_eq!(w.send(Method::GET, &format!("{}/2/auth", w.fake.uri()), None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn malformed_requests_never_break_the_fake() {
    let w = Wire::start().await;
    let env = w.env();
    for (method, path, body, expected) in [
        (Method::PATCH, "/2/teams/mock-team/api-keys/%2e%2e", Some(json!([])), 404),
        (Method::POST, "/2/teams/mock-team/api-keys", Some(json!({"data": []})), 422),
        (
            Method::POST,
            "/2/teams/mock-team/api-keys",
            Some(json!({"data": {"type": "api-keys", "attributes": {"name": 7}}})),
            422,
        ),
        (
            Method::POST,
            "/2/teams/mock-team/api-keys",
            Some(json!({"data": {"type": "api-keys", "attributes": {"name": "x", "key_type": "ingest"},
                "relationships": {"environment": {"data": {"id": env, "type": "users"}}}}})),
            422,
        ),
        (Method::GET, "/2/teams/other-team/api-keys", None, 404),
        (Method::PUT, "/2/teams/mock-team/api-keys", None, 404),
        (Method::GET, "/2/teams/mock-team/api-keys?page%5Bafter%5D=zz", None, 422),
        (Method::GET, "/2/teams/mock-team/environments?page%5Bafter%5D=ffffffffffffffff&page%5Bsize%5D=100", None, 200),
        (Method::GET, "/2/teams/mock-team/api-keys?page%5Bafter%5D=ffffffffffffffff", None, 200),
        (Method::GET, "/", None, 404),
    ] {
        let (status, _, _) = w.send(method.clone(), &format!("{}{path}", w.fake.uri()), body).await;
        assert_eq!(status.as_u16(), expected, "{method} {path}");
    }
    let odd = json!({"data": {"type": "api-keys", "attributes": {"name": "x", "key_type": "configuration",
        "permissions": {"a/b~c": true}},
        "relationships": {"environment": {"data": {"id": env, "type": "environments"}}}}});
    let (status, _, body) = w.send(Method::POST, &w.keys_url(), Some(odd)).await;
    assert_eq!((status.as_u16(), pointer(&body)), (422, "/data/attributes/permissions/a~1b~0c"));
    assert_eq!(w.send(Method::GET, &format!("{}/2/auth", w.fake.uri()), None).await.0, 200, "still serving");
}

#[tokio::test]
async fn dropping_the_fake_shuts_it_down() {
    let fake = MockHoneycomb::start().await;
    let uri = fake.uri();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(reqwest::get(format!("{uri}/2/auth")).await.is_err());
}
