//! The promises of `hny-keys` against a hostile server (the library's raw-socket one,
//! `tests/suite/hostile/server.rs`) and the built-in fake, as a process: a server that
//! lies about ids, paginates forever, echoes the management secret or sends escape codes;
//! a user who interrupts, closes the pipe or fills the disk.

#[path = "../../../../tests/suite/hostile/server.rs"]
#[allow(dead_code)] // the library's tests use all of it
mod server;
#[path = "../../../../tests/suite/hostile/shared.rs"]
mod shared;

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use crate::common::{CANARY, ENV_ID, MGMT_ID, TEAM, ingest_key, numbered_id};

use honeycomb_api_keys::{
    Client, Error, KeyType, ManualClock, NewApiKey, Operation, Permissions, ProvisionOptions, mock::MockHoneycomb,
};

use serde_json::{Value, json};

use server::{Hostile, Reply};
use shared::*;

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

fn assert_no_panic(out: &Output) {
    assert_ne!(out.status.code(), Some(101), "panicked: {}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
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
    wait_until(|| fake.count(operation) >= n);
}

/// Waits until `ready` says so, ten seconds at most.
fn wait_until(ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

const EVIL_NAME: &str = "evil\u{1b}]0;owned\u{7}\u{1b}[2J name \u{202e}gnp.exe";

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

#[test]
fn the_cli_does_not_delete_the_key_a_server_substituted() {
    let server = substituting();
    let out = hny(&server.uri(), &["rotate", crate::common::INGEST_ID, "--delete-old", "--yes"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(crate::common::CONFIG_ID), "{}", text(&out.stderr));
    assert_eq!((server.count("DELETE"), server.count("POST"), server.count("PATCH")), (0, 0, 0));
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

#[test]
fn an_interrupt_ends_the_cli_even_when_stdout_is_not_read() {
    let fake = MockHoneycomb::start_blocking();
    fake.seed_keys(400); // more JSON than a pipe holds: the write blocks
    let mut child = spawn_piped(hny_fake(&fake, &["list"]));
    wait_for(&fake, Operation::ListApiKeys, 4);
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

/// A scratch directory with a key set of one ingest key, "one", and an exec sink that
/// touches `started`, waits `seconds`, then stores the secret in `stored`.
struct SlowSink {
    dir: std::path::PathBuf,
    keys: String,
    sink: String,
    started: std::path::PathBuf,
    stored: std::path::PathBuf,
}

fn slow_exec_sink(name: &str, seconds: u32) -> SlowSink {
    let dir = std::env::temp_dir().join(format!("hny-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.toml");
    std::fs::write(&keys, "[[key]]\nname = \"one\"\ntype = \"ingest\"\nenvironment = \"Production\"\n").unwrap();
    let (started, stored) = (dir.join("started"), dir.join("stored"));
    let sink = format!("exec:touch '{}'; sleep {seconds}; cat > '{}'", started.display(), stored.display());
    SlowSink { keys: keys.display().to_string(), dir, sink, started, stored }
}

#[test]
fn ctrl_c_at_the_terminal_lets_an_exec_sink_finish_its_delivery() {
    use std::os::unix::process::CommandExt;
    let fake = MockHoneycomb::start_blocking();
    // The command signals that it runs, then takes its time to store the secret.
    let SlowSink { dir, keys, sink, started, stored } = slow_exec_sink("exec-interrupt", 1);
    let mut command = hny_fake(&fake, &["apply", "-f", &keys, "--secrets-to", &sink, "--yes"]);
    // A terminal's Ctrl-C goes to the whole foreground process group.
    command.process_group(0);
    let child = spawn_piped(command);
    wait_until(|| started.exists());
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
    // The command (in a process group of its own) stores the secret two seconds later.
    let SlowSink { dir, keys, sink, started, stored } = slow_exec_sink("exec-second-interrupt", 2);
    let child = spawn_piped(hny_fake(&fake, &["apply", "-f", &keys, "--secrets-to", &sink, "--yes"]));
    wait_until(|| started.exists());
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
            "{} was made for \"one\" and its secret was being verified and delivered when the run stopped: whether the sink stored it is unknown",
            key.id
        )),
        "{said}"
    );
    assert!(!said.contains("was not answered") && !said.contains("its secret is lost"), "{said}");
    // What happened: the command finished its delivery; the key kept its pending name, so
    // a plan makes the key again instead of trusting it.
    wait_until(|| stored.exists());
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), format!("{}{}", key.id, key.secret));
    assert!(key.name.starts_with("[hny-keys pending "), "{}", key.name);
    let plan = hny_fake(&fake, &["plan", "-f", &keys, "-o", "json"]).output().unwrap();
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["changes"][0]["action"], "create", "{plan}");
    assert_eq!(plan["pending"][0]["id"], key.id.as_str(), "{plan}");
    let _ = std::fs::remove_dir_all(dir);
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
