//! The README's promises against a hostile server (`server.rs`, raw sockets on 127.0.0.1)
//! and the built-in fake, through the library and through `hny-keys` as a process: a
//! server that lies about ids, paginates forever, echoes the management secret, sends
//! escape codes or drops requests on idle connections; a user who interrupts, closes the
//! pipe or fills the disk.
#![cfg(all(feature = "cli", feature = "mock"))]

mod server;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use crate::common::{CANARY, ENV_ID, MGMT_ID, TEAM, ingest_key, numbered_id};
use honeycomb_api_keys::{
    Client, Error, KeyType, ManualClock, NewApiKey, OldKeyAction, Operation, PaginationFault, Permissions,
    ProvisionOptions, ProvisionOutcome, RotateOptions, mock::MockHoneycomb,
};
use serde_json::{Value, json};
use server::{Hostile, Reply, Request};

// ---- helpers ----------------------------------------------------------------------

fn client(server: &Hostile) -> Client {
    Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(server.uri())
        .team(TEAM)
        .clock(ManualClock::new())
        .build()
        .unwrap()
}

/// `hny-keys` with the canary management key, pointed at `endpoint`, in team `my-team`.
fn hny_command(endpoint: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hny-keys"));
    command
        .env_clear()
        .env("HONEYCOMB_KEY_ID", MGMT_ID)
        .env("HONEYCOMB_KEY_SECRET", CANARY)
        .env("HONEYCOMB_API_ENDPOINT", endpoint)
        .env("HONEYCOMB_TEAM", TEAM)
        .args(args)
        .stdin(Stdio::null());
    command
}

fn hny(endpoint: &str, args: &[&str]) -> Output {
    hny_command(endpoint, args).output().unwrap()
}

/// `hny-keys` against the fake, with the fake's management key.
fn hny_fake(fake: &MockHoneycomb, args: &[&str]) -> Command {
    let (id, secret) = fake.management_key();
    let mut command = hny_command(&fake.uri(), args);
    command.env("HONEYCOMB_KEY_ID", id).env("HONEYCOMB_KEY_SECRET", secret).env_remove("HONEYCOMB_TEAM");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_panic(out: &Output) {
    assert_ne!(out.status.code(), Some(101), "panicked: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
}

fn key_path(id: &str) -> String {
    format!("/2/teams/{TEAM}/api-keys/{id}")
}

fn keys_path() -> String {
    format!("/2/teams/{TEAM}/api-keys")
}

fn envs_path() -> String {
    format!("/2/teams/{TEAM}/environments")
}

fn environment(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "environments",
        "attributes": {"name": name, "slug": name.to_lowercase(), "description": null, "color": "blue",
                       "settings": {"delete_protected": true}},
        "links": {"self": format!("{}/{id}", envs_path())}
    })
}

fn created_key(id: &str, name: &str, secret: &str) -> Value {
    let mut key = ingest_key(id, name);
    key["attributes"]["secret"] = json!(secret);
    key["links"] = json!({"self": key_path(id)});
    key
}

/// The standard base64 of `bytes` (what a server echoing `Basic` credentials would send).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// Waits for the first line of `child`'s stdout that contains `needle`; returns every
/// line read up to it.
fn read_until(child: &mut Child, needle: &str) -> Vec<String> {
    let stdout = child.stdout.as_mut().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "stdout ended before {needle:?}: {lines:?}");
        let found = line.contains(needle);
        lines.push(line);
        if found {
            return lines;
        }
    }
}

/// `command` started with stdout and stderr piped.
fn spawn_piped(mut command: Command) -> Child {
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Waits (10 s at most) until the fake has seen `n` requests of `operation`.
fn wait_for(fake: &MockHoneycomb, operation: Operation, n: usize) {
    let started = Instant::now();
    while fake.count(operation) < n && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

// ---- 1. pagination always ends ----------------------------------------------------

/// The ways a server can paginate forever.
#[derive(Clone, Copy, Debug)]
enum Endless {
    /// An item, then an empty page, then an item, …, each under a fresh cursor.
    Alternating,
    /// Empty pages under fresh cursors.
    EmptyForever,
    /// The same items under fresh cursors.
    SameItemsNewCursors,
}

impl Endless {
    const ALL: [Endless; 3] = [Endless::Alternating, Endless::EmptyForever, Endless::SameItemsNewCursors];

    fn page(self, request: &Request, item: impl Fn(usize) -> Value) -> Reply {
        let n: usize = request.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        let items = match self {
            Endless::Alternating if n.is_multiple_of(2) => vec![item(n)],
            Endless::Alternating | Endless::EmptyForever => vec![],
            Endless::SameItemsNewCursors => vec![item(1), item(2)],
        };
        let next = format!("{}?page[after]={}&page[size]=100", request.path(), n + 1);
        Reply::json(200, json!({"data": items, "links": {"next": next}}))
    }

    fn fault(self) -> PaginationFault {
        match self {
            Endless::Alternating | Endless::EmptyForever => PaginationFault::EmptyPages { empty: 3 },
            Endless::SameItemsNewCursors => PaginationFault::RepeatedItem { id: String::new() },
        }
    }
}

/// A server whose key list (`keys: true`) or environment list paginates forever.
fn endless(shape: Endless, keys: bool) -> Hostile {
    Hostile::start(move |r| {
        if r.path() == keys_path() && keys {
            shape.page(r, |n| ingest_key(&numbered_id(n), &format!("key {n}")))
        } else if r.path() == envs_path() && !keys {
            shape.page(r, |n| environment(&format!("hcxen_{n:026}"), &format!("env{n}")))
        } else if r.path() == envs_path() {
            Reply::json(200, json!({"data": [environment(ENV_ID, "Production")], "links": {"next": null}}))
        } else {
            Reply::json(404, json!({"errors": [{"status": "404", "title": "not found"}]}))
        }
    })
}

fn assert_typed_end(result: Result<(), Error>, shape: Endless, server: &Hostile, started: Instant) {
    match result {
        Err(Error::PaginationLoop { fault, pages, .. }) => {
            match (&fault, shape.fault()) {
                // The repeated item is the first one of the page that came again.
                (PaginationFault::RepeatedItem { id }, PaginationFault::RepeatedItem { .. }) => {
                    assert!(id.ends_with("00000001"), "{id}")
                }
                (fault, expected) => assert_eq!(*fault, expected, "{shape:?}"),
            }
            assert!(pages <= 6, "{shape:?}: {pages} pages");
        }
        other => panic!("{shape:?}: expected a pagination error, got {other:?}"),
    }
    // The pages, plus an environment lookup for provisioning (a GET by id, then the list).
    assert!(server.requests().len() <= 8, "{shape:?}: {} requests", server.requests().len());
    assert!(started.elapsed() < Duration::from_secs(10), "{shape:?}");
}

#[tokio::test]
async fn every_endless_pagination_ends_with_a_typed_error_in_listing_audit_provisioning_and_lookup() {
    for shape in Endless::ALL {
        let started = Instant::now();
        let server = endless(shape, true);
        let listed = client(&server).api_keys().list().collect().await.map(drop);
        assert_typed_end(listed, shape, &server, started);

        let server = endless(shape, true);
        let audit = client(&server).api_keys().audit(Default::default()).await.map(drop);
        assert_typed_end(audit, shape, &server, started);

        let server = endless(shape, true);
        let provisioned = client(&server).api_keys().provision(ENV_ID, &["svc"], ProvisionOptions::new()).await;
        assert_typed_end(provisioned.map(drop), shape, &server, started);
        assert_eq!(server.count("POST"), 0, "nothing created after a broken scan");

        let server = endless(shape, false);
        let found = client(&server).environments().find("Production").await.map(drop);
        assert_typed_end(found, shape, &server, started);
    }
}

#[tokio::test]
async fn fresh_items_under_fresh_cursors_end_at_the_page_limit() {
    let server = Hostile::start(|r| {
        let n: usize = r.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        let next = format!("{}?page[after]={}", r.path(), n + 1);
        Reply::json(200, json!({"data": [ingest_key(&numbered_id(n), "k")], "links": {"next": next}}))
    });
    let started = Instant::now();
    let keys: Vec<_> = futures::StreamExt::collect(client(&server).api_keys().list().page_limit(40).items()).await;
    assert_eq!(keys.iter().filter(|k| k.is_ok()).count(), 40, "the pages before the limit are yielded");
    assert!(matches!(
        keys.last(),
        Some(Err(Error::PaginationLoop { pages: 40, fault: PaginationFault::PageLimit { limit: 40 }, .. }))
    ));
    assert_eq!(server.requests().len(), 40);
    assert!(started.elapsed() < Duration::from_secs(10));
    // `max_pages` is a stop the caller asked for: no error.
    let server2 = Hostile::start(|r| {
        let n: usize = r.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        Reply::json(
            200,
            json!({"data": [ingest_key(&numbered_id(n), "k")], "links": {"next": format!("{}?page[after]={}", r.path(), n + 1)}}),
        )
    });
    assert_eq!(client(&server2).api_keys().list().max_pages(5).collect().await.unwrap().len(), 5);
}

#[test]
fn the_cli_ends_fresh_pages_at_its_page_limit() {
    let server = Hostile::start(|r| {
        let n: usize = r.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        let next = format!("{}?page[after]={}", r.path(), n + 1);
        Reply::json(200, json!({"data": [ingest_key(&numbered_id(n), "k")], "links": {"next": next}}))
    });
    let started = Instant::now();
    let out = hny(&server.uri(), &["list", "--page-limit", "30"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("limit of 30 pages"), "{}", text(&out.stderr));
    assert_eq!(server.requests().len(), 30);
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_cli_ends_every_endless_pagination_with_exit_1_and_a_message() {
    for shape in Endless::ALL {
        for (args, keys) in [
            (&["list"][..], true),
            (&["audit"][..], true),
            (&["provision", "-e", "Production", "svc"][..], true),
            (&["create", "--name", "n", "--type", "ingest", "-e", "Production"][..], false),
        ] {
            let server = endless(shape, keys);
            let started = Instant::now();
            let out = hny(&server.uri(), args);
            assert_no_panic(&out);
            assert_eq!(out.status.code(), Some(1), "{shape:?} {args:?}: {}", text(&out.stderr));
            assert!(text(&out.stderr).contains("pagination stopped after"), "{}", text(&out.stderr));
            assert!(started.elapsed() < Duration::from_secs(10), "{shape:?} {args:?}");
            assert_eq!(server.count("POST"), 0);
        }
    }
}

// ---- 2. act on what the user named ----------------------------------------------------

/// A server that answers every key read with another key.
fn substituting() -> Hostile {
    Hostile::start(|r| match (r.method.as_str(), r.path()) {
        ("GET", p) if p.starts_with(&keys_path()) && p.len() > keys_path().len() => {
            Reply::json(200, json!({"data": ingest_key(crate::common::CONFIG_ID, "someone else's key")}))
        }
        ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        _ => Reply::json(500, json!({"errors": [{"status": "500", "title": "must not be called"}]})),
    })
}

#[tokio::test]
async fn an_answer_for_another_id_is_an_error_and_nothing_is_written() {
    let server = substituting();
    let asked = crate::common::INGEST_ID;
    let options = RotateOptions::new().old_key(OldKeyAction::Delete);
    match client(&server).api_keys().rotate(asked, options).await {
        Err(Error::IdMismatch { requested, answered, .. }) => {
            assert_eq!((requested.as_str(), answered.as_str()), (asked, crate::common::CONFIG_ID));
        }
        other => panic!("expected IdMismatch, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 1, "the GET, and nothing after it");
    let err = client(&server).api_keys().get(asked).await.unwrap_err();
    assert!(err.to_string().contains(asked) && err.to_string().contains(crate::common::CONFIG_ID), "{err}");
}

#[test]
fn the_cli_does_not_delete_the_key_a_server_substituted() {
    let server = substituting();
    let out = hny(&server.uri(), &["rotate", crate::common::INGEST_ID, "--delete-old", "--yes"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(crate::common::CONFIG_ID), "{}", text(&out.stderr));
    assert_eq!((server.count("DELETE"), server.count("POST"), server.count("PATCH")), (0, 0, 0));
}

// ---- 3. nothing secret in errors or logs ----------------------------------------------

/// A server that answers 401, echoing the Authorization header in `format`.
fn echoing(format: &'static str) -> Hostile {
    Hostile::start(move |r| {
        let auth = r.header("authorization").unwrap_or_default().to_string();
        let token = auth.trim_start_matches("Bearer ").to_string();
        let echoed = format!(
            "you sent {auth}; as a query: key={}; base64: {}; bare: {}",
            token.replace(':', "%3A"),
            base64(token.as_bytes()),
            token.split(':').nth(1).unwrap_or_default()
        );
        match format {
            "jsonapi" => Reply::json(
                401,
                json!({"errors": [{"status": "401", "title": "bad key", "detail": echoed, "source": {"header": auth}}]}),
            ),
            "legacy" => Reply::json(401, json!({"error": echoed})),
            _ => Reply::text(401, "text/html", &format!("<html><body><pre>{echoed}</pre></body></html>")),
        }
        .header("X-Request-Id", &auth)
    })
}

fn secret_forms() -> Vec<String> {
    let pair = format!("{MGMT_ID}:{CANARY}");
    vec![CANARY.to_string(), base64(pair.as_bytes()), base64(CANARY.as_bytes()), "Q0FOQVJZ".to_string()]
}

#[tokio::test]
async fn an_echoed_management_secret_is_redacted_from_errors_in_every_body_format() {
    for format in ["jsonapi", "legacy", "html"] {
        let server = echoing(format);
        let err = client(&server).api_keys().get(crate::common::INGEST_ID).await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        let shown = format!("{err} {err:?}");
        for form in secret_forms() {
            assert!(!shown.contains(&form), "{format}: {form} in {shown}");
        }
        assert!(shown.contains("[REDACTED]"), "{format}: {shown}");
    }
}

#[test]
fn the_cli_never_prints_an_echoed_secret_even_at_trace_level() {
    for format in ["jsonapi", "legacy", "html"] {
        let server = echoing(format);
        let out =
            hny_command(&server.uri(), &["get", crate::common::INGEST_ID]).env("RUST_LOG", "trace").output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("TRACE") || all.contains("trace"), "tracing was on: {all}");
        for form in secret_forms() {
            assert!(!all.contains(&form), "{format}: {form} printed:\n{all}");
        }
    }
}

#[tokio::test]
async fn a_new_secret_echoed_by_a_later_error_of_the_rotation_is_redacted() {
    let new_secret = "NEWsecretCANARY0123456789abcdefXY";
    let server = Hostile::start(move |r| match (r.method.as_str(), r.path()) {
        ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        ("GET", _) => Reply::json(200, json!({"data": ingest_key(crate::common::INGEST_ID, "svc")})),
        ("POST", _) => Reply::json(201, json!({"data": created_key(&numbered_id(7), "svc (rotated)", new_secret)})),
        _ => Reply::json(
            400,
            json!({"errors": [{"status": "400", "title": "no", "detail": format!("key {} is in use", new_secret)}]}),
        ),
    });
    let rotation = client(&server).api_keys().rotate(crate::common::INGEST_ID, RotateOptions::new()).await.unwrap();
    let shown = format!("{rotation} {:?}", rotation.old_key_outcome);
    assert!(shown.contains("STILL ENABLED"), "{shown}");
    assert!(!shown.contains(new_secret), "{shown}");
}

#[tokio::test]
async fn a_provisioning_failure_never_quotes_a_secret_the_provisioning_handed_out() {
    let first_secret = "FIRSTsecretCANARY0123456789abcdef";
    let posts = Arc::new(Mutex::new(0));
    let server = Hostile::start(move |r| match (r.method.as_str(), r.path()) {
        ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        ("GET", _) => Reply::json(200, json!({"data": environment(ENV_ID, "Production")})),
        _ => {
            let mut posts = posts.lock().unwrap();
            *posts += 1;
            if *posts == 1 {
                Reply::json(201, json!({"data": created_key(&numbered_id(1), "a", first_secret)}))
            } else {
                Reply::json(
                    409,
                    json!({"errors": [{"status": "409", "detail": format!("clashes with {first_secret}")}]}),
                )
            }
        }
    });
    let options = ProvisionOptions::new().concurrency(1);
    let report = client(&server).api_keys().provision(ENV_ID, &["a", "b"], options).await.unwrap();
    let (_, error) = report.failed().next().expect("the second create failed");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("clashes with [REDACTED]") && !shown.contains(first_secret), "{shown}");
}

// ---- 4. terminal safety -------------------------------------------------------------

const EVIL_NAME: &str = "evil\u{1b}]0;owned\u{7}\u{1b}[2J name \u{202e}gnp.exe";

#[test]
fn escape_codes_from_the_server_are_shown_not_obeyed_and_json_stays_exact() {
    let server = Hostile::start(|r| match r.path() {
        p if p == keys_path() => Reply::json(
            200,
            json!({"data": [ingest_key(crate::common::INGEST_ID, EVIL_NAME)], "links": {"next": null}}),
        ),
        _ => Reply::json(
            422,
            json!({"errors": [{"status": "422", "title": "bad\u{1b}[31m", "detail": "x\nerror: forged line \u{1b}]0;t\u{7}"}]}),
        ),
    });
    let table = hny(&server.uri(), &["list", "--output", "table"]);
    assert!(table.status.success());
    let shown = text(&table.stdout);
    assert!(shown.contains("evil\\u{1b}]0;owned"), "{shown}");
    assert!(!shown.contains('\u{1b}') && !shown.contains('\u{202e}') && !shown.contains('\u{7}'), "{shown:?}");

    let json = hny(&server.uri(), &["list", "--output", "json"]);
    let keys: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(keys[0]["name"], EVIL_NAME, "JSON carries the exact name");

    let failed = hny(&server.uri(), &["get", crate::common::INGEST_ID]);
    let stderr = text(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1));
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "{stderr:?}");
    assert_eq!(stderr.lines().filter(|l| l.starts_with("error:")).count(), 1, "no forged error line: {stderr:?}");
}

#[tokio::test]
async fn names_with_control_or_invisible_characters_are_refused_before_any_request() {
    let server = Hostile::start(|_| Reply::json(500, json!({})));
    let keys = client(&server).api_keys();
    for name in ["a\u{1b}[2Jb", "tab\tname", "admin\u{202e}", "zero\u{200b}width", "line\nbreak"] {
        let err = keys.create(NewApiKey::ingest(name, ENV_ID)).await.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { field: "name", .. }), "{name:?}: {err}");
        let renamed = keys.update(crate::common::INGEST_ID, honeycomb_api_keys::ApiKeyUpdate::new().name(name)).await;
        assert!(matches!(renamed, Err(Error::InvalidArgument { field: "name", .. })), "{name:?}");
        let cli = hny(&server.uri(), &["create", "--name", name, "--type", "ingest", "-e", "Production"]);
        assert_eq!(cli.status.code(), Some(2), "{name:?}: {}", text(&cli.stderr));
    }
    let provision = keys.provision(ENV_ID, &["ok", "bad\u{1b}[2J"], ProvisionOptions::new()).await.unwrap_err();
    assert!(matches!(provision, Error::InvalidArgument { field: "services", .. }), "{provision}");
    assert!(server.requests().is_empty());
}

// ---- 5. creates never on a stale connection -------------------------------------------

#[tokio::test]
async fn a_server_closing_idle_connections_never_makes_a_create_outcome_unknown() {
    let server = Hostile::start_closing_idle(Some(Duration::from_millis(40)), |r| match r.method.as_str() {
        "POST" => {
            Reply::json(201, json!({"data": created_key(&numbered_id(1), "svc", "s3cretValue0123456789abcdefABCDEF")}))
        }
        _ => Reply::json(200, json!({"data": ingest_key(crate::common::INGEST_ID, "svc")})),
    });
    let client = Client::builder().management_key(MGMT_ID, CANARY).endpoint(server.uri()).team(TEAM).build().unwrap();
    let keys = client.api_keys();
    let mut unknown = 0;
    for _ in 0..20 {
        keys.get(crate::common::INGEST_ID).await.unwrap(); // leaves a pooled connection
        tokio::time::sleep(Duration::from_millis(60)).await; // which the server then drops
        match keys.create(NewApiKey::ingest("svc", ENV_ID)).await {
            Ok(_) => {}
            Err(e) if e.is_outcome_unknown() => unknown += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(unknown, 0, "false `outcome unknown` in 20 runs");
    assert_eq!(server.count("POST"), 20, "each create sent once");
}

// ---- 6. smaller promises ------------------------------------------------------------

#[tokio::test]
async fn a_retry_after_beyond_u64_is_a_long_wait_that_fails_fast() {
    let server = Hostile::start(|_| {
        Reply::json(429, json!({"errors": [{"status": "429", "title": "slow down"}]}))
            .header("Retry-After", "99999999999999999999999")
    });
    let err = client(&server).api_keys().get(crate::common::INGEST_ID).await.unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(86_400)));
    assert_eq!(server.requests().len(), 1, "not retried quickly");
}

#[tokio::test]
async fn auth_falls_back_to_the_only_included_team() {
    // Honeycomb's own published example links `hxctm_…` and includes `hcxtm_…`.
    let server = Hostile::start(|r| match r.path() {
        "/2/auth" => Reply::json(
            200,
            json!({
                "data": {"id": MGMT_ID, "type": "api-keys",
                         "attributes": {"name": "m", "key_type": "management", "disabled": false, "scopes": ["api-keys:read"],
                                        "timestamps": {"created": "2025-01-01T00:00:00Z", "updated": "2025-01-01T00:00:00Z"}},
                         "relationships": {"team": {"data": {"id": "hxctm_01jq5zfe3b7w2v9j2hf3ymc8rp", "type": "teams"}}}},
                "included": [{"id": "hcxtm_01jq5zfe3b7w2v9j2hf3ymc8rp", "type": "teams",
                              "attributes": {"name": "Acme", "slug": "acme"}}]
            }),
        ),
        _ => Reply::json(404, json!({})),
    });
    let detecting = Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(server.uri())
        .clock(ManualClock::new())
        .build()
        .unwrap();
    assert_eq!(detecting.auth().await.unwrap().team.slug, "acme");
    let out = hny_command(&server.uri(), &["auth"]).env_remove("HONEYCOMB_TEAM").output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("acme"));
}

#[test]
fn the_cli_checks_names_permissions_and_stdout_before_the_first_request() {
    let fake = MockHoneycomb::start_blocking();
    let long = "x".repeat(101);
    let ci = ["--type", "configuration", "-e", "Production"];
    for (args, needle) in [
        (vec!["create", "--name", &long, "--type", "ingest", "-e", "Production"], "101 characters"),
        (
            vec!["create", "--name", "ci", "--type", "ingest", "-e", "Production", "--permission", "run_queries"],
            "ingest key",
        ),
        ([&["create", "--name", "ci"][..], &ci[..]].concat(), "--no-permissions"),
        (vec!["rotate", "not an id", "--yes"], "not allowed"),
    ] {
        let out = hny_fake(&fake, &args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(needle), "{args:?}: {}", text(&out.stderr));
    }
    assert!(fake.requests().is_empty(), "no request for bad input: {:?}", fake.requests().len());
    let out =
        hny_fake(&fake, &[&["create", "--name", "ci", "--no-permissions"][..], &ci[..]].concat()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn environment_given_by_id_is_read_by_id() {
    let fake = MockHoneycomb::start_blocking();
    let env = fake.environment_id("production").unwrap();
    let out = hny_fake(&fake, &["create", "--name", "svc", "--type", "ingest", "-e", &env]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(fake.count(Operation::GetEnvironment), 1);
    assert_eq!(fake.count(Operation::ListEnvironments), 0);
    let by_name =
        hny_fake(&fake, &["create", "--name", "svc2", "--type", "ingest", "-e", "Production"]).output().unwrap();
    assert!(by_name.status.success());
    assert_eq!(fake.count(Operation::ListEnvironments), 1, "a name is looked up in the list");
}

// ---- 7. secrets first: interrupts, full disks, closed pipes ---------------------------

fn fake_with_key() -> (MockHoneycomb, String) {
    let fake = MockHoneycomb::start_blocking();
    let old =
        fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(86_400));
    (fake, old.id)
}

fn newest_key(fake: &MockHoneycomb, other_than: &str) -> honeycomb_api_keys::mock::MockKey {
    let mut keys: Vec<_> = fake.keys().into_iter().filter(|k| k.id != other_than).collect();
    keys.sort_by_key(|k| k.created);
    keys.pop().expect("a key was created")
}

#[test]
fn an_interrupt_while_the_old_key_is_retired_leaves_the_new_secret_printed() {
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let (fake, old) = fake_with_key();
        fake.delay(Operation::UpdateApiKey, Duration::from_secs(30));
        let mut child = spawn_piped(hny_fake(&fake, &["rotate", &old, "--yes"]));
        let lines = read_until(&mut child, "\"event\":\"created\"");
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
        let new = newest_key(&fake, &old);
        let created: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
        assert_eq!(created["secret"], new.secret.as_str(), "the secret was out before the interrupt");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("SIG{sig}")) && stderr.contains(&new.id), "{stderr}");
    }
}

#[test]
fn an_interrupt_during_a_create_waits_for_its_answer_and_prints_it() {
    let fake = MockHoneycomb::start_blocking();
    fake.delay(Operation::CreateApiKey, Duration::from_millis(1500));
    let child = spawn_piped(hny_fake(&fake, &["provision", "-e", "Production", "checkout", "search"]));
    wait_for(&fake, Operation::CreateApiKey, 2); // both creates in flight
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let printed: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["event"] == "created")
        .collect();
    assert_eq!(printed.len(), 2, "both answered creates were printed: {printed:?}");
    for line in printed {
        let key = fake.key(line["key"]["id"].as_str().unwrap()).unwrap();
        assert_eq!(line["secret"], key.secret.as_str());
    }
}

#[test]
fn a_second_interrupt_stops_at_once_and_says_which_create_is_unknown() {
    let fake = MockHoneycomb::start_blocking();
    fake.delay(Operation::CreateApiKey, Duration::from_secs(20));
    let started = Instant::now();
    let child = spawn_piped(hny_fake(&fake, &["create", "--name", "slow one", "--type", "ingest", "-e", "Production"]));
    wait_for(&fake, Operation::CreateApiKey, 1);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("\"slow one\" was not answered") && stderr.contains("hny-keys list"), "{stderr}");
}

#[test]
fn an_interrupt_during_an_environment_create_waits_for_its_answer_or_says_it_is_unknown() {
    // One interrupt: the create in flight is answered and printed, then the exit.
    let fake = MockHoneycomb::start_blocking();
    fake.delay(Operation::CreateEnvironment, Duration::from_millis(1500));
    let child = spawn_piped(hny_fake(&fake, &["environments", "create", "--name", "Load test", "-o", "json"]));
    wait_for(&fake, Operation::CreateEnvironment, 1);
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_str(text(&out.stdout).trim()).expect("the environment was printed");
    let made = fake.environments().into_iter().find(|e| e.name == "Load test").expect("it was made");
    assert_eq!(printed["id"], made.id.as_str());

    // Two: it stops at once, naming the create whose outcome is unknown and where to look.
    let fake = MockHoneycomb::start_blocking();
    fake.delay(Operation::CreateEnvironment, Duration::from_secs(20));
    let started = Instant::now();
    let child = spawn_piped(hny_fake(&fake, &["environments", "create", "--name", "slow env"]));
    wait_for(&fake, Operation::CreateEnvironment, 1);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(10));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("environment \"slow env\" was not answered") && stderr.contains("hny-keys environments"),
        "{stderr}"
    );
}

#[test]
fn a_secret_that_cannot_be_written_names_the_key_and_how_to_retire_it() {
    // stdout on a full disk
    let fake = MockHoneycomb::start_blocking();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = hny_fake(&fake, &["create", "--name", "svc", "--type", "ingest", "-e", "Production"])
        .stdout(full)
        .output()
        .unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let key = fake.keys().pop().expect("the key was made");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&key.id) && stderr.contains("\"svc\""), "{stderr}");
    assert!(stderr.contains("not saved") && stderr.contains(&format!("hny-keys delete {} --yes", key.id)), "{stderr}");
    assert!(!stderr.contains(&key.secret));

    // a reader that went away: the same, for a rotation, and the old key is left in use
    let (fake, old) = fake_with_key();
    let mut child = spawn_piped(hny_fake(&fake, &["rotate", &old, "--yes"]));
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let new = newest_key(&fake, &old);
    assert!(text(&out.stderr).contains(&new.id) && text(&out.stderr).contains("left enabled"), "{}", text(&out.stderr));
    assert!(!fake.key(&old).unwrap().disabled, "the old key stays in use: the new secret is lost");
    assert_eq!(fake.count(Operation::UpdateApiKey), 0);
}

#[test]
fn a_closed_stdout_is_refused_before_a_key_is_made() {
    let fake = MockHoneycomb::start_blocking();
    let (id, secret) = fake.management_key();
    let out = Command::new("sh")
        .args(["-c", "exec \"$0\" \"$@\" >&-", env!("CARGO_BIN_EXE_hny-keys")])
        .args(["create", "--name", "svc", "--type", "ingest", "-e", "Production"])
        .env_clear()
        .env("HONEYCOMB_KEY_ID", id)
        .env("HONEYCOMB_KEY_SECRET", secret)
        .env("HONEYCOMB_API_ENDPOINT", fake.uri())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("stdout is closed or /dev/null"));
    assert_eq!(fake.count(Operation::CreateApiKey), 0);
}

#[test]
fn a_closed_pipe_ends_listings_quietly() {
    let fake = MockHoneycomb::start_blocking();
    fake.seed_keys(400); // more JSON than a pipe holds
    for args in [&["list"][..], &["list", "--output", "table"], &["environments"], &["completions", "bash"]] {
        let mut child = spawn_piped(hny_fake(&fake, args));
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

// ---- 8. workflows are right on re-runs ------------------------------------------------

#[tokio::test]
async fn provisioning_does_not_count_a_disabled_key_and_counts_a_rotated_one() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let none = Permissions::none();
    let off = fake.seed_key("production", "checkout", &KeyType::Ingest, &none, Duration::ZERO);
    keys.update(&off.id, honeycomb_api_keys::ApiKeyUpdate::new().disable()).await.unwrap();
    let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await.unwrap();
    assert!(matches!(report.entries[0].outcome, ProvisionOutcome::Disabled(_)), "{:?}", report.entries);
    assert!(!report.is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 0, "no second key of the name");

    // After a rotation the service's key is the replacement.
    keys.update(&off.id, honeycomb_api_keys::ApiKeyUpdate::new().enable()).await.unwrap();
    let rotation = keys.rotate(&off.id, RotateOptions::new()).await.unwrap();
    let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await.unwrap();
    match &report.entries[0].outcome {
        ProvisionOutcome::Existing(key) => assert_eq!(&key.id, rotation.new_key.id()),
        other => panic!("{other:?}"),
    }
    assert!(report.is_complete());
}

#[tokio::test]
async fn a_rotation_rerun_finds_its_replacement_and_a_disabled_key_is_refused() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(9));
    // A first run whose retire step failed.
    fake.fail_next(Operation::UpdateApiKey, 3, honeycomb_api_keys::mock::Fault::status(503));
    let first = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert!(!first.is_complete());
    // A rerun finds the replacement, makes no second one, and leaves the old key in use
    // until told that the first run's secret was stored (it may have been lost).
    let second = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert!(matches!(second.new_key, honeycomb_api_keys::Replacement::Resumed(_)));
    assert_eq!(second.new_key.id(), first.new_key.id());
    assert!(!second.is_complete() && !fake.key(&old.id).unwrap().disabled);
    assert!(second.to_string().contains("resume"), "{second}");
    let third = keys.rotate(&old.id, RotateOptions::new().resume(true)).await.unwrap();
    assert_eq!(third.new_key.id(), first.new_key.id());
    assert!(third.is_complete() && fake.key(&old.id).unwrap().disabled);
    // Once more, on the now disabled key: it still finds it and creates nothing.
    let fourth = keys.rotate(&old.id, RotateOptions::new()).await.unwrap();
    assert_eq!(fourth.new_key.id(), first.new_key.id());
    assert!(fourth.is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 1);

    // Two keys that could each be the replacement: refused, nothing touched.
    let twin = fake.seed_key("production", "pair", &KeyType::Ingest, &Permissions::none(), Duration::from_secs(9));
    for _ in 0..2 {
        let _ = fake.seed_key(
            "production",
            "pair (rotated 2026-01-02)",
            &KeyType::Ingest,
            &Permissions::none(),
            Duration::ZERO,
        );
    }
    let err = keys.rotate(&twin.id, RotateOptions::new().resume(true)).await.unwrap_err();
    assert!(err.to_string().contains("look like the replacement"), "{err}");
    assert!(!fake.key(&twin.id).unwrap().disabled);
    // A key of other permissions is not a replacement.
    let board = Permissions::board_management();
    let ci = fake.seed_key("production", "ci", &KeyType::Configuration, &board, Duration::from_secs(9));
    let _ = fake.seed_key(
        "production",
        "ci (rotated 2026-01-02)",
        &KeyType::Configuration,
        &Permissions::all(),
        Duration::ZERO,
    );
    let rotated = keys.rotate(&ci.id, RotateOptions::new()).await.unwrap();
    assert!(matches!(rotated.new_key, honeycomb_api_keys::Replacement::Created(_)));
    assert_eq!(fake.count(Operation::CreateApiKey), 2);

    // A disabled key with no replacement is refused unless asked for.
    let lone = fake.seed_key("production", "lone", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    keys.update(&lone.id, honeycomb_api_keys::ApiKeyUpdate::new().disable()).await.unwrap();
    let err = keys.rotate(&lone.id, RotateOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("allow_disabled"), "{err}");
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
    keys.rotate(&lone.id, RotateOptions::new().allow_disabled(true)).await.unwrap();
    assert_eq!(fake.count(Operation::CreateApiKey), 3);
}

/// A gate that lets `creates_allowed` creates through, and changes or not.
struct Gate {
    creates_allowed: Mutex<usize>,
    changes: bool,
}

impl honeycomb_api_keys::WriteGate for Gate {
    fn before_create(&self, _: &str) -> bool {
        let mut left = self.creates_allowed.lock().unwrap();
        let allowed = *left > 0;
        *left = left.saturating_sub(1);
        allowed
    }

    fn before_change(&self) -> bool {
        self.changes
    }
}

#[tokio::test]
async fn a_write_gate_holds_back_creates_and_changes() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let closed = Arc::new(Gate { creates_allowed: Mutex::new(0), changes: false });
    let err = keys.rotate(&old.id, RotateOptions::new().gate(closed.clone())).await.unwrap_err();
    assert!(matches!(err, Error::Cancelled { .. }), "{err}");
    assert_eq!(fake.count(Operation::CreateApiKey), 0);

    let creates_only = Arc::new(Gate { creates_allowed: Mutex::new(1), changes: false });
    let rotation = keys.rotate(&old.id, RotateOptions::new().gate(creates_only)).await.unwrap();
    assert!(!rotation.is_complete() && rotation.to_string().contains("stopped before the old key was retired"));
    assert_eq!((fake.count(Operation::CreateApiKey), fake.count(Operation::UpdateApiKey)), (1, 0));

    let one = Arc::new(Gate { creates_allowed: Mutex::new(1), changes: true });
    let options = ProvisionOptions::new().concurrency(1).gate(one);
    let report = keys.provision("Production", &["a", "b", "c"], options).await.unwrap();
    let made: Vec<bool> = report.entries.iter().map(|e| matches!(e.outcome, ProvisionOutcome::Created(_))).collect();
    assert_eq!(made, [true, false, false]);
    assert_eq!(report.stopped.as_deref(), Some("cancelled"));
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
}

#[tokio::test]
async fn a_page_larger_than_asked_and_a_cursor_in_a_transport_error_are_refused_and_hidden() {
    let server = Hostile::start(|_| {
        let items: Vec<Value> = (0..101).map(|n| ingest_key(&numbered_id(n), "k")).collect();
        Reply::json(200, json!({"data": items, "links": {"next": null}}))
    });
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    assert!(
        matches!(err, Error::PaginationLoop { fault: PaginationFault::OversizedPage { items: 101, size: 100 }, .. }),
        "{err}"
    );

    let cursor = "CANARYcursorSECRET0123456789";
    let server = Hostile::start(move |r| match r.query("page[after]") {
        None => Reply::json(
            200,
            json!({"data": [ingest_key(&numbered_id(1), "k")], "links": {"next": format!("{}?page[after]={cursor}", r.path())}}),
        ),
        Some(_) => Reply::close(),
    });
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
    assert!(!shown.contains(cursor), "{shown}");
}

#[tokio::test]
async fn workflows_hand_each_secret_over_before_their_next_request() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (seen_, fake_) = (seen.clone(), fake.clone());
    let rotation = keys
        .rotate(
            &old.id,
            RotateOptions::new().on_created(move |created| {
                // Called before the old key is touched.
                assert_eq!(fake_.count(Operation::UpdateApiKey), 0);
                seen_.lock().unwrap().push(created.secret().clone());
                Ok(())
            }),
        )
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(rotation.is_complete());

    // A secret that cannot be stored stops the workflow: the old key stays in use.
    let other = fake.seed_key("production", "search", &KeyType::Ingest, &Permissions::none(), Duration::ZERO);
    let refused =
        keys.rotate(&other.id, RotateOptions::new().on_created(|_| Err("vault is down".into()))).await.unwrap();
    assert!(!refused.is_complete() && !fake.key(&other.id).unwrap().disabled);
    assert!(refused.to_string().contains("vault is down"));

    let report = keys
        .provision(
            "Production",
            &["a", "b", "c"],
            ProvisionOptions::new().concurrency(1).on_created(|_, _| Err("disk full".into())),
        )
        .await
        .unwrap();
    let outcomes: Vec<_> = report.entries.iter().map(|e| matches!(e.outcome, ProvisionOutcome::Created(_))).collect();
    assert_eq!(outcomes, [true, false, false], "one made, then stopped");
    assert!(report.entries[1..].iter().all(|e| matches!(e.outcome, ProvisionOutcome::Skipped)));
    assert!(!report.is_complete() && report.stopped.as_deref().unwrap().contains("disk full"));
}

#[test]
fn an_interrupt_ends_the_cli_even_when_stdout_is_not_read() {
    let fake = MockHoneycomb::start_blocking();
    fake.seed_keys(400); // more JSON than a pipe holds: the write blocks
    let mut child = spawn_piped(hny_fake(&fake, &["list"]));
    let started = Instant::now();
    while fake.count(Operation::ListApiKeys) < 4 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(500)); // the listing is written, and stuck
    signal(&child, "INT");
    let waited = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if waited.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.and_then(|s| s.code()), Some(130), "a stalled reader must not keep the CLI from stopping");
}

#[tokio::test]
async fn ids_and_links_a_server_invents_carry_no_secret_into_errors() {
    // An answer for another id made of the secret, and a next link to a host named by it.
    let server = Hostile::start(|r| {
        if r.path() == keys_path() {
            let next = format!("https://{CANARY}.example/2/teams/{TEAM}/api-keys?page[after]=x");
            Reply::json(200, json!({"data": [ingest_key(&numbered_id(1), "k")], "links": {"next": next}}))
        } else {
            Reply::json(200, json!({"data": ingest_key(&format!("hcxik_{CANARY}"), "k")}))
        }
    });
    let keys = client(&server).api_keys();
    let mismatch = keys.get(crate::common::INGEST_ID).await.unwrap_err();
    assert!(matches!(mismatch, Error::IdMismatch { .. }), "{mismatch}");
    let link = keys.list().collect().await.unwrap_err();
    assert!(matches!(link, Error::UnsafeNextLink { .. }), "{link}");
    for err in [mismatch, link] {
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(CANARY) && shown.contains("[REDACTED]"), "{shown}");
    }
}

#[test]
fn an_interrupt_during_apply_delivers_the_secret_in_flight_and_a_second_apply_finishes() {
    let fake = MockHoneycomb::start_blocking();
    fake.delay(Operation::CreateApiKey, Duration::from_millis(1500));
    let dir = std::env::temp_dir().join(format!("hny-keys-apply-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.toml");
    let mut declared = String::new();
    for name in ["one", "two", "three"] {
        declared.push_str(&format!("[[key]]\nname = \"{name}\"\ntype = \"ingest\"\nenvironment = \"Production\"\n\n"));
    }
    std::fs::write(&keys, declared).unwrap();
    let dotenv = dir.join(".env");
    let (keys, sink) = (keys.display().to_string(), format!("dotenv:{}", dotenv.display()));
    let apply = ["apply", "-f", keys.as_str(), "--secrets-to", sink.as_str(), "--yes"];

    let child = spawn_piped(hny_fake(&fake, &apply));
    wait_for(&fake, Operation::CreateApiKey, 1);
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("shows what is left; applying again finishes it"), "{}", text(&out.stderr));
    // The create in flight was answered and its secret delivered; no other was started.
    let made = fake.keys();
    assert_eq!(made.len(), 1);
    let written = std::fs::read_to_string(&dotenv).unwrap();
    assert_eq!(written, format!("HONEYCOMB_PRODUCTION_ONE={}{}\n", made[0].id, made[0].secret));

    fake.delay(Operation::CreateApiKey, Duration::ZERO);
    let out = hny_fake(&fake, &apply).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let made = fake.keys();
    assert_eq!(made.len(), 3, "no duplicate");
    let written = std::fs::read_to_string(&dotenv).unwrap();
    assert_eq!(written.lines().count(), 3);
    for key in &made {
        assert_eq!(written.matches(&key.secret).count(), 1, "each secret delivered once");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ctrl_c_at_the_terminal_lets_an_exec_sink_finish_its_delivery() {
    use std::os::unix::process::CommandExt;
    let fake = MockHoneycomb::start_blocking();
    let dir = std::env::temp_dir().join(format!("hny-keys-exec-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.toml");
    std::fs::write(&keys, "[[key]]\nname = \"one\"\ntype = \"ingest\"\nenvironment = \"Production\"\n").unwrap();
    let stored = dir.join("stored");
    let started = dir.join("started");
    // The command signals that it runs, then takes its time to store the secret.
    let sink = format!("exec:touch '{}'; sleep 1; cat > '{}'", started.display(), stored.display());
    let (keys, sink) = (keys.display().to_string(), sink);
    let mut command = hny_fake(&fake, &["apply", "-f", &keys, "--secrets-to", &sink, "--yes"]);
    // A terminal's Ctrl-C goes to the whole foreground process group.
    command.process_group(0);
    let child = spawn_piped(command);
    let waited = Instant::now();
    while !started.exists() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill").args(["-INT", "--", &format!("-{}", child.id())]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let key = fake.keys().pop().expect("the key was made and kept");
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), format!("{}{}", key.id, key.secret), "delivered in full");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_second_interrupt_while_a_secret_is_delivered_says_the_create_was_answered_and_its_delivery_unknown() {
    let fake = MockHoneycomb::start_blocking();
    let dir = std::env::temp_dir().join(format!("hny-keys-exec-second-interrupt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.toml");
    std::fs::write(&keys, "[[key]]\nname = \"one\"\ntype = \"ingest\"\nenvironment = \"Production\"\n").unwrap();
    let (stored, started) = (dir.join("stored"), dir.join("started"));
    // The command (in a process group of its own) stores the secret two seconds later.
    let sink = format!("exec:touch '{}'; sleep 2; cat > '{}'", started.display(), stored.display());
    let keys = keys.display().to_string();
    let child = spawn_piped(hny_fake(&fake, &["apply", "-f", &keys, "--secrets-to", &sink, "--yes"]));
    let waited = Instant::now();
    while !started.exists() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let key = fake.keys().pop().expect("the key was made");
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!(
            "{} was made for \"one\" and its secret was being delivered when the run stopped: whether the sink stored it is unknown",
            key.id
        )),
        "{said}"
    );
    assert!(!said.contains("was not answered") && !said.contains("its secret is lost"), "{said}");
    // What happened: the command finished its delivery; the key kept its pending name, so
    // a plan makes the key again instead of trusting it.
    let waited = Instant::now();
    while !stored.exists() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), format!("{}{}", key.id, key.secret));
    assert!(key.name.starts_with("[hny-keys pending "), "{}", key.name);
    let plan = hny_fake(&fake, &["plan", "-f", &keys, "-o", "json"]).output().unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["changes"][0]["action"], "create", "{plan}");
    assert_eq!(plan["pending"][0]["id"], key.id.as_str(), "{plan}");
    let _ = std::fs::remove_dir_all(dir);
}
