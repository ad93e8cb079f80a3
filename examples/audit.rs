//! Auditing a team's keys, offline on the built-in fake Honeycomb (1,000 keys of mixed
//! ages, types and permissions).
//!
//! ```text
//! cargo run --features mock --example audit
//! ```

use std::time::Duration;

use honeycomb_api_keys::{AuditOptions, Error, KeyType, Permission, Permissions, mock::MockHoneycomb};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let honeycomb = MockHoneycomb::start().await;
    let broad = Permissions::builder().run_queries().manage_triggers().manage_slos().build();
    for i in 0..1000u32 {
        let (key_type, permissions) = match i % 4 {
            0 => (KeyType::Configuration, broad.clone()),
            1 => (KeyType::Configuration, Permissions::read_only_querying()),
            _ => (KeyType::Ingest, Permission::CreateDatasets.into()),
        };
        let age = Duration::from_secs(u64::from((i * 7) % 400) * 86_400);
        honeycomb.seed_key("production", &format!("key {i:04}"), &key_type, &permissions, age);
    }

    let report = honeycomb.client().api_keys().audit(AuditOptions::new().older_than_days(90)).await?;
    println!("{report}\n");
    println!("The five oldest:");
    for finding in report.findings.iter().take(5) {
        let reasons: Vec<String> = finding.reasons.iter().map(|r| format!("{r:?}")).collect();
        println!(
            "  {} {:<10} {:<13} created {}  {}",
            finding.id,
            finding.name,
            finding.key_type,
            finding.created.format("%Y-%m-%d"),
            reasons.join(", ")
        );
    }
    println!("\nAs JSON (first finding): {}", serde_json::to_string(&report.findings[0]).unwrap());
    Ok(())
}
