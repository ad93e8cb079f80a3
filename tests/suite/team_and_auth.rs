//! `/2/auth`, team detection (once, shared, not caching failures) and environments.

use std::time::Duration;

use crate::common::*;
use futures::TryStreamExt;
use honeycomb_api_keys::Error;
use serde_json::json;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path, query_param, query_param_is_missing},
};

#[tokio::test]
async fn auth_decodes_the_key_its_scopes_and_the_team_from_included() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/2/auth")).respond_with(jsonapi(200, auth_body(TEAM))).mount(&server).await;
    let me = client(&server).auth().await.unwrap();
    assert_common_headers(&server, false).await;
    assert_eq!(me.key_id, MGMT_ID);
    assert_eq!(me.key_type.as_deref(), Some("management"));
    assert_eq!(me.name.as_deref(), Some("mgmt write key"));
    assert!(!me.disabled);
    assert!(me.has_scope("api-keys:write") && !me.has_scope("markers:write"));
    // The team is the included entry the relationship points to, not the first one.
    assert_eq!(me.team.slug, TEAM);
    assert_eq!(me.team.name.as_deref(), Some("My Team"));
    assert_eq!(me.created.unwrap().to_rfc3339(), "2022-09-22T17:32:11+00:00");
}

#[tokio::test]
async fn auth_without_a_team_in_included_is_a_clear_error() {
    let server = MockServer::start().await;
    let mut body = auth_body(TEAM);
    body["included"] = json!([]);
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, body)).mount(&server).await;
    let err = detecting_client(&server).api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::TeamNotFound), "{err:?}");
    assert!(err.to_string().contains("HONEYCOMB_TEAM"), "{err}");
}

#[tokio::test]
async fn the_team_is_detected_once_for_a_client_and_its_clones() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, auth_body("detected"))).expect(1).mount(&server).await;
    Mock::given(path(format!("/2/teams/detected/api-keys/{INGEST_ID}")))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .expect(3)
        .mount(&server)
        .await;
    let client = detecting_client(&server);
    let clone = client.clone();
    client.api_keys().get(INGEST_ID).await.unwrap();
    clone.api_keys().get(INGEST_ID).await.unwrap();
    client.api_keys().get(INGEST_ID).await.unwrap();
    assert_eq!(clone.resolve_team().await.unwrap(), "detected");
}

#[tokio::test]
async fn concurrent_first_calls_share_one_auth_request() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth"))
        .respond_with(jsonapi(200, auth_body(TEAM)).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .expect(8)
        .mount(&server)
        .await;
    let client = detecting_client(&server);
    let calls = (0..8).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.api_keys().get(INGEST_ID).await })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
}

#[tokio::test]
async fn a_failed_detection_is_not_remembered() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth"))
        .respond_with(jsonapi(403, error_body(403, "forbidden", "forbidden", None, None)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, auth_body(TEAM))).mount(&server).await;
    let client = detecting_client(&server);
    assert_eq!(client.resolve_team().await.unwrap_err().status().map(|s| s.as_u16()), Some(403));
    assert_eq!(client.resolve_team().await.unwrap(), TEAM);
    assert_eq!(client.resolve_team().await.unwrap(), TEAM);
    let auth_calls = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/2/auth").count();
    assert_eq!(auth_calls, 2);
}

#[tokio::test]
async fn an_explicit_team_never_asks_auth() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, auth_body("x"))).expect(0).mount(&server).await;
    Mock::given(path(keys_path())).respond_with(jsonapi(200, page(vec![], None))).expect(1).mount(&server).await;
    assert!(client(&server).api_keys().list().collect().await.unwrap().is_empty());
}

fn environment(id: &str, name: &str, slug: &str) -> serde_json::Value {
    json!({
        "id": id, "type": "environments",
        "attributes": {"name": name, "slug": slug, "description": "", "color": "lightGreen",
                       "settings": {"delete_protected": true}},
        "links": {"self": format!("/2/teams/{TEAM}/environments/{id}")}
    })
}

async fn mount_environments(server: &MockServer) {
    let envs_path = format!("/2/teams/{TEAM}/environments");
    Mock::given(path(envs_path.clone()))
        .and(query_param_is_missing("page[after]"))
        .respond_with(jsonapi(
            200,
            json!({"data": [environment("hcxen_a", "Staging", "staging")],
                   "links": {"next": format!("{envs_path}?page%5Bafter%5D=p2&page%5Bsize%5D=100")}}),
        ))
        .mount(server)
        .await;
    Mock::given(path(envs_path))
        .and(query_param("page[after]", "p2"))
        .respond_with(jsonapi(
            200,
            json!({"data": [environment(ENV_ID, "Production", "production")], "links": {"next": null}}),
        ))
        .mount(server)
        .await;
}

#[tokio::test]
async fn environments_list_across_pages_with_the_shared_pagination() {
    let server = MockServer::start().await;
    mount_environments(&server).await;
    let envs: Vec<_> = client(&server).environments().list().items().try_collect().await.unwrap();
    assert_common_headers(&server, false).await;
    let queries: Vec<_> =
        server.received_requests().await.unwrap().iter().map(|r| r.url.query().unwrap_or("").to_string()).collect();
    assert_eq!(queries, ["page%5Bsize%5D=100", "page%5Bafter%5D=p2&page%5Bsize%5D=100"]);
    assert_eq!(envs.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(), ["staging", "production"]);
    assert_eq!(envs[1].id.as_str(), ENV_ID);
    assert_eq!(envs[1].color.as_deref(), Some("lightGreen"));
    assert_eq!(envs[1].delete_protected, Some(true));
}

#[tokio::test]
async fn environments_can_be_found_by_name_or_slug() {
    let server = MockServer::start().await;
    mount_environments(&server).await;
    let envs = client(&server).environments();
    assert_eq!(envs.find("production").await.unwrap().unwrap().id.as_str(), ENV_ID);
    assert_eq!(envs.find("PRODUCTION").await.unwrap().unwrap().id.as_str(), ENV_ID);
    assert_eq!(envs.find("Staging").await.unwrap().unwrap().slug, "staging");
    assert!(envs.find("nope").await.unwrap().is_none());
    assert!(envs.find("  ").await.unwrap_err().is_invalid_argument());
}

#[tokio::test]
async fn one_environment_by_id() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/2/teams/{TEAM}/environments/{ENV_ID}")))
        .respond_with(jsonapi(200, json!({"data": environment(ENV_ID, "Production", "production")})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(format!("/2/teams/{TEAM}/environments/hcxen_gone")))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let envs = client(&server).environments();
    assert_eq!(envs.get(ENV_ID).await.unwrap().name, "Production");
    assert_common_headers(&server, false).await;
    assert!(envs.get("hcxen_gone").await.unwrap_err().is_not_found());
}
