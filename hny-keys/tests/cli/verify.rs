//! `hny-keys verify`: a key read from stdin (never an argument), its identity printed as
//! JSON (matching `hny-keys schema verify`) or a table; a key Honeycomb refuses is exit 1;
//! the key is never echoed.

use std::{
    io::Write,
    process::{Output, Stdio},
};

use honeycomb_api_keys::{ExposeSecret, NewApiKey, mock::MockHoneycomb};

use super::cli::{hny_command, lines_match_schema, stderr, stdout};

/// `hny-keys verify` with `input` on its stdin.
fn verify(fake: &MockHoneycomb, args: &[&str], input: &str) -> Output {
    let mut command = hny_command(fake, &[&["verify"], args].concat());
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn verify_prints_the_identity_of_a_key_read_from_stdin_and_exits_1_once_it_is_deleted() {
    let fake = MockHoneycomb::start_blocking();
    let client = fake.client_builder().build_blocking().unwrap();
    let env = fake.environment_id("production").unwrap();
    let created = client.api_keys().create(NewApiKey::ingest("shipper", &env).create_datasets(true)).unwrap();
    let key = created.header_value();
    let key = key.expose_secret();
    let secret = created.secret().expose_secret();

    // JSON, with a line end after the key as `echo` gives it.
    let out = verify(&fake, &["--output", "json"], &format!("{key}\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = lines_match_schema(&fake, &stdout(&out), "verify");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], created.id().as_str());
    assert_eq!(lines[0]["key_type"], "ingest");
    assert_eq!(lines[0]["environment_slug"], "production");
    assert_eq!(lines[0]["access"]["createDatasets"], true);
    for shown in [stdout(&out), stderr(&out)] {
        assert!(!shown.contains(secret), "the key is echoed: {shown}");
    }

    // A table.
    let out = verify(&fake, &["--output", "table"], key);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains(created.id().as_str()) && table.contains("production"), "{table}");
    assert!(table.contains("createDatasets"), "{table}");
    assert!(!table.contains(secret) && !stderr(&out).contains(secret));

    // Deleted: Honeycomb refuses it.
    client.api_keys().delete(created.id()).unwrap();
    let out = verify(&fake, &["--output", "json"], key);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("refuses this key"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(secret), "{}", stderr(&out));
}

#[test]
fn verify_refuses_an_empty_stdin_and_takes_no_key_argument() {
    let fake = MockHoneycomb::start_blocking();
    let out = verify(&fake, &[], "\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no key"), "{}", stderr(&out));

    let out = verify(&fake, &["hcxik_01j1824es7n4evcmv81cn392jbsecret"], "");
    assert_eq!(out.status.code(), Some(2), "a key as an argument is a usage error");
}
