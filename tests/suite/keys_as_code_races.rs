//! Keys as code where runs meet: a plan made stale by another run, a run's cleanup next to
//! another run's keys, an exported estate that must plan, and the state clashes that are
//! not usage errors.
#![cfg(all(feature = "mock", feature = "toml"))]

use std::sync::Arc;

use honeycomb_api_keys::{
    Action, ApiKeyUpdate, ApplyOptions, AuditOptions, AuditReason, Clock, DeclaredKey, KeySet, KeyType, Operation,
    Permissions, PlanOptions, RetirementStage, StepOutcome, WriteGate,
    mock::{Fault, MockHoneycomb},
};

use super::keys_as_code::{DAY, Vault, marked, no_retry};

#[tokio::test]
async fn a_plan_the_keys_moved_away_from_is_refused_before_any_write() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    // Another run makes the key (and delivers its secret) before this one applies.
    let other = fake.seed_key("production", "checkout", &KeyType::Ingest, &Permissions::none(), DAY);
    fake.clear_requests();
    let err = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "the plan is stale: {} \"checkout\" was made since it was made (another apply, or a person); plan again (nothing was written)",
            other.id
        )
    );
    assert!(fake.requests().iter().all(|r| r.method == "GET"), "only reads: {:?}", fake.requests());
    assert_eq!(fake.keys().len(), 1);
    // A change to a key is staleness too.
    let plan =
        keys.plan(&set.clone().key(DeclaredKey::ingest("search", "Production")), PlanOptions::new()).await.unwrap();
    keys.update(&honeycomb_api_keys::KeyId::parse(&other.id).unwrap(), ApiKeyUpdate::new().disable()).await.unwrap();
    let err = keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap_err();
    assert!(err.to_string().contains(&format!("{} \"checkout\" was changed since", other.id)), "{err}");
}

/// Another run's keys appear between this run's check of its plan and its create.
struct OtherRun(Arc<MockHoneycomb>);

impl WriteGate for OtherRun {
    fn before_create(&self, _name: &str) -> bool {
        // Run B made "api" (its secret delivered, then named) and is making another one.
        self.0.seed_key("production", "api", &KeyType::Ingest, &Permissions::none(), DAY);
        self.0.seed_key("production", &marked("pending 0badbeef", "api"), &KeyType::Ingest, &Permissions::none(), DAY);
        true
    }
}

#[tokio::test]
async fn a_failed_create_cleans_up_only_what_its_own_run_made() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let keys = no_retry(&fake).api_keys();
    let set = KeySet::new().key(DeclaredKey::ingest("api", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    // Run A's create is processed, but answered 500.
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(500).after_processing());
    let report =
        keys.apply(&plan, &Vault::default(), ApplyOptions::new().gate(Arc::new(OtherRun(fake.clone())))).await.unwrap();
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(error.to_string().contains("whose secret was lost: deleted again"), "{error}");
    let left: Vec<String> = fake.keys().into_iter().map(|k| k.name).collect();
    assert_eq!(left.len(), 2, "run B's two keys are kept, run A's is gone: {left:?}");
    assert!(left.contains(&"api".to_string()) && left.contains(&marked("pending 0badbeef", "api")), "{left:?}");
}

#[tokio::test]
async fn every_estate_export_writes_plans_and_what_it_leaves_out_is_named() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let long = |last: char| format!("{}{last}", "n".repeat(99));
    let ingest = |name: &str| fake.seed_key("production", name, &KeyType::Ingest, &Permissions::none(), DAY);
    // Both accepted by a create: 100 characters sharing their first 99.
    let (a, b) = (ingest(&long('a')), ingest(&long('b')));
    // What a key set cannot declare, held by the server all the same.
    let odd: Vec<_> = ["tab\there", "zero\u{200b}width", "   ", &"x".repeat(101), "[hny-keys retiring] typed by hand"]
        .into_iter()
        .map(ingest)
        .collect();
    fake.seed_key("production", "no permissions", &KeyType::Configuration, &Permissions::none(), DAY);
    let (set, left_out) = keys.export(None).await.unwrap();
    let out: Vec<&str> = left_out.iter().map(|(k, _)| k.id.as_str()).collect();
    assert_eq!(out.len(), odd.len(), "{left_out:?}");
    for key in &odd {
        assert!(out.contains(&key.id.as_str()), "{} left out: {left_out:?}", key.name);
    }
    assert!(left_out.iter().all(|(_, why)| why.contains("a key set cannot declare its name")), "{left_out:?}");
    let text = set.to_toml();
    assert!(text.contains("permissions = []"), "a configuration key's none is written out: {text}");
    let again = KeySet::from_toml(&text, "exported.toml").unwrap();
    let plan = keys.plan(&again, PlanOptions::new()).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.summary());
    for key in [a, b] {
        assert!(again.keys().iter().any(|k| k.name == key.name), "{} round-trips", key.name);
    }
}

#[tokio::test]
async fn a_declared_type_another_key_of_the_name_has_is_a_conflict_not_a_usage_error() {
    let fake = MockHoneycomb::start().await;
    fake.seed_key("production", "ci", &KeyType::Configuration, &Permissions::none(), DAY);
    let set =
        KeySet::from_toml("[[key]]\nname = \"ci\"\n\ntype = \"ingest\"\nenvironment = \"Production\"\n", "k.toml")
            .unwrap();
    let err = fake.client().api_keys().plan(&set, PlanOptions::new()).await.unwrap_err();
    assert!(err.is_conflict() && !err.is_invalid_argument(), "{err:?}");
    assert!(err.to_string().starts_with("k.toml: key 1 \"ci\" (line 4): `type` is ingest but"), "{err}");
}

#[tokio::test]
async fn a_pending_key_is_another_runs_create_in_flight_until_the_grace_is_over() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let made = fake.seed_key(
        "production",
        &marked("pending 12345678", "api"),
        &KeyType::Ingest,
        &Permissions::none(),
        std::time::Duration::from_secs(60),
    );
    let set = KeySet::new().key(DeclaredKey::ingest("api", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(plan.changes.iter().map(|c| c.action).collect::<Vec<_>>(), [Action::Create]);
    assert_eq!(plan.pending.iter().map(|k| k.id.to_string()).collect::<Vec<_>>(), std::slice::from_ref(&made.id));
    assert!(plan.summary().ends_with(", 1 being made by another apply"), "{}", plan.summary());
    let later = chrono::Utc::now() + chrono::Duration::minutes(10);
    let plan = keys.plan(&set, PlanOptions::new().as_of(later)).await.unwrap();
    assert_eq!(plan.changes.iter().map(|c| c.action).collect::<Vec<_>>(), [Action::Create, Action::Remove]);
    assert!(plan.changes[1].details[0].contains("its secret was never delivered, so it never took the name"));
}

#[tokio::test]
async fn a_rotation_retires_the_old_key_in_stages_each_due_in_a_later_plan() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "ci", &KeyType::Ingest, &Permissions::none(), 20 * DAY);
    let set = KeySet::from_toml(
        "overlap_hours = 24\ndisabled_hours = 48\n\n[[key]]\nname = \"ci\"\ntype = \"ingest\"\nenvironment = \"Production\"\nrotate_after_days = 30\n",
        "keys.toml",
    )
    .unwrap();
    // One clock: the fake's, which its client shares; no `as_of` anywhere.
    let hours = |n: u64| std::time::Duration::from_secs(n * 3600);
    let count = |plan: &honeycomb_api_keys::Plan| {
        [Action::Create, Action::Rotate, Action::Disable, Action::Remove].map(|a| plan.count(a))
    };
    let audit = || async { keys.audit(AuditOptions::new().key_set(&set)).await.unwrap() };
    assert!(keys.plan(&set, PlanOptions::new()).await.unwrap().is_empty(), "20 days old: nothing due");
    fake.advance_clock(hours(11 * 24)); // 31 days old now

    // The rotation: the successor made and delivered; the old key kept, still enabled.
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(count(&plan), [0, 1, 0, 0], "{}", plan.summary());
    let now = fake.clock().utc_now();
    assert!(plan.as_of <= now && now - plan.as_of < chrono::Duration::seconds(5), "the plan's now is the fake's");
    fake.clear_requests();
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 1);
    assert_eq!(fake.count(Operation::DeleteApiKey), 0);
    let kept = fake.key(&old.id).unwrap();
    assert!(!kept.disabled && kept.name.starts_with("[hny-keys retiring "), "{kept:?}");
    let successor = fake.keys().into_iter().find(|k| k.name == "ci").unwrap();
    assert!(successor.created >= plan.as_of, "new keys are dated by the same clock");
    // Services still on the old secret keep working.
    let old_secret = honeycomb_api_keys::SecretString::from(format!("{}{}", old.id, old.secret));
    assert_eq!(keys.client().verify_key(&old_secret).await.unwrap().id, old.id);
    // The audit says where it stands and when its next step falls due.
    let report = audit().await;
    assert_eq!(report.retiring, 1, "{report}");
    let finding = report.findings.iter().find(|f| f.id.as_str() == old.id).unwrap();
    let Some(AuditReason::Retiring { stage: RetirementStage::Retiring, due_at: Some(due), .. }) =
        finding.reasons.last()
    else {
        panic!("{finding:?}")
    };
    let overlap_end = successor.created + chrono::Duration::hours(24);
    assert!((*due - overlap_end).abs() < chrono::Duration::seconds(1), "the overlap counts from the successor: {due}");

    // Before the overlap ends: nothing due, one step scheduled (JSON: its due_at).
    fake.advance_clock(hours(23));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert!(plan.is_empty(), "{}", plan.summary());
    assert_eq!(plan.scheduled.len(), 1);
    assert!(plan.summary().ends_with(", 1 scheduled"), "{}", plan.summary());
    let json = serde_json::to_value(&plan).unwrap();
    assert!(json["scheduled"][0]["due_at"].is_string(), "{json}");
    assert_eq!(plan.scheduled[0].due_at, Some(*due), "plan and audit agree");
    let line = plan.scheduled[0].to_string();
    assert!(line.contains(": disable in 59 min") || line.contains(": disable in 60 min"), "{line}");

    // After it: one update disabling, no delete.
    fake.advance_clock(hours(2));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(count(&plan), [0, 0, 1, 0], "{}", plan.summary());
    fake.clear_requests();
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    assert_eq!((fake.count(Operation::UpdateApiKey), fake.count(Operation::DeleteApiKey)), (1, 0));
    let disabled = fake.key(&old.id).unwrap();
    assert!(disabled.disabled && disabled.name.starts_with("[hny-keys disabled "), "{disabled:?}");
    assert!(keys.client().verify_key(&old_secret).await.unwrap_err().is_auth(), "disabled: refused");
    let report = audit().await;
    let finding = report.findings.iter().find(|f| f.id.as_str() == old.id).unwrap();
    assert!(
        matches!(finding.reasons.last(), Some(AuditReason::Retiring { stage: RetirementStage::Disabled, due_at: Some(due), since })
            if *due == *since + chrono::Duration::hours(48)),
        "{finding:?}"
    );

    // Disabled for less than its time: nothing due; after it: one delete.
    fake.advance_clock(hours(47));
    assert!(keys.plan(&set, PlanOptions::new()).await.unwrap().is_empty());
    fake.advance_clock(hours(2));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(count(&plan), [0, 0, 0, 1], "{}", plan.summary());
    fake.clear_requests();
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    assert_eq!(fake.count(Operation::DeleteApiKey), 1);
    assert!(fake.key(&old.id).is_none());
    let done = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert!(done.is_empty() && done.scheduled.is_empty(), "{}", done.summary());
    assert_eq!(audit().await.retiring, 0);
}

#[tokio::test]
async fn the_audit_finds_the_successor_of_a_long_names_retiring_key_and_of_no_other() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    // Two names that share the part a retiring name keeps: each key's successor is its own.
    let (long, twin) = (format!("{}a", "x".repeat(99)), format!("{}b", "x".repeat(99)));
    let set = KeySet::new()
        .overlap_hours(6)
        .key(DeclaredKey::ingest(long.clone(), "Production"))
        .key(DeclaredKey::ingest(twin.clone(), "Production").overlap_hours(12));
    let sink = |_: &honeycomb_api_keys::Delivery<'_>| Ok(());
    keys.apply(&keys.plan(&set, PlanOptions::new()).await.unwrap(), &sink, ApplyOptions::new()).await.unwrap();
    // Rotated an hour apart: taking one's successor for the other's would be an hour off.
    let mut old = Vec::new();
    for name in [&long, &twin] {
        let plan = keys.plan(&set, PlanOptions::new().replace(name.clone())).await.unwrap();
        assert!(keys.apply(&plan, &sink, ApplyOptions::new()).await.unwrap().is_complete());
        old.push(plan.changes[0].key_id.clone().unwrap());
        fake.advance_clock(std::time::Duration::from_secs(3600));
    }
    let report = keys.audit(AuditOptions::new().key_set(&set)).await.unwrap();
    assert_eq!(report.retiring, 2, "{report}");
    for ((name, hours), old) in [(&long, 6), (&twin, 12)].into_iter().zip(&old) {
        let successor = fake.keys().into_iter().find(|k| &k.name == name).unwrap();
        let finding = report.findings.iter().find(|f| &f.id == old).unwrap();
        let Some(AuditReason::Retiring { due_at: Some(due), .. }) = finding.reasons.last() else {
            panic!("{finding:?}")
        };
        let end = successor.created + chrono::Duration::hours(hours);
        assert!((*due - end).abs() < chrono::Duration::seconds(1), "{name}: {due} vs {end}");
    }
}

#[tokio::test]
async fn a_stage_begins_when_it_is_written_not_when_its_plan_was_made() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "ci", &KeyType::Ingest, &Permissions::none(), 40 * DAY);
    let set = KeySet::new().key(DeclaredKey::ingest("ci", "Production").rotate_after_days(30));
    let rotation = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert!(keys.apply(&rotation, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    fake.advance_clock(std::time::Duration::from_secs(25 * 3600));
    let disable = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert_eq!(disable.count(Action::Disable), 1, "{}", disable.summary());
    // Applied two days after it was made (it still holds: nothing changed meanwhile).
    fake.advance_clock(std::time::Duration::from_secs(47 * 3600));
    assert!(keys.apply(&disable, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    assert!(fake.key(&old.id).unwrap().disabled);
    // Its 48 hours disabled count from the disable's write, not from the plan.
    let next = keys.plan(&set, PlanOptions::new()).await.unwrap();
    assert!(next.is_empty(), "{}", next.summary());
    let due = next.scheduled[0].due_at.unwrap();
    assert!(due > fake.clock().utc_now() + chrono::Duration::hours(47), "{due}");
}

#[tokio::test]
async fn a_replace_rotates_a_young_key_and_retire_now_disables_the_old_one_at_once() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let old = fake.seed_key("production", "leaked", &KeyType::Ingest, &Permissions::none(), DAY);
    let set = KeySet::new().key(DeclaredKey::ingest("leaked", "Production").disabled_hours(0));
    assert!(keys.plan(&set, PlanOptions::new()).await.unwrap().is_empty(), "young: nothing to do");
    let err = keys.plan(&set, PlanOptions::new().replace("nope")).await.unwrap_err();
    assert!(err.to_string().contains("\"nope\" is no declared key's name"), "{err}");
    // Without --retire-now: rotated now, the old key enabled for the overlap.
    let plan = keys.plan(&set, PlanOptions::new().replace("leaked")).await.unwrap();
    assert_eq!(plan.count(Action::Rotate), 1);
    assert!(plan.changes[0].details[0].contains("replaced on request"));
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    assert!(!fake.key(&old.id).unwrap().disabled);
    // With it: the successor's predecessor is disabled as soon as the secret is delivered,
    // and deleted by a plan after its time disabled (0 h here).
    let current = fake.keys().into_iter().find(|k| k.name == "leaked").unwrap();
    let plan = keys.plan(&set, PlanOptions::new().replace("leaked").retire_now(true)).await.unwrap();
    assert!(keys.apply(&plan, &Vault::default(), ApplyOptions::new()).await.unwrap().is_complete());
    let now_disabled = fake.key(&current.id).unwrap();
    assert!(now_disabled.disabled && now_disabled.name.starts_with("[hny-keys disabled "), "{now_disabled:?}");
    let after = keys.plan(&set, PlanOptions::new().as_of(chrono::Utc::now() + chrono::Duration::minutes(2))).await;
    let after = after.unwrap();
    assert!(
        after
            .changes
            .iter()
            .any(|c| c.action == Action::Remove && c.key_id.as_ref().map(|k| k.as_str()) == Some(current.id.as_str())),
        "{}",
        after.summary()
    );
}

#[tokio::test]
async fn a_new_key_is_verified_before_its_secret_is_delivered_waiting_for_honeycomb_to_accept_it() {
    let fake = Arc::new(MockHoneycomb::start().await);
    // Honeycomb takes 5 s to accept a new key.
    fake.verify_after(std::time::Duration::from_secs(5));
    let keys = fake.client().api_keys();
    let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let vault = Vault::default();
    let report = keys.apply(&plan, &vault, ApplyOptions::new()).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    let tries = fake.count(Operation::VerifyKey);
    assert!(tries >= 2, "refused, then asked again: {tries}");
    assert_eq!(vault.ids().len(), 1, "delivered once it authenticated");
}

#[tokio::test]
async fn a_key_that_never_verifies_is_not_delivered_and_the_old_key_keeps_working() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let old = fake.seed_key("production", "ci", &KeyType::Ingest, &Permissions::none(), 40 * DAY);
    fake.verify_after(std::time::Duration::from_secs(86_400));
    let keys = fake.client().api_keys();
    let set = KeySet::new().key(DeclaredKey::ingest("ci", "Production").rotate_after_days(30));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let vault = Vault::default();
    let report = keys.apply(&plan, &vault, ApplyOptions::new()).await.unwrap();
    let StepOutcome::Failed { error, new_key: None } = &report.steps[0].outcome else { panic!("{report:?}") };
    let text = error.to_string();
    assert!(
        text.contains("Honeycomb did not accept its secret within 60 s") && text.contains("was deleted again"),
        "{text}"
    );
    assert!(vault.ids().is_empty(), "nothing delivered");
    let left = fake.keys();
    assert_eq!(left.len(), 1, "the new key deleted again: {left:?}");
    let kept = fake.key(&old.id).unwrap();
    assert!(!kept.disabled, "the old key still works: {kept:?}");
    assert!(report.resumable);
}
