//! A tour of the crate against your Honeycomb team.
//!
//! ```text
//! HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=... cargo run --example quickstart
//! HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=... cargo run --example quickstart -- --create
//! ```
//!
//! Read-only by default: who am I, which environments, which keys. With `--create` it
//! also creates a disabled ingest key in the first environment, reads, renames and then
//! deletes it. Without credentials it says which variables to set and sends nothing.

use futures::TryStreamExt;
use honeycomb_api_keys::{ApiKeyUpdate, Client, Error, KeyType, NewApiKey};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let create = std::env::args().any(|a| a == "--create");

    let client = match Client::from_env() {
        Ok(client) => client,
        Err(Error::Config { message }) => {
            println!("honeycomb-api-keys quickstart: nothing to do without a management key.");
            println!("  {message}");
            println!(
                "  Optional: HONEYCOMB_API_ENDPOINT (default https://api.honeycomb.io; EU: https://api.eu1.honeycomb.io)"
            );
            println!("            HONEYCOMB_TEAM (default: detected through /2/auth)");
            println!("No request was sent. The test suite runs offline: cargo test --all-features");
            return Ok(());
        }
        Err(other) => return Err(other),
    };

    let me = client.auth().await?;
    println!(
        "management key {} in team {} ({} scopes: {})",
        me.key_id,
        me.team.slug,
        me.scopes.len(),
        me.scopes.join(", ")
    );

    let environments = client.environments().list().collect().await?;
    println!("{} environments:", environments.len());
    for env in &environments {
        println!("  {:<32} {:<24} {}", env.id, env.slug, env.name);
    }

    let keys = client.api_keys();
    let (mut ingest, mut configuration, mut disabled) = (0, 0, 0);
    let mut all = keys.list().items();
    while let Some(key) = all.try_next().await? {
        match key.key_type {
            KeyType::Ingest => ingest += 1,
            KeyType::Configuration => configuration += 1,
            _ => {}
        }
        disabled += usize::from(key.disabled);
    }
    println!("keys: {ingest} ingest, {configuration} configuration, {disabled} disabled");

    if create {
        let Some(env) = environments.first() else {
            println!("no environment to create a key in");
            return Ok(());
        };
        let created = keys.create(NewApiKey::ingest("quickstart (safe to delete)", &env.id).disabled(true)).await?;
        println!("created {} in {} (its secret is shown once; this tour does not print it)", created.id(), env.slug);
        let renamed = keys.update(created.id(), ApiKeyUpdate::new().name("quickstart (renamed)")).await?;
        println!("renamed to {:?}, updated at {}", renamed.name, renamed.updated);
        keys.delete(created.id()).await?;
        println!("deleted; get_opt now returns {:?}", keys.get_opt(created.id()).await?.map(|k| k.id));
    }
    Ok(())
}
