//! `hny-keys plan`, `apply` and `export` as processes on the fake: the session a team
//! runs (plan, apply, plan empty, drift, plan, apply), exit codes, confirmations, the
//! secrets going only to `--secrets-to`, and adopting keys with `export`.

use honeycomb_api_keys::{
    ApiKeyUpdate, KeyType, Operation, Permission, Permissions,
    mock::{Fault, MockHoneycomb},
};

use super::cli::{hny, hny_unread, hny_with, lines_match_schema, stderr, stdout};

const FILE: &str = r#"[[key]]
name = "checkout ingest"
type = "ingest"
environment = "Production"

[[key]]
name = "CI boards"
type = "configuration"
environment = "Production"
permissions = ["run_queries", "manage_boards"]
"#;

pub(super) struct Scratch(pub(super) std::path::PathBuf);

impl Scratch {
    pub(super) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("hny-keys-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Whatever the umask: hny-keys refuses a profiles directory others can write.
        #[cfg(unix)]
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        Scratch(dir)
    }
    pub(super) fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }
    pub(super) fn path(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_apply_plan_empty_drift_plan_apply() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("session");
    let keys = dir.file("keys.toml", FILE);
    let env = dir.path(".env");
    let secrets_to = format!("dotenv:{env}");

    let plan = hny(&fake, &["plan", "-f", &keys, "--output", "table", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2), "{}", stderr(&plan));
    assert_eq!(
        stdout(&plan),
        "+ create ingest key \"checkout ingest\" in Production\n+ create configuration key \"CI boards\" in Production: permissions manage_boards, run_queries\nPlan: 2 to create, 0 to update, 0 to rotate, 0 to retire, 0 to delete; 0 unchanged, 0 unmanaged.\n"
    );

    let apply = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &secrets_to, "--yes", "--output", "table"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    let out = stdout(&apply);
    assert!(out.contains("done    + create ingest key \"checkout ingest\" in Production → hcxik_"), "{out}");
    assert!(out.ends_with("Applied 2 of 2 changes.\n"), "{out}");
    // The secrets are in the dotenv file, and nowhere in the command's output.
    let dotenv = std::fs::read_to_string(&env).unwrap();
    for key in fake.keys() {
        assert!(dotenv.contains(&key.secret));
        assert!(!out.contains(&key.secret) && !stderr(&apply).contains(&key.secret));
    }

    let plan = hny(&fake, &["plan", "-f", &keys, "--output", "table", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(stdout(&plan).starts_with("No changes: the keys are as"), "{}", stdout(&plan));

    // Drift: someone disables the ingest key and revokes a permission in the UI.
    let id = |name: &str| fake.keys().into_iter().find(|k| k.name == name).unwrap().id;
    let client = fake.client().api_keys();
    client.update(id("checkout ingest"), ApiKeyUpdate::new().disable()).await.unwrap();
    client.update(id("CI boards"), ApiKeyUpdate::new().revoke(Permission::ManageBoards)).await.unwrap();
    let plan = hny(&fake, &["plan", "-f", &keys, "--output", "table", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(
        stdout(&plan),
        format!(
            "~ update ingest key \"checkout ingest\" in Production ({}): enable\n~ update configuration key \"CI boards\" in Production ({}): grant manage_boards\nPlan: 0 to create, 2 to update, 0 to rotate, 0 to retire, 0 to delete; 0 unchanged, 0 unmanaged.\n",
            id("checkout ingest"),
            id("CI boards")
        )
    );
    let creates = fake.count(Operation::CreateApiKey);
    let apply = hny(&fake, &["apply", "-f", &keys, "--yes", "--output", "json"]);
    assert!(apply.status.success(), "updates need no --secrets-to: {}", stderr(&apply));
    let report = lines_match_schema(&fake, &stdout(&apply), "apply").remove(0);
    assert_eq!(report["steps"].as_array().unwrap().len(), 2);
    assert_eq!(report["steps"][0]["status"], "done");
    assert_eq!(fake.count(Operation::CreateApiKey), creates);
    let plan = hny(&fake, &["plan", "-f", &keys, "--output", "json", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0));
    let plan = lines_match_schema(&fake, &stdout(&plan), "plan").remove(0);
    assert_eq!((plan["changes"].as_array().unwrap().len(), plan["unchanged"].as_u64()), (0, Some(2)));
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_asks_first_and_needs_a_place_for_new_secrets_before_any_write() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("refusals");
    let keys = dir.file("keys.toml", FILE);
    let out = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &format!("json:{}", dir.path("k.json"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("apply these 2 changes: refused without --yes (stdin is not a terminal)"),
        "{}",
        stderr(&out)
    );
    let out = hny(&fake, &["apply", "-f", &keys, "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the plan makes 2 new keys: say where their secrets go with --secrets-to"),
        "{}",
        stderr(&out)
    );
    let out = hny(&fake, &["apply", "-f", &keys, "--yes", "--secrets-to", "vault:x"]);
    assert!(stderr(&out).contains("is not dotenv:PATH, json:PATH or exec:COMMAND"), "{}", stderr(&out));
    // A sink that cannot take secrets is refused before any request or question.
    let before = fake.requests().len();
    let nowhere = format!("json:{}", dir.path("missing/k.json"));
    let out = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &nowhere]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("--secrets-to {nowhere}: ")), "{}", stderr(&out));
    assert!(!stderr(&out).contains("refused without --yes"), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), before, "nothing was sent");
    assert_eq!(fake.count(Operation::CreateApiKey), 0, "nothing was written");
    assert!(fake.keys().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_file_is_an_error_that_names_the_key_and_the_field() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("bad");
    let keys = dir.file(
        "keys.toml",
        "[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"Production\"\npermissions = [\"manage_boards\"]\n",
    );
    let out = hny(&fake, &["plan", "-f", &keys]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("keys.toml: key 1 \"a\" (line 5): `permissions` is refused: an ingest key can only have `create_datasets`; `manage_boards`"),
        "{}",
        stderr(&out)
    );
    // With --detailed-exitcode, 2 means changes: an error is 1.
    let out = hny(&fake, &["plan", "-f", &keys, "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(1));
    let out = hny(&fake, &["plan", "-f", &dir.path("missing.toml")]);
    assert!(stderr(&out).contains("could not read the key-set file"), "{}", stderr(&out));
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn export_adopts_the_existing_keys_and_prune_deletes_only_what_is_confirmed() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("export");
    fake.seed_key(
        "production",
        "checkout",
        &KeyType::Ingest,
        &Permission::CreateDatasets.into(),
        std::time::Duration::ZERO,
    );
    fake.seed_key(
        "production",
        "boards",
        &KeyType::Configuration,
        &Permissions::board_management(),
        std::time::Duration::ZERO,
    );
    fake.seed_key("staging", "loader", &KeyType::Ingest, &Permissions::none(), std::time::Duration::ZERO);
    let out = hny(&fake, &["export", "--environment", "production"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = stdout(&out);
    assert_eq!(
        exported,
        "[[key]]\nname = \"boards\"\ntype = \"configuration\"\nenvironment = \"Production\"\npermissions = [\"manage_boards\", \"run_queries\", \"manage_privateBoards\"]\n\n[[key]]\nname = \"checkout\"\ntype = \"ingest\"\nenvironment = \"Production\"\npermissions = [\"create_datasets\"]\n"
    );
    let keys = dir.file("keys.toml", &exported);
    let plan = hny(&fake, &["plan", "-f", &keys, "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));

    // Drop one key from the file: it is unmanaged, and deleted only with --prune.
    let keys = dir.file("keys.toml", exported.split("\n\n").nth(1).unwrap());
    let plan = hny(&fake, &["plan", "-f", &keys, "--output", "table"]);
    assert!(stdout(&plan).contains("unmanaged (not in"), "{}", stdout(&plan));
    let out = hny(&fake, &["apply", "-f", &keys, "--prune"]);
    assert!(stderr(&out).contains("refused without --yes"), "{}", stderr(&out));
    assert_eq!(fake.count(Operation::DeleteApiKey), 0);
    let out = hny(&fake, &["apply", "-f", &keys, "--prune", "--yes", "--output", "table"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("done    - delete configuration key \"boards\" in Production"), "{}", stdout(&out));
    assert_eq!(fake.keys().len(), 2, "the staging key is not in the file's environments: kept");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_that_fails_halfway_says_how_to_finish() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("halfway");
    let keys = dir.file("keys.toml", FILE);
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(400));
    let secrets = format!("json:{}", dir.path("k.json"));
    let out = hny_with(&fake, &["apply", "-f", &keys, "--secrets-to", &secrets, "--yes", "--output", "table"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAILED  + create ingest key \"checkout ingest\""), "{}", stdout(&out));
    assert!(stdout(&out).contains("skipped + create configuration key \"CI boards\""), "{}", stdout(&out));
    assert!(stderr(&out).contains("shows what is left, and applying again finishes it"), "{}", stderr(&out));
    let again = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &secrets, "--yes"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(fake.keys().len(), 2);
}

// ---- profiles ----------------------------------------------------------------------

/// `hny-keys` with a config directory of its own and only the variables given.
pub(super) fn hny_profiled(config: &Scratch, args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hny-keys"));
    for (var, _) in std::env::vars() {
        if var.starts_with("HONEYCOMB_") || var.starts_with("HNY_") || var == "RUST_LOG" {
            command.env_remove(var);
        }
    }
    command.env("HNY_KEYS_CONFIG_DIR", &config.0).envs(env.iter().copied()).args(args);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_supplies_endpoint_team_and_key_and_flags_beat_it_and_it_beats_the_environment() {
    let fake = MockHoneycomb::start().await;
    let (id, secret) = fake.management_key();
    let config = Scratch::new("profiles");
    let uri = fake.uri();
    let team = fake.team_slug();
    let no_keyring = [("HNY_KEYS_KEYRING", "off")];

    let add = ["profile", "add", "fake", "--key-id", id, "--endpoint", &uri, "--team", &team];
    let out = hny_profiled(&config, &add, &no_keyring, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let file = std::fs::read_to_string(config.0.join("profiles.toml")).unwrap();
    assert_eq!(file, format!("[profile.fake]\nendpoint = \"{uri}\"\nteam = \"{team}\"\nkey_id = \"{id}\"\n"));

    let list = hny_profiled(&config, &["profile", "list", "--output", "json"], &no_keyring, "");
    let rows = lines_match_schema(&fake, &stdout(&list), "profiles").remove(0);
    assert_eq!(rows[0]["name"], "fake");
    assert_eq!(rows[0]["secret"], "environment");

    // The secret from the environment; the endpoint and key id from the profile, over
    // the environment's (which point nowhere).
    let env = [
        ("HNY_KEYS_KEYRING", "off"),
        ("HONEYCOMB_KEY_SECRET", secret),
        ("HONEYCOMB_API_ENDPOINT", "http://127.0.0.1:9"),
    ];
    let out = hny_profiled(&config, &["--profile", "fake", "environments", "--output", "json"], &env, "");
    assert!(out.status.success(), "{}", stderr(&out));
    let with_env_var = [env.as_slice(), &[("HONEYCOMB_PROFILE", "fake")]].concat();
    let out = hny_profiled(&config, &["environments", "--output", "json"], &with_env_var, "");
    assert!(out.status.success(), "HONEYCOMB_PROFILE selects it: {}", stderr(&out));
    // A flag beats the profile.
    let out =
        hny_profiled(&config, &["--profile", "fake", "--endpoint", "http://127.0.0.1:9", "environments"], &env, "");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // No secret anywhere: the message says where to put it.
    let out = hny_profiled(&config, &["--profile", "fake", "environments"], &no_keyring, "");
    assert!(
        stderr(&out).contains("profile \"fake\" has no secret in the OS keyring: set HONEYCOMB_KEY_SECRET"),
        "{}",
        stderr(&out)
    );
    // A secret set beside another key's id belongs to that key: never sent with the profile's.
    let before = fake.requests().len();
    let other = [("HNY_KEYS_KEYRING", "off"), ("HONEYCOMB_KEY_ID", "hcxmk_other"), ("HONEYCOMB_KEY_SECRET", secret)];
    let out = hny_profiled(&config, &["--profile", "fake", "environments"], &other, "");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("has no secret in the OS keyring"), "{}", stderr(&out));
    assert_eq!(fake.requests().len(), before, "nothing was sent");
    let out = hny_profiled(&config, &["--profile", "nope", "environments"], &env, "");
    assert!(
        stderr(&out).contains("no profile named \"nope\"") && stderr(&out).contains("(profiles: fake)"),
        "{}",
        stderr(&out)
    );

    let out = hny_profiled(&config, &["profile", "remove", "fake"], &no_keyring, "");
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(config.0.join("profiles.toml")).unwrap(), "[profile]\n");
}

#[test]
fn a_secret_given_to_profile_add_never_lands_in_the_profile_file_or_the_output() {
    let config = Scratch::new("profile-secret");
    let canary = "hny-canary-secret-0123456789";
    // The keyring is off here: the secret is not kept anywhere, and the command says so.
    let out = hny_profiled(
        &config,
        &["profile", "add", "p", "--key-id", "hcxmk_x", "--secret-stdin"],
        &[("HNY_KEYS_KEYRING", "off")],
        &format!("{canary}\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the OS keyring is not available (HNY_KEYS_KEYRING=off): the secret was not stored"),
        "{}",
        stderr(&out)
    );
    let file = std::fs::read_to_string(config.0.join("profiles.toml")).unwrap();
    for text in [file, stdout(&out), stderr(&out)] {
        assert!(!text.contains(canary));
    }
    // A secret without the key id it belongs to is refused.
    let out = hny_profiled(&config, &["profile", "add", "q", "--secret-stdin"], &[], &format!("{canary}\n"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--key-id"), "{}", stderr(&out));
}

// ---- hostile corners -----------------------------------------------------------------

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_exec_sink_gets_neither_the_management_key_nor_the_secret_outside_stdin() {
    let fake = MockHoneycomb::start().await;
    let (_, management_secret) = fake.management_key();
    let dir = Scratch::new("exec-env");
    let keys = dir.file("keys.toml", FILE);
    let sink = format!("exec:env > '{0}/env-'\"$HNY_KEY_ID\"; cat > '{0}/secret-'\"$HNY_KEY_ID\"", dir.0.display());
    let out = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &sink, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for key in fake.keys() {
        let env = std::fs::read_to_string(dir.0.join(format!("env-{}", key.id))).unwrap();
        assert!(!env.contains(management_secret) && !env.contains("HONEYCOMB_KEY_SECRET"), "{env}");
        assert!(!env.contains(&key.secret));
        let secret = std::fs::read_to_string(dir.0.join(format!("secret-{}", key.id))).unwrap();
        assert!(secret.ends_with(&key.secret));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_goes_on_when_the_reader_of_its_output_goes_away() {
    let fake = MockHoneycomb::start().await;
    let ids = fake.seed_keys(3);
    let args: Vec<&str> = ["delete", "--yes", "-o", "json"].into_iter().chain(ids.iter().map(String::as_str)).collect();
    let out = hny_unread(&fake, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fake.keys().is_empty(), "every confirmed delete was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_detailed_exitcode_every_error_is_1_and_a_key_set_on_stdin_needs_yes() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("exitcodes");
    let keys = dir.file("keys.toml", FILE);
    let out = hny_with(&fake, &["plan", "-f", &keys, "--detailed-exitcode"], &[("HONEYCOMB_PROFILE", "nope")]);
    assert_eq!(out.status.code(), Some(1), "an unknown profile: {}", stderr(&out));
    let out = hny(&fake, &["plan", "-f", &keys, "--detailed-exitcode", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(1), "a bad flag: {}", stderr(&out));
    let out = hny(&fake, &["plan", "-f", &keys, "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "without the flag, usage errors stay 2");
    let out = hny(&fake, &["apply", "-f", "-", "--secrets-to", "json:x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the key set comes from stdin, so no question can be asked there: give --yes"),
        "{}",
        stderr(&out)
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_that_stops_says_so_even_when_nobody_reads_its_report() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("closed-report");
    let keys = dir.file("keys.toml", FILE);
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(400));
    let secrets = format!("json:{}", dir.path("k.json"));
    let out = hny_unread(&fake, &["apply", "-f", &keys, "--secrets-to", &secrets, "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("stopped:"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leaked_key_is_replaced_now_and_its_predecessor_disabled_at_once() {
    let fake = MockHoneycomb::start().await;
    let dir = Scratch::new("replace");
    let keys = dir.file("keys.toml", "[[key]]\nname = \"checkout\"\ntype = \"ingest\"\nenvironment = \"Production\"\n");
    let env = dir.path(".env");
    let secrets_to = format!("dotenv:{env}");
    let out = hny(&fake, &["apply", "-f", &keys, "--secrets-to", &secrets_to, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let leaked = fake.keys().remove(0);
    let out = hny(
        &fake,
        &["apply", "-f", &keys, "--secrets-to", &secrets_to, "--yes", "--replace", "checkout", "--retire-now"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let old = fake.key(&leaked.id).unwrap();
    assert!(old.disabled && old.name.starts_with("[hny-keys disabled "), "{old:?}");
    let new = fake.keys().into_iter().find(|k| k.name == "checkout").unwrap();
    assert_eq!(
        std::fs::read_to_string(&env).unwrap(),
        format!("HONEYCOMB_PRODUCTION_CHECKOUT={}{}\n", new.id, new.secret)
    );
    // Its delete is scheduled, not a change: CI's drift check stays quiet.
    let plan = hny(&fake, &["plan", "-f", &keys, "--detailed-exitcode", "--output", "table"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("scheduled (not changes yet"), "{}", stdout(&plan));
    assert!(
        stdout(&plan).contains(&format!("- remove ingest key \"checkout\" in Production ({})", leaked.id)),
        "{}",
        stdout(&plan)
    );
    // The audit says where the old key stands and when it goes (its hours from the file).
    let audit = hny(&fake, &["audit", "-f", &keys, "--output", "table"]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let disabled_since = old.name.split(' ').nth(3).unwrap().trim_end_matches(']').to_string();
    let due = chrono::NaiveDateTime::parse_from_str(&disabled_since, "%Y%m%dT%H%MZ").unwrap().and_utc()
        + chrono::Duration::hours(48);
    assert!(
        stdout(&audit).contains(&format!("retiring(disabled; delete {})", due.format("%Y-%m-%d %H:%M UTC"))),
        "{}",
        stdout(&audit)
    );
    let audit = hny(&fake, &["audit", "-f", &keys, "--output", "json"]);
    let report = lines_match_schema(&fake, &stdout(&audit), "audit").remove(0);
    assert_eq!(report["retiring"], 1, "{report}");
    let out = hny(&fake, &["apply", "-f", &keys, "--replace", "nope", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// The five states of a secret where it lives, for each kind of place: a sink file of each
/// kind, and a command that prints the secret named by `HNY_SECRET_NAME`.
#[tokio::test(flavor = "multi_thread")]
async fn check_secrets_tells_the_five_states_in_dotenv_json_and_exec_and_apply_repairs_them() {
    const NAMES: [&str; 5] = ["current", "missing", "stale", "invalid", "another"];
    let set: String = NAMES
        .iter()
        .map(|name| format!("[[key]]\nname = \"{name}\"\ntype = \"ingest\"\nenvironment = \"Production\"\n\n"))
        .collect();
    for kind in ["dotenv", "json", "exec"] {
        let fake = MockHoneycomb::start().await;
        let dir = Scratch::new(&format!("check-secrets-{kind}"));
        let keys = dir.file("keys.toml", &set);
        let store = dir.path("store");
        std::fs::create_dir_all(&store).unwrap();
        let sink = match kind {
            "dotenv" => format!("dotenv:{}", dir.path(".env")),
            "json" => format!("json:{}", dir.path("keys.json")),
            _ => format!("exec:cat > '{store}'/\"$HNY_SECRET_NAME\""),
        };
        let source = match kind {
            "exec" => format!("exec:cat '{store}'/\"$HNY_SECRET_NAME\" 2>/dev/null || true"),
            _ => sink.clone(),
        };
        let apply = |extra: &[&str]| {
            let mut args = vec!["apply", "-f", &keys, "--secrets-to", &sink, "--yes"];
            args.extend_from_slice(extra);
            let out = hny(&fake, &args);
            assert!(out.status.success(), "{kind}: {}", stderr(&out));
        };
        apply(&[]);
        let secret_of = |name: &str| {
            let key = fake.keys().into_iter().find(|k| k.name == name).unwrap();
            format!("{}{}", key.id, key.secret)
        };
        let stale = secret_of("stale");
        apply(&["--replace", "stale"]); // the place now holds the successor's secret
        let held: Vec<(&str, Option<String>)> = vec![
            ("current", Some(secret_of("current"))),
            ("missing", None),
            ("stale", Some(stale)), // put back: the secret of the key on its way out
            ("invalid", Some(format!("{}{}", &secret_of("invalid")[..32], "0".repeat(32)))),
            ("another", Some(secret_of("current"))),
        ];
        let var = |name: &str| format!("HONEYCOMB_PRODUCTION_{}", name.to_uppercase());
        match kind {
            "dotenv" => {
                let text: String =
                    held.iter().filter_map(|(n, s)| Some(format!("{}={}\n", var(n), s.as_ref()?))).collect();
                std::fs::write(dir.path(".env"), text).unwrap();
            }
            "json" => {
                let members: serde_json::Map<String, serde_json::Value> = held
                    .iter()
                    .filter_map(|(n, s)| Some((var(n), serde_json::json!({ "secret": s.as_ref()? }))))
                    .collect();
                std::fs::write(dir.path("keys.json"), serde_json::to_string_pretty(&members).unwrap()).unwrap();
            }
            _ => {
                for (name, secret) in &held {
                    let path = std::path::Path::new(&store).join(var(name));
                    match secret {
                        Some(secret) => std::fs::write(path, secret).unwrap(),
                        None => std::fs::remove_file(path).unwrap(),
                    }
                }
            }
        }

        let plan =
            hny(&fake, &["plan", "-f", &keys, "--check-secrets", &source, "--detailed-exitcode", "--output", "json"]);
        assert_eq!(plan.status.code(), Some(2), "{kind}: drift: {}", stderr(&plan));
        let json = lines_match_schema(&fake, &stdout(&plan), "plan").remove(0);
        let states: Vec<(&str, &str)> = json["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap(), c["state"].as_str().unwrap()))
            .collect();
        assert_eq!(
            states,
            [
                ("current", "current"),
                ("missing", "missing"),
                ("stale", "stale"),
                ("invalid", "invalid"),
                ("another", "another_key")
            ],
            "{kind}"
        );
        let rotated: Vec<&str> = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["action"] == "rotate")
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(rotated, ["missing", "stale", "invalid", "another"], "{kind}");
        let table = hny(&fake, &["plan", "-f", &keys, "--check-secrets", &source, "--output", "table"]);
        let text = stdout(&table);
        assert!(
            text.contains("stale       \"stale\" in Production") && text.contains("secrets: 1 current, 1 missing"),
            "{kind}: {text}"
        );
        for key in fake.keys() {
            assert!(!text.contains(&key.secret) && !stderr(&table).contains(&key.secret), "{kind}: a secret shown");
        }

        // The same place as the sink: the drifted keys are rotated, their secrets put there.
        apply(&["--check-secrets", &source]);
        let plan =
            hny(&fake, &["plan", "-f", &keys, "--check-secrets", &source, "--detailed-exitcode", "--output", "json"]);
        assert_eq!(plan.status.code(), Some(0), "{kind}: repaired: {}", stdout(&plan));
        let json = lines_match_schema(&fake, &stdout(&plan), "plan").remove(0);
        assert!(json["secrets"].as_array().unwrap().iter().all(|c| c["state"] == "current"), "{kind}: {json}");
    }
}
