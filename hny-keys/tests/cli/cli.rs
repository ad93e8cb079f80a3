//! The `hny-keys` binary, run as a process against the fake: every subcommand, JSON
//! checked against the schema the CLI prints, exit codes, confirmations, and the one-time
//! secret absent from everything but its one line.

use std::process::{Command, Output};

use honeycomb_api_keys::{
    KeyType, Operation, Permissions,
    mock::{Fault, MockHoneycomb},
};
use serde_json::{Value, json};

pub(super) fn hny(fake: &MockHoneycomb, args: &[&str]) -> Output {
    hny_with(fake, args, &[])
}

pub(super) fn hny_with(fake: &MockHoneycomb, args: &[&str], env: &[(&str, &str)]) -> Output {
    hny_command(fake, args).envs(env.iter().copied()).output().unwrap()
}

/// `hny-keys` on the fake with its management key, stdin empty, nothing else from the
/// environment.
pub(super) fn hny_command(fake: &MockHoneycomb, args: &[&str]) -> Command {
    let (id, secret) = fake.management_key();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hny-keys"));
    for var in [
        "HONEYCOMB_KEY_ID",
        "HONEYCOMB_KEY_SECRET",
        "HONEYCOMB_MANAGEMENT_KEY",
        "HONEYCOMB_MANAGEMENT_SECRET",
        "HONEYCOMB_TEAM",
        "HONEYCOMB_API_ENDPOINT",
        "HNY_KEYS_ALLOW_INSECURE_HTTP",
        "RUST_LOG",
    ] {
        command.env_remove(var);
    }
    command
        .env("HONEYCOMB_KEY_ID", id)
        .env("HONEYCOMB_KEY_SECRET", secret)
        .env("HONEYCOMB_API_ENDPOINT", fake.uri())
        .args(args)
        .stdin(std::process::Stdio::null());
    command
}

/// `hny-keys` on the fake, its stdout closed before it writes (`| head -0`).
pub(super) fn hny_unread(fake: &MockHoneycomb, args: &[&str]) -> Output {
    let mut command = hny_command(fake, args);
    let mut child = command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

pub(super) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub(super) fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// The command's JSON output, one document a line, each checked against the schema
/// `hny-keys schema <of>` prints.
fn json_lines_checked(fake: &MockHoneycomb, args: &[&str], schema_of: &str) -> Vec<Value> {
    let out = hny(fake, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    lines_match_schema(fake, &stdout(&out), schema_of)
}

/// Each line of `text` parsed and checked against the schema of `schema_of`.
pub(super) fn lines_match_schema(fake: &MockHoneycomb, text: &str, schema_of: &str) -> Vec<Value> {
    let schema: Value = serde_json::from_str(&stdout(&hny(fake, &["schema", schema_of]))).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
    assert!(!lines.is_empty(), "no output");
    for value in &lines {
        let errors: Vec<String> = validator.iter_errors(value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{schema_of}: {value} does not match its schema: {errors:?}");
        // The CLI's own envelopes are strict: a member they do not list is refused. (The
        // library's types inside them allow new members: they come in minor releases.)
        if ["create", "delete", "rotate", "provision", "environments-delete"].contains(&schema_of) {
            let mut extra = value.clone();
            extra.as_object_mut().expect("an object").insert("unexpected".into(), Value::Bool(true));
            assert!(!validator.is_valid(&extra), "{schema_of}: its schema lets an unknown member through");
        }
    }
    lines
}

/// The command's JSON output: one document on one line, checked against its schema.
fn json_checked(fake: &MockHoneycomb, args: &[&str], schema_of: &str) -> Value {
    let mut lines = json_lines_checked(fake, args, schema_of);
    assert_eq!(lines.len(), 1, "{args:?} prints one document");
    lines.remove(0)
}

fn seeded() -> (MockHoneycomb, String) {
    let fake = MockHoneycomb::start_blocking();
    let env = fake.environment_id("production").unwrap();
    (fake, env)
}

#[test]
fn help_reads_well_and_every_subcommand_has_an_example() {
    let fake = MockHoneycomb::start_blocking();
    let top = hny(&fake, &["--help"]);
    assert!(top.status.success());
    assert!(stdout(&top).contains("Examples:") && stdout(&top).contains("HONEYCOMB_KEY_ID"));
    for sub in [
        "auth",
        "environments",
        "list",
        "get",
        "create",
        "update",
        "delete",
        "rotate",
        "provision",
        "audit",
        "schema",
        "completions",
    ] {
        let help = hny(&fake, &[sub, "--help"]);
        assert!(help.status.success(), "{sub}");
        assert!(stdout(&help).contains("Example"), "{sub} has no example");
    }
    for sub in ["list", "create", "update", "delete"] {
        let help = hny(&fake, &["environments", sub, "--help"]);
        assert!(help.status.success(), "environments {sub}");
        assert!(sub == "list" || stdout(&help).contains("Example"), "environments {sub} has no example");
    }
}

/// A help text's sections by heading (`Options`, `Global options`, ...): the lines under
/// each, up to the next heading (a short unindented line ending in `:`).
fn help_sections(help: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut sections = std::collections::BTreeMap::<String, Vec<String>>::new();
    let mut heading = String::new();
    for line in help.lines() {
        let is_heading = !line.starts_with(' ') && line.ends_with(':') && line.split_whitespace().count() <= 3;
        if is_heading {
            heading = line.trim_end_matches(':').to_string();
        } else {
            sections.entry(heading.clone()).or_default().push(line.to_string());
        }
    }
    sections
}

/// Whether a help line defines `flag` (`      --team <TEAM> ...`, `  -o, --output ...`).
fn defines(line: &str, flag: &str) -> bool {
    let line = line.trim_start();
    line.starts_with(flag) || line.get(4..).is_some_and(|rest| line.starts_with('-') && rest.starts_with(flag))
}

#[test]
fn global_flags_are_in_a_help_section_of_their_own() {
    let fake = MockHoneycomb::start_blocking();
    for args in [&["list", "--help"][..], &["list", "-h"], &["--help"], &["delete", "--help"], &["audit", "-h"]] {
        let help = hny(&fake, args);
        assert!(help.status.success(), "{args:?}");
        let sections = help_sections(&stdout(&help));
        let global = sections.get("Global options").unwrap_or_else(|| panic!("{args:?}: {sections:#?}"));
        let options = &sections["Options"];
        for flag in ["--endpoint", "--region", "--team", "--output", "--page-limit", "--verbose"] {
            assert!(global.iter().any(|l| defines(l, flag)), "{args:?}: {flag} under Global options: {global:#?}");
            assert!(!options.iter().any(|l| defines(l, flag)), "{args:?}: {flag} not under Options: {options:#?}");
        }
        assert!(options.iter().any(|l| defines(l, "--help")), "{args:?}: {options:#?}");
    }
    let list = help_sections(&stdout(&hny(&fake, &["list", "--help"])));
    assert!(list["Options"].iter().any(|l| defines(l, "--type")), "the command's own flags stay under Options");
}

#[test]
fn environments_are_created_updated_and_deleted_with_the_confirmations_of_key_deletion() {
    let (fake, _) = seeded();
    let args = ["environments", "create", "--name", "Load test", "--description", "k6 runs", "--color", "lightPurple"];
    let created = json_checked(&fake, &args, "environments-create");
    assert_eq!((&created["name"], &created["slug"]), (&"Load test".into(), &"load-test".into()));
    assert_eq!((&created["color"], &created["delete_protected"]), (&"lightPurple".into(), &true.into()));
    let id = created["id"].as_str().unwrap().to_string();

    let taken = hny(&fake, &["environments", "create", "--name", "Load test"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(stderr(&taken).contains("already has an environment by that name"), "{}", stderr(&taken));
    let pink = hny(&fake, &["environments", "create", "--name", "x", "--color", "pink"]);
    assert_eq!(pink.status.code(), Some(2));
    assert!(stderr(&pink).contains("lightBlue"), "the valid colours are named: {}", stderr(&pink));
    let nothing = hny(&fake, &["environments", "update", "load-test"]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(stderr(&nothing).contains("--delete-protection"), "{}", stderr(&nothing));

    // Protected: refused before the delete is sent, saying how to unprotect it (exit 1, as
    // when Honeycomb refuses it).
    let protected = hny(&fake, &["environments", "delete", "load-test", "--yes"]);
    assert_eq!(protected.status.code(), Some(1));
    let message = stderr(&protected);
    assert!(message.contains("delete-protected") && message.contains("--delete-protection off"), "{message}");
    assert_eq!(fake.count(Operation::DeleteEnvironment), 0, "nothing was sent");

    let args = ["environments", "update", "Load test", "--delete-protection", "off", "--color", "gold"];
    let updated = json_checked(&fake, &args, "environments-update");
    assert_eq!((&updated["color"], &updated["delete_protected"]), (&"gold".into(), &false.into()));

    // As for keys: off a terminal, refused without --yes (nothing sent); the prompt names it.
    let refused = hny(&fake, &["environments", "delete", "load-test"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(message.contains("--yes") && message.contains("Load test") && message.contains(&id), "{message}");
    assert_eq!(fake.count(Operation::DeleteEnvironment), 0, "nothing was sent");
    let done = json_checked(&fake, &["environments", "delete", "load-test", "--yes"], "environments-delete");
    assert_eq!(done, serde_json::json!({"deleted": id}));
    assert!(fake.environments().iter().all(|e| e.slug != "load-test"));
    let listed = json_checked(&fake, &["environments", "list"], "environments");
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "the two seeded ones remain");
}

#[test]
fn a_word_that_names_two_environments_changes_and_deletes_neither() {
    // "live" is one environment's slug and the other's name.
    let fake = MockHoneycomb::builder().environments([("Production", "live"), ("live", "live-2")]).start_blocking();
    for args in
        [&["environments", "delete", "live", "--yes"][..], &["environments", "update", "live", "--color", "red"]]
    {
        let out = hny(&fake, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let message = stderr(&out);
        assert!(message.contains("names 2 environments") && message.contains("give the id"), "{message}");
    }
    assert_eq!(fake.count(Operation::DeleteEnvironment) + fake.count(Operation::UpdateEnvironment), 0);
    // By id, the one meant.
    let id = fake.environments()[1].id.clone();
    let out = hny(&fake, &["environments", "update", &id, "--color", "red"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fake.environments()[1].color, "red");
}

#[test]
fn auth_environments_list_and_get_print_json_matching_their_schemas() {
    let (fake, env) = seeded();
    let auth = json_checked(&fake, &["auth"], "auth");
    assert_eq!(auth["team"]["slug"], "mock-team");
    let envs = json_checked(&fake, &["environments"], "environments");
    assert_eq!(envs.as_array().unwrap().len(), 2);
    let key = fake.seed_key("production", "legacy", &KeyType::Ingest, &Permissions::none(), std::time::Duration::ZERO);
    fake.seed_keys(3);
    let ci = Permissions::read_only_querying();
    fake.seed_key("production", "ci", &KeyType::Configuration, &ci, std::time::Duration::ZERO);
    let list = json_checked(&fake, &["list"], "list");
    assert_eq!(list.as_array().unwrap().len(), 5);
    let ingest = json_checked(&fake, &["list", "--type", "ingest"], "list");
    assert_eq!(ingest.as_array().unwrap().len(), 4);
    let configuration = json_checked(&fake, &["list", "--type", "configuration"], "list");
    assert_eq!(configuration[0]["name"], "ci");
    assert_eq!(configuration.as_array().unwrap().len(), 1);
    let got = json_checked(&fake, &["get", &key.id], "get");
    assert_eq!(got["name"], "legacy", "one object, not an array");
    assert_eq!(got["environment_id"], env.as_str());
    let table = hny(&fake, &["list", "--output", "table"]);
    assert!(stdout(&table).contains("legacy") && stdout(&table).contains("enabled"));
}

/// The table row (a line of `text`) that holds `word`.
fn row<'a>(text: &'a str, word: &str) -> &'a str {
    text.lines().find(|line| line.contains(word)).unwrap_or_else(|| panic!("no row with {word:?} in\n{text}"))
}

#[test]
fn tables_name_each_key_environment_from_one_listing_of_environments() {
    let (fake, production) = seeded();
    let staging = fake.environment_id("staging").unwrap();
    let none = Permissions::none();
    let checkout = fake.seed_key("production", "checkout", &KeyType::Ingest, &none, std::time::Duration::ZERO);
    for n in 0..5 {
        fake.seed_key("staging", &format!("search {n}"), &KeyType::Ingest, &none, std::time::Duration::ZERO);
    }
    fake.clear_requests();
    let list = hny(&fake, &["list", "--output", "table"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let text = stdout(&list);
    assert!(row(&text, " id ").contains("environment"), "{text}");
    assert!(row(&text, "checkout").contains("Production"), "{text}");
    assert!((0..5).all(|n| row(&text, &format!("search {n}")).contains("Staging")), "{text}");
    assert!(!text.contains(&production) && !text.contains(&staging), "names, not ids: {text}");
    assert_eq!(fake.count(Operation::ListEnvironments), 1, "one listing for six keys");
    assert_eq!(fake.count(Operation::GetEnvironment), 0);

    fake.clear_requests();
    let get = hny(&fake, &["get", &checkout.id, "--output", "table"]);
    assert!(row(&stdout(&get), "checkout").contains("Production"), "{}", stdout(&get));
    assert_eq!(fake.count(Operation::ListEnvironments), 1);

    // JSON is as it was: ids only, and no listing of environments for it.
    fake.clear_requests();
    let json = json_checked(&fake, &["list"], "list");
    assert!(json.as_array().unwrap().iter().all(|k| k.get("environment").is_none() && k["environment_id"].is_string()));
    let got = json_checked(&fake, &["get", &checkout.id], "get");
    assert_eq!(got["environment_id"], production.as_str());
    assert_eq!(fake.count(Operation::ListEnvironments), 0);

    // Environments that cannot be listed: their ids, and a word on stderr.
    fake.fail_next(Operation::ListEnvironments, 1, Fault::status(403));
    let ids = hny(&fake, &["list", "--output", "table"]);
    assert!(ids.status.success(), "{}", stderr(&ids));
    assert!(row(&stdout(&ids), "checkout").contains(&production), "{}", stdout(&ids));
    assert!(stderr(&ids).contains("environments could not be listed"), "{}", stderr(&ids));
}

#[test]
fn create_prints_the_secret_once_and_nowhere_else() {
    let (fake, _) = seeded();
    let out = hny_with(
        &fake,
        &[
            "create",
            "--name",
            "ci",
            "--type",
            "configuration",
            "--environment",
            "Production",
            "--preset",
            "board-management",
            "--permission",
            "manage_private_boards",
            "--permission",
            "run_queries",
        ],
        &[("RUST_LOG", "trace")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut lines = lines_match_schema(&fake, &stdout(&out), "create");
    assert_eq!(lines.len(), 1, "one document");
    let created = lines.remove(0);
    let id = created["key"]["id"].as_str().unwrap().to_string();
    let secret = fake.key(&id).unwrap().secret;
    assert_eq!(created["secret"], secret.as_str());
    assert_eq!(stdout(&out).matches(&secret).count(), 1, "printed exactly once");
    assert!(stderr(&out).contains("shown only now"), "a warning on stderr");
    assert!(!stderr(&out).contains(&secret), "no secret in the trace logs");
    assert!(!stderr(&out).contains(fake.management_key().1), "no management secret in the trace logs");
    assert!(stderr(&out).contains("TRACE") || stderr(&out).contains("DEBUG"), "RUST_LOG turned the logs on");
    // The library's own key JSON: every permission with its value (read back sorted).
    let permissions = created["key"]["permissions"].as_object().unwrap();
    let granted: Vec<&str> =
        permissions.iter().filter(|(_, on)| on.as_bool() == Some(true)).map(|(name, _)| name.as_str()).collect();
    assert_eq!(granted, ["manage_boards", "manage_privateBoards", "run_queries"]);
    assert_eq!(permissions.len(), honeycomb_api_keys::Permission::ALL.len(), "false ones too");
    for args in [&["list"][..], &["get", &id], &["audit"]] {
        let again = hny(&fake, args);
        assert!(!stdout(&again).contains(&secret) && !stderr(&again).contains(&secret), "{args:?}");
    }

    let ingest =
        hny(&fake, &["create", "--name", "svc", "--type", "ingest", "--environment", "staging", "--output", "table"]);
    assert!(ingest.status.success(), "{}", stderr(&ingest));
    assert!(stdout(&ingest).contains("ingest key (X-Honeycomb-Team): hcxik_"));
}

#[test]
fn usage_errors_exit_2_and_name_the_valid_values() {
    let (fake, _) = seeded();
    let bad = hny(
        &fake,
        &[
            "create",
            "--name",
            "x",
            "--type",
            "configuration",
            "--environment",
            "production",
            "--permission",
            "manage_queries",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("manage_columns"), "{}", stderr(&bad));
    let preset = hny(
        &fake,
        &["create", "--name", "x", "--type", "ingest", "--environment", "production", "--preset", "everything"],
    );
    assert_eq!(preset.status.code(), Some(2));
    assert!(stderr(&preset).contains("board-management"));
    let ingest_perms = hny(
        &fake,
        &["create", "--name", "x", "--type", "ingest", "--environment", "production", "--permission", "run_queries"],
    );
    assert_eq!(ingest_perms.status.code(), Some(2), "{}", stderr(&ingest_perms));
    let id = hny(&fake, &["get", "../x"]);
    assert_eq!(id.status.code(), Some(2));
    assert_eq!(fake.count(Operation::CreateApiKey), 0);
}

#[test]
fn runtime_errors_exit_1_and_say_what_to_do() {
    let (fake, _) = seeded();
    let env = hny(&fake, &["create", "--name", "x", "--type", "ingest", "--environment", "Prod"]);
    assert_eq!(env.status.code(), Some(1));
    assert!(
        stderr(&env).contains("Production (production)") && stderr(&env).contains("Staging (staging)"),
        "{}",
        stderr(&env)
    );
    let wrong = hny_with(&fake, &["list"], &[("HONEYCOMB_KEY_SECRET", "wrongsecretwrongsecretwrongsecr0")]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("HONEYCOMB_KEY_ID"), "{}", stderr(&wrong));
    let missing = Command::new(env!("CARGO_BIN_EXE_hny-keys")).arg("list").env_clear().output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("HONEYCOMB_KEY_SECRET"));
}

#[test]
fn plain_http_to_another_machine_exits_2_before_any_request_unless_allowed() {
    let fake = MockHoneycomb::start_blocking();
    // Nothing listens at these hosts: the refusal comes before any request.
    for (args, env, source) in [
        (&["--endpoint", "http://10.1.2.3", "--team", "t", "list"][..], &[][..], "--endpoint"),
        (&["--team", "t", "list"], &[("HONEYCOMB_API_ENDPOINT", "http://example.com")], "HONEYCOMB_API_ENDPOINT"),
        (&["--endpoint", "http://10.1.2.3", "list"], &[("HNY_KEYS_ALLOW_INSECURE_HTTP", "0")], "--endpoint"),
    ] {
        let out = hny_with(&fake, args, env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(message.starts_with(&format!("error: {source} is plain http to ")), "{message}");
        assert!(message.contains("use https") && message.contains("--allow-insecure-http"), "{message}");
        assert!(message.contains("HNY_KEYS_ALLOW_INSECURE_HTTP=1"), "{message}");
        assert!(!message.contains(fake.management_key().1), "{message}");
    }
    // Opted in (flag or variable), the client is built: what stops the command is the
    // malformed id, checked before any request.
    for (args, env) in [
        (&["--allow-insecure-http", "--endpoint", "http://10.1.2.3", "--team", "t", "get", "../x"][..], &[][..]),
        (&["--endpoint", "http://10.1.2.3", "--team", "t", "get", "../x"], &[("HNY_KEYS_ALLOW_INSECURE_HTTP", "1")]),
    ] {
        let out = hny_with(&fake, args, env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("invalid `id`"), "{args:?}: {}", stderr(&out));
    }
    let bad = hny_with(&fake, &["list"], &[("HNY_KEYS_ALLOW_INSECURE_HTTP", "maybe")]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(fake.requests().is_empty(), "nothing was sent");
    // This machine by another name needs no opt-in.
    let local = fake.uri().replace("127.0.0.1", "localhost");
    let out = hny(&fake, &["--endpoint", &local, "auth", "--output", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn update_changes_names_state_and_permissions() {
    let (fake, env) = seeded();
    let client = fake.client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let key = rt
        .block_on(client.api_keys().create(honeycomb_api_keys::NewApiKey::configuration(
            "ci",
            &env,
            Permissions::board_management(),
        )))
        .unwrap();
    let id = key.id().to_string();
    let out = json_checked(
        &fake,
        &[
            "update",
            &id,
            "--name",
            "ci (old)",
            "--disable",
            "--grant",
            "manage_triggers",
            "--revoke",
            "manage_private_boards",
        ],
        "update",
    );
    assert_eq!(out["name"], "ci (old)", "one object, not an array");
    assert_eq!(out["disabled"], true);
    let stored = fake.key(&id).unwrap();
    assert!(
        stored.permissions["manage_triggers"]
            && !stored.permissions["manage_privateBoards"]
            && stored.permissions["manage_boards"]
    );
    let enabled = json_checked(&fake, &["update", &id, "--enable"], "update");
    assert_eq!(enabled["disabled"], false);
    let nothing = hny(&fake, &["update", &id]);
    assert_eq!(nothing.status.code(), Some(2));
}

#[test]
fn delete_refuses_without_yes_when_not_on_a_terminal() {
    let (fake, _) = seeded();
    let key = fake.seed_key("production", "doomed", &KeyType::Ingest, &Permissions::none(), std::time::Duration::ZERO);
    let refused = hny(&fake, &["delete", &key.id]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--yes"));
    assert_eq!(fake.count(Operation::DeleteApiKey), 0, "nothing was sent");
    let done = json_checked(&fake, &["delete", &key.id, "--yes"], "delete");
    assert_eq!(done, serde_json::json!({"deleted": key.id}));
    assert!(fake.key(&key.id).is_none());
}

#[test]
fn one_confirmation_names_every_key_to_delete_and_its_environment() {
    let (fake, _) = seeded();
    let none = Permissions::none();
    let checkout = fake.seed_key("production", "checkout", &KeyType::Ingest, &none, std::time::Duration::ZERO);
    let search = fake.seed_key("staging", "search", &KeyType::Ingest, &none, std::time::Duration::ZERO);
    let refused = hny(&fake, &["delete", &checkout.id, &search.id]);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert_eq!(message.lines().count(), 1, "one confirmation: {message}");
    for part in [
        "2 keys",
        &checkout.id,
        "\"checkout\" (environment Production)",
        &search.id,
        "\"search\" (environment Staging)",
        "--yes",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    assert_eq!(fake.count(Operation::DeleteApiKey), 0, "nothing was sent");
    let one = hny(&fake, &["delete", &checkout.id]);
    let message = stderr(&one);
    assert!(
        message.contains(&format!("delete key {} \"checkout\" (environment Production)", checkout.id)),
        "{message}"
    );

    let lines = json_lines_checked(&fake, &["delete", &checkout.id, &search.id, "--yes"], "delete");
    assert_eq!(lines, [serde_json::json!({"deleted": checkout.id}), serde_json::json!({"deleted": search.id})]);
    assert!(fake.key(&checkout.id).is_none() && fake.key(&search.id).is_none());
}

#[test]
fn delete_checks_every_id_first_and_a_missing_key_is_an_error_unless_ignore_missing() {
    let (fake, _) = seeded();
    let none = Permissions::none();
    let seed = |name: &str| fake.seed_key("production", name, &KeyType::Ingest, &none, std::time::Duration::ZERO).id;
    let (checkout, search, payments) = (seed("checkout"), seed("search"), seed("payments"));
    let gone = "hcxik_01nosuchkey00000000000000";

    fake.clear_requests();
    let bad = hny(&fake, &["delete", &checkout, "../x", "--yes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("nothing was deleted"), "{}", stderr(&bad));
    assert!(fake.requests().is_empty(), "a bad id: nothing sent");

    // A missing key: an error before anything is deleted.
    let missing = hny(&fake, &["delete", &checkout, gone, "--yes"]);
    assert_eq!(missing.status.code(), Some(1));
    let message = stderr(&missing);
    assert!(message.contains(gone) && message.contains("--ignore-missing"), "{message}");
    assert_eq!(fake.count(Operation::DeleteApiKey), 0);
    assert!(fake.key(&checkout).is_some());

    // With --ignore-missing it is reported as already gone, in its place, and is no error.
    let args = ["delete", &checkout, gone, &search, "--ignore-missing", "--yes"];
    let lines = json_lines_checked(&fake, &args, "delete");
    let expected = [json!({"deleted": checkout}), json!({"already_gone": gone}), json!({"deleted": search})];
    assert_eq!(lines, expected);
    let table = hny(&fake, &["delete", &payments, gone, "--ignore-missing", "--yes", "--output", "table"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains(&format!("deleted {payments} \"payments\"")) && text.contains(&format!("already gone: {gone}")),
        "{text}"
    );

    // A key deleted between its read and its delete (a 404 to the delete).
    let (late, later) = (seed("late"), seed("later"));
    fake.fail_next(Operation::DeleteApiKey, 1, Fault::status(404));
    let lines = json_lines_checked(&fake, &["delete", &late, "--ignore-missing", "--yes"], "delete");
    assert_eq!(lines, [json!({"already_gone": late})]);
    fake.fail_next(Operation::DeleteApiKey, 1, Fault::status(404));
    let failed = hny(&fake, &["delete", &later, &late, "--yes"]);
    assert_eq!(failed.status.code(), Some(1));
    let message = stderr(&failed);
    assert!(
        message.contains(&format!("could not delete {later}")) && message.contains(&format!("not attempted: {late}")),
        "{message}"
    );
}

#[test]
fn rotate_replaces_and_disables_and_keeps_the_secret_when_retiring_fails() {
    let (fake, _) = seeded();
    let old =
        fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), std::time::Duration::ZERO);
    assert_eq!(hny(&fake, &["rotate", &old.id]).status.code(), Some(2), "needs --yes off a terminal");
    let lines = json_lines_checked(&fake, &["rotate", &old.id, "--yes"], "rotate");
    let [created, rotated] = &lines[..] else { panic!("a created line, then the outcome: {lines:?}") };
    assert_eq!(created["event"], "created");
    assert_eq!(rotated["event"], "rotated");
    assert_eq!(rotated["old_key_outcome"], "disabled");
    assert!(fake.key(&old.id).unwrap().disabled);
    let new_id = created["key"]["id"].as_str().unwrap().to_string();
    assert_eq!(rotated["new_key"]["id"], new_id.as_str());
    assert_eq!(created["secret"], fake.key(&new_id).unwrap().secret.as_str());
    assert!(rotated.get("secret").is_none() && !rotated.to_string().contains(&fake.key(&new_id).unwrap().secret));

    fake.fail_next(Operation::UpdateApiKey, 3, Fault::status(500));
    let out = hny(&fake, &["rotate", &new_id, "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = lines_match_schema(&fake, &stdout(&out), "rotate");
    let [created, partial] = &lines[..] else { panic!("{lines:?}") };
    assert_eq!(partial["old_key_outcome"], "still_enabled");
    let newest = created["key"]["id"].as_str().unwrap();
    assert_eq!(created["secret"], fake.key(newest).unwrap().secret.as_str(), "the new secret is printed");
    assert!(!fake.key(&new_id).unwrap().disabled, "the old key is left enabled");
    assert!(stderr(&out).contains("still enabled"), "{}", stderr(&out));
}

#[test]
fn provision_and_audit() {
    let (fake, _) = seeded();
    let first =
        json_lines_checked(&fake, &["provision", "--environment", "production", "checkout", "search"], "provision");
    let created: Vec<&Value> = first.iter().filter(|l| l["event"] == "created").collect();
    assert_eq!(created.len(), 2, "{first:?}");
    assert!(created.iter().all(|l| l["ingest_key"].is_string() && l["service"].is_string()));
    let report = first.last().unwrap();
    assert_eq!(report["event"], "report");
    assert_eq!(report["complete"], true);
    assert!(report["entries"].as_array().unwrap().iter().all(|e| e["outcome"] == "created"));
    let second =
        json_lines_checked(&fake, &["provision", "-e", "Production", "checkout", "search", "payments"], "provision");
    assert_eq!(second.len(), 2, "one created line, then the report: {second:?}");
    assert_eq!(second[0]["service"], "payments");
    let outcomes: Vec<&str> =
        second[1]["entries"].as_array().unwrap().iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["existing", "existing", "created"]);
    let secret = second[0]["secret"].as_str().unwrap();
    assert!(!second[1].to_string().contains(secret), "the report holds no secret");

    fake.seed_key(
        "production",
        "ancient",
        &KeyType::Ingest,
        &Permissions::none(),
        std::time::Duration::from_secs(400 * 86_400),
    );
    let audit = json_checked(&fake, &["audit", "--older-than", "90"], "audit");
    assert_eq!(audit["total_keys"], 4);
    assert_eq!(audit["old"], 1);
    assert_eq!(audit["findings"][0]["name"], "ancient");
    let table = hny(&fake, &["audit", "--output", "table"]);
    assert!(stdout(&table).contains("4 keys audited"));
}

#[test]
fn provision_makes_configuration_keys_with_the_permissions_given() {
    let (fake, _) = seeded();
    let args = [
        "provision",
        "-e",
        "Production",
        "--type",
        "configuration",
        "--preset",
        "read-only-querying",
        "--permission",
        "manage_boards",
        "--name-template",
        "{service} queries",
        "dashboards",
        "alerts",
    ];
    let lines = json_lines_checked(&fake, &args, "provision");
    let created: Vec<&Value> = lines.iter().filter(|l| l["event"] == "created").collect();
    assert_eq!(created.len(), 2, "{lines:?}");
    for line in created {
        let key = fake.key(line["key"]["id"].as_str().unwrap()).unwrap();
        assert_eq!(key.key_type, "configuration");
        assert!(key.name.ends_with(" queries"), "the name template is kept: {}", key.name);
        let granted: Vec<&str> = key.permissions.iter().filter(|(_, on)| **on).map(|(p, _)| p.as_str()).collect();
        assert_eq!(granted, ["manage_boards", "read_service_maps", "run_queries"]);
        assert!(line["ingest_key"].is_null(), "a configuration key has no ingest key");
    }
    let all = json_lines_checked(
        &fake,
        &["provision", "-e", "staging", "--type", "configuration", "--all-permissions", "ops"],
        "provision",
    );
    let ops = fake.key(all[0]["key"]["id"].as_str().unwrap()).unwrap();
    assert!(ops.permissions.values().all(|on| *on) && ops.permissions.len() > 10, "{:?}", ops.permissions);

    // Ingest keys (the default) refuse configuration permissions, saying what to fix, before
    // any request; so does a configuration key without permissions.
    fake.clear_requests();
    for extra in [&["--permission", "run_queries"][..], &["--preset", "board-management"], &["--all-permissions"]] {
        let args = [&["provision", "-e", "Production"][..], extra, &["checkout"]].concat();
        let out = hny(&fake, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let message = stderr(&out);
        assert!(message.contains("ingest key") && message.contains("--type configuration"), "{args:?}: {message}");
    }
    let bare = hny(&fake, &["provision", "-e", "Production", "--type", "configuration", "checkout"]);
    assert_eq!(bare.status.code(), Some(2));
    let message = stderr(&bare);
    assert!(message.contains("--permission, --preset or --all-permissions"), "{message}");
    assert!(!message.contains("--no-permissions"), "provision has no such flag: {message}");
    assert!(fake.requests().is_empty(), "nothing sent: {:?}", fake.requests().len());

    // An ingest key may create datasets.
    let lines = json_lines_checked(
        &fake,
        &["provision", "-e", "Production", "--permission", "create_datasets", "svc"],
        "provision",
    );
    let svc = fake.key(lines[0]["key"]["id"].as_str().unwrap()).unwrap();
    assert_eq!((svc.key_type.as_str(), svc.permissions.get("create_datasets")), ("ingest", Some(&true)));
}

#[test]
fn audit_tables_group_findings_by_environment_oldest_first() {
    let (fake, _) = seeded();
    let (none, day) = (Permissions::none(), std::time::Duration::from_secs(86_400));
    let triggers = Permissions::builder().manage_triggers().build();
    fake.seed_key("staging", "staging old", &KeyType::Ingest, &none, day * 300);
    fake.seed_key("production", "prod older", &KeyType::Ingest, &none, day * 400);
    fake.seed_key("staging", "staging new", &KeyType::Ingest, &none, std::time::Duration::ZERO);
    fake.seed_key("production", "prod broad", &KeyType::Configuration, &triggers, std::time::Duration::ZERO);
    fake.seed_key("production", "prod old", &KeyType::Ingest, &none, day * 200);
    let out = hny(&fake, &["audit", "--output", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let at = |name: &str| text.lines().position(|line| line.contains(name)).unwrap_or_else(|| panic!("{name}: {text}"));
    let order = ["prod older", "prod old ", "prod broad", "staging old"].map(at);
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by environment, then oldest first: {order:?}\n{text}");
    for name in ["prod older", "prod old ", "prod broad"] {
        assert!(row(&text, name).contains("Production"), "{text}");
    }
    assert!(row(&text, "staging old").contains("Staging") && !text.contains("staging new"), "{text}");
    assert!(row(&text, " id ").contains("environment"), "{text}");
}

#[test]
fn audit_fail_on_exits_3_after_printing_the_whole_report() {
    let (fake, _) = seeded();
    let (none, day) = (Permissions::none(), std::time::Duration::from_secs(86_400));
    let triggers = Permissions::builder().manage_triggers().build();
    fake.seed_key("production", "ancient", &KeyType::Ingest, &none, day * 400);
    fake.seed_key("staging", "old", &KeyType::Ingest, &none, day * 200);
    fake.seed_key("production", "broad", &KeyType::Configuration, &triggers, std::time::Duration::ZERO);
    fake.seed_key("production", "fresh", &KeyType::Ingest, &none, std::time::Duration::ZERO);

    assert!(hny(&fake, &["audit"]).status.success(), "no --fail-on: findings are no failure");
    for (fail_on, failing) in [
        ("old", Some(2)),
        ("never-updated,disabled", Some(2)),
        ("broad", Some(1)),
        ("broad-permissions", Some(1)),
        ("any", Some(3)),
        ("disabled", None),
        ("unknown-permissions,disabled", None),
    ] {
        let out = hny(&fake, &["audit", "--fail-on", fail_on]);
        // The whole report first, valid against its schema.
        let report = lines_match_schema(&fake, &stdout(&out), "audit").remove(0);
        assert_eq!((report["total_keys"].as_u64(), report["findings"].as_array().map(Vec::len)), (Some(4), Some(3)));
        match failing {
            Some(n) => {
                assert_eq!(out.status.code(), Some(3), "{fail_on}: {}", stderr(&out));
                let message = stderr(&out);
                assert!(message.contains(&format!("{n} of the 4 keys audited")), "{fail_on}: {message}");
            }
            None => assert_eq!(out.status.code(), Some(0), "{fail_on}: {}", stderr(&out)),
        }
    }
    let repeated = hny(&fake, &["audit", "--fail-on", "disabled", "--fail-on", "old", "--output", "table"]);
    assert_eq!(repeated.status.code(), Some(3));
    assert!(stdout(&repeated).contains("4 keys audited") && stdout(&repeated).contains("ancient"));
    let bogus = hny(&fake, &["audit", "--fail-on", "ancient"]);
    assert_eq!(bogus.status.code(), Some(2));
    assert!(stderr(&bogus).contains("never-updated") && stderr(&bogus).contains("any"), "{}", stderr(&bogus));
    assert!(stdout(&hny(&fake, &["audit", "--help"])).contains("Exit code 3"));
    // The report's own spelling of a reason is taken too.
    assert_eq!(hny(&fake, &["audit", "--fail-on", "broad_permissions"]).status.code(), Some(3));
    // Findings fail the command even when nobody reads the report.
    let unread = hny_unread(&fake, &["audit", "--fail-on", "any", "-o", "json"]);
    assert_eq!(unread.status.code(), Some(3), "{}", stderr(&unread));
}

#[test]
fn delete_with_ignore_missing_does_not_take_a_wrong_team_for_missing_keys() {
    let (fake, _) = seeded();
    let id = fake.seed_keys(1).remove(0);
    let out = hny(&fake, &["delete", &id, "--ignore-missing", "--yes", "--team", "no-such-team"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("check the team; nothing was deleted"), "{}", stderr(&out));
    assert!(!stdout(&out).contains("already gone"));
    assert!(fake.key(&id).is_some());
}

#[test]
fn completions_and_schemas_need_no_credentials() {
    let bash = Command::new(env!("CARGO_BIN_EXE_hny-keys")).args(["completions", "bash"]).env_clear().output().unwrap();
    assert!(bash.status.success());
    assert!(String::from_utf8_lossy(&bash.stdout).contains("hny-keys"));
    for of in [
        "auth",
        "environments",
        "environments-create",
        "environments-update",
        "environments-delete",
        "list",
        "get",
        "create",
        "update",
        "delete",
        "rotate",
        "provision",
        "audit",
    ] {
        let schema = Command::new(env!("CARGO_BIN_EXE_hny-keys")).args(["schema", of]).env_clear().output().unwrap();
        assert!(schema.status.success(), "{of}");
        let value: Value = serde_json::from_slice(&schema.stdout).unwrap();
        assert!(jsonschema::validator_for(&value).is_ok(), "{of}: not a valid JSON Schema");
    }
}

/// Every request body `hny-keys` sends in a full lifecycle (an environment made, keys
/// created, changed, rotated, provisioned and deleted, the environment unprotected and
/// deleted) validates against the request schema of its operation in Honeycomb's published
/// document, `spec/api-keys.yaml`. The bodies are also written as samples for
/// `.ci/check-published-spec.py`, a second validator.
#[test]
fn a_full_lifecycle_sends_only_bodies_the_published_spec_accepts() {
    let fake = MockHoneycomb::start_blocking();
    let run = |args: &[&str]| {
        let out = hny(&fake, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_str::<Value>(stdout(&out).lines().next().unwrap_or("null")).unwrap()
    };
    let env = run(&["environments", "create", "--name", "Lifecycle", "--description", "all of it", "--color", "red"]);
    let env = env["id"].as_str().unwrap().to_string();
    let ingest = run(&["create", "--name", "in", "--type", "ingest", "-e", &env, "--permission", "create_datasets"]);
    let ingest = ingest["key"]["id"].as_str().unwrap().to_string();
    let config = run(&["create", "--name", "cfg", "--type", "configuration", "-e", "lifecycle", "--all-permissions"]);
    let config = config["key"]["id"].as_str().unwrap().to_string();
    run(&["update", &config, "--name", "cfg2", "--disable", "--revoke", "manage_signals", "--grant", "run_queries"]);
    run(&["update", &ingest, "--name", "in2"]);
    run(&["rotate", &ingest, "--yes"]);
    run(&["provision", "-e", "Lifecycle", "checkout", "search"]);
    run(&["delete", &config, "--yes"]);
    run(&["environments", "update", &env, "--delete-protection", "off", "--description", ""]);
    run(&["environments", "delete", &env, "--yes"]);

    let spec = crate::common::spec();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wire-samples");
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = std::collections::BTreeMap::<String, usize>::new();
    for (n, request) in fake.requests().into_iter().enumerate().filter(|(_, r)| !r.body.is_empty()) {
        let op = request.operation.expect("a request the fake routed");
        let schema_ref =
            spec["paths"][op.path()][op.method().to_lowercase()]["requestBody"]["content"]["application/vnd.api+json"]
                ["schema"]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{op} has no request schema in the spec"));
        let schema = serde_json::json!({"$ref": schema_ref, "components": spec["components"]});
        let validator = jsonschema::validator_for(&schema).unwrap();
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let errors: Vec<String> = validator.iter_errors(&body).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{op} sent {body}, which {schema_ref} refuses: {errors:#?}");
        let mut wrong = body.clone();
        wrong["data"]["type"] = "nope".into();
        assert!(!validator.is_valid(&wrong), "{schema_ref} must refuse a wrong resource type: the check can fail");
        let name = schema_ref.rsplit('/').next().unwrap();
        let sample = serde_json::json!({"schema": name, "body": body});
        std::fs::write(dir.join(format!("cli-lifecycle-{n:02}-{op}.json")), sample.to_string()).unwrap();
        *checked.entry(op.to_string()).or_default() += 1;
    }
    let ops: Vec<&str> = checked.keys().map(String::as_str).collect();
    assert_eq!(ops, ["create_api_key", "create_environment", "update_api_key", "update_environment"], "{checked:?}");
    assert!(checked["create_api_key"] >= 5, "two creates, the rotation's twin and two provisioned: {checked:?}");
}
