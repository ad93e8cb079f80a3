//! Serves the built-in fake Honeycomb on a local port until interrupted, with N seeded
//! keys, so that the CLI or another process can be pointed at it.
//!
//! ```text
//! cargo run --features mock --example serve_fake -- 10000
//! ```
//! It prints the environment variables to use.

use honeycomb_api_keys::mock::MockHoneycomb;

#[tokio::main]
async fn main() {
    let keys: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    let fake = MockHoneycomb::start().await;
    fake.seed_keys(keys);
    let (id, secret) = fake.management_key();
    println!("export HONEYCOMB_API_ENDPOINT={} HONEYCOMB_KEY_ID={id} HONEYCOMB_KEY_SECRET={secret}", fake.uri());
    println!("# {keys} keys seeded; Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
}
