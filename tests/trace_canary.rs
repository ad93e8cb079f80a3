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
    assert!(!text.contains(CANARY), "the management secret leaked into the logs");
    assert!(!text.contains(CREATED_CANARY), "a created secret leaked into the logs");
    assert!(!text.contains("CANARY"), "a canary leaked into the logs");
}
