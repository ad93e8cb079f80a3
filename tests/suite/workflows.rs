//! Rotate, provision and audit on the fake, including failures between their steps: each
//! test asserts the state returned and the requests the fake saw.
#![cfg(feature = "mock")]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use honeycomb_api_keys::{
    AuditOptions, AuditReason, Clock, Error, ExposeSecret, KeyType, ManualClock, NewApiKey, OldKeyAction,
    OldKeyOutcome, Operation, Permission, Permissions, Progress, ProvisionOptions, ProvisionOutcome, RotateOptions,
    mock::{Fault, MockHoneycomb},
};
use serde_json::json;

const DAY: Duration = Duration::from_secs(86_400);

async fn fake_with_key(permissions: Permissions) -> (MockHoneycomb, String, String) {
    let fake = MockHoneycomb::start().await;
    let env = fake.environment_id("production").unwrap();
    let old = fake.client().api_keys().create(NewApiKey::configuration("ci", &env, permissions)).await.unwrap();
    fake.clear_requests();
    (fake, env, old.id().to_string())
}

// ---- rotate ------------------------------------------------------------------------

#[tokio::test]
async fn rotate_makes_a_twin_then_disables_the_old_key() {
    let perms = Permissions::builder().run_queries().manage_boards().manage_signals().build();
    let (fake, env, old_id) = fake_with_key(perms.clone()).await;
    let stages = Arc::new(Mutex::new(Vec::new()));
    let seen = stages.clone();
    let options = RotateOptions::new().progress(move |p| seen.lock().unwrap().push(p.stage.clone()));

    let rotation = fake.client().api_keys().rotate(&old_id, options).await.unwrap();

    assert!(rotation.is_complete());
    let new = rotation.new_key.key();
    assert_eq!(new.key_type, KeyType::Configuration);
    assert_eq!(new.environment_id.as_ref().unwrap().as_str(), env);
    assert_eq!(new.permissions, perms);
    assert_eq!(new.name, format!("ci (rotated {})", Utc::now().format("%Y-%m-%d")));
    let stored = fake.key(new.id.as_str()).unwrap();
    assert_eq!(
        rotation.new_key.secret().expect("created by this rotation").expose_secret(),
        stored.secret,
        "the new secret is handed over"
    );
    assert!(matches!(&rotation.old_key_outcome, OldKeyOutcome::Disabled(k) if k.disabled));
    assert!(fake.key(&old_id).unwrap().disabled);
    assert_eq!(
        [Operation::GetApiKey, Operation::CreateApiKey, Operation::UpdateApiKey].map(|op| fake.count(op)),
        [1, 1, 1]
    );
    assert_eq!(stages.lock().unwrap().last().map(String::as_str), Some("done"));
    assert!(stages.lock().unwrap().iter().any(|s| s == "verifying the replacement at /1/auth"));
    let shown = rotation.to_string();
    assert!(shown.contains("disabled") && !shown.contains(&stored.secret), "{shown}");
}

#[tokio::test]
async fn rotate_verifies_the_new_key_before_it_is_handed_over_waiting_for_honeycomb_to_accept_it() {
    let (fake, _, old_id) = fake_with_key(Permission::RunQueries.into()).await;
    fake.verify_after(Duration::from_secs(5)); // Honeycomb takes 5 s to accept a new key
    let fake = Arc::new(fake);
    // How many times the key was verified when its secret was handed over.
    let (watched, verified) = (fake.clone(), Arc::new(Mutex::new(None)));
    let seen = verified.clone();
    let options = RotateOptions::new().on_created(move |_| {
        *seen.lock().unwrap() = Some(watched.count(Operation::VerifyKey));
        Ok(())
    });
    let rotation = fake.client().api_keys().rotate(&old_id, options).await.unwrap();
    assert!(rotation.is_complete(), "{rotation}");
    let tries = verified.lock().unwrap().expect("handed over");
    assert!(tries >= 2, "refused, asked again, accepted, then handed over: {tries}");
    assert!(fake.key(&old_id).unwrap().disabled, "then the old key retired");
}

#[tokio::test]
async fn a_rotation_whose_new_key_never_verifies_deletes_it_and_leaves_the_old_key_untouched() {
    let (fake, _, old_id) = fake_with_key(Permission::RunQueries.into()).await;
    fake.verify_after(DAY);
    let handed = Arc::new(Mutex::new(0));
    let seen = handed.clone();
    let options = RotateOptions::new().on_created(move |_| {
        *seen.lock().unwrap() += 1;
        Ok(())
    });
    let err = fake.client().api_keys().rotate(&old_id, options).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::StepFailed { resumable: true, .. }), "{err:?}");
    assert!(
        text.contains("Honeycomb did not accept its secret within 60 s") && text.contains("was deleted again"),
        "{text}"
    );
    assert_eq!(*handed.lock().unwrap(), 0, "never handed over");
    let left = fake.keys();
    assert_eq!(left.len(), 1, "the new key deleted again: {left:?}");
    let old = fake.key(&old_id).unwrap();
    assert!(!old.disabled && old.name == "ci", "the old key untouched: {old:?}");
    assert_eq!(fake.count(Operation::UpdateApiKey), 0);
}

#[tokio::test]
async fn rotate_can_delete_the_old_key_after_a_grace_period() {
    let (fake, _, old_id) = fake_with_key(Permissions::read_only_querying()).await;
    let clock = ManualClock::new();
    let client = fake.client_builder().clock(clock.clone()).build().unwrap();
    let rotation = client
        .api_keys()
        .rotate(&old_id, RotateOptions::new().old_key(OldKeyAction::Delete).grace_period(Duration::from_secs(300)))
        .await
        .unwrap();
    assert!(matches!(rotation.old_key_outcome, OldKeyOutcome::Deleted));
    assert!(fake.key(&old_id).is_none());
    assert_eq!(clock.sleeps(), [Duration::from_secs(300)]);
}

#[tokio::test]
async fn when_retiring_fails_the_new_key_and_its_secret_are_still_returned() {
    let (fake, _, old_id) = fake_with_key(Permissions::read_only_querying()).await;
    fake.fail_next(Operation::UpdateApiKey, 3, Fault::status(500));
    let rotation = fake.client().api_keys().rotate(&old_id, RotateOptions::new()).await.unwrap();
    assert!(!rotation.is_complete());
    match &rotation.old_key_outcome {
        OldKeyOutcome::StillEnabled { error: Some(e), reason } => {
            assert_eq!(e.status().unwrap().as_u16(), 500);
            assert!(reason.contains("could not disable"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!fake.key(&old_id).unwrap().disabled, "the old key is still enabled, as reported");
    let stored = fake.key(rotation.new_key.id().as_str()).unwrap();
    assert_eq!(rotation.new_key.secret().expect("created by this rotation").expose_secret(), stored.secret);
    assert_eq!(fake.count(Operation::CreateApiKey), 1);
    assert_eq!(fake.count(Operation::UpdateApiKey), 3, "a PATCH is retried; the create never is");
    assert!(rotation.to_string().contains("STILL ENABLED"));
}

#[tokio::test]
async fn an_unknown_create_outcome_never_makes_a_second_replacement() {
    let (fake, _, old_id) = fake_with_key(Permissions::read_only_querying()).await;
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(502).after_processing());
    let err = fake.client().api_keys().rotate(&old_id, RotateOptions::new()).await.unwrap_err();
    assert!(matches!(err, Error::OutcomeUnknown { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("ci (rotated"), "the advice names the key to look for: {message}");
    assert_eq!(fake.count(Operation::CreateApiKey), 1, "exactly one POST");
    assert_eq!(fake.count(Operation::UpdateApiKey), 0, "the old key is not touched");
    assert_eq!(fake.keys().len(), 2, "the old key and the one replacement the lost answer made");
    assert!(!fake.key(&old_id).unwrap().disabled);
}

#[tokio::test]
async fn an_old_key_deleted_meanwhile_is_reported_as_gone() {
    let (fake, _, old_id) = fake_with_key(Permissions::read_only_querying()).await;
    let client = fake.client();
    let deleter = client.clone();
    let doomed = old_id.clone();
    let options = RotateOptions::new().wait_until(move |_new| {
        let (client, id) = (deleter.clone(), doomed.clone());
        async move { client.api_keys().delete(&id).await.map_err(|e| e.to_string()) }
    });
    let rotation = client.api_keys().rotate(&old_id, options).await.unwrap();
    assert!(matches!(rotation.old_key_outcome, OldKeyOutcome::AlreadyGone));
    assert!(rotation.is_complete());
}

#[tokio::test]
async fn a_failed_readiness_check_leaves_the_old_key_alone() {
    let (fake, _, old_id) = fake_with_key(Permissions::read_only_querying()).await;
    let options = RotateOptions::new().wait_until(|_new| async { Err("the deploy did not roll out".to_string()) });
    let rotation = fake.client().api_keys().rotate(&old_id, options).await.unwrap();
    match &rotation.old_key_outcome {
        OldKeyOutcome::StillEnabled { reason, error: None } => assert!(reason.contains("did not roll out")),
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.count(Operation::UpdateApiKey), 0);
}

#[tokio::test]
async fn an_unreadable_old_key_is_an_error_before_anything_is_created() {
    let fake = MockHoneycomb::start().await;
    let err =
        fake.client().api_keys().rotate("hcxik_01nosuchkey00000000000000", RotateOptions::new()).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(fake.count(Operation::CreateApiKey), 0);
}

// ---- provision ---------------------------------------------------------------------

#[tokio::test]
async fn provisioning_300_services_under_100_a_minute() {
    let fake = Arc::new(MockHoneycomb::start().await);
    let clock = {
        let fake = fake.clone();
        ManualClock::new().on_sleep(move |waited| fake.advance_clock(waited))
    };
    let client = fake.client_builder().clock(clock.clone()).build().unwrap();
    client.resolve_team().await.unwrap();
    fake.rate_limit_all();
    let services: Vec<String> = (0..300).map(|i| format!("service-{i:03}")).collect();
    let started = clock.now();

    let report = client.api_keys().provision("production", &services, ProvisionOptions::new()).await.unwrap();

    let took = clock.now() - started;
    eprintln!("provisioned 300 services in {} s of injected time (theoretical minimum 120 s)", took.as_secs());
    for (service, error) in report.failed() {
        eprintln!("{service}: {error}");
    }
    assert_eq!(report.created().count(), 300, "{report}");
    assert!(report.is_complete());
    assert_eq!(fake.count(Operation::CreateApiKey), 300, "one POST per service");
    let limited = fake.requests().iter().filter(|r| r.status == 429).count();
    assert_eq!(limited, 0, "paced under the limit");
    assert!(took >= Duration::from_secs(120), "300 creates at 100 a minute take two full windows: {took:?}");
    assert!(took <= Duration::from_secs(130), "and not much more: {took:?}");
    assert_eq!(report.entries[0].service, "service-000", "in the order given");
}

#[tokio::test]
async fn provisioning_twice_creates_nothing_the_second_time() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let services = ["checkout", "search", "checkout", " "];
    let options = || ProvisionOptions::new().name_template("{service}-ingest").ingest(true);
    let first = keys.provision("Production", &services, options()).await.unwrap();
    assert_eq!(first.entries.len(), 2, "duplicates and blanks are dropped");
    assert_eq!(first.created().count(), 2);
    let second = keys.provision(&fake.environment_id("production").unwrap(), &services, options()).await.unwrap();
    assert_eq!(second.existing().count(), 2);
    assert_eq!(fake.count(Operation::CreateApiKey), 2);
    assert!(second.to_string().contains("cannot be shown again"), "{second}");
    // Another environment has none of them yet.
    let staging = keys.provision("staging", &services, options()).await.unwrap();
    assert_eq!(staging.created().count(), 2);
}

#[tokio::test]
async fn a_failed_service_does_not_stop_the_others() {
    let fake = MockHoneycomb::start().await;
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(422));
    let services = ["a", "b", "c", "d"];
    let report = fake
        .client()
        .api_keys()
        .provision(
            "production",
            &services,
            ProvisionOptions::new().concurrency(1).configuration(Permissions::read_only_querying()),
        )
        .await
        .unwrap();
    assert_eq!(report.failed().count(), 1);
    assert_eq!(report.created().count(), 3);
    assert!(matches!(report.entries[0].outcome, ProvisionOutcome::Failed(_)));
    assert!(report.created().all(|(_, k)| k.key().key_type == KeyType::Configuration));
}

#[tokio::test]
async fn provisioning_into_an_unknown_environment_is_refused() {
    let fake = MockHoneycomb::start().await;
    let err = fake.client().api_keys().provision("nowhere", &["a"], ProvisionOptions::new()).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    assert_eq!(fake.count(Operation::CreateApiKey), 0);
}

#[tokio::test]
async fn a_name_template_that_gives_two_services_one_name_is_refused_before_any_request() {
    let fake = MockHoneycomb::start().await;
    let options = ProvisionOptions::new().name_template("shared ingest key");
    let err = fake.client().api_keys().provision("production", &["a", "b"], options).await.unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
    assert!(err.to_string().contains("{service}"), "{err}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn provisioning_for_another_team_finds_the_environment_in_that_team() {
    let fake = MockHoneycomb::start().await;
    let client = fake.client_builder().team(fake.team_slug()).build().unwrap();
    let err = client.api_keys().for_team("other-team").provision("production", &["a"], ProvisionOptions::new()).await;
    // The fake serves one team: the other team's environments are a 404, not this team's.
    assert!(err.unwrap_err().is_not_found());
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/2/teams/other-team/environments"]);
}

// ---- audit -------------------------------------------------------------------------

#[tokio::test]
async fn auditing_1000_keys_of_mixed_ages() {
    let fake = MockHoneycomb::start().await;
    let broad = Permissions::builder().run_queries().manage_triggers().build();
    let narrow = Permissions::board_management();
    for i in 0..1000u64 {
        let (key_type, permissions) = match i % 4 {
            0 => (KeyType::Configuration, &broad),
            1 => (KeyType::Configuration, &narrow),
            _ => (KeyType::Ingest, &Permissions::none()),
        };
        fake.seed_key("production", &format!("key {i}"), &key_type, permissions, DAY * (i as u32 % 365));
    }
    let client = fake.client();
    let keys = fake.keys();
    for key in keys.iter().take(10) {
        client.api_keys().update(&key.id, honeycomb_api_keys::ApiKeyUpdate::new().disable()).await.unwrap();
    }

    let report = client.api_keys().audit(AuditOptions::new().older_than_days(90)).await.unwrap();
    println!("{report}");

    assert_eq!(report.total_keys, 1000);
    // A key made exactly 90 days ago (by the fake's clock) is a moment older than that by the time it is audited.
    let expected_old = (0..1000u64).filter(|i| i % 365 >= 90).count();
    assert_eq!(report.old, expected_old);
    assert_eq!(report.disabled, 10);
    assert_eq!(report.broad, 250);
    // The ten disabled keys (the first ten seeded, 0 to 9 days old) were changed; of the
    // others, only the old ones count as never updated.
    assert_eq!(report.never_updated, expected_old);
    assert_eq!(report.unknown_permissions, 0);
    assert!(report.findings.windows(2).all(|w| w[0].created <= w[1].created), "oldest first");
    let oldest = &report.findings[0];
    assert!(matches!(oldest.reasons[0], AuditReason::Old { age_days: 364 }), "{oldest:?}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(keys.iter().all(|k| !json.contains(&k.secret)), "no secret in the report");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["findings"][0]["reasons"][0], json!({"reason": "old", "age_days": 364}));
}

#[tokio::test]
async fn only_a_key_older_than_the_threshold_is_reported_as_never_updated() {
    let fake = MockHoneycomb::start().await;
    let none = Permissions::none();
    let new = fake.seed_key("production", "made yesterday", &KeyType::Ingest, &none, DAY);
    let old = fake.seed_key("production", "forgotten", &KeyType::Ingest, &none, DAY * 100);
    let report = fake.client().api_keys().audit(AuditOptions::new().older_than_days(90)).await.unwrap();
    assert_eq!((report.total_keys, report.never_updated, report.old), (2, 1, 1));
    assert!(report.findings.iter().all(|f| f.id.as_str() != new.id), "a new key is no finding: {report:?}");
    let forgotten = report.findings.iter().find(|f| f.id.as_str() == old.id).expect("the old key is a finding");
    assert!(forgotten.reasons.contains(&AuditReason::NeverUpdated), "{forgotten:?}");
    // With a threshold below its age, yesterday's key is old and never updated too.
    let strict = fake.client().api_keys().audit(AuditOptions::new().older_than(DAY / 2)).await.unwrap();
    assert_eq!((strict.never_updated, strict.findings.len()), (2, 2));
}

/// The progress calls a workflow made, as `(done, total, stage)`.
type ProgressLog = Arc<Mutex<Vec<(usize, Option<usize>, String)>>>;

/// A progress callback and the log it writes.
fn progress_log() -> (ProgressLog, impl Fn(&Progress) + Send + Sync + 'static) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = log.clone();
    (log, move |p: &Progress| seen.lock().unwrap().push((p.done, p.total, p.stage.clone())))
}

#[tokio::test]
async fn workflows_report_their_totals_for_a_progress_bar() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let (provisioned, progress) = progress_log();
    keys.provision("production", &["a", "b", "c"], ProvisionOptions::new().progress(progress)).await.unwrap();
    let provisioned = provisioned.lock().unwrap().clone();
    assert!(!provisioned.is_empty() && provisioned.iter().all(|(_, total, _)| *total == Some(3)), "{provisioned:?}");
    assert_eq!(provisioned.last().map(|(done, _, _)| *done), Some(3));

    fake.seed_keys(250);
    let (audited, progress) = progress_log();
    keys.audit(AuditOptions::new().progress(progress)).await.unwrap();
    let audited = audited.lock().unwrap().clone();
    // While pages are read the total is unknown; the last call carries it.
    assert_eq!(audited.last(), Some(&(253, Some(253), "done".to_string())), "{audited:?}");
    assert!(audited[..audited.len() - 1].iter().all(|(_, total, _)| total.is_none()), "{audited:?}");

    let (rotated, progress) = progress_log();
    let id = fake.keys()[0].id.clone();
    keys.rotate(&id, RotateOptions::new().progress(progress)).await.unwrap();
    let rotated = rotated.lock().unwrap().clone();
    assert!(rotated.iter().all(|(done, total, _)| *total == Some(4) && *done <= 4), "{rotated:?}");
    assert_eq!(rotated.last(), Some(&(4, Some(4), "done".to_string())));
}

#[tokio::test]
async fn granted_unknown_permissions_are_audited() {
    use crate::common::*;
    use wiremock::{Mock, MockServer, matchers::path};
    let server = MockServer::start().await;
    let key = |id: &str, granted: bool| {
        let mut key = config_key(id, "future", &["run_queries"]);
        key["attributes"]["permissions"]["read_minds"] = json!(granted);
        key["attributes"]["timestamps"]["updated"] = json!("2023-01-01T00:00:00Z");
        key
    };
    // A permission Honeycomb adds is listed, `false`, on every key: only a grant counts.
    let keys = vec![key(CONFIG_ID, true), key("hcxlk_01j1824es7n4evcmv81cn392jd", false)];
    Mock::given(path(keys_path())).respond_with(jsonapi(200, page(keys, None))).mount(&server).await;
    let report = client(&server).api_keys().audit(AuditOptions::new()).await.unwrap();
    assert_eq!(report.unknown_permissions, 1);
    let reasons = |id: &str| report.findings.iter().find(|f| f.id.as_str() == id).map(|f| f.reasons.clone());
    let unflagged = reasons("hcxlk_01j1824es7n4evcmv81cn392jd").unwrap_or_default();
    assert!(!unflagged.iter().any(|r| matches!(r, AuditReason::UnknownPermissions { .. })), "{unflagged:?}");
    assert_eq!(
        reasons(CONFIG_ID).unwrap().last(),
        Some(&AuditReason::UnknownPermissions { permissions: vec!["read_minds".into()] })
    );
    assert!(Permission::ALL.iter().all(|p| p.wire_name() != "read_minds"));
}

/// The classic audit case seeded as it is found: created long ago, disabled, never
/// updated since, with its creator and editor (no update through the API, which would
/// move `updated` to now).
#[tokio::test]
async fn an_old_disabled_never_updated_seeded_key_is_audited_as_such() {
    use honeycomb_api_keys::mock::MockKeySeed;
    let fake = MockHoneycomb::start().await;
    let created = Utc::now() - chrono::Duration::days(400);
    let seed = MockKeySeed::configuration("legacy deploys", "production", &Permissions::all())
        .disabled(true)
        .created(created)
        .creator("hcxus_01jalice000000000000000000")
        .editor("hcxus_01jbob00000000000000000000");
    let old = fake.seed(seed);
    let recent = fake.seed(MockKeySeed::ingest("fresh", "staging").disabled(true));
    assert_eq!((old.created, old.updated), (created, created));

    let client = fake.client();
    let read = client.api_keys().get(&old.id).await.unwrap();
    assert!(read.disabled);
    assert_eq!(read.created.timestamp(), created.timestamp());
    assert_eq!(read.updated, read.created);
    assert_eq!(read.creator_id.as_deref(), Some("hcxus_01jalice000000000000000000"));
    assert_eq!(read.editor_id.as_deref(), Some("hcxus_01jbob00000000000000000000"));

    let report = client.api_keys().audit(AuditOptions::new()).await.unwrap();
    let reasons = |id: &str| report.findings.iter().find(|f| f.id.as_str() == id).map(|f| f.reasons.clone());
    let found = reasons(&old.id).expect("the old key is reported");
    assert!(matches!(found[0], AuditReason::Old { age_days } if age_days >= 399), "{found:?}");
    assert!(found.contains(&AuditReason::Disabled), "{found:?}");
    assert!(found.contains(&AuditReason::NeverUpdated), "{found:?}");
    assert!(found.iter().any(|r| matches!(r, AuditReason::BroadPermissions { .. })), "{found:?}");
    assert_eq!(reasons(&recent.id), Some(vec![AuditReason::Disabled]), "a new key is not old nor never-updated");
    assert_eq!((report.old, report.disabled, report.never_updated), (1, 2, 1));
}
