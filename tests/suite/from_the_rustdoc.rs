//! What a program written from the rustdoc alone needs, without working around the crate:
//! the error checks see through a failed step, the reports print and name their
//! environments, a key set collects, and chrono is reachable through the crate.
#![cfg(feature = "mock")]

use std::time::Duration;

use honeycomb_api_keys::{
    ApplyOptions, AuditOptions, DeclaredKey, Delivery, Error, KeySet, KeyType, Operation, Permissions, PlanOptions,
    StepOutcome,
    mock::{Fault, MockHoneycomb},
};

const DAY: Duration = Duration::from_secs(86_400);

fn sink(_: &Delivery<'_>) -> Result<(), String> {
    Ok(())
}

#[tokio::test]
async fn a_502_on_a_create_during_apply_answers_the_checks_as_the_create_would() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    // Processed, then answered 502: the outcome is unknown to the client.
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(502).after_processing());
    let report = keys.apply(&plan, &sink, ApplyOptions::new()).await.unwrap();
    let StepOutcome::Failed { error, .. } = &report.steps[0].outcome else { panic!("{report:?}") };
    assert!(matches!(error, Error::StepFailed { .. }), "{error:?}");
    assert!(error.is_outcome_unknown(), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(error.api_error().map(|api| api.status.as_u16()), Some(502));
    assert!(!error.is_not_found() && !error.is_rate_limited() && !error.is_auth() && !error.is_conflict());
    // The message still says what the apply did about it.
    assert!(error.to_string().contains("deleted again"), "{error}");
}

#[tokio::test]
async fn a_plan_and_an_apply_report_print_as_the_cli_does_with_the_servers_text_escaped() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let set = KeySet::new()
        .key(DeclaredKey::ingest("checkout", "Production"))
        .key(DeclaredKey::ingest("billing", "Production"));
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let text = plan.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("+ create ingest key ") && lines[1].starts_with("+ create ingest key "), "{text}");
    assert_eq!(lines[2], format!("Plan: {}.", plan.summary()));
    // The first create refused with a body that would retitle a terminal.
    let body = r#"{"errors":[{"status":"403","code":"forbidden","title":"Forbidden","detail":"no \u001b]0;pwned\u0007 way"}]}"#;
    fake.fail_next(Operation::CreateApiKey, 1, Fault::status(403).body(body, "application/vnd.api+json"));
    let report = keys.apply(&plan, &sink, ApplyOptions::new()).await.unwrap();
    assert!(report.steps[0].outcome.to_string().starts_with("FAILED: "), "{}", report.steps[0].outcome);
    assert_eq!(report.steps[1].outcome.to_string(), "skipped");
    let text = report.to_string();
    assert!(!text.chars().any(|c| c != '\n' && honeycomb_api_keys::is_hidden(c)), "{text:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("FAILED  + create ingest key "), "{text}");
    assert!(lines[1].starts_with("skipped + create ingest key "), "{text}");
    assert_eq!(lines[2], "Applied 0 of 2 changes.");
}

#[tokio::test]
async fn an_audit_report_names_the_environments_of_its_findings() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    // No finding: no environment is listed.
    fake.seed_key("production", "fresh", &KeyType::Ingest, &Permissions::none(), DAY);
    let report = keys.audit(AuditOptions::new()).await.unwrap();
    assert!(report.findings.is_empty() && report.environments.is_empty());
    assert_eq!(fake.count(Operation::ListEnvironments), 0);

    fake.seed_key("staging", "legacy", &KeyType::Ingest, &Permissions::none(), 400 * DAY);
    let report = keys.audit(AuditOptions::new()).await.unwrap();
    let finding = &report.findings[0];
    let env = finding.environment_id.as_ref().and_then(|id| report.environment(id)).expect("named");
    assert_eq!((finding.name.as_str(), env.name.as_str()), ("legacy", "Staging"));
    assert_eq!(report.environments.len(), 1, "only the findings' environments: {:?}", report.environments);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["environments"][0]["name"], "Staging", "{json}");

    // A management key without environments:read still audits; the names are missing.
    fake.fail_next(Operation::ListEnvironments, 1, Fault::status(403));
    let report = keys.audit(AuditOptions::new()).await.unwrap();
    assert_eq!(report.findings.len(), 1);
    assert!(report.environments.is_empty() && report.environment(&env.id).is_none());
    // Nor is the report held back when the listing fails otherwise.
    fake.fail_next(Operation::ListEnvironments, 1, Fault::status(400));
    let report = keys.audit(AuditOptions::new()).await.unwrap();
    assert!(report.findings.len() == 1 && report.environments.is_empty());
}

#[tokio::test]
async fn a_key_set_collected_and_extended_plans_like_one_built_key_by_key() {
    let fake = MockHoneycomb::start().await;
    let keys = fake.client().api_keys();
    let mut set: KeySet = ["checkout", "billing"].map(|s| DeclaredKey::ingest(s, "Production")).into_iter().collect();
    set.extend([DeclaredKey::ingest("search", "Staging")]);
    let built = KeySet::new()
        .key(DeclaredKey::ingest("checkout", "Production"))
        .key(DeclaredKey::ingest("billing", "Production"))
        .key(DeclaredKey::ingest("search", "Staging"));
    assert_eq!(set, built);
    let plan = keys.plan(&set, PlanOptions::new()).await.unwrap();
    let names: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["checkout", "billing", "search"]);
}

#[tokio::test]
async fn chrono_is_named_through_the_crate() {
    use honeycomb_api_keys::chrono::{DateTime, Utc};
    let fake = MockHoneycomb::start().await;
    let as_of: DateTime<Utc> = "2026-03-31T23:59:59Z".parse().unwrap();
    let report = fake.client().api_keys().audit(AuditOptions::new().as_of(as_of)).await.unwrap();
    let created: Option<DateTime<Utc>> = report.findings.first().map(|f| f.created);
    assert_eq!((report.as_of, created), (as_of, None));
}

/// The examples of keys as code define every function they call: a hidden line may set up
/// the fake or wrap the example in `main`, never define a helper the example calls.
#[test]
fn keys_as_code_examples_define_every_helper_they_call() {
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = vec![src.join("workflows/keys_as_code.rs"), src.join("blocking/keys.rs")];
    files(&src.join("workflows/keys_as_code"), &mut paths);
    let mut hidden = Vec::new();
    for path in paths {
        for (n, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
            let Some(code) =
                line.trim_start().strip_prefix("/// # ").or_else(|| line.trim_start().strip_prefix("//! # "))
            else {
                continue;
            };
            let helper = (code.starts_with("fn ") || code.starts_with("async fn "))
                && !code.starts_with("fn main()")
                && !code.starts_with("async fn main()")
                && !code.starts_with("fn run(")
                && !code.starts_with("async fn run(");
            if helper {
                hidden.push(format!("{}:{}: {code}", path.display(), n + 1));
            }
        }
    }
    assert!(hidden.is_empty(), "examples calling a helper they hide: {hidden:#?}");
}
