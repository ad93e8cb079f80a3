//! Captures the request bodies the SDK really sends, for checking against Honeycomb's
//! published spec (`.ci/check-published-spec.py` validates what this writes to
//! `$CARGO_TARGET_TMPDIR/wire-samples`). Each sample names the published schema it must
//! satisfy.

use std::path::PathBuf;

use crate::common::*;
use honeycomb_api_keys::{ApiKeyUpdate, NewApiKey, Permission, Permissions};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, matchers::method};

fn samples_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wire-samples");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The body of the only request `server` received.
async fn sent_body(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    serde_json::from_slice(&requests[0].body).unwrap()
}

async fn save(name: &str, schema: &str, body: Value) {
    let sample = json!({"schema": schema, "body": body});
    std::fs::write(samples_dir().join(format!("{name}.json")), serde_json::to_vec_pretty(&sample).unwrap()).unwrap();
}

#[tokio::test]
async fn create_request_bodies() {
    let cases = [
        ("create-ingest", NewApiKey::ingest("checkout", ENV_ID)),
        ("create-ingest-datasets-disabled", NewApiKey::ingest("checkout", ENV_ID).create_datasets(true).disabled(true)),
        ("create-configuration-none", NewApiKey::configuration("nothing", ENV_ID, Permissions::none())),
        ("create-configuration-all", NewApiKey::configuration("everything", ENV_ID, Permissions::all())),
    ];
    for (name, new) in cases {
        let server = MockServer::start().await;
        let mut created = ingest_key(INGEST_ID, "k");
        created["attributes"]["secret"] = json!("s");
        Mock::given(method("POST")).respond_with(jsonapi(201, json!({"data": created}))).mount(&server).await;
        client(&server).api_keys().create(new).await.unwrap();
        let body = sent_body(&server).await;
        assert_eq!(body["data"]["type"], "api-keys");
        save(name, "ApiKeyCreateRequest", body).await;
    }
}

#[tokio::test]
async fn update_request_bodies() {
    let cases = [
        ("update-ingest-rename", INGEST_ID, ApiKeyUpdate::new().name("renamed")),
        ("update-ingest-enable", INGEST_ID, ApiKeyUpdate::new().enable()),
        (
            "update-configuration-permissions",
            CONFIG_ID,
            ApiKeyUpdate::new().grant(Permission::ManageSignals).revoke(Permission::ManagePrivateBoards),
        ),
        (
            "update-configuration-set-all",
            CONFIG_ID,
            ApiKeyUpdate::new().disable().set_permissions(&Permissions::full_configuration()),
        ),
    ];
    for (name, id, update) in cases {
        let server = MockServer::start().await;
        Mock::given(method("PATCH"))
            .respond_with(jsonapi(200, json!({"data": ingest_key(id, "k")})))
            .mount(&server)
            .await;
        client(&server).api_keys().update(id, update).await.unwrap();
        let body = sent_body(&server).await;
        assert_eq!(body["data"]["id"], id);
        save(name, "ApiKeyUpdateRequest", body).await;
    }
}

fn environment_answer(status: u16) -> wiremock::ResponseTemplate {
    let env = json!({"id": ENV_ID, "type": "environments", "attributes": {"name": "Load test", "slug": "load-test",
        "description": "", "color": "blue", "settings": {"delete_protected": true}},
        "links": {"self": format!("/2/teams/{TEAM}/environments/{ENV_ID}")}});
    jsonapi(status, json!({"data": env}))
}

#[tokio::test]
async fn environment_request_bodies() {
    use honeycomb_api_keys::{EnvironmentColor, EnvironmentUpdate, NewEnvironment};
    let creates = [
        ("environment-create-name", NewEnvironment::new("Load test")),
        (
            "environment-create-all",
            NewEnvironment::new("Load test").description("k6 runs").color(EnvironmentColor::LightGold),
        ),
    ];
    for (name, new) in creates {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(environment_answer(201)).mount(&server).await;
        client(&server).environments().create(new).await.unwrap();
        save(name, "CreateEnvironmentRequest", sent_body(&server).await).await;
    }
    let updates = [
        ("environment-update-protection", EnvironmentUpdate::new().delete_protected(false)),
        (
            "environment-update-all",
            EnvironmentUpdate::new().description("").color(EnvironmentColor::Red).delete_protected(true),
        ),
    ];
    for (name, update) in updates {
        let server = MockServer::start().await;
        Mock::given(method("PATCH")).respond_with(environment_answer(200)).mount(&server).await;
        client(&server).environments().update(ENV_ID, update).await.unwrap();
        let body = sent_body(&server).await;
        assert_eq!(body["data"]["id"], ENV_ID);
        save(name, "UpdateEnvironmentRequest", body).await;
    }
}
