//! Rotating a key, offline on the built-in fake Honeycomb.
//!
//! ```text
//! cargo run --features mock --example rotate
//! ```
//!
//! The fake holds a configuration key made 200 days ago; the rotation creates its twin,
//! waits until a (simulated) deploy confirms the new key is in use, then disables the
//! old one. A second rotation shows what a user sees when retiring the old key fails.

use std::time::Duration;

use honeycomb_api_keys::{
    Error, ExposeSecret, KeyType, OldKeyOutcome, Operation, Permissions, RotateOptions,
    mock::{Fault, MockHoneycomb},
};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let honeycomb = MockHoneycomb::start().await;
    let ci = Permissions::builder().run_queries().manage_boards().build();
    let old =
        honeycomb.seed_key("production", "CI boards", &KeyType::Configuration, &ci, Duration::from_secs(200 * 86_400));
    let keys = honeycomb.client().api_keys();
    println!("Rotating {} ({:?}, created {})", old.id, old.name, old.created.format("%Y-%m-%d"));

    let options = RotateOptions::new()
        // Store the secret the moment the key exists: before anything else can fail.
        .on_created(|created| {
            let secret = created.header_value();
            println!(
                "  storing the new X-Honeycomb-Team value ({} characters) in the CI secrets",
                secret.expose_secret().len()
            );
            Ok(())
        })
        .wait_until(|new_key| {
            let id = new_key.id().clone();
            async move {
                println!("  deploying {id} to the CI secrets ... done");
                Ok(())
            }
        })
        .progress(|p| println!("  [{}/{}] {}", p.done, p.total.unwrap_or(0), p.stage));
    let rotation = keys.rotate(&old.id, options).await?;
    println!("{rotation}");

    println!("\nAgain, with Honeycomb failing to disable the old key:");
    honeycomb.fail_next(Operation::UpdateApiKey, 3, Fault::status(503));
    let again = keys.rotate(rotation.new_key.id(), RotateOptions::new()).await?;
    println!("{again}");
    if let OldKeyOutcome::StillEnabled { .. } = again.old_key_outcome {
        println!("  nothing is lost: the new key {} and its secret are in the result;", again.new_key.id());
        assert!(again.new_key.secret().is_some());
        println!("  disable {} yourself once the new key is deployed.", again.old_key.id);
    }
    Ok(())
}
