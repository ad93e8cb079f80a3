//! One ingest key per service, offline on the built-in fake Honeycomb.
//!
//! ```text
//! cargo run --features mock --example per_service
//! ```

use honeycomb_api_keys::{Error, ExposeSecret, ProvisionOptions, ProvisionOutcome, mock::MockHoneycomb};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let honeycomb = MockHoneycomb::start().await;
    let keys = honeycomb.client().api_keys();
    let services = ["checkout", "search", "payments", "inventory", "email"];
    let options = || ProvisionOptions::new().name_template("{service} (ingest)").ingest(true);

    // Someone already made one by hand.
    keys.provision("Production", &services[..1], options()).await?;

    let report = keys.provision("Production", &services, options()).await?;
    for entry in &report.entries {
        match &entry.outcome {
            ProvisionOutcome::Created(key) => {
                let secret = key.header_value();
                println!(
                    "{:<10} created  {} (secret of {} characters: store it now)",
                    entry.service,
                    key.id(),
                    secret.expose_secret().len()
                )
            }
            ProvisionOutcome::Existing(key) => {
                println!("{:<10} existing {} (its secret cannot be shown again)", entry.service, key.id)
            }
            ProvisionOutcome::Failed(error) => println!("{:<10} FAILED   {error}", entry.service),
            _ => {}
        }
    }
    println!("{report}");
    Ok(())
}
