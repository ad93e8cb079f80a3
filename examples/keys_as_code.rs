//! Keys as code, offline on the built-in fake Honeycomb, on a clock the program moves:
//! declare keys in TOML, apply them with each new secret written to a dotenv file, check
//! the secrets where they live, then follow a rotation across three applies, as Honeycomb
//! advises it (create, disable after a day, delete after two more), and what each stage
//! means for a service still reading the old secret.
//!
//! ```text
//! cargo run --features mock,toml --example keys_as_code
//! ```

use std::time::Duration;

use honeycomb_api_keys::{
    ApiKeys, ApplyOptions, AuditOptions, Clock, DotenvFile, ExposeSecret, KeySet, ManualClock, Plan, PlanOptions,
    SecretString,
    chrono::{TimeZone, Utc},
    mock::MockHoneycomb,
};

const KEYS: &str = r#"
overlap_hours = 24      # a replaced key stays enabled this long after its successor is delivered
disabled_hours = 48     # then stays disabled this long before it is deleted

[[key]]
name = "checkout ingest"
type = "ingest"
environment = "Production"
rotate_after_days = 30

[[key]]
name = "CI boards"
type = "configuration"
environment = "Production"
permissions = ["run_queries", "manage_boards"]
"#;

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The fake and its clients share this clock: moving it moves what every plan, apply
    // and audit takes for "now", and the dates of the keys the fake makes.
    let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap());
    let honeycomb = MockHoneycomb::builder().clock(clock.clone()).start().await;
    let keys = honeycomb.client().api_keys();
    let set = KeySet::from_toml(KEYS, "keys.toml")?;
    let dotenv_path = std::env::temp_dir().join(format!("keys-as-code-{}.env", std::process::id()));
    let dotenv = DotenvFile::new(&dotenv_path);

    println!("== {}: the first apply", clock.utc_now());
    apply(&keys, &set, &dotenv).await?;
    let plan = keys.plan(&set, PlanOptions::new().check_secrets(dotenv.clone())).await?;
    println!("plan again, the secrets checked in {}:\n{plan}", dotenv_path.display());
    assert!(plan.is_empty());
    let old_secret = read(&dotenv_path, "HONEYCOMB_PRODUCTION_CHECKOUT_INGEST")?;

    clock.advance(31 * 24 * HOUR);
    println!("\n== {}: apply 1 of the rotation (the key is 31 days old)", clock.utc_now());
    let plan = apply(&keys, &set, &dotenv).await?;
    assert_eq!(plan.changes.len(), 1);
    println!(
        "The successor was made, proven at /1/auth, written to the dotenv file, and took the name.\n\
         The old key is retiring, still enabled: a service that has not reloaded keeps working."
    );
    assert!(keys.client().verify_key(&old_secret).await.is_ok());
    println!("audit: {}", audit_line(&keys, &set).await?);

    clock.advance(23 * HOUR);
    println!("\n== {}: 23 hours later", clock.utc_now());
    let plan = keys.plan(&set, PlanOptions::new()).await?;
    println!("{plan}");
    assert!(plan.is_empty(), "a step not yet due is not a change: CI's drift check stays quiet");

    clock.advance(2 * HOUR);
    println!("\n== {}: apply 2, the overlap is over", clock.utc_now());
    apply(&keys, &set, &dotenv).await?;
    println!(
        "The old key is disabled: a service still on it is now refused (401); enabling the key\n\
         again in Honeycomb brings it back while it is fixed. Nothing is deleted yet."
    );
    assert!(keys.client().verify_key(&old_secret).await.is_err());
    println!("audit: {}", audit_line(&keys, &set).await?);

    clock.advance(49 * HOUR);
    println!("\n== {}: apply 3, disabled for its 48 hours", clock.utc_now());
    apply(&keys, &set, &dotenv).await?;
    println!("The old key is deleted: that cannot be undone, which is why it waited.");
    let done = keys.plan(&set, PlanOptions::new().check_secrets(dotenv.clone())).await?;
    println!("\n{done}");
    assert!(done.is_empty() && done.scheduled.is_empty());
    let _ = std::fs::remove_file(&dotenv_path);
    Ok(())
}

/// Plans, prints the plan, applies it into `dotenv`, and says what was done.
async fn apply(keys: &ApiKeys, set: &KeySet, dotenv: &DotenvFile) -> Result<Plan, Box<dyn std::error::Error>> {
    let plan = keys.plan(set, PlanOptions::new()).await?;
    println!("{plan}");
    let report = keys.apply(&plan, dotenv, ApplyOptions::new()).await?;
    assert!(report.is_complete(), "{report}");
    println!("applied {} of {} changes", report.done(), report.steps.len());
    Ok(plan)
}

/// The audit's line for each key on its way out.
async fn audit_line(keys: &ApiKeys, set: &KeySet) -> Result<String, Box<dyn std::error::Error>> {
    let report = keys.audit(AuditOptions::new().key_set(set)).await?;
    let lines: Vec<String> = report
        .findings
        .iter()
        .flat_map(|f| f.reasons.iter().map(move |reason| format!("{}: {reason}", f.id)))
        .filter(|line| line.contains("retiring"))
        .collect();
    Ok(lines.join("; "))
}

/// The value of `name` in the dotenv file at `path` (what a service would read).
fn read(path: &std::path::Path, name: &str) -> Result<SecretString, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let value = text.lines().find_map(|line| line.strip_prefix(&format!("{name}="))).ok_or("no such variable")?;
    let secret = SecretString::from(value.to_string());
    assert!(!secret.expose_secret().is_empty());
    Ok(secret)
}
