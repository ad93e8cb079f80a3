//! A tour of the crate: every common key-management task, step by step.
//!
//! ```text
//! cargo run --no-default-features --features mock --bin quickstart   # offline, on the built-in fake
//! HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=... \
//!   cargo run --features mock --bin quickstart          # your team, read-only
//! ... cargo run --features mock --bin quickstart -- --write --environment test
//! ```
//!
//! Without credentials it starts the fake Honeycomb in-process and runs the whole tour:
//! nothing leaves the machine. With `HONEYCOMB_KEY_ID` / `HONEYCOMB_KEY_SECRET` it runs
//! against Honeycomb: read-only (who am I, environments, keys, audit) unless `--write` is
//! given with the `--environment` (name or slug) to create its keys in; then every key it
//! creates it also deletes, on failure too.
//!
//! It is a binary of the crate (with `required-features = ["mock"]`) rather than an example,
//! so that running it builds the crate's own dependencies only; the README runs it without
//! the default features, as the offline tour needs no TLS (rustls and ring not compiled). Built
//! that way with credentials set, it says so and tours the fake, unless `--write` asks for
//! your team (an error then); the default features reach your team.

use std::time::Duration;

use chrono::Utc;
use honeycomb_api_keys::{
    ApiKey, ApiKeyUpdate, Client, ENV_API_ENDPOINT, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, Error,
    ExposeSecret, KeyType, NewApiKey, Permission, Permissions, mock::MockHoneycomb,
};

/// `println!` that keeps going when standard output is closed (`quickstart | head`): the
/// tour still finishes, and deletes the keys it made on your team.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

const AUDIT_AGE_DAYS: i64 = 90;

/// Whether this build can reach Honeycomb: the offline tour is built without TLS.
const HAS_TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// The command that builds the tour with TLS, for a build that has none.
const WITH_TLS: &str = "cargo run --features mock --bin quickstart";

fn main() -> Result<(), Error> {
    // A runtime by hand: `#[tokio::main]` needs Tokio's `macros`, which only the tests use.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
    runtime.block_on(run())
}

async fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let write_flag = args.iter().any(|a| a == "--write");
    let environment = args.iter().position(|a| a == "--environment").and_then(|i| args.get(i + 1)).cloned();
    // As the client reads them: a blank variable is not set.
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let has_credentials = set(ENV_KEY_ID) || set(ENV_MANAGEMENT_KEY);

    // A build without TLS can reach an `http://` endpoint (a fake served by
    // `examples/serve_fake.rs`, say), not Honeycomb.
    let endpoint_is_https = std::env::var(ENV_API_ENDPOINT)
        .map_or(true, |e| !e.trim().get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http:")));
    if has_credentials && !HAS_TLS && endpoint_is_https {
        eprintln!("Your Honeycomb credentials are set, but this build of the tour has no TLS to reach Honeycomb with.");
        if write_flag {
            eprintln!("--write is for your team: run `{WITH_TLS} -- --write ...` (with TLS) instead.");
            std::process::exit(2);
        }
        eprintln!("Touring the built-in fake instead; for your team, run `{WITH_TLS}` (with TLS).");
    } else if has_credentials {
        let client = Client::from_env()?;
        println!("Running against {} with your management key {}.", client.endpoint(), client.key_id());
        if !write_flag {
            println!("Read-only: pass --write --environment <name> to also create, change and delete its own keys.");
            return tour(&client, None).await;
        }
        let Some(environment) = environment else {
            println!("--write needs --environment <name or slug>: the environment its keys are created in.");
            return Ok(());
        };
        return tour(&client, Some(&environment)).await;
    }

    // No credentials: a fake Honeycomb in this process, with two old keys for the audit.
    let fake = MockHoneycomb::start().await;
    fake.seed_key("production", "legacy deploy key", &KeyType::Ingest, &Permission::CreateDatasets.into(), days(400));
    let old_ci = Permissions::builder().run_queries().manage_triggers().build();
    fake.seed_key("production", "old CI", &KeyType::Configuration, &old_ci, days(120));
    if has_credentials {
        println!("Touring a built-in fake Honeycomb at {}. Nothing leaves this machine.", fake.uri());
    } else {
        println!("No {ENV_KEY_ID} / {ENV_KEY_SECRET} set: touring a built-in fake Honeycomb at {}.", fake.uri());
        match HAS_TLS {
            true => println!("Nothing leaves this machine. Set those variables to run it against your team."),
            false => println!("Nothing leaves this machine. Set those variables and run `{WITH_TLS}` for your team."),
        }
    }
    tour(&fake.client(), Some("production")).await?;
    println!("\nThe fake saw {} requests; that is the whole tour.", fake.requests().len());
    Ok(())
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

fn step(n: u32, title: &str) {
    println!("\n{n}. {title}");
}

/// The secret masked for display: its length and last four characters.
fn masked(secret: &str) -> String {
    let tail: String = secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{}{tail}", "•".repeat(secret.chars().count().saturating_sub(4)))
}

fn show(key: &ApiKey) {
    println!(
        "   {} {:<13} {:<30} {} created {}",
        key.id,
        key.key_type.as_str(),
        key.name,
        if key.disabled { "disabled" } else { "enabled " },
        key.created.format("%Y-%m-%d")
    );
}

/// The tour; it writes (creating its keys in `write_in`) only when given an environment.
async fn tour(client: &Client, write_in: Option<&str>) -> Result<(), Error> {
    step(1, "Who am I, and which team?");
    let me = client.auth().await?;
    println!(
        "   key {} ({}), team {:?} (slug {})",
        me.key_id,
        me.name.as_deref().unwrap_or("unnamed"),
        me.team.name.as_deref().unwrap_or(""),
        me.team.slug
    );
    println!("   scopes: {}", me.scopes.join(", "));

    step(2, "Environments, to find the id a key is created in");
    let environments = client.environments().list().collect().await?;
    for env in &environments {
        println!("   {} {:<16} {}", env.id, env.slug, env.name);
    }

    let keys = client.api_keys();
    if let Some(wanted) = write_in {
        let Some(env) = environments.iter().find(|e| e.slug == wanted || e.name.eq_ignore_ascii_case(wanted)) else {
            println!("   no environment named {wanted:?}: nothing to create keys in");
            return Ok(());
        };
        let mut created = Vec::new();
        let outcome = write_tour(client, env, &mut created).await;
        if outcome.is_err() {
            // Leave nothing behind: delete what was created before the failure.
            for id in &created {
                if keys.delete(id).await.is_ok() {
                    println!("   (cleaned up {id})");
                }
            }
        }
        return outcome;
    } else {
        step(3, "Every key, streamed page by page");
        let mut all = keys.list().items();
        while let Some(key) = all.try_next().await? {
            show(&key);
        }
    }

    audit(client, 4).await
}

async fn audit(client: &Client, n: u32) -> Result<(), Error> {
    step(n, &format!("Audit: keys older than {AUDIT_AGE_DAYS} days, and disabled keys"));
    let cutoff = Utc::now() - chrono::Duration::days(AUDIT_AGE_DAYS);
    let (mut old, mut disabled, mut total) = (0, 0, 0);
    let mut all = client.api_keys().list().items();
    while let Some(key) = all.try_next().await? {
        total += 1;
        if key.created < cutoff {
            old += 1;
            println!("   old:      {} {:<30} {} days", key.id, key.name, (Utc::now() - key.created).num_days());
        }
        if key.disabled {
            disabled += 1;
            println!("   disabled: {} {}", key.id, key.name);
        }
    }
    println!("   {total} keys: {old} older than {AUDIT_AGE_DAYS} days, {disabled} disabled");
    Ok(())
}

/// The writing part of the tour; `created` holds the id of every key it made, so that a
/// failure can clean up.
async fn write_tour(
    client: &Client,
    env: &honeycomb_api_keys::Environment,
    created: &mut Vec<honeycomb_api_keys::KeyId>,
) -> Result<(), Error> {
    let keys = client.api_keys();

    step(3, &format!("Create an ingest key in {}", env.name));
    let ingest = keys.create(NewApiKey::ingest("checkout-service (quickstart)", &env.id).create_datasets(true)).await?;
    created.push(ingest.id().clone());
    println!("   created {}", ingest.id());
    println!("   ! The secret is returned only now and never again: store it (it is masked here).");
    let usable = ingest.ingest_key().expect("an ingest key");
    println!(
        "   X-Honeycomb-Team for senders (id + secret): {}{}",
        ingest.id(),
        masked(ingest.secret().expose_secret())
    );
    println!("   ({} characters in all)", usable.expose_secret().len());

    step(4, "Create a configuration key with the board-management preset");
    let config = keys
        .create(NewApiKey::configuration("CI boards (quickstart)", &env.id, Permissions::board_management()))
        .await?;
    created.push(config.id().clone());
    println!("   created {} with: {}", config.id(), config.key().permissions);
    println!("   X-Honeycomb-Team for it is the secret alone: {}", masked(config.secret().expose_secret()));

    step(5, "List all keys, then only ingest keys");
    for key in keys.list().collect().await? {
        show(&key);
    }
    let ingest_only = keys.list().key_type(KeyType::Ingest).collect().await?;
    println!("   {} of them are ingest keys", ingest_only.len());

    step(6, "Get one key (never with its secret)");
    show(&keys.get(ingest.id()).await?);

    step(7, "Rename, disable, and enable again");
    let renamed = keys.update(ingest.id(), ApiKeyUpdate::new().name("checkout (quickstart, renamed)")).await?;
    println!("   renamed to {:?}", renamed.name);
    let disabled = keys.update(ingest.id(), ApiKeyUpdate::new().disable()).await?;
    println!("   disabled: {}", disabled.disabled);
    let enabled = keys.update(ingest.id(), ApiKeyUpdate::new().enable()).await?;
    println!("   disabled: {} (updated {})", enabled.disabled, enabled.updated);

    step(8, "Rotate the ingest key: create its replacement, then disable the old one");
    let old = keys.get(ingest.id()).await?;
    let name = format!("{} (rotated {})", old.name, Utc::now().format("%Y-%m-%d"));
    let name: String = name.chars().take(honeycomb_api_keys::MAX_NAME_LEN).collect();
    let replacement = keys.create(NewApiKey::ingest(name, &env.id).permissions(old.permissions.clone())).await?;
    created.push(replacement.id().clone());
    println!("   new key {} (deploy its secret, then retire the old one)", replacement.id());
    keys.update(&old.id, ApiKeyUpdate::new().disable()).await?;
    println!("   old key {} disabled", old.id);

    audit(client, 9).await?;

    step(10, "Delete what the tour created");
    // Each id leaves the list only once deleted, so a failure here still cleans up.
    while let Some(id) = created.first().cloned() {
        keys.delete(&id).await?;
        created.remove(0);
        println!("   deleted {id}");
    }

    step(11, "A deleted key is gone");
    println!("   get_opt({}) = {:?}", config.id(), keys.get_opt(config.id()).await?.map(|k| k.id));
    Ok(())
}
