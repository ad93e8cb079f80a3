//! Keys as code, offline on the built-in fake Honeycomb: declare keys in TOML, plan,
//! apply with each new secret written to a dotenv file, plan again (empty), then repair
//! drift made behind the file's back.
//!
//! ```text
//! cargo run --features mock,toml --example keys_as_code
//! ```

use honeycomb_api_keys::{
    ApiKeyUpdate, ApplyOptions, DotenvFile, KeySet, Permission, PlanOptions, mock::MockHoneycomb,
};

const KEYS: &str = r#"
[[key]]
name = "checkout ingest"
type = "ingest"
environment = "Production"

[[key]]
name = "CI boards"
type = "configuration"
environment = "Production"
permissions = ["run_queries", "manage_boards"]
rotate_after_days = 90
"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let honeycomb = MockHoneycomb::start().await;
    let keys = honeycomb.client().api_keys();
    let set = KeySet::from_toml(KEYS, "keys.toml")?;
    let dotenv = std::env::temp_dir().join(format!("keys-as-code-{}.env", std::process::id()));

    let plan = keys.plan(&set, PlanOptions::new()).await?;
    println!("plan:");
    for change in &plan.changes {
        println!("  {change}");
    }
    let report = keys.apply(&plan, &DotenvFile::new(&dotenv), ApplyOptions::new()).await?;
    println!("applied {} of {} changes; secrets in {}", report.done(), report.steps.len(), dotenv.display());
    let variables: Vec<String> = std::fs::read_to_string(&dotenv)?
        .lines()
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.to_string()))
        .collect();
    println!("  variables: {}", variables.join(", "));
    println!("plan again: {}", keys.plan(&set, PlanOptions::new()).await?.summary());

    // Someone revokes a permission in the UI: the next plan puts it back.
    let ci = keys.list().collect().await?.into_iter().find(|k| k.name == "CI boards").expect("applied");
    keys.update(&ci.id, ApiKeyUpdate::new().revoke(Permission::ManageBoards)).await?;
    let drift = keys.plan(&set, PlanOptions::new()).await?;
    println!("after drift:");
    for change in &drift.changes {
        println!("  {change}");
    }
    keys.apply(&drift, &DotenvFile::new(&dotenv), ApplyOptions::new()).await?;
    println!("repaired: {}", keys.plan(&set, PlanOptions::new()).await?.summary());
    let _ = std::fs::remove_file(&dotenv);
    Ok(())
}
