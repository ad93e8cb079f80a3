//! Keys as code on the fake: a key-set file's errors, plan and apply, drift repaired,
//! rotations, pruning, the built-in secret sinks, and an apply interrupted or failing at
//! every step and then finished by planning and applying again, with no duplicate key,
//! no key whose secret nobody has, and each secret delivered once.
#![cfg(all(feature = "mock", feature = "toml"))]

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use honeycomb_api_keys::{
    Action, ApiKeyUpdate, ApplyOptions, Client, DeclaredKey, Delivery, DotenvFile, ExposeSecret, JsonFile, KeySet,
    KeyType, ManualClock, Operation, Permission, Permissions, PlanOptions, RetryConfig, SecretSink, StepOutcome,
    WriteGate,
    mock::{Fault, MockHoneycomb},
};

pub(super) const DAY: Duration = Duration::from_secs(86_400);

const FILE: &str = r#"
[[key]]
name = "checkout ingest"
type = "ingest"
environment = "Production"

[[key]]
name = "CI boards"
type = "configuration"
environment = "production"
permissions = ["run_queries", "manage_boards"]
rotate_after_days = 90

[[key]]
name = "loader"
type = "ingest"
environment = "Staging"
permissions = ["create_datasets"]
disabled = true
"#;

/// Records every secret delivered: (key id, secret name, secret).
#[derive(Clone, Default)]
pub(super) struct Vault(Arc<Mutex<Vec<(String, String, String)>>>);

impl SecretSink for Vault {
    fn deliver(&self, d: &Delivery<'_>) -> Result<(), String> {
        let entry = (d.key.id.to_string(), d.secret_name.to_string(), d.secret().expose_secret().to_string());
        self.0.lock().unwrap().push(entry);
        Ok(())
    }
}

impl Vault {
    pub(super) fn ids(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|(id, _, _)| id.clone()).collect()
    }
}

fn set() -> KeySet {
    KeySet::from_toml(FILE, "keys.toml").unwrap()
}

pub(super) fn no_retry(fake: &MockHoneycomb) -> Client {
    fake.client_builder().retry(RetryConfig::disabled()).build().unwrap()
}

/// The fake's keys by (environment id, name).
fn by_name(fake: &MockHoneycomb) -> BTreeMap<(String, String), Vec<String>> {
    let mut out: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for key in fake.keys() {
        out.entry((key.environment_id.clone(), key.name.clone())).or_default().push(key.id.clone());
    }
    out
}

// ---- the file ----------------------------------------------------------------------

#[test]
fn a_key_set_file_reads_every_field() {
    let set = set();
    let keys = set.keys();
    assert_eq!(keys.len(), 3);
    assert_eq!(
        (keys[0].name.as_str(), &keys[0].key_type, keys[0].environment.as_str()),
        ("checkout ingest", &KeyType::Ingest, "Production")
    );
    assert_eq!(keys[1].permissions, Permissions::builder().run_queries().manage_boards().build());
    assert_eq!(keys[1].rotate_after_days, Some(90));
    assert!(keys[2].disabled && keys[2].permissions.contains(Permission::CreateDatasets));
    // What export writes reads back the same.
    assert_eq!(KeySet::from_toml(&set.to_toml(), "again.toml").unwrap().keys(), keys);
    // A name a hostile server gave, with an escape sequence and a bidi override: escaped in
    // the file.
    let odd = KeySet::new().key(DeclaredKey::ingest("evil\u{1b}]0;x\u{7}\u{202e}cba", "Production"));
    let text = odd.to_toml();
    assert!(text.contains(r#"name = "evil\u001B]0;x\u0007\u202Ecba""#), "{text}");
    assert!(!text.chars().any(|c| c != '\n' && honeycomb_api_keys::is_hidden(c)));
    // Such a name cannot be declared: the file says which character to fix.
    let err = KeySet::from_toml(&text, "exported.toml").unwrap_err().to_string();
    assert!(err.contains("has a control or invisible character (U+001B) at position 5"), "{err}");
    // A character beyond U+FFFF (a tag) takes TOML's eight-digit escape, and reads back as
    // itself: refused by name, never a different name that would be created (or pruned).
    let text = KeySet::new().key(DeclaredKey::ingest("tag\u{E0001}", "Production")).to_toml();
    assert!(text.contains(r#"name = "tag\U000E0001""#), "{text}");
    let err = KeySet::from_toml(&text, "exported.toml").unwrap_err().to_string();
    assert!(err.contains("(U+E0001) at position 4"), "{err}");
}

#[test]
fn every_file_error_names_the_file_the_key_and_the_field() {
    let key = |extra: &str| format!("[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"Production\"\n{extra}");
    let cases: Vec<(String, &str)> = vec![
        (key("colour = \"red\"\n"), "keys.toml: key 1 \"a\" (line 5): `colour` is not a field of a key"),
        (key("enviroment = \"x\"\n"), "(did you mean `environment`?)"),
        (
            "[[key]]\nname = \"c\"\ntype = \"configuration\"\nenvironment = \"p\"\npermissions = [\"run_querys\"]\n".into(),
            "keys.toml: key 1 \"c\" (line 5): `permissions` has an unknown permission `run_querys`",
        ),
        (key("permissions = [\"manage_boards\"]\n"), "keys.toml: key 1 \"a\" (line 5): `permissions` is refused: an ingest key can only have `create_datasets`; `manage_boards` need a configuration key"),
        (format!("{}\n{}", key(""), key("")), "keys.toml: key 2 \"a\" (line 7): `name` is taken: two keys named \"a\" in environment \"Production\" (keys.toml: key 1 \"a\" (line 1) and this one)"),
        ("[[key]]\nname = \"a\"\ntype = \"ingest\"\n".into(), "keys.toml: key 1 \"a\" (line 1): `environment` is missing"),
        (key("disabled = \"no\"\n"), "keys.toml: key 1 \"a\" (line 5): `disabled` must be true or false"),
        (key("rotate_after_days = 0\n"), "`rotate_after_days` is 0; it must be 1 to 3650"),
        (key("rotate_after_days = -5\n"), "`rotate_after_days` must be a whole number of days"),
        (key("secret_name = \"1BAD\"\n"), "`secret_name` is \"1BAD\""),
        (key("overlap_hours = 9000\n"), "keys.toml: key 1 \"a\" (line 5): `overlap_hours` is 9000; it must be 0 to 8760 (a year)"),
        (key("disabled_hours = -1\n"), "`disabled_hours` must be a whole number of hours, 0 to 8760"),
        (format!("disabled_hours = 9000\n\n{}", key("")), "invalid `disabled_hours`: is 9000; it must be 0 to 8760 (a year)"),
        ("[[key]]\nname = \"a\"\ntype = \"management\"\nenvironment = \"p\"\n".into(), "keys.toml: key 1 \"a\" (line 3): `type` is \"management\"; it must be \"ingest\" or \"configuration\""),
        ("[[key]]\nname = \"\"\ntype = \"ingest\"\nenvironment = \"p\"\n".into(), "keys.toml: key 1 \"\" (line 2): `name` must not be empty"),
        ("[[key]]\nname = \"[hny-keys retiring 1234abcd] x\"\ntype = \"ingest\"\nenvironment = \"p\"\n".into(), "keys.toml: key 1 \"[hny-keys retiring 1234abcd] x\" (line 2): `name` starts with \"[hny-keys \", which marks the keys an apply is working on"),
        (
            "[[key]]\nname = \"c\"\ntype = \"configuration\"\nenvironment = \"p\"\n".into(),
            "keys.toml: key 1 \"c\" (line 1): `permissions` is missing: list what the configuration key may do, or write `permissions = []`",
        ),
        ("[[keys]]\nname = \"a\"\n".into(), "keys.toml (line 1): `keys` is not part of a key-set file"),
        ("[[key]\nname = 1\n".into(), "keys.toml (line 1): not valid TOML"),
        (
            "[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"p\"\nsecret_name = \"S\"\n[[key]]\nname = \"b\"\ntype = \"ingest\"\nenvironment = \"p\"\nsecret_name = \"S\"\n".into(),
            "keys.toml: key 2 \"b\" (line 10): `secret_name` \"S\" is also keys.toml: key 1 \"a\" (line 1)'s",
        ),
    ];
    for (text, expected) in cases {
        let err = KeySet::from_toml(&text, "keys.toml").expect_err(&text).to_string();
        assert!(err.contains(expected), "for\n{text}\nexpected {expected:?} in\n{err}");
    }
}

#[tokio::test]
async fn an_unknown_or_ambiguous_environment_fails_the_plan_with_only_reads_sent() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let text = "[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"Prod\"\n";
    let err = keys.plan(&KeySet::from_toml(text, "keys.toml").unwrap(), PlanOptions::new()).await.unwrap_err();
    assert!(err.is_invalid_argument());
    assert_eq!(
        err.to_string(),
        "invalid `environment`: keys.toml: key 1 \"a\" (line 4): `environment` \"Prod\" is not an environment of the team (by id, name or slug); the team's are: \"Production\", \"Staging\""
    );
    // One environment written two ways is still one environment: one name in it.
    let text = "[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"Production\"\n[[key]]\nname = \"a\"\ntype = \"ingest\"\nenvironment = \"production-slug-unused\"\n";
    assert!(KeySet::from_toml(text, "k.toml").is_ok());
    let env_id = fake.environment_id("production").unwrap();
    let twice = KeySet::new().key(DeclaredKey::ingest("a", "Production")).key(DeclaredKey::ingest("a", &env_id));
    let err = keys.plan(&twice, PlanOptions::new()).await.unwrap_err().to_string();
    assert!(
        err.contains("key \"a\": `name` is taken: key \"a\" declares a key with this name in \"Production\" too"),
        "{err}"
    );
    // A name an existing key of the other type has.
    fake.seed_key("production", "a", &KeyType::Configuration, &Permissions::none(), DAY);
    let err =
        keys.plan(&KeySet::new().key(DeclaredKey::ingest("a", "Production")), PlanOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("`type` is ingest but"), "{err}");
    assert!(err.to_string().contains("is a configuration key; a key's type cannot change"), "{err}");
    assert!(fake.requests().iter().all(|r| r.method == "GET"), "only reads: {:?}", fake.requests());
}

// ---- plan and apply ----------------------------------------------------------------

#[tokio::test]
async fn plan_apply_then_the_plan_is_empty_and_each_secret_was_delivered_once() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let plan = keys.plan(&set(), PlanOptions::new()).await.unwrap();
    assert_eq!(plan.count(Action::Create), 3, "{}", plan.summary());
    assert_eq!(
        plan.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "create ingest key \"checkout ingest\" in Production",
            "create configuration key \"CI boards\" in Production: permissions manage_boards, run_queries",
            "create ingest key \"loader\" in Staging: disabled, permissions create_datasets",
        ]
    );
    let vault = Vault::default();
    let report = keys.apply(&plan, &vault, ApplyOptions::new()).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(fake.count(Operation::CreateApiKey), 3);

    // Each key exists once, as declared, and its secret (the header value) was delivered once.
    let delivered = vault.0.lock().unwrap().clone();
    assert_eq!(delivered.len(), 3);
    for (id, _, secret) in &delivered {
        let key = fake.key(id).expect("the delivered key exists");
        let expected = if key.key_type == "ingest" { format!("{}{}", key.id, key.secret) } else { key.secret.clone() };
        assert_eq!(secret, &expected);
    }
    let names: Vec<&str> = delivered.iter().map(|(_, name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        ["HONEYCOMB_PRODUCTION_CHECKOUT_INGEST", "HONEYCOMB_PRODUCTION_CI_BOARDS", "HONEYCOMB_STAGING_LOADER"]
    );
    let loader = fake.keys().into_iter().find(|k| k.name == "loader").unwrap();
    assert!(loader.disabled && loader.permissions.get("create_datasets") == Some(&true));

    // No secret in the plan or the report, however shown.
    let shown = format!(
        "{plan:?}{report:?}{}{}",
        serde_json::to_string(&plan).unwrap(),
        serde_json::to_string(&report).unwrap()
    );
    for (_, _, secret) in &delivered {
        assert!(!shown.contains(secret.as_str()));
    }
    let again = keys.plan(&set(), PlanOptions::new()).await.unwrap();
    assert!(again.is_empty(), "{}", again.summary());
    assert_eq!(again.unchanged, 3);
}

#[tokio::test]
async fn drift_behind_the_files_back_is_planned_and_repaired() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    keys.apply(&keys.plan(&set(), PlanOptions::new()).await.unwrap(), &Vault::default(), ApplyOptions::new())
        .await
        .unwrap();
    let id = |name: &str| fake.keys().into_iter().find(|k| k.name == name).unwrap().id;
    // Someone disables the ingest key, and swaps a permission of the configuration key.
    keys.update(id("checkout ingest"), ApiKeyUpdate::new().disable()).await.unwrap();
    keys.update(
        id("CI boards"),
        ApiKeyUpdate::new().revoke(Permission::ManageBoards).grant(Permission::ManageTriggers),
    )
    .await
    .unwrap();
    fake.clear_requests();

    let plan = keys.plan(&set(), PlanOptions::new()).await.unwrap();
    let shown: Vec<String> = plan.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            format!("update ingest key \"checkout ingest\" in Production ({}): enable", id("checkout ingest")),
            format!(
                "update configuration key \"CI boards\" in Production ({}): grant manage_boards, revoke manage_triggers",
                id("CI boards")
            ),
        ]
    );
    let report = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    assert!(report.is_complete());
    assert_eq!((fake.count(Operation::UpdateApiKey), fake.count(Operation::CreateApiKey)), (2, 0));
    let ci = fake.key(&id("CI boards")).unwrap();
    assert_eq!(ci.permissions.get("manage_boards"), Some(&true));
    assert_eq!(ci.permissions.get("manage_triggers"), Some(&false));
    assert!(!fake.key(&id("checkout ingest")).unwrap().disabled);
    assert!(keys.plan(&set(), PlanOptions::new()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_key_older_than_rotate_after_days_is_replaced_under_the_same_name() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key(
        "production",
        "CI boards",
        &KeyType::Configuration,
        &Permissions::builder().run_queries().manage_boards().build(),
        91 * DAY,
    );
    let one = KeySet::new().key(
        DeclaredKey::configuration(
            "CI boards",
            "Production",
            Permissions::builder().run_queries().manage_boards().build(),
        )
        .rotate_after_days(90),
    );
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(
        plan.changes[0].to_string(),
        format!(
            "rotate configuration key \"CI boards\" in Production ({}): 91 days old (rotate_after_days = 90)",
            old.id
        )
    );
    let vault = Vault::default();
    let report = keys.apply(&plan, &vault, ApplyOptions::new()).await.unwrap();
    assert!(report.is_complete());
    let StepOutcome::Done { new_key: Some(new) } = &report.steps[0].outcome else { panic!("{report:?}") };
    let retired = fake.key(&old.id).expect("the old key stays, for the overlap");
    assert!(retired.name.starts_with("[hny-keys retiring ") && !retired.disabled, "{retired:?}");
    assert_eq!(fake.key(new.as_str()).unwrap().name, "CI boards");
    assert_eq!(vault.ids(), [new.to_string()]);
    assert!(keys.plan(&one, PlanOptions::new()).await.unwrap().is_empty());
    // 89 days later it is not due; 90 days later it is.
    let later = |days| PlanOptions::new().as_of(Utc::now() + chrono::Duration::days(days));
    assert_eq!(keys.plan(&one, later(89)).await.unwrap().count(Action::Rotate), 0);
    assert_eq!(keys.plan(&one, later(90)).await.unwrap().count(Action::Rotate), 1);
}

#[tokio::test]
async fn an_ingest_keys_create_datasets_is_changed_by_replacing_the_key() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), DAY);
    let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production").create_datasets(true));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.count(Action::Rotate), 1, "{}", plan.summary());
    keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    assert!(fake.key(&old.id).unwrap().name.starts_with("[hny-keys retiring "), "kept for the overlap");
    assert!(keys.plan(&set, PlanOptions::new()).await.unwrap().is_empty());
}

#[tokio::test]
async fn unmanaged_keys_are_listed_and_deleted_only_when_pruning_is_asked_and_confirmed() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let stray = fake.seed_key("production", "stray", &KeyType::Ingest, &Permissions::none(), DAY);
    let elsewhere = fake.seed_key("staging", "other team's", &KeyType::Ingest, &Permissions::none(), DAY);
    let one = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.unmanaged.iter().map(|k| k.id.to_string()).collect::<Vec<_>>(), std::slice::from_ref(&stray.id));
    assert_eq!(plan.count(Action::Delete), 0);

    let pruning = keys.plan(&one, PlanOptions::new().prune(true)).await.unwrap();
    assert_eq!(pruning.count(Action::Delete), 1);
    fake.clear_requests();
    let err = keys.apply(&pruning, &Vault::default(), ApplyOptions::new()).await.unwrap_err();
    assert!(
        err.to_string().contains("the plan deletes 1 unmanaged keys; confirm that with ApplyOptions::prune(true)"),
        "{err}"
    );
    assert!(fake.requests().is_empty(), "nothing is sent for an unconfirmed prune");
    let report = keys.apply(&pruning, &Vault::default(), ApplyOptions::new().prune(true)).await.unwrap();
    assert!(report.is_complete());
    assert!(fake.key(&stray.id).is_none());
    assert!(fake.key(&elsewhere.id).is_some(), "keys of environments the set does not cover are not touched");
}

#[tokio::test]
async fn a_secret_the_sink_refuses_deletes_its_key_again_and_stops() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let plan = keys.plan(&set(), PlanOptions::new()).await.unwrap();
    let refuse = |_: &Delivery<'_>| Err("the vault is sealed".to_string());
    let report = keys.apply(&plan, &refuse, ApplyOptions::new()).await.unwrap();
    assert!(!report.is_complete());
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    let text = error.to_string();
    assert!(
        text.contains("\"checkout ingest\": its secret could not be delivered: the vault is sealed; the new key")
            && text.contains("was deleted again"),
        "{text}"
    );
    assert!(matches!(report.steps[1].outcome, StepOutcome::Skipped));
    assert!(fake.keys().is_empty(), "no key is left that nobody can use");
    assert_eq!(keys.plan(&set(), PlanOptions::new()).await.unwrap().count(Action::Create), 3);
}

// ---- resumability ------------------------------------------------------------------

/// A team with one key for each kind of step (one to create, one to update, one to
/// rotate, and the renamed old key an interrupted rotation leaves, to retire), and the
/// key set that asks for them.
async fn seeded() -> (Arc<MockHoneycomb>, KeySet, Vec<String>) {
    let set = KeySet::new()
        .key(DeclaredKey::ingest("new", "Production"))
        .key(DeclaredKey::ingest("drifted", "Production"))
        .key(DeclaredKey::configuration("old", "Production", Permissions::read_only_querying()).rotate_after_days(30))
        .key(DeclaredKey::ingest("half rotated", "Staging"))
        .key(DeclaredKey::configuration("fine", "Staging", Permissions::board_management()));
    let fake = Arc::new(MockHoneycomb::start().await);
    let drifted = fake.seed_key("production", "drifted", &KeyType::Ingest, &Permissions::none(), DAY);
    fake.seed_key("production", "old", &KeyType::Configuration, &Permissions::read_only_querying(), 40 * DAY);
    let since = (Utc::now() - chrono::Duration::days(2)).format("%Y%m%dT%H%MZ");
    let half = marked(&format!("retiring {since}"), "half rotated");
    fake.seed_key("staging", &half, &KeyType::Ingest, &Permissions::none(), 2 * DAY);
    fake.seed_key("staging", "half rotated", &KeyType::Ingest, &Permissions::none(), DAY);
    fake.seed_key("staging", "fine", &KeyType::Configuration, &Permissions::board_management(), DAY);
    fake.client().api_keys().update(&drifted.id, ApiKeyUpdate::new().disable()).await.unwrap();
    fake.clear_requests();
    let seeded = fake.keys().into_iter().map(|k| k.id).collect();
    (fake, set, seeded)
}

/// The writes a plan makes that the gate is asked for, in order: a rotation is a rename, a
/// create, then a delete. (A create's rename to the declared name, once its secret is
/// delivered, finishes the create: not asked for.)
fn writes(plan: &honeycomb_api_keys::Plan) -> Vec<Operation> {
    plan.changes
        .iter()
        .flat_map(|c| match c.action {
            Action::Create => vec![Operation::CreateApiKey],
            Action::Update => vec![Operation::UpdateApiKey],
            Action::Rotate if plan.retires_now() => {
                vec![Operation::UpdateApiKey, Operation::CreateApiKey, Operation::UpdateApiKey]
            }
            Action::Rotate => vec![Operation::UpdateApiKey, Operation::CreateApiKey],
            Action::Retire | Action::Disable => vec![Operation::UpdateApiKey],
            _ => vec![Operation::DeleteApiKey],
        })
        .collect()
}

/// Counts the writes the apply asks for; at write `at`, either stops every write from
/// there on (as an interrupt does) or has the fake answer that write with a fault.
struct Interrupt {
    fake: Arc<MockHoneycomb>,
    writes: Vec<Operation>,
    at: usize,
    fault: Option<Fault>,
    seen: Mutex<usize>,
    /// Fault this operation's next call instead of write `at`'s (a create's rename).
    fault_on: Option<Operation>,
}

impl Interrupt {
    fn next(&self) -> bool {
        let mut seen = self.seen.lock().unwrap();
        let n = *seen;
        *seen += 1;
        match &self.fault {
            None => n < self.at,
            Some(fault) => {
                if n == self.at {
                    self.fake.fail_next(self.fault_on.unwrap_or(self.writes[n]), 1, fault.clone());
                }
                true
            }
        }
    }
}

impl WriteGate for Interrupt {
    fn before_create(&self, _name: &str) -> bool {
        self.next()
    }
    fn before_change(&self) -> bool {
        self.next()
    }
}

/// After the second apply: every declared name has one key, as declared; each secret was
/// delivered once, and every key that exists was seeded or had its secret delivered (no
/// key is left whose secret nobody has).
fn assert_finished(fake: &MockHoneycomb, set: &KeySet, seeded: &[String], vault: &Vault, context: &str) {
    let names = by_name(fake);
    for declared in set.keys() {
        let env = fake.environment_id(&declared.environment.to_lowercase()).unwrap();
        let ids = names.get(&(env, declared.name.clone())).cloned().unwrap_or_default();
        assert_eq!(ids.len(), 1, "{context}: {:?} has the keys {ids:?}", declared.name);
        assert_eq!(fake.key(&ids[0]).unwrap().disabled, declared.disabled, "{context}");
    }
    assert!(
        fake.keys().iter().all(|k| !k.name.starts_with("[hny-keys ")),
        "{context}: a marked key was left: {:?}",
        fake.keys()
    );
    let delivered = vault.ids();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in &delivered {
        *counts.entry(id).or_default() += 1;
    }
    assert!(counts.values().all(|&n| n == 1), "{context}: a secret delivered twice: {delivered:?}");
    for key in fake.keys() {
        assert!(
            seeded.contains(&key.id) || counts.contains_key(key.id.as_str()),
            "{context}: {} ({}) exists but its secret was never delivered",
            key.id,
            key.name
        );
    }
}

/// Plans and applies with `interrupt` at write `at`, then plans and applies again:
/// the second apply must finish the job (a key left with its pending name, its secret
/// delivered but its rename failed, is retired by a plan made after the grace).
async fn interrupted_then_finished(at: usize, fault: Option<Fault>) {
    interrupted_then_finished_on(at, fault, None).await;
}

async fn interrupted_then_finished_on(at: usize, fault: Option<Fault>, fault_on: Option<Operation>) {
    let (fake, set, seeded) = seeded().await;
    let keys = no_retry(&fake).api_keys();
    let vault = Vault::default();
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let writes = writes(&plan);
    let context = format!(
        "write {at} ({:?}) {}",
        writes.get(at),
        fault.as_ref().map_or("stopped".into(), |f| format!("answered {f:?}"))
    );
    let context = format!("{context}{}", fault_on.map(|op| format!(" on {op:?}")).unwrap_or_default());
    let interrupt = Arc::new(Interrupt { fake: fake.clone(), writes, at, fault, seen: Mutex::new(0), fault_on });
    let first = keys.apply(&plan, &vault, ApplyOptions::new().gate(interrupt)).await.unwrap();
    let rest = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let second = keys.apply(&rest, &vault, ApplyOptions::new()).await.unwrap();
    assert!(second.is_complete(), "{context}: {first:?} then {second:?}");
    assert!(keys.plan(&set, PlanOptions::new()).await.unwrap().is_empty(), "{context}");
    // Later plans take the stages of the retirements as they fall due: a key left with
    // its pending name after the grace, the rotated key after its overlap and its time
    // disabled. Then no marked key is left.
    // On the fake's clock, which its clients share: 11 min, 25 h and 75 h on.
    for by in [Duration::from_secs(11 * 60), Duration::from_secs(25 * 3600 - 11 * 60), Duration::from_secs(50 * 3600)] {
        fake.advance_clock(by);
        let last = keys.plan(&set, PlanOptions::new()).await.unwrap();
        let stages = [Action::Disable, Action::Remove];
        assert!(last.changes.iter().all(|c| stages.contains(&c.action)), "{context}: {}", last.summary());
        assert!(keys.apply(&last, &vault, ApplyOptions::new()).await.unwrap().is_complete(), "{context}");
    }
    assert_finished(&fake, &set, &seeded, &vault, &context);
}

#[tokio::test]
async fn an_apply_stopped_before_any_write_is_finished_by_planning_and_applying_again() {
    let (fake, set, _) = seeded().await;
    let plan = fake.client().api_keys().plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(
        plan.changes.iter().map(|c| c.action).collect::<Vec<_>>(),
        [Action::Create, Action::Update, Action::Rotate, Action::Disable],
        "{}",
        plan.summary()
    );
    let writes = writes(&plan).len();
    assert_eq!(writes, 5);
    for at in 0..=writes {
        interrupted_then_finished(at, None).await;
    }
}

#[tokio::test]
async fn an_apply_failing_at_any_write_is_finished_by_planning_and_applying_again() {
    let (fake, set, _) = seeded().await;
    let writes = writes(&fake.client().api_keys().plan(&set, PlanOptions::new()).await.unwrap());
    for (at, op) in writes.iter().enumerate() {
        let faults = match op {
            Operation::CreateApiKey => vec![
                Fault::status(500),
                // Made, but the answer is lost or unreadable: the key nobody has the
                // secret of is found and deleted.
                Fault::status(502).after_processing(),
                Fault::status(201).body("{\"data\": {\"id\": ", "application/vnd.api+json").after_processing(),
            ],
            _ => vec![Fault::status(503), Fault::status(500).after_processing(), Fault::status(404)],
        };
        for fault in faults {
            interrupted_then_finished(at, Some(fault)).await;
        }
        // The rename that gives a new key its name, once its secret is delivered, fails.
        if *op == Operation::CreateApiKey {
            for fault in [Fault::status(503), Fault::status(500).after_processing(), Fault::status(404)] {
                interrupted_then_finished_on(at, Some(fault), Some(Operation::UpdateApiKey)).await;
            }
        }
    }
}

// ---- the sinks ---------------------------------------------------------------------

/// A fresh directory under the system's temporary one.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hny-keys-{name}-{}-{}", std::process::id(), fastrand::u64(..)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Applies `set` on a fresh fake into `sink`; the fake, and the report.
async fn apply_into(
    set: &KeySet,
    sink: &(impl SecretSink + ?Sized),
) -> (MockHoneycomb, honeycomb_api_keys::ApplyReport) {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let plan = keys.plan(set, PlanOptions::new()).await.unwrap();
    let report = keys.apply(&plan, sink, ApplyOptions::new()).await.unwrap();
    (fake, report)
}

fn header_value(fake: &MockHoneycomb, name: &str) -> String {
    let key = fake.keys().into_iter().find(|k| k.name == name).unwrap();
    if key.key_type == "ingest" { format!("{}{}", key.id, key.secret) } else { key.secret }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_dotenv_sink_writes_0600_atomically_and_keeps_other_lines() {
    let dir = scratch("dotenv");
    let path = dir.join(".env");
    std::fs::write(&path, "# mine\nOTHER=1\nHONEYCOMB_PRODUCTION_CHECKOUT_INGEST=stale\nexport KEEP=yes\n").unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (fake, report) = apply_into(&set(), &DotenvFile::new(&path)).await;
    assert!(report.is_complete(), "{report:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        format!(
            "# mine\nOTHER=1\nHONEYCOMB_PRODUCTION_CHECKOUT_INGEST={}\nexport KEEP=yes\nHONEYCOMB_PRODUCTION_CI_BOARDS={}\nHONEYCOMB_STAGING_LOADER={}\n",
            header_value(&fake, "checkout ingest"),
            header_value(&fake, "CI boards"),
            header_value(&fake, "loader")
        )
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600, "replaced by a file only its owner reads");
    let mut left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    left.sort();
    // The lock file stays (removing it would race with another writer waiting on it).
    assert_eq!(left, ["..env.lock", ".env"], "no temporary file left behind");
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_dotenv_sink_keeps_export_prefixes_and_writes_through_symbolic_links() {
    let dir = scratch("dotenv-links");
    let real = dir.join("real.env");
    std::fs::write(&real, "export HONEYCOMB_PRODUCTION_CHECKOUT=stale\n").unwrap();
    let link = dir.join(".env");
    std::os::unix::fs::symlink("real.env", &link).unwrap();
    let one = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let (fake, report) = apply_into(&one, &DotenvFile::new(&link)).await;
    assert!(report.is_complete(), "{report:?}");
    assert!(link.is_symlink(), "the link stays a link");
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        format!("export HONEYCOMB_PRODUCTION_CHECKOUT={}\n", header_value(&fake, "checkout"))
    );
    // A link to a file not made yet: made where the link points.
    let dangling = dir.join("later.env");
    std::os::unix::fs::symlink("made-later.env", &dangling).unwrap();
    let (fake, report) = apply_into(&one, &DotenvFile::new(&dangling)).await;
    assert!(report.is_complete(), "{report:?}");
    assert!(dangling.is_symlink());
    assert_eq!(
        std::fs::read_to_string(dir.join("made-later.env")).unwrap(),
        format!("HONEYCOMB_PRODUCTION_CHECKOUT={}\n", header_value(&fake, "checkout"))
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_json_sink_keeps_other_members_and_refuses_a_file_that_is_not_an_object() {
    let dir = scratch("json");
    let path = dir.join("keys.json");
    std::fs::write(&path, "{\"mine\": {\"secret\": \"keep me\"}}").unwrap();
    let one = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production").secret_name("CHECKOUT_KEY"));
    let (fake, report) = apply_into(&one, &JsonFile::new(&path)).await;
    assert!(report.is_complete(), "{report:?}");
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let key = fake.keys().remove(0);
    assert_eq!(written["mine"]["secret"], "keep me");
    assert_eq!(
        written["CHECKOUT_KEY"],
        serde_json::json!({"key_id": key.id, "name": "checkout ingest", "environment": "production", "type": "ingest", "secret": header_value(&fake, "checkout ingest")})
    );
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);

    // Not an object: refused before anything is sent, and left as it is.
    std::fs::write(&path, "[1, 2]").unwrap();
    let (fake, err) = refused_before_any_write(&one, &JsonFile::new(&path)).await;
    assert!(
        err.contains("keys.json is not a JSON object; it was left as it is") && err.ends_with("nothing was sent"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[1, 2]");
    assert!(fake.keys().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

/// Plans `set` on a fresh fake and applies it into `sink`, which must refuse before any
/// write: the fake, and the error's text.
async fn refused_before_any_write(set: &KeySet, sink: &(impl SecretSink + ?Sized)) -> (MockHoneycomb, String) {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let plan = keys.plan(set, PlanOptions::new()).await.unwrap();
    fake.clear_requests();
    let err = keys.apply(&plan, sink, ApplyOptions::new()).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    assert!(fake.requests().is_empty(), "nothing is sent: {:?}", fake.requests());
    (fake, err.to_string())
}

/// A link another user planted in a directory anyone can write (`/tmp/shared/.env ->
/// /some/app.conf`) is refused before any request, and its target left as it is (root
/// only: giving the link away needs it).
#[cfg(unix)]
#[tokio::test]
async fn a_planted_link_is_refused_before_any_key_is_made() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shared = scratch("planted-apply");
    if std::fs::metadata(&shared).unwrap().uid() != 0 {
        eprintln!("SKIPPED a_planted_link_is_refused_before_any_key_is_made: it needs root to give a link away");
        std::fs::remove_dir_all(shared).unwrap();
        return;
    }
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let private = scratch("planted-apply-target");
    let conf = private.join("app.conf");
    std::fs::write(&conf, "keep\n").unwrap();
    let link = shared.join(".env.honeycomb");
    std::os::unix::fs::symlink(&conf, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65534)).unwrap();
    let (fake, err) = refused_before_any_write(&set(), &DotenvFile::new(&link)).await;
    assert!(err.contains("is a symbolic link of user id 65534, not yours (user id 0); it was not followed"), "{err}");
    assert!(fake.keys().is_empty());
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "keep\n");
    std::fs::remove_dir_all(shared).unwrap();
    std::fs::remove_dir_all(private).unwrap();
}

#[tokio::test]
async fn a_file_sink_that_cannot_write_is_refused_before_any_key_is_made() {
    let dir = scratch("blocked");
    // The parent of the file is a file: nothing can be written there.
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let (_, err) = refused_before_any_write(&set(), &DotenvFile::new(blocker.join(".env"))).await;
    assert!(err.contains("not-a-dir/.env: Not a directory") && err.ends_with("nothing was sent"), "{err}");
    let (_, err) = refused_before_any_write(&set(), &JsonFile::new(dir.join("missing/dir/keys.json"))).await;
    assert!(err.contains("could not write") && err.contains("missing/dir"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_dotenv_sink_refuses_a_secret_that_would_inject_a_line() {
    // A server that answers a create with a secret holding a newline and a variable.
    let fake = MockHoneycomb::start().await;
    let env = fake.environment_id("production").unwrap();
    let body = serde_json::json!({"data": {"id": "hcxik_01hostile", "type": "api-keys", "attributes": {
        "name": "checkout ingest", "key_type": "ingest", "disabled": false, "secret": "abc\nLD_PRELOAD=/tmp/evil.so",
        "permissions": {"create_datasets": false}, "timestamps": {"created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z"}},
        "relationships": {"environment": {"data": {"id": env, "type": "environments"}}}}});
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(201).body(body.to_string(), "application/vnd.api+json"));
    let dir = scratch("inject");
    let path = dir.join(".env");
    let keys = fake.client().api_keys();
    // An enabled key's secret is verified first: such a secret is refused there.
    let one = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production"));
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    let report = keys.apply(&plan, &DotenvFile::new(&path), ApplyOptions::new()).await.unwrap();
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(error.to_string().contains("it could not be verified"), "{error}");
    assert!(!error.to_string().contains("LD_PRELOAD") && !path.exists());
    // A key declared disabled is not verified (it cannot authenticate): the sink refuses.
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(201).body(body.to_string(), "application/vnd.api+json"));
    let one = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production").disabled(true));
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    let report = keys.apply(&plan, &DotenvFile::new(&path), ApplyOptions::new()).await.unwrap();
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(error.to_string().contains("has characters a dotenv line cannot hold safely"), "{error}");
    assert!(!error.to_string().contains("LD_PRELOAD"));
    assert!(!path.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

// ---- scale -------------------------------------------------------------------------

/// 100 declared keys against Honeycomb's quota (100 writes a minute per operation), on
/// injected time: the requests apply sends and the time they take.
#[tokio::test]
async fn a_hundred_keys_apply_in_a_hundred_creates_within_the_quota() {
    let fake = Arc::new(MockHoneycomb::start().await);
    fake.rate_limit_all();
    // The client waits on injected time, and the fake's rate windows move with it.
    let waited = fake.clone();
    let clock = ManualClock::new().on_sleep(move |d| waited.advance_clock(d));
    let client = fake.client_builder().clock(clock.clone()).build().unwrap();
    let keys = client.api_keys();
    let mut set = KeySet::new();
    for n in 0..100 {
        set =
            set.key(DeclaredKey::ingest(format!("service {n:03}"), if n % 2 == 0 { "Production" } else { "Staging" }));
    }
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    fake.clear_requests();
    let started = honeycomb_api_keys::Clock::now(&clock);
    let report = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    let took = honeycomb_api_keys::Clock::now(&clock) - started;
    assert!(report.is_complete());
    let requests = fake.requests();
    // The plan read again (one page of 100), then a create, a verification and a rename a
    // key (each operation in its own window).
    let count = |op: Operation| requests.iter().filter(|r| r.operation == Some(op)).count();
    let ops = [Operation::ListApiKeys, Operation::CreateApiKey, Operation::VerifyKey, Operation::UpdateApiKey];
    assert_eq!(
        (ops.map(count), requests.len()),
        ([1, 100, 100, 100], 301),
        "one create, one verification and one rename a key, nothing else"
    );
    assert!(requests.iter().all(|r| r.status < 300), "no 429: the client paces itself");
    println!("apply of 100 keys: {} requests, {:.1} s of injected time", requests.len(), took.as_secs_f64());
    assert!(took < Duration::from_secs(1), "100 creates fit one window: {took:?}");

    // 150 more need a second window for the creates beyond the quota.
    let mut more = set.clone();
    for n in 100..250 {
        more = more.key(DeclaredKey::ingest(format!("service {n:03}"), "Production"));
    }
    let plan = keys.plan(&more, PlanOptions::new()).await.unwrap();
    fake.clear_requests();
    let started = honeycomb_api_keys::Clock::now(&clock);
    let report = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    let took = honeycomb_api_keys::Clock::now(&clock) - started;
    assert!(report.is_complete(), "{:?}", report.stopped);
    println!(
        "apply of 150 more keys: {} requests, {:.1} s of injected time",
        fake.requests().len(),
        took.as_secs_f64()
    );
    assert!(fake.requests().iter().all(|r| r.status < 300), "paced, never refused");
    // The window the first 100 filled, and one more: two waits of a minute at most.
    assert!((Duration::from_secs(100)..Duration::from_secs(125)).contains(&took), "{took:?}");
}

// ---- what a plan must not do, and what a report must say --------------------------------

#[tokio::test]
async fn two_keys_of_a_declared_name_keep_the_newest_and_retire_the_others_and_a_persons_retiring_key_is_just_a_key() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    // Two runs on two machines each made "ingest" (or a person made a second one).
    let older = fake.seed_key("production", "ingest", &KeyType::Ingest, &Permissions::none(), 2 * DAY);
    let newer = fake.seed_key("production", "ingest", &KeyType::Ingest, &Permissions::none(), DAY);
    // Made by a person: no marker, so not a rotation's old key.
    let persons = fake.seed_key("production", "ingest (retiring)", &KeyType::Ingest, &Permissions::none(), DAY);
    let (exported, left_out) = keys.export(Some("production")).await.unwrap();
    let [(key, why)] = left_out.as_slice() else { panic!("{left_out:?}") };
    assert_eq!(key.id.to_string(), older.id);
    assert!(why.contains(&format!("the newer {} has its name: a plan of this set retires it", newer.id)), "{why}");
    assert!(exported.keys().iter().any(|k| k.name == "ingest (retiring)"), "a person's key is exported like any");
    let plan = keys.plan(&exported, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.changes.iter().map(|c| c.action).collect::<Vec<_>>(), [Action::Retire], "{}", plan.summary());
    assert_eq!(plan.changes[0].key_id.as_ref().map(ToString::to_string), Some(older.id.clone()));
    assert!(plan.changes[0].details[0].contains("a second key named so"), "{:?}", plan.changes[0].details);
    assert!(plan.unmanaged.is_empty());
    let report = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    // The older one begins its retirement: renamed, still enabled for the overlap.
    let older_now = fake.key(&older.id).unwrap();
    assert!(older_now.name.starts_with("[hny-keys retiring ") && !older_now.disabled, "{older_now:?}");
    assert!(fake.key(&newer.id).is_some() && fake.key(&persons.id).is_some());
    let again = keys.plan(&exported, PlanOptions::new()).await.unwrap();
    assert!(again.is_empty() && again.scheduled.len() == 1, "{}", again.summary());
    // Without "ingest (retiring)" in the set, the person's key is unmanaged, never retired.
    let only = KeySet::new().key(DeclaredKey::ingest("ingest", "Production"));
    let plan = keys.plan(&only, PlanOptions::new()).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.summary());
    assert_eq!(plan.unmanaged.iter().map(|k| k.id.to_string()).collect::<Vec<_>>(), std::slice::from_ref(&persons.id));
}

#[tokio::test]
async fn a_plan_is_applied_once() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let plan = keys.plan(&set(), PlanOptions::new()).await.unwrap();
    let again = plan.clone();
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    fake.clear_requests();
    let err = keys.apply(&again, &Vault::default(), ApplyOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains("this plan was applied already"), "{err}");
    assert!(fake.requests().is_empty());
    assert_eq!(fake.keys().len(), 3, "no duplicate");
}

/// A configuration key "CI" 40 days old, a key set that rotates it after 30, its plan.
async fn rotation_due() -> (Arc<MockHoneycomb>, honeycomb_api_keys::mock::MockKey, KeySet, honeycomb_api_keys::Plan) {
    let fake = Arc::new(MockHoneycomb::start().await);
    let old = fake.seed_key("production", "CI", &KeyType::Configuration, &Permissions::read_only_querying(), 40 * DAY);
    let one = KeySet::new()
        .key(DeclaredKey::configuration("CI", "Production", Permissions::read_only_querying()).rotate_after_days(30));
    let plan = fake.client().api_keys().plan(&one, PlanOptions::new()).await.unwrap();
    (fake, old, one, plan)
}

#[tokio::test]
async fn a_rotation_stopped_after_its_create_reports_the_key_it_made() {
    let (fake, old, one, _) = rotation_due().await;
    let keys = fake.client().api_keys();
    // A leaked secret: the old key is to be disabled at once. The rename and the create go
    // through; the disable is held back.
    let plan = keys.plan(&one, PlanOptions::new().retire_now(true)).await.unwrap();
    assert_eq!(writes(&plan).len(), 3);
    let interrupt = Arc::new(Interrupt {
        fake: fake.clone(),
        writes: writes(&plan),
        at: 2,
        fault: None,
        seen: Mutex::new(0),
        fault_on: None,
    });
    let vault = Vault::default();
    let report = keys.apply(&plan, &vault, ApplyOptions::new().gate(interrupt)).await.unwrap();
    let StepOutcome::Failed { error, new_key: Some(new) } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(matches!(error, honeycomb_api_keys::Error::Cancelled { .. }), "{error}");
    assert_eq!(vault.ids(), [new.to_string()]);
    let retiring = fake.key(&old.id).unwrap();
    assert!(retiring.name.starts_with("[hny-keys retiring ") && !retiring.disabled, "{retiring:?}");
    assert_eq!(fake.key(new.as_str()).unwrap().name, "CI", "the successor took the name");
    // Without --retire-now again, the old key waits for its overlap: scheduled, no change.
    let rest = keys.plan(&one, PlanOptions::new()).await.unwrap();
    assert!(rest.is_empty(), "{}", rest.summary());
    let [scheduled] = rest.scheduled.as_slice() else { panic!("{:?}", rest.scheduled) };
    assert_eq!(scheduled.action, Action::Disable);
    assert_eq!(scheduled.key_id.as_ref().map(ToString::to_string), Some(old.id.clone()));
    assert!(scheduled.to_string().contains("disable in 24 h"), "{scheduled}");
}

#[tokio::test]
async fn a_disabled_ingest_key_gets_its_create_datasets_by_a_replacement() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "spare", &KeyType::Ingest, &Permissions::none(), DAY);
    let one = KeySet::new().key(DeclaredKey::ingest("spare", "Production").create_datasets(true).disabled(true));
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.count(Action::Rotate), 1, "{}", plan.summary());
    keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap();
    assert!(fake.key(&old.id).unwrap().name.starts_with("[hny-keys retiring "), "kept for the overlap");
    let new = fake.keys().into_iter().find(|k| k.name == "spare").unwrap();
    assert!(new.disabled && new.permissions.get("create_datasets") == Some(&true));
    assert!(keys.plan(&one, PlanOptions::new()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_echoing_a_new_secret_in_an_error_does_not_get_it_into_the_report() {
    // The sink refuses; the fake then answers the clean-up delete with the new secret in
    // its error detail.
    let fake = Arc::new(MockHoneycomb::start().await);
    let echo = fake.clone();
    let seen = Arc::new(Mutex::new(String::new()));
    let seen_by_sink = seen.clone();
    let sink = move |d: &Delivery<'_>| {
        let secret = d.secret().expose_secret().to_string();
        let body = serde_json::json!({"errors": [{"status": "500", "code": "oops", "title": "failed", "detail": format!("could not delete {secret}")}]});
        echo.fail_next(
            Operation::DeleteApiKey,
            1,
            Fault::status(500).body(body.to_string(), "application/vnd.api+json"),
        );
        *seen_by_sink.lock().unwrap() = secret;
        Err("the vault is sealed".to_string())
    };
    let keys = no_retry(&fake).api_keys();
    let one = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let plan = keys.plan(&one, PlanOptions::new()).await.unwrap();
    let report = keys.apply(&plan, &sink, ApplyOptions::new()).await.unwrap();
    let secret = seen.lock().unwrap().clone();
    assert!(!secret.is_empty());
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(
        error.to_string().contains("could not be deleted again") && error.to_string().contains("by hand"),
        "{error}"
    );
    assert!(!report.resumable, "a key nobody has the secret of is left: not finished by applying again");
    let shown = format!("{report:?} {} {error}", serde_json::to_string(&report).unwrap());
    assert!(shown.contains("could not delete"), "the server's text is kept, redacted: {shown}");
    let key = fake.keys().remove(0);
    for part in [secret.as_str(), key.secret.as_str()] {
        assert!(!shown.contains(part), "the secret leaked: {shown}");
    }
}

#[tokio::test]
async fn export_writes_a_file_that_plans_empty_when_names_collide_or_environments_are_ambiguous() {
    // "Production" is one environment's name and the other's slug.
    let fake =
        MockHoneycomb::builder().environments([("Production", "prod"), ("Old production", "Production")]).start().await;
    let keys = fake.client().api_keys();
    fake.seed_key("prod", "CI boards", &KeyType::Configuration, &Permissions::board_management(), DAY);
    fake.seed_key("prod", "ci-boards", &KeyType::Configuration, &Permissions::board_management(), DAY);
    // Its default secret name is what numbering the two above would give first.
    fake.seed_key("prod", "CI boards 1", &KeyType::Ingest, &Permissions::none(), DAY);
    // The old key of a rotation stopped before its successor was made (a sink that failed):
    // returned apart, with what a plan does with it.
    let old = fake.seed_key(
        "prod",
        &marked("retiring 20261206T1658Z", "loader"),
        &KeyType::Ingest,
        &Permissions::none(),
        DAY,
    );
    let (set, left_out) = keys.export(None).await.unwrap();
    assert_eq!(left_out.iter().map(|(k, _)| k.id.to_string()).collect::<Vec<_>>(), [old.id.to_string()]);
    assert!(left_out[0].1.contains("a key on its way out"), "{:?}", left_out[0].1);
    assert!(set.keys().iter().all(|k| k.environment == "prod"), "by the slug, which names it alone: {set:?}");
    let names: Vec<String> = set.keys().iter().map(DeclaredKey::effective_secret_name).collect();
    assert_eq!(names, ["HONEYCOMB_PROD_CI_BOARDS_2", "HONEYCOMB_PROD_CI_BOARDS_1", "HONEYCOMB_PROD_CI_BOARDS_3"]);
    let text = set.to_toml();
    let again = KeySet::from_toml(&text, "exported.toml").unwrap();
    assert!(keys.plan(&again, PlanOptions::new()).await.unwrap().is_empty(), "{text}");
}

#[tokio::test]
async fn a_rotation_stopped_after_its_rename_says_so_and_the_next_plan_finishes_it() {
    let (fake, old, one, plan) = rotation_due().await;
    let keys = fake.client().api_keys();
    let interrupt = Arc::new(Interrupt {
        fake: fake.clone(),
        writes: writes(&plan),
        at: 1,
        fault: None,
        seen: Mutex::new(0),
        fault_on: None,
    });
    let report = keys.apply(&plan, &Vault::default(), ApplyOptions::new().gate(interrupt)).await.unwrap();
    let StepOutcome::Failed { error, new_key: None } = &report.steps[0].outcome else { panic!("{report:?}") };
    let renamed = format!("stopped after renaming {} \"[hny-keys retiring ", old.id);
    assert!(
        error.to_string().contains(&renamed) && error.to_string().contains("] CI\", before its successor"),
        "{error}"
    );
    assert!(report.resumable);
    // The successor is made; the old key waits for it (its overlap counts from then).
    let rest = keys.plan(&one, PlanOptions::new()).await.unwrap();
    assert_eq!(rest.changes.iter().map(|c| c.action).collect::<Vec<_>>(), [Action::Create]);
    assert!(rest.scheduled[0].to_string().contains("disable once its successor exists"), "{:?}", rest.scheduled);
}

/// The name keys as code gives a key it works on (`retiring`, or `pending RUN`), computed
/// here on its own: the form is a contract between versions and machines.
pub(crate) fn marked(kind: &str, name: &str) -> String {
    let tag = name.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    let head = format!("[hny-keys {} {tag:08x}", kind.split(' ').next().unwrap_or(kind));
    let head = match kind.split_once(' ') {
        Some((_, run)) => format!("{head} {run}] "),
        None => format!("{head}] "),
    };
    let room = 100 - head.chars().count();
    head + &name.chars().take(room).collect::<String>()
}
