//! Bad input is rejected with an error naming the field, and nothing reaches the wire.

use crate::common::*;
use futures::StreamExt;
use honeycomb_api_keys::{ApiKeyUpdate, Client, Error, KeyType, NewApiKey, Permission, Permissions};
use wiremock::MockServer;

fn field_of(err: &Error) -> &'static str {
    match err {
        Error::InvalidArgument { field, .. } => field,
        other => panic!("expected an invalid-argument error, got {other:?}"),
    }
}

const BAD_IDS: &[&str] = &["", ".", "..", "%2e%2e", "a/b", "../../2/auth", "x?y", "a#b", "a b", "a%2fb", "hcxik_\u{0}"];

#[tokio::test]
async fn bad_key_ids_never_reach_the_url() {
    let server = MockServer::start().await;
    let keys = client(&server).api_keys();
    let long = "a".repeat(1000);
    for id in BAD_IDS.iter().copied().chain([long.as_str()]) {
        assert_eq!(field_of(&keys.get(id).await.unwrap_err()), "id", "get {id:?}");
        assert_eq!(field_of(&keys.get_opt(id).await.unwrap_err()), "id", "get_opt {id:?}");
        assert_eq!(field_of(&keys.update(id, ApiKeyUpdate::new().disable()).await.unwrap_err()), "id", "update {id:?}");
        assert_eq!(field_of(&keys.delete(id).await.unwrap_err()), "id", "delete {id:?}");
    }
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn a_pasted_secret_as_an_id_is_rejected_without_being_echoed() {
    let server = MockServer::start().await;
    let pasted = format!("{INGEST_ID}{CANARY}-with-dash");
    let err = client(&server).api_keys().get(&pasted).await.unwrap_err();
    assert_eq!(field_of(&err), "id");
    assert!(!format!("{err} {err:?}").contains(CANARY), "{err}");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn blank_or_long_names_are_rejected_on_create_and_update() {
    let server = MockServer::start().await;
    let keys = client(&server).api_keys();
    for name in ["", "   ", "\t\n", &"n".repeat(101)] {
        let err = keys.create(NewApiKey::ingest(name, ENV_ID)).await.unwrap_err();
        assert_eq!(field_of(&err), "name", "{name:?}");
        let err = keys.update(INGEST_ID, ApiKeyUpdate::new().name(name)).await.unwrap_err();
        assert_eq!(field_of(&err), "name", "{name:?}");
    }
    let err = keys.create(NewApiKey::ingest("n".repeat(101), ENV_ID)).await.unwrap_err();
    assert_eq!(err.to_string(), "invalid `name`: is 101 characters long; Honeycomb accepts at most 100");
    assert!(include_str!("../../README.md").contains(&format!("\n{err}\n")), "README.md shows this message");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn configuration_permissions_on_an_ingest_key_are_rejected() {
    let server = MockServer::start().await;
    let keys = client(&server).api_keys();
    let err = keys
        .create(
            NewApiKey::ingest("k", ENV_ID).permissions(Permissions::builder().create_datasets().run_queries().build()),
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "permissions");
    assert!(err.to_string().contains("run_queries") && err.to_string().contains("configuration"), "{err}");
    let err = keys.update(INGEST_ID, ApiKeyUpdate::new().grant(Permission::CreateDatasets)).await.unwrap_err();
    assert_eq!(field_of(&err), "permissions");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn bad_environment_ids_are_rejected() {
    let server = MockServer::start().await;
    let c = client(&server);
    for env in ["", "../x", "env id"] {
        let err = c.api_keys().create(NewApiKey::ingest("k", env)).await.unwrap_err();
        assert_eq!(field_of(&err), "environment_id", "{env:?}");
        let err = c.environments().get(env).await.unwrap_err();
        assert_eq!(field_of(&err), "environment_id", "{env:?}");
    }
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn page_sizes_outside_1_to_100_are_rejected_before_any_request() {
    let server = MockServer::start().await;
    let c = client(&server);
    for size in [0, 101, 1000] {
        let err = c.api_keys().list().page_size(size).collect().await.unwrap_err();
        assert_eq!(field_of(&err), "page_size");
        let err = c.environments().list().page_size(size).collect().await.unwrap_err();
        assert_eq!(field_of(&err), "page_size");
    }
    let results: Vec<_> = c.api_keys().list().page_size(0).items().collect().await;
    assert_eq!(results.len(), 1, "one error, then the stream ends");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn an_unknown_key_type_cannot_be_filtered_on() {
    let server = MockServer::start().await;
    let err = client(&server).api_keys().list().key_type(KeyType::Other("x".into())).collect().await.unwrap_err();
    assert_eq!(field_of(&err), "key_type");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn bad_team_slugs_are_rejected() {
    let server = MockServer::start().await;
    let c = client(&server);
    for team in ["", "..", "a/b", "t?x=1"] {
        let err = c.api_keys().for_team(team).get(INGEST_ID).await.unwrap_err();
        assert_eq!(field_of(&err), "team", "{team:?}");
    }
    let err =
        Client::builder().management_key(MGMT_ID, CANARY).endpoint(server.uri()).team("../x").build().unwrap_err();
    assert_eq!(field_of(&err), "team");
    assert_no_requests(&server).await;
}

#[tokio::test]
async fn endpoints_that_are_not_http_are_rejected_at_build() {
    for endpoint in ["ftp://api.honeycomb.io", "javascript:alert(1)", "not a url", "https://"] {
        let err = Client::builder().management_key(MGMT_ID, CANARY).endpoint(endpoint).build().unwrap_err();
        assert_eq!(field_of(&err), "endpoint", "{endpoint:?}");
    }
}

#[test]
fn plain_http_to_another_machine_is_refused_at_build_unless_allowed() {
    // Nothing listens there, and nothing is sent: the refusal comes from `build`.
    for remote in ["http://10.1.2.3", "http://example.com", "http://example.com:8080/honeycomb", "http://[2001:db8::1]"]
    {
        let err = Client::builder().management_key(MGMT_ID, CANARY).endpoint(remote).build().unwrap_err();
        assert_eq!(field_of(&err), "endpoint", "{remote}");
        let message = err.to_string();
        assert!(message.contains("use https") && message.contains("allow_insecure_http(true)"), "{message}");
        assert!(!format!("{message} {err:?}").contains(CANARY), "{message}");
        let allowed = Client::builder().management_key(MGMT_ID, CANARY).endpoint(remote).allow_insecure_http(true);
        let client = allowed.build().unwrap_or_else(|e| panic!("{remote}: {e}"));
        assert_eq!(client.endpoint().scheme(), "http");
    }
    let port = 9;
    for local in [
        format!("http://127.0.0.1:{port}"),
        format!("http://127.0.0.2:{port}"),
        format!("http://127.255.255.254:{port}"),
        format!("http://[::1]:{port}"),
        format!("http://localhost:{port}"),
    ] {
        let client = Client::builder().management_key(MGMT_ID, CANARY).endpoint(&local).build();
        assert!(client.is_ok(), "{local}: {:?}", client.err());
    }
    // https anywhere; and the opt-in does not let another scheme through.
    assert!(Client::builder().management_key(MGMT_ID, CANARY).endpoint("https://example.com").build().is_ok());
    let ftp = Client::builder().management_key(MGMT_ID, CANARY).endpoint("ftp://example.com").allow_insecure_http(true);
    assert_eq!(field_of(&ftp.build().unwrap_err()), "endpoint");
    // A look-alike of localhost is another machine.
    for lookalike in ["http://localhost.example.com", "http://127.0.0.1.nip.io", "http://128.0.0.1"] {
        assert!(Client::builder().management_key(MGMT_ID, CANARY).endpoint(lookalike).build().is_err(), "{lookalike}");
    }
}

#[tokio::test]
async fn a_swapped_management_id_and_secret_are_caught_without_echo() {
    let err = Client::builder().management_key(CANARY, MGMT_ID).build().unwrap_err();
    assert_eq!(field_of(&err), "management key id");
    assert!(err.to_string().contains("swapped"), "{err}");
    assert!(!format!("{err} {err:?}").contains(CANARY));
    let ingest_as_management = Client::builder().management_key(INGEST_ID, CANARY).build().unwrap_err();
    assert_eq!(field_of(&ingest_as_management), "management key id");
}

#[tokio::test]
async fn malformed_management_keys_are_rejected_at_build() {
    let err = Client::builder().management_key("hcxmk_/..", CANARY).build().unwrap_err();
    assert_eq!(field_of(&err), "management key id");
    let err = Client::builder().management_key(MGMT_ID, "").build().unwrap_err();
    assert_eq!(field_of(&err), "management key secret");
    let err = Client::builder().management_key(MGMT_ID, format!("{CANARY} x")).build().unwrap_err();
    assert_eq!(field_of(&err), "management key secret");
    assert!(!err.to_string().contains(CANARY));
}
