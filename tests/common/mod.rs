//! Fixtures shared by the integration tests: a wiremock server, clients pointed at it,
//! and JSON:API documents shaped like Honeycomb's (see the wire facts in spec/README.md).
#![allow(dead_code)]

use honeycomb_api_keys::{Client, ClientBuilder, ManualClock, RetryConfig};

mod fixtures;
pub use fixtures::*;
use serde_json::Value;
use wiremock::{MockServer, ResponseTemplate};

/// A builder for `server`, on a manual clock (retries and pacing never wait for real).
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder().management_key(MGMT_ID, CANARY).endpoint(server.uri()).clock(ManualClock::new())
}

/// A client for `server` with the team given explicitly (default retry policy).
pub fn client(server: &MockServer) -> Client {
    builder(server).team(TEAM).build().unwrap()
}

/// A client for `server` that never retries: one request per call.
pub fn no_retry_client(server: &MockServer) -> Client {
    builder(server).team(TEAM).retry(RetryConfig::disabled()).build().unwrap()
}

/// A client for `server` that detects its team through `/2/auth`.
pub fn detecting_client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// A JSON:API response with the wire's exact media type.
pub fn jsonapi(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(serde_json::to_vec(&body).unwrap(), JSON_API)
}

/// Every permission of the spec (a configuration key's wire object carries all of them),
/// with those in `granted` set to true.
pub fn config_permissions(granted: &[&str]) -> Value {
    let names = spec_permissions().into_iter();
    Value::Object(names.map(|name| (name.clone(), Value::Bool(granted.contains(&name.as_str())))).collect())
}

/// What the published spec accepts, as `build.rs` read it (permission names, key types,
/// `filter[type]` values, colours): the same lists the fake uses.
#[allow(dead_code)]
pub mod spec_lists {
    include!(concat!(env!("OUT_DIR"), "/spec_lists.rs"));
}

/// Every permission name the spec lists (ingest and configuration keys, requests and
/// answers), sorted.
pub fn spec_permissions() -> std::collections::BTreeSet<String> {
    spec_lists::SPEC_PERMISSIONS.iter().map(|name| name.to_string()).collect()
}

pub fn config_key(id: &str, name: &str, granted: &[&str]) -> Value {
    key_object(id, name, "configuration", config_permissions(granted))
}

/// Asserts that the server received no request at all.
pub async fn assert_no_requests(server: &MockServer) {
    let received = server.received_requests().await.unwrap_or_default();
    assert!(
        received.is_empty(),
        "expected no request, got {} ({:?})",
        received.len(),
        received.first().map(|r| r.url.to_string())
    );
}

/// Headers every request carries, and the ones the generator adds that must not leave.
pub async fn assert_common_headers(server: &MockServer, with_body: bool) {
    let requests = server.received_requests().await.unwrap();
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(r.headers["authorization"], format!("Bearer {MGMT_ID}:{CANARY}").as_str());
        assert_eq!(r.headers["accept"], JSON_API);
        assert!(r.headers.get("api-version").is_none(), "the generator's api-version header leaked");
        assert!(r.headers["user-agent"].to_str().unwrap().starts_with("honeycomb-api-keys/"));
        if with_body {
            assert_eq!(r.headers["content-type"], JSON_API);
        } else {
            assert!(r.headers.get("content-type").is_none());
        }
    }
}

/// The `links.next` Honeycomb would send for cursor `cursor` of the key list.
pub fn next_link(cursor: &str) -> String {
    format!("/2/teams/{TEAM}/api-keys?page[after]={cursor}&page[size]=100")
}

/// Serves one page of the key list: the first page when `after` is `None` (no cursor
/// sent), else the page for cursor `after`.
pub async fn mount_key_page(server: &MockServer, after: Option<&str>, response: ResponseTemplate) {
    use wiremock::{
        Mock,
        matchers::{path, query_param, query_param_is_missing},
    };
    let mock = Mock::given(path(keys_path()));
    let mock = match after {
        None => mock.and(query_param_is_missing("page[after]")),
        Some(cursor) => mock.and(query_param("page[after]", cursor)),
    };
    mock.respond_with(response).mount(server).await;
}
