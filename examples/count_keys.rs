//! Counts every key of the team through the SDK's item stream (pages of 100), holding at
//! most a page in memory. The count is the last number on the last line.
//!
//! ```text
//! HONEYCOMB_KEY_ID=hcxmk_... HONEYCOMB_KEY_SECRET=... cargo run --release --example count_keys
//! ```
//! Also reads `HONEYCOMB_API_ENDPOINT` and `HONEYCOMB_TEAM`. Against the built-in fake:
//! `cargo run --features mock --example serve_fake -- 10000`, then use the variables it
//! prints.

use honeycomb_api_keys::{Client, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let mut keys = client.api_keys().list().page_size(100).items();
    let mut count: u64 = 0;
    while keys.try_next().await?.is_some() {
        count += 1;
    }
    println!("keys: {count}");
    Ok(())
}
