//! `hny-keys apply` as teams really run it: several processes at once (ten into one sink
//! file, two of one key set), a create Honeycomb stores after the client gave up, and
//! interrupts while a secret is being delivered.
#![cfg(unix)]

use std::{process::Stdio, time::Duration};

use honeycomb_api_keys::{
    Operation,
    mock::{MockHoneycomb, MockKey},
};
use serde_json::Value;

use super::{
    cli::{hny_command, stderr, stdout},
    cli_code::Scratch,
};

fn key_set(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("[[key]]\nname = {name:?}\ntype = \"ingest\"\nenvironment = \"Production\"\n"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `hny-keys apply` started (not waited for), its config (and so its lock) in `config`.
fn start_apply(fake: &MockHoneycomb, config: &str, file: &str, sink: &str, extra: &[&str]) -> std::process::Child {
    let mut args = vec!["apply", "-f", file, "--secrets-to", sink, "--yes"];
    args.extend_from_slice(extra);
    hny_command(fake, &args)
        .env("HNY_KEYS_CONFIG_DIR", config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// What an ingest key's secret in a sink must be: its id and secret.
fn header_value(key: &MockKey) -> String {
    format!("{}{}", key.id, key.secret)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_applies_into_one_sink_file_keep_ten_working_secrets() {
    // Ten teams (ten fakes: ten locks, so the applies really run at once), one file.
    let dir = Scratch::new("ten-into-one");
    let config = dir.path("config");
    for kind in ["json", "dotenv"] {
        let sink_path = dir.path(&format!("shared.{kind}"));
        let mut fakes = Vec::new();
        for _ in 0..10 {
            fakes.push(MockHoneycomb::start().await);
        }
        let children: Vec<_> = fakes
            .iter()
            .enumerate()
            .map(|(n, fake)| {
                let file = dir.file(&format!("keys-{kind}-{n}.toml"), &key_set(&[&format!("service {n}")]));
                start_apply(fake, &config, &file, &format!("{kind}:{sink_path}"), &[])
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let text = std::fs::read_to_string(&sink_path).unwrap();
        let mut kept = 0;
        for (n, fake) in fakes.iter().enumerate() {
            let keys = fake.keys();
            let [key] = keys.as_slice() else { panic!("{keys:?}") };
            let name = format!("HONEYCOMB_PRODUCTION_SERVICE_{n}");
            let stored = match kind {
                "json" => {
                    let all: Value = serde_json::from_str(&text).unwrap();
                    all[&name]["secret"].as_str().map(str::to_string)
                }
                _ => text.lines().find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_string)),
            };
            kept += usize::from(stored.as_deref() == Some(header_value(key).as_str()));
        }
        println!("{kind}: {kept} working secrets kept of 10");
        assert_eq!(kept, 10, "{kind}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_applies_of_one_key_set_at_once_make_one_key_a_name() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("two-at-once");
    let config = dir.path("config");
    let file = dir.file("keys.toml", &key_set(&["checkout", "search", "billing"]));
    // A slow sink: the first apply holds the lock while the second starts.
    let sink = |n: usize| format!("exec:sleep 0.3; cat > '{}'/secret-{n}-\"$HNY_KEY_ID\"", dir.0.display());
    let first = start_apply(&fake, &config, &file, &sink(1), &[]);
    let second = start_apply(&fake, &config, &file, &sink(2), &[]);
    let (first, second) = (first.wait_with_output().unwrap(), second.wait_with_output().unwrap());
    assert!(first.status.success() && second.status.success(), "{}\n{}", stderr(&first), stderr(&second));
    let waited = [&first, &second].iter().any(|o| stderr(o).contains("waiting for another apply of team mock-team"));
    assert!(waited, "one of them waited for the other:\n{}\n{}", stderr(&first), stderr(&second));
    let keys = fake.keys();
    for name in ["checkout", "search", "billing"] {
        let n = keys.iter().filter(|k| k.name == name).count();
        println!("{name}: {n} key(s) after two applies at once");
        assert_eq!(n, 1, "{keys:?}");
    }
    assert_eq!(keys.len(), 3, "nothing else was made: {keys:?}");
    // The second one planned after the first: nothing left for it to do.
    let reports: Vec<Value> = [&first, &second].iter().map(|o| serde_json::from_str(&stdout(o)).unwrap()).collect();
    assert!(reports.iter().any(|r| r["steps"] == serde_json::json!([])), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_apply_waits_for_the_lock_as_long_as_it_is_told_and_names_the_holder() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("lock-timeout");
    let config = dir.path("config");
    let file = dir.file("keys.toml", &key_set(&["checkout"]));
    let slow = format!("exec:sleep 3; cat > '{}'/secret", dir.0.display());
    let holder = start_apply(&fake, &config, &file, &slow, &[]);
    // Until the holder has taken the lock and asked for its create.
    let started = std::time::Instant::now();
    while fake.count(Operation::CreateApiKey) == 0 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let other = dir.file("other.toml", &key_set(&["search"]));
    let json = format!("json:{}", dir.path("k.json"));
    let out = hny_command(&fake, &["apply", "-f", &other, "--secrets-to", &json, "--yes", "--lock-timeout", "1"])
        .env("HNY_KEYS_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let holder_pid = holder.id();
    assert!(
        stderr(&out).contains("another apply of team mock-team still holds")
            && stderr(&out).contains(&format!("held by process {holder_pid} since"))
            && stderr(&out).contains("--lock-timeout (nothing was changed)"),
        "{}",
        stderr(&out)
    );
    assert!(holder.wait_with_output().unwrap().status.success());
    assert!(fake.keys().iter().all(|k| k.name != "search"), "the refused apply changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_create_stored_after_the_client_gave_up_is_never_taken_for_the_declared_key() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("late-create");
    let config = dir.path("config");
    let file = dir.file("keys.toml", &key_set(&["checkout"]));
    let json = format!("json:{}", dir.path("keys.json"));
    // The answer comes after the client's timeout, and the key appears a moment later.
    fake.delay(Operation::CreateApiKey, Duration::from_secs(6));
    fake.store_next_create_late(Duration::from_secs(3));
    let out =
        hny_command(&fake, &["--timeout", "1", "-o", "json", "apply", "-f", &file, "--secrets-to", &json, "--yes"])
            .env("HNY_KEYS_CONFIG_DIR", &config)
            .output()
            .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["resumable"], false, "an unknown outcome is not called finished by applying again");
    let error = report["steps"][0]["error"].as_str().unwrap();
    assert!(error.contains("Check the team's keys for it"), "{error}");
    assert!(!std::path::Path::new(&dir.path("keys.json")).exists(), "no secret was delivered");
    fake.delay(Operation::CreateApiKey, Duration::ZERO);

    // The late key shows up, under its pending name: not the declared key.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let late = fake.keys();
    let [late] = late.as_slice() else { panic!("{late:?}") };
    assert!(late.name.starts_with("[hny-keys pending ") && late.name.ends_with("] checkout"), "{}", late.name);
    let plan = hny_command(&fake, &["plan", "-f", &file, "-o", "json", "--detailed-exitcode"]).output().unwrap();
    assert_eq!(plan.status.code(), Some(2), "the declared key is still to be made: {}", stderr(&plan));
    let plan: Value = serde_json::from_str(&stdout(&plan)).unwrap();
    assert_eq!(plan["changes"][0]["action"], "create", "{plan}");
    assert_eq!(plan["pending"][0]["id"], late.id.as_str(), "{plan}");

    let out = hny_command(&fake, &["apply", "-f", &file, "--secrets-to", &json, "--yes"])
        .env("HNY_KEYS_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let named: Vec<MockKey> = fake.keys().into_iter().filter(|k| k.name == "checkout").collect();
    let [current] = named.as_slice() else { panic!("{named:?}") };
    assert_ne!(current.id, late.id);
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(dir.path("keys.json")).unwrap()).unwrap();
    assert_eq!(stored["HONEYCOMB_PRODUCTION_CHECKOUT"]["secret"], header_value(current).as_str());
    assert_eq!(fake.key(&late.id).unwrap().name, late.name, "the late key never took the name");
}

/// Runs `hny-keys` to its end and answers its exit code and peak resident memory (bytes),
/// from the kernel's account of that one child (reaped here by `wait4`, not by `Child`).
#[allow(clippy::zombie_processes)]
fn run_measured(mut command: std::process::Command) -> (Option<i32>, u64, String) {
    let child = command.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 writes into the two locals only.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not waited for elsewhere; the pointers are to locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.unwrap(), &mut err);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss as u64 * 1024, err)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_key_set_file_is_refused_before_parsing_with_bounded_memory() {
    let fake = MockHoneycomb::start().await;
    for (file, stdin) in [("/dev/zero", None), ("-", Some("/dev/zero"))] {
        let mut command = hny_command(&fake, &["plan", "-f", file]);
        if let Some(path) = stdin {
            command.stdin(std::fs::File::open(path).unwrap());
        }
        let (code, peak, err) = run_measured(command);
        println!("plan -f {file} (stdin {stdin:?}): exit {code:?}, peak resident {} MiB", peak >> 20);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("is larger than 8 MiB, more than a key-set file holds; it was not read"), "{err}");
        assert!(peak < 100 << 20, "{} MiB", peak >> 20);
    }
    assert!(fake.requests().is_empty(), "refused before any request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_another_user_planted_in_a_shared_directory_is_refused_before_any_request() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: planting a link owned by another user needs root (lchown); run the tests as root");
        return;
    }
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("planted-link");
    let shared = std::path::Path::new(&dir.path("shared")).to_path_buf();
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    let target = dir.file("app.conf", "setting=1\n");
    let link = shared.join(".env.honeycomb");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).unwrap();
    let file = dir.file("keys.toml", &key_set(&["checkout"]));
    let sink = format!("dotenv:{}", link.display());
    let out = hny_command(&fake, &["apply", "-f", &file, "--secrets-to", &sink, "--yes"])
        .env("HNY_KEYS_CONFIG_DIR", dir.path("config"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("(nothing was changed)"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "setting=1\n", "the link's target is untouched");
    assert!(fake.requests().is_empty(), "refused before any request: {:?}", fake.requests());
}
