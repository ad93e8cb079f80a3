//! The fault matrix: for every fault, what the user gets and how many requests the server
//! saw. A create is never sent twice unless it provably was not processed (a refused
//! connection, a 429); nothing here waits in real time (a manual clock takes the waits)
//! except the few attempt timeouts, which are real and short.
#![cfg(feature = "mock")]

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, SystemTime},
};

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use honeycomb_api_keys::{
    Client, Error, ManualClock, NewApiKey, Operation, RetryConfig, TimeoutScope,
    mock::{Fault, MockHoneycomb},
};
use serde_json::json;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{method, path},
};

const CREATED_CANARY: &str = "CANARYcreatedKEYsecret0123456789";

/// The standard policy, with the jitter pinned so that the waits are exact.
fn policy() -> RetryConfig {
    RetryConfig::standard().jitter(|| 0.5)
}

fn client_for(uri: String, clock: &ManualClock) -> Client {
    client_with_timeout(uri, clock, Duration::from_secs(10))
}

/// For the rows about timeouts: a short real attempt timeout.
fn client_with_timeout(uri: String, clock: &ManualClock, timeout: Duration) -> Client {
    Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(uri)
        .team(TEAM)
        .clock(clock.clone())
        .timeout(timeout)
        .retry(policy())
        .build()
        .unwrap()
}

fn new_key() -> NewApiKey {
    NewApiKey::ingest("checkout", ENV_ID)
}

fn created_body() -> serde_json::Value {
    let mut created = ingest_key(INGEST_ID, "checkout");
    created["attributes"]["secret"] = json!(CREATED_CANARY);
    json!({"data": created})
}

/// No canary, anywhere in what the user sees of the error.
fn assert_clean(err: &Error) {
    let shown = format!("{err} | {err:?} | {:?}", std::error::Error::source(err));
    assert!(!shown.contains("CANARY"), "a secret leaked: {shown}");
}

async fn posts(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().iter().filter(|r| r.method == wiremock::http::Method::POST).count()
}

async fn gets(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().iter().filter(|r| r.method == wiremock::http::Method::GET).count()
}

// ---- 429 ---------------------------------------------------------------------------

#[tokio::test]
async fn row1_a_429_with_retry_after_is_waited_out_and_a_create_is_sent_twice() {
    let server = MockServer::start().await;
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
    Mock::given(method("POST"))
        .respond_with(
            jsonapi(429, error_body(429, "rate-limited/may-retry", "request rate limit exceeded", None, None))
                .insert_header("Retry-After", when.as_str())
                .insert_header("RateLimit", "limit=100, remaining=0, reset=30"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(jsonapi(201, created_body())).mount(&server).await;
    let clock = ManualClock::new();
    let created = client_for(server.uri(), &clock).api_keys().create(new_key()).await.unwrap();
    assert_eq!(created.id().as_str(), INGEST_ID);
    assert_eq!(posts(&server).await, 2, "a 429 means not processed: exactly one more POST");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    // Retry-After (about 10 s) wins over the RateLimit reset (30 s); plus half a second of jitter.
    assert!(sleeps[0] > Duration::from_secs(8) && sleeps[0] <= Duration::from_millis(10_500), "{sleeps:?}");
}

#[tokio::test]
async fn row2_a_bare_429_backs_off_exponentially_then_reports_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_string("Too Many"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(gets(&server).await, 3);
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), Duration::from_secs(1)], "full jitter at 0.5");
    assert_clean(&err);
}

#[tokio::test]
async fn row3_a_429_with_only_ratelimit_waits_for_its_reset() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("RateLimit", "limit=100, remaining=0, reset=7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = client_for(server.uri(), &clock);
    client.api_keys().get(INGEST_ID).await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_millis(7_500)]);
    let status = client.rate_limit_status(Operation::GetApiKey).unwrap();
    assert_eq!((status.limit, status.remaining), (100, Some(0)), "the last status is exposed");
}

#[tokio::test]
async fn row4_a_429_asking_an_hour_fails_at_once_without_sleeping() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client_for(server.uri(), &clock).api_keys().create(new_key()).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    assert_eq!(posts(&server).await, 1);
    assert!(!err.is_outcome_unknown(), "a 429 was not processed");
}

#[tokio::test]
async fn row5_malformed_rate_limit_headers_are_ignored() {
    let server = MockServer::start().await;
    let odd = [
        ("RateLimit", &b"limit=\xff\xfe, reset=nope"[..]),
        ("Retry-After", &b"2024-03-22T18:37:53Z"[..]),
        ("RateLimit-Policy", &b";;;w=-1"[..]),
    ];
    let mut response = ResponseTemplate::new(503);
    for (name, value) in odd {
        response = response.append_header(name, wiremock::http::HeaderValue::from_bytes(value).unwrap());
    }
    Mock::given(method("GET")).respond_with(response).mount(&server).await;
    let negative = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "-5")
                .insert_header("RateLimit", "limit=-1, remaining=-1, reset=-1"),
        )
        .mount(&negative)
        .await;
    for server in [&server, &negative] {
        let clock = ManualClock::new();
        let err = client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap_err();
        assert_eq!(err.status().unwrap().as_u16(), 503);
        assert_eq!(clock.sleeps(), [Duration::from_millis(500), Duration::from_secs(1)], "plain backoff");
    }
}

// ---- 5xx ---------------------------------------------------------------------------

#[tokio::test]
async fn row6_to_8_server_errors_are_retried_for_reads_but_never_for_creates() {
    for status in [500u16, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(method("GET")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
        Mock::given(method("POST")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
        let clock = ManualClock::new();
        let client = client_for(server.uri(), &clock);

        let read = client.api_keys().get(INGEST_ID).await.unwrap_err();
        assert_eq!(read.status().unwrap().as_u16(), status);
        assert_eq!(gets(&server).await, 3, "{status}: 3 attempts for a read");

        let create = client.api_keys().create(new_key()).await.unwrap_err();
        assert!(matches!(create, Error::OutcomeUnknown { operation: Operation::CreateApiKey, .. }), "{create:?}");
        assert_eq!(posts(&server).await, 1, "{status}: exactly one POST");
        let message = create.to_string();
        assert!(message.contains("not retried") && message.contains("\"checkout\""), "{message}");
        assert_eq!(create.status().unwrap().as_u16(), status, "the answer is still reachable");
        assert_clean(&create);
    }
}

#[tokio::test]
async fn a_5xx_then_success_is_invisible_to_a_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(502)).up_to_n_times(2).mount(&server).await;
    Mock::given(method("GET"))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    assert_eq!(client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap().name, "k");
    assert_eq!(gets(&server).await, 3);
}

#[tokio::test]
async fn row15_an_html_502_from_a_proxy() {
    let server = MockServer::start().await;
    let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client_for(server.uri(), &clock).api_keys().create(new_key()).await.unwrap_err();
    assert!(err.is_outcome_unknown());
    let api = err.api_error().unwrap();
    assert!(api.body_excerpt.as_deref().unwrap().contains("502 Bad Gateway"));
    assert_eq!(posts(&server).await, 1);
}

// ---- transport faults (raw sockets) ------------------------------------------------

#[derive(Clone, Copy)]
enum Raw {
    /// Read the request, then close.
    Eof,
    /// Read the request, then reset.
    Reset,
    /// Reset before reading anything.
    ResetAtOnce,
    /// Answer `status` with a body shorter than its Content-Length, then close.
    Truncated(u16),
    /// Answer `status` headers, then trickle the body a byte at a time, slowly.
    Stall(u16),
}

/// A server on 127.0.0.1 that misbehaves as told; counts the connections it accepted.
async fn raw_server(behavior: Raw) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(misbehave(socket, behavior));
        }
    });
    (addr, accepted)
}

async fn read_request(socket: &mut TcpStream) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)))
                .unwrap_or(0);
            if seen.len() >= end + 4 + length {
                return;
            }
        }
    }
}

async fn misbehave(mut socket: TcpStream, behavior: Raw) {
    match behavior {
        Raw::ResetAtOnce => {
            reset(socket);
        }
        Raw::Eof => read_request(&mut socket).await,
        Raw::Reset => {
            read_request(&mut socket).await;
            reset(socket);
        }
        Raw::Truncated(status) => {
            read_request(&mut socket).await;
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/vnd.api+json\r\ncontent-length: 4000\r\n\r\n{{\"data\":{{\"id\":\"{INGEST_ID}\",\"attributes\":{{\"secret\":\"{CREATED_CANARY}"
            );
            let _ = socket.write_all(head.as_bytes()).await;
        }
        Raw::Stall(status) => {
            read_request(&mut socket).await;
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/vnd.api+json\r\ncontent-length: 4000\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes()).await;
            for _ in 0..40 {
                if socket.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Closes with a TCP reset: SO_LINGER 0 (which does not block on drop, the concern of
/// the deprecation), then drop.
#[allow(deprecated)]
fn reset(socket: TcpStream) {
    let _ = socket.set_linger(Some(Duration::ZERO));
}

async fn raw_client(behavior: Raw) -> (Client, Arc<AtomicUsize>) {
    let (addr, accepted) = raw_server(behavior).await;
    (client_with_timeout(format!("http://{addr}"), &ManualClock::new(), Duration::from_millis(500)), accepted)
}

#[tokio::test]
async fn row9_a_refused_connection_is_retried_even_for_a_create() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let clock = ManualClock::new();
    let client = client_for(format!("http://127.0.0.1:{port}"), &clock);
    let err = client.api_keys().create(new_key()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.is_outcome_unknown(), "never sent, so not ambiguous");
    assert_eq!(clock.sleeps().len(), 2, "3 attempts: the request provably never left");
    assert_clean(&err);
}

#[tokio::test]
async fn row10_a_connection_dropped_after_the_request_is_never_re_sent_for_a_create() {
    for behavior in [Raw::Eof, Raw::Reset, Raw::ResetAtOnce] {
        let (client, accepted) = raw_client(behavior).await;
        let err = client.api_keys().create(new_key()).await.unwrap_err();
        assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 1, "exactly one connection, one POST");
        assert_clean(&err);

        let (client, accepted) = raw_client(behavior).await;
        let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        assert_eq!(accepted.load(Ordering::SeqCst), 3, "a read is retried");
    }
}

#[tokio::test]
async fn row11_no_answer_within_the_attempt_timeout() {
    let server = MockServer::start().await;
    let slow = jsonapi(201, created_body()).set_delay(Duration::from_secs(2));
    Mock::given(method("POST")).respond_with(slow.clone()).mount(&server).await;
    Mock::given(method("GET")).respond_with(slow).mount(&server).await;
    let clock = ManualClock::new();
    let client = client_with_timeout(server.uri(), &clock, Duration::from_millis(400));
    let err = client.api_keys().create(new_key()).await.unwrap_err();
    match &err {
        Error::OutcomeUnknown { source, .. } => {
            assert!(matches!(**source, Error::Timeout { scope: TimeoutScope::Attempt, .. }), "{source:?}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(posts(&server).await, 1);
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { scope: TimeoutScope::Attempt, .. }), "{err:?}");
    assert_eq!(gets(&server).await, 3);
    assert_clean(&err);
}

#[tokio::test]
async fn row12_a_stalled_201_body_means_the_key_exists_but_its_secret_is_lost() {
    let (client, accepted) = raw_client(Raw::Stall(201)).await;
    let err = client.api_keys().create(new_key()).await.unwrap_err();
    assert!(matches!(err, Error::CreatedKeyUnreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("delete that key and create it again"), "{err}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);

    let (client, accepted) = raw_client(Raw::Stall(200)).await;
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { scope: TimeoutScope::Attempt, .. }), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn row13_a_truncated_201_is_reported_once_without_its_text() {
    let (client, accepted) = raw_client(Raw::Truncated(201)).await;
    let err = client.api_keys().create(new_key()).await.unwrap_err();
    assert!(matches!(err, Error::CreatedKeyUnreadable { .. }), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "never a second POST");
    assert_clean(&err);

    let (client, accepted) = raw_client(Raw::Truncated(200)).await;
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "a broken read body is retried");
    assert_clean(&err);
}

// ---- bodies ------------------------------------------------------------------------

#[tokio::test]
async fn row14_a_success_with_the_wrong_media_type_still_decodes() {
    let server = MockServer::start().await;
    let body = serde_json::to_vec(&json!({"data": ingest_key(INGEST_ID, "k")})).unwrap();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "text/plain"))
        .mount(&server)
        .await;
    let key = client_for(server.uri(), &ManualClock::new()).api_keys().get(INGEST_ID).await.unwrap();
    assert_eq!(key.name, "k");
}

#[tokio::test]
async fn row22_empty_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let client = client_for(server.uri(), &ManualClock::new());
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::Decode { category: "eof", .. }), "{err:?}");
    assert_eq!(gets(&server).await, 1, "a body that does not decode comes again: no retry");
    let err = client.api_keys().create(new_key()).await.unwrap_err();
    assert!(matches!(err, Error::CreatedKeyUnreadable { key_id: None, .. }), "{err:?}");
    assert_eq!(posts(&server).await, 1);
    client.api_keys().delete(INGEST_ID).await.unwrap();
}

#[tokio::test]
async fn row23_ten_mebibyte_answers_are_bounded_or_refused_never_a_panic() {
    let server = MockServer::start().await;
    let huge = "x".repeat(10 * 1024 * 1024);
    Mock::given(method("GET"))
        .and(path(key_path(INGEST_ID)))
        .respond_with(ResponseTemplate::new(500).set_body_raw(huge.clone(), "text/html"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(keys_path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(format!("{{\"data\": [\"{huge}"), "application/vnd.api+json"),
        )
        .mount(&server)
        .await;
    let client = client_for(server.uri(), &ManualClock::new());
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert_eq!(err.api_error().unwrap().body_excerpt.as_ref().unwrap().len(), 256, "an excerpt, not 10 MiB");
    let err = client.api_keys().list().collect().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { limit: 8_388_608, .. }), "{err:?}");
    let list_requests =
        server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == keys_path()).count();
    assert_eq!(list_requests, 1, "a too-large answer would come again: not retried");
}

// ---- pagination --------------------------------------------------------------------

#[tokio::test]
async fn row24_25_pagination_faults_end_with_a_typed_error_and_nothing_sent_elsewhere() {
    let evil = MockServer::start().await;
    let cases = [
        // A link to another origin is refused before it is followed: one page, then the error.
        (format!("{}/2/teams/{TEAM}/api-keys?page[after]=x", evil.uri()), 1),
        // A link that repeats its cursor: the second page is the same, then the error.
        (format!("/2/teams/{TEAM}/api-keys?page[after]=same"), 2),
    ];
    for (next, expected_gets) in cases {
        let server = MockServer::start().await;
        Mock::given(path(keys_path()))
            .respond_with(jsonapi(200, page(vec![ingest_key(INGEST_ID, "k")], Some(&next))))
            .mount(&server)
            .await;
        let results: Vec<_> = client_for(server.uri(), &ManualClock::new()).api_keys().list().items().collect().await;
        let last = results.last();
        if expected_gets == 1 {
            assert!(matches!(last, Some(Err(Error::UnsafeNextLink { .. }))), "{results:?}");
        } else {
            assert!(matches!(last, Some(Err(Error::PaginationLoop { .. }))), "{results:?}");
        }
        assert_eq!(gets(&server).await, expected_gets, "{next}");
    }
    assert_no_requests(&evil).await;
}

// ---- deadlines and cancellation ------------------------------------------------------

#[tokio::test]
async fn row35_an_operation_deadline_shorter_than_the_wait_stops_early() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(server.uri())
        .team(TEAM)
        .clock(clock.clone())
        .retry(policy())
        .operation_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(err.is_rate_limited());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert!(clock.sleeps().is_empty(), "no sleep that would end past the deadline");
    assert_eq!(gets(&server).await, 1);

    // The rate limiter refuses too, rather than wait past the deadline.
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { operation: Operation::GetApiKey, .. }), "{err:?}");
    assert_eq!(gets(&server).await, 1, "held back by the limiter: nothing sent");
}

// ---- the proactive limiter ---------------------------------------------------------

#[tokio::test]
async fn row33_a_burst_of_150_lists_against_100_a_minute_is_paced_before_any_429() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let clock = {
        let fake = fake.clone();
        ManualClock::new().on_sleep(move |moved| fake.advance_clock(moved))
    };
    // No retries: a 429 would fail the call, so only the proactive pacing can pass this.
    let client = fake.client_builder().clock(clock.clone()).retry(RetryConfig::disabled()).build().unwrap();
    client.resolve_team().await.unwrap();
    fake.rate_limit(Operation::ListApiKeys, Some(100));
    for _ in 0..150 {
        client.api_keys().list().collect().await.unwrap();
    }
    let limited = fake.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(limited, 0);
    assert_eq!(fake.count(Operation::ListApiKeys), 150);
    assert!(
        clock.sleeps().iter().any(|s| *s >= Duration::from_secs(59)),
        "it waited for the window: {:?}",
        clock.sleeps()
    );
}

#[tokio::test]
async fn a_concurrent_burst_is_paced_too() {
    // Real time here (concurrent waits overlap, which a manual clock cannot show), on a
    // short window: 10 requests per 2 s, and 15 lists at once.
    let fake = MockHoneycomb::start().await;
    let quota = honeycomb_api_keys::RateLimitConfig::default().quota(10, Duration::from_secs(2));
    let client = Client::builder()
        .management_key(fake.management_key().0, fake.management_key().1)
        .endpoint(fake.uri())
        .rate_limit(quota)
        .build()
        .unwrap();
    client.resolve_team().await.unwrap();
    fake.rate_limit_per(Operation::ListApiKeys, 10, Duration::from_secs(2));
    let calls = (0..15).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.api_keys().list().collect().await })
    });
    for outcome in futures::future::join_all(calls).await {
        outcome.unwrap().unwrap();
    }
    let limited = fake.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(limited, 0, "the 5 over the quota waited for the next window instead");
    assert_eq!(fake.count(Operation::ListApiKeys), 15);
}

#[tokio::test]
async fn a_fake_fault_of_500_is_one_post_through_the_sdk() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client();
    let env = fake.environment_id("production").unwrap();
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(500).after_processing());
    let err = client.api_keys().create(NewApiKey::ingest("lost answer", &env)).await.unwrap_err();
    assert!(err.is_outcome_unknown());
    assert_eq!(fake.count(Operation::CreateApiKey), 1);
    let found: Vec<_> = client.api_keys().list().items().try_collect().await.unwrap();
    assert_eq!(found.len(), 1, "the advice holds: list by name to find it");
    assert_eq!(found[0].name, "lost answer");
}

// ---- more header faults ------------------------------------------------------------

#[tokio::test]
async fn row4_a_far_future_retry_date_fails_at_once() {
    let server = MockServer::start().await;
    let far = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30 * 86_400));
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", far.as_str()))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let err = client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(err.retry_after().unwrap() >= Duration::from_secs(86_000), "{err}");
    assert!(clock.sleeps().is_empty());
    assert_eq!(gets(&server).await, 1);
}

#[tokio::test]
async fn row34_a_retry_date_is_measured_against_the_servers_date() {
    let server = MockServer::start().await;
    // The server's clock is an hour behind ours: its Retry-After, 5 s after its Date,
    // is already past by our clock; it still means 5 s.
    let server_now = SystemTime::now() - Duration::from_secs(3600);
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Date", httpdate::fmt_http_date(server_now).as_str())
                .insert_header("Retry-After", httpdate::fmt_http_date(server_now + Duration::from_secs(5)).as_str()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap();
    assert_eq!(clock.sleeps(), [Duration::from_millis(5_500)], "5 s asked, plus half a second of jitter");
}

#[tokio::test]
async fn row5_huge_header_values_never_panic_nor_block_later_calls() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(serde_json::to_vec(&json!({"data": ingest_key(INGEST_ID, "k")})).unwrap(), JSON_API)
                .insert_header("RateLimit", "limit=1, remaining=0, reset=18446744073709551615")
                .insert_header("RateLimit-Policy", "1;w=18446744073709551615"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "18446744073709551615"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(jsonapi(200, json!({"data": ingest_key(INGEST_ID, "k")})))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = client_for(server.uri(), &clock);
    client.api_keys().get(INGEST_ID).await.unwrap();
    // The window is held for at most a day, not forever; the client moves on after it.
    clock.advance(Duration::from_secs(86_402));
    let err = client.api_keys().get(INGEST_ID).await.unwrap_err();
    assert!(err.is_rate_limited() && err.retry_after() <= Some(Duration::from_secs(86_400)), "{err}");
    clock.advance(Duration::from_secs(86_402));
    client.api_keys().get(INGEST_ID).await.unwrap();
}

#[tokio::test]
async fn a_503_reset_is_not_a_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("RateLimit", "limit=100, remaining=40, reset=45"))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    client_for(server.uri(), &clock).api_keys().get(INGEST_ID).await.unwrap_err();
    assert_eq!(clock.sleeps(), [Duration::from_millis(500), Duration::from_secs(1)], "backoff, not the 45 s reset");
}

#[tokio::test]
async fn a_create_answered_200_is_a_key_whose_secret_may_be_lost() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(jsonapi(200, created_body())).mount(&server).await;
    let err = client_for(server.uri(), &ManualClock::new()).api_keys().create(new_key()).await.unwrap_err();
    assert!(matches!(err, Error::CreatedKeyUnreadable { .. }), "{err:?}");
    assert_eq!(posts(&server).await, 1);
    assert_clean(&err);
}

#[tokio::test]
async fn row18_a_delete_whose_first_answer_was_lost_succeeds_on_the_404() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(502)).up_to_n_times(1).mount(&server).await;
    Mock::given(method("DELETE"))
        .respond_with(jsonapi(404, error_body(404, "not-found", "not found", None, None)))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let client = client_for(server.uri(), &clock);
    client.api_keys().delete(INGEST_ID).await.unwrap();
    // Without an ambiguous attempt first, a 404 is a 404.
    let err = client.api_keys().delete(INGEST_ID).await.unwrap_err();
    assert!(err.is_not_found());
}
