//! Every error status and body format maps to the right `Error`, with a message that
//! says what to fix.

use std::time::Duration;

use crate::common::*;
use honeycomb_api_keys::{Error, NewApiKey, Operation, RetryConfig, TimeoutScope};
use serde_json::json;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

async fn get_error(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(path(key_path(INGEST_ID))).respond_with(response).expect(1).mount(&server).await;
    no_retry_client(&server).api_keys().get(INGEST_ID).await.unwrap_err()
}

#[tokio::test]
async fn unauthorized_keeps_the_jsonapi_details_and_says_which_variables_to_check() {
    let body = error_body(
        401,
        "unauthenticated/invalid-key",
        "invalid API key",
        None,
        Some(json!({"header": "Authorization"})),
    );
    let err = get_error(jsonapi(401, body)).await;
    assert_eq!(err.status().unwrap().as_u16(), 401);
    assert!(err.is_auth() && !err.is_not_found());
    let api = err.api_error().unwrap();
    assert_eq!(api.code(), Some("unauthenticated/invalid-key"));
    assert_eq!(api.title(), Some("invalid API key"));
    assert_eq!(api.source().unwrap().header.as_deref(), Some("Authorization"));
    assert_eq!(api.first().unwrap().status.as_deref(), Some("401"));
    let message = err.to_string();
    assert!(message.contains("invalid API key") && message.contains("Authorization header"), "{message}");
    // The variables the client reads, as the error (pure data) spells them out.
    let names = [honeycomb_api_keys::ENV_KEY_ID, honeycomb_api_keys::ENV_KEY_SECRET];
    assert!(names.iter().all(|name| message.contains(name)), "{message}");
    // The README shows this message as it is.
    let readme = include_str!("../../README.md");
    assert!(readme.contains(&format!("\n{message}\n")), "README.md's example differs from: {message}");
}

#[tokio::test]
async fn forbidden_names_the_scope_the_operation_needs() {
    let err = get_error(jsonapi(403, error_body(403, "forbidden", "forbidden", Some("missing scope"), None))).await;
    assert!(err.is_auth());
    assert!(err.to_string().contains("`api-keys:read` scope"), "{err}");
    assert_eq!(err.api_error().unwrap().operation, Operation::GetApiKey);

    let server = MockServer::start().await;
    Mock::given(path(keys_path())).respond_with(ResponseTemplate::new(403)).mount(&server).await;
    let err = client(&server).api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap_err();
    assert!(err.to_string().starts_with("create_api_key: Honeycomb answered 403"), "{err}");
    assert!(err.to_string().contains("`api-keys:write` scope"), "{err}");
}

#[tokio::test]
async fn not_found_is_detectable() {
    let err = get_error(jsonapi(404, error_body(404, "not-found", "not found", None, None))).await;
    assert!(err.is_not_found());
    assert!(err.to_string().contains("team slug"), "{err}");
}

#[tokio::test]
async fn validation_errors_point_at_the_field() {
    let server = MockServer::start().await;
    let body = json!({"errors": [
        {"id": "1", "status": "422", "code": "validation-failed/invalid", "title": "field is invalid",
         "detail": "environment does not exist", "source": {"pointer": "/data/relationships/environment/data/id"}},
        {"id": "2", "status": "422", "code": "validation-failed/missing", "title": "field is missing",
         "source": {"pointer": "/data/attributes/key_type"}}
    ]});
    Mock::given(path(keys_path())).respond_with(jsonapi(422, body)).expect(1).mount(&server).await;
    let err = client(&server).api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.errors.len(), 2);
    assert_eq!(api.detail(), Some("environment does not exist"));
    assert_eq!(api.errors[1].source.as_ref().unwrap().pointer.as_deref(), Some("/data/attributes/key_type"));
    let message = err.to_string();
    assert!(message.contains("(at /data/relationships/environment/data/id)"), "{message}");
    assert!(message.contains("[validation-failed/missing]"), "{message}");
}

#[tokio::test]
async fn rate_limited_with_an_http_date_retry_after() {
    let when = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(30));
    let body = error_body(429, "rate-limited/may-retry", "request rate limit exceeded", None, None);
    let err = get_error(
        jsonapi(429, body)
            .insert_header("Retry-After", when.as_str())
            .insert_header("RateLimit", "limit=100, remaining=0, reset=30"),
    )
    .await;
    assert!(err.is_rate_limited());
    let wait = err.retry_after().unwrap();
    assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
    assert!(err.to_string().contains("retry after"), "{err}");
    let quota = format!("({} requests a minute by default)", honeycomb_api_keys::DEFAULT_QUOTA);
    assert!(err.to_string().contains(&quota), "the hint spells out DEFAULT_QUOTA: {err}");
}

#[tokio::test]
async fn rate_limited_with_seconds_and_a_legacy_body() {
    let err = get_error(
        ResponseTemplate::new(429).insert_header("Retry-After", "7").set_body_json(json!({"error": "Rate Limited"})),
    )
    .await;
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.api_error().unwrap().message.as_deref(), Some("Rate Limited"));
}

#[tokio::test]
async fn server_errors_keep_their_status() {
    for status in [500u16, 502, 503, 504] {
        let err = get_error(jsonapi(status, error_body(status, "internal", "internal error", None, None))).await;
        assert_eq!(err.status().unwrap().as_u16(), status);
        assert!(err.to_string().contains("try again later"), "{err}");
    }
}

#[tokio::test]
async fn a_conflict_status_outside_the_spec_is_still_an_api_error() {
    let err = get_error(jsonapi(409, error_body(409, "conflict", "conflict", Some("it is busy"), None))).await;
    assert_eq!(err.status().unwrap().as_u16(), 409);
    assert_eq!(err.api_error().unwrap().detail(), Some("it is busy"));
}

#[tokio::test]
async fn legacy_error_bodies_are_read() {
    let err = get_error(
        ResponseTemplate::new(401).set_body_json(json!({"error": "unknown API key - check your credentials"})),
    )
    .await;
    assert_eq!(err.api_error().unwrap().message.as_deref(), Some("unknown API key - check your credentials"));
    assert!(err.to_string().contains("unknown API key - check your credentials"), "{err}");
}

#[tokio::test]
async fn problem_json_bodies_are_read() {
    let body = json!({"error": "payload too large", "status": 413, "type": "https://api.honeycomb.io/problems/too-large",
                      "title": "Request body too large", "detail": "limit is 100000 bytes"});
    let err = get_error(ResponseTemplate::new(413).set_body_raw(body.to_string(), "application/problem+json")).await;
    assert_eq!(err.api_error().unwrap().message.as_deref(), Some("Request body too large: limit is 100000 bytes"));
}

#[tokio::test]
async fn html_error_pages_become_a_short_excerpt() {
    let html = format!("<html><body><h1>502 Bad Gateway</h1>{}</body></html>", "padding ".repeat(200));
    let err = get_error(ResponseTemplate::new(502).set_body_raw(html, "text/html")).await;
    let api = err.api_error().unwrap();
    assert!(api.errors.is_empty());
    let excerpt = api.body_excerpt.as_deref().unwrap();
    assert!(excerpt.contains("502 Bad Gateway") && excerpt.len() <= 256, "{excerpt}");
}

#[tokio::test]
async fn the_request_id_header_is_kept() {
    let err = get_error(jsonapi(500, json!({"errors": []})).insert_header("X-Request-Id", "req-1234")).await;
    assert_eq!(err.request_id(), Some("req-1234"));
    assert!(err.to_string().contains("request id req-1234"), "{err}");
}

#[tokio::test]
async fn an_empty_error_body_still_gives_status_and_hint() {
    let err = get_error(ResponseTemplate::new(404)).await;
    assert_eq!(err.status().unwrap().as_u16(), 404);
    assert!(err.api_error().unwrap().errors.is_empty());
    assert_eq!(
        err.to_string(),
        "get_api_key: Honeycomb answered 404 Not Found; check the team slug and the key or environment id; a deleted key answers 404"
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = MockServer::start().await;
    let err =
        get_error(ResponseTemplate::new(307).insert_header("Location", format!("{}/steal", elsewhere.uri()))).await;
    assert_eq!(err.status().unwrap().as_u16(), 307);
    assert_no_requests(&elsewhere).await;
}

#[tokio::test]
async fn a_success_body_that_does_not_match_is_a_decode_error_without_its_text() {
    let mut key = ingest_key(INGEST_ID, "k");
    key["attributes"]["disabled"] = json!("CANARY-in-a-body");
    let err = get_error(jsonapi(200, json!({"data": key}))).await;
    assert!(matches!(err, Error::Decode { operation: Operation::GetApiKey, category: "data", .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("CANARY"), "{err:?}");
}

#[tokio::test]
async fn a_malformed_created_key_never_echoes_its_secret() {
    let server = MockServer::start().await;
    let mut created = ingest_key(INGEST_ID, "k");
    created["attributes"]["secret"] = json!("CANARYcreatedSECRET");
    created["attributes"]["disabled"] = json!("CANARYcreatedSECRET");
    Mock::given(path(keys_path())).respond_with(jsonapi(201, json!({"data": created}))).expect(1).mount(&server).await;
    let err = client(&server).api_keys().create(NewApiKey::ingest("k", ENV_ID)).await.unwrap_err();
    match &err {
        Error::CreatedKeyUnreadable { key_id, .. } => assert_eq!(key_id.as_deref(), Some(INGEST_ID)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("secret is lost"), "{err}");
    assert!(!format!("{err} {err:?}").contains("CANARY"), "{err:?}");
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error_that_says_so() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = honeycomb_api_keys::Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(format!("http://127.0.0.1:{port}"))
        .team(TEAM)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("could not connect"), "{err}");
    assert!(!format!("{err} {err:?}").contains(CANARY));
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path(key_path(INGEST_ID)))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client =
        builder(&server).team(TEAM).timeout(Duration::from_millis(200)).retry(RetryConfig::disabled()).build().unwrap();
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout { operation: Operation::GetApiKey, scope: TimeoutScope::Attempt, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("timeout"), "{err}");
}
