//! Everything logged at TRACE level, by this crate and by the HTTP stack under it, while
//! secrets flow through it, holds no secret.

mod common;

use std::{
    io,
    sync::{Arc, Mutex},
};

use common::*;
use honeycomb_api_keys::NewApiKey;
use serde_json::json;
use tracing_subscriber::{fmt::MakeWriter, util::SubscriberInitExt};
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

const CREATED_CANARY: &str = "CANARYcreatedKEYsecret0123456789";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn trace_logs_never_hold_a_secret() {
    let logs = Captured::default();
    // Global, with the `log` bridge, so reqwest's and hyper's own logs are captured too.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish()
        .try_init()
        .unwrap();

    let server = MockServer::start().await;
    Mock::given(path("/2/auth")).respond_with(jsonapi(200, auth_body(TEAM))).mount(&server).await;
    let mut created = ingest_key(INGEST_ID, "k");
    created["attributes"]["secret"] = json!(CREATED_CANARY);
    Mock::given(path(keys_path())).respond_with(jsonapi(201, json!({"data": created}))).mount(&server).await;
    Mock::given(path(key_path(INGEST_ID))).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    Mock::given(path(key_path(CONFIG_ID)))
        .respond_with(jsonapi(200, json!({"data": CREATED_CANARY})))
        .mount(&server)
        .await;

    // Fault rows on other paths: a create answered 500 (outcome unknown), a 201 whose
    // body does not decode around a canary secret, a 429 that is waited out, and a proxy
    // page that echoes the Authorization header.
    let faults = MockServer::start().await;
    Mock::given(path(format!("/2/teams/{TEAM}/api-keys")))
        .respond_with(ResponseTemplate::new(500))
        .mount(&faults)
        .await;
    let mut broken = ingest_key(INGEST_ID, "k");
    broken["attributes"]["secret"] = json!(CREATED_CANARY);
    broken["attributes"]["disabled"] = json!(CREATED_CANARY);
    Mock::given(path("/2/teams/other/api-keys"))
        .respond_with(jsonapi(201, json!({"data": broken})))
        .mount(&faults)
        .await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .mount(&faults)
        .await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_string(format!("<html>echo: Authorization: Bearer {MGMT_ID}:{CANARY}</html>")),
        )
        .mount(&faults)
        .await;
    let faulty = client(&faults);
    let errors = [
        faulty.api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap_err(),
        faulty.api_keys().for_team("other").create(NewApiKey::ingest("k", ENV_ID)).await.unwrap_err(),
        faulty.api_keys().get(INGEST_ID).await.unwrap_err(),
    ];
    for err in &errors {
        tracing::error!(error = %err, debug = ?err, "a user logs the error");
    }

    let client = detecting_client(&server);
    let key = client.api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap();
    tracing::info!(created = ?key, "a user logs the created key's Debug");
    client.api_keys().get(INGEST_ID).await.unwrap_err();
    client.api_keys().get(CONFIG_ID).await.unwrap_err();
    let pasted = format!("{INGEST_ID}{CREATED_CANARY}");
    client.api_keys().delete(&pasted).await.unwrap_err();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("honeycomb{operation=\"create_api_key\"") && text.contains("answered"),
        "the capture works:\n{text}"
    );
    assert!(text.contains("reqwest") || text.contains("hyper"), "HTTP-stack logs are captured too:\n{text}");
    assert!(text.contains("retrying"), "the fault rows were traced:\n{text}");
    assert!(text.contains("[REDACTED]"), "the echoed header was redacted:\n{text}");
    assert!(!text.contains(CANARY), "the management secret leaked into the logs");
    assert!(!text.contains(CREATED_CANARY), "a created secret leaked into the logs");
    assert!(!text.contains("CANARY"), "a canary leaked into the logs");
}
