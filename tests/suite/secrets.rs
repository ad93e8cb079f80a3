//! A canary secret never shows up in Debug or Display of anything the crate hands out.

use crate::common::*;
use honeycomb_api_keys::{Client, Error, ExposeSecret, ManagementKey, NewApiKey};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

const CREATED_CANARY: &str = "CANARYcreatedKEYsecret0123456789";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(CANARY), "{what} leaks the management secret: {text}");
    assert!(!text.contains(CREATED_CANARY), "{what} leaks a created secret: {text}");
    assert!(!text.contains("CANARY"), "{what} leaks a canary: {text}");
}

#[tokio::test]
async fn the_management_secret_is_absent_from_the_client_and_every_error() {
    let server = MockServer::start().await;
    Mock::given(path("/2/auth")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(jsonapi(
            403,
            error_body(403, "forbidden", "forbidden", None, Some(json!({"header": "Authorization"}))),
        ))
        .mount(&server)
        .await;
    Mock::given(path(key_path(CONFIG_ID))).respond_with(jsonapi(200, json!({"data": "garbage"}))).mount(&server).await;

    let detecting = detecting_client(&server);
    let explicit = client(&server);
    assert_clean("Client Debug", &format!("{detecting:?} {explicit:?}"));
    assert_clean("ManagementKey Debug", &format!("{:?}", ManagementKey::new(MGMT_ID, CANARY).unwrap()));

    let errors: Vec<Error> = vec![
        detecting.api_keys().get(INGEST_ID).await.unwrap_err(),
        explicit.api_keys().get(INGEST_ID).await.unwrap_err(),
        explicit.api_keys().get(CONFIG_ID).await.unwrap_err(),
        Client::builder().management_key(MGMT_ID, format!("{CANARY}\u{7f}")).build().unwrap_err(),
    ];
    for err in &errors {
        assert_clean("error", &format!("{err} | {err:?} | {:?}", std::error::Error::source(err)));
    }
}

#[tokio::test]
async fn a_created_secret_is_absent_from_debug_and_from_the_key() {
    let server = MockServer::start().await;
    let mut created = ingest_key(INGEST_ID, "k");
    created["attributes"]["secret"] = json!(CREATED_CANARY);
    Mock::given(path(keys_path())).respond_with(jsonapi(201, json!({"data": created}))).mount(&server).await;

    let created = client(&server).api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap();

    assert_clean("CreatedApiKey Debug", &format!("{created:?} {created:#?}"));
    assert_clean("SecretString Debug", &format!("{:?} {:?}", created.secret(), created.header_value()));
    assert_clean("ApiKey", &format!("{:?} {}", created.key(), serde_json::to_string(created.key()).unwrap()));
    // It is there for whoever asks for it explicitly.
    assert_eq!(created.secret().expose_secret(), CREATED_CANARY);
    let (key, secret) = created.into_parts();
    assert_eq!(key.id.as_str(), INGEST_ID);
    assert_eq!(secret.expose_secret(), CREATED_CANARY);
}
