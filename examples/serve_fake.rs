//! Serves the built-in fake Honeycomb on a local port until interrupted, with N seeded
//! keys, so that the CLI or another process can be pointed at it.
//!
//! ```text
//! cargo run --features mock --example serve_fake -- 10000
//! ```
//! It prints the environment variables to use. Lines on its standard input drive it:
//! `+25h` (or `+90s`, `+30m`, `+3d`) moves its clock on, so that keys age as they would
//! (run the client under a clock moved as far, `faketime +25h hny-keys plan …`, to follow a
//! timeline); `requests` prints the requests answered since the last time it was asked,
//! one a line.

use std::{io::BufRead, sync::Arc, time::Duration};

use honeycomb_api_keys::mock::MockHoneycomb;

#[tokio::main]
async fn main() {
    let keys: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    let fake = Arc::new(MockHoneycomb::start().await);
    fake.seed_keys(keys);
    let (id, secret) = fake.management_key();
    println!("export HONEYCOMB_API_ENDPOINT={} HONEYCOMB_KEY_ID={id} HONEYCOMB_KEY_SECRET={secret}", fake.uri());
    println!("# {keys} keys seeded; Ctrl-C to stop");
    let driven = fake.clone();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            let line = line.trim();
            if line == "requests" {
                for r in driven.requests() {
                    let query = r.query.map(|q| format!("?{q}")).unwrap_or_default();
                    println!("{} {}{query} → {}", r.method, r.path, r.status);
                }
                println!("# end of requests");
                driven.clear_requests();
            } else if let Some(by) = line.strip_prefix('+').and_then(duration) {
                driven.advance_clock(by);
                println!("# the fake's clock moved on by {line}");
            } else if !line.is_empty() {
                eprintln!("# {line:?}: say +25h (s, m, h, d) or requests");
            }
        }
    });
    let _ = tokio::signal::ctrl_c().await;
}

/// `90s`, `30m`, `25h`, `3d`.
fn duration(text: &str) -> Option<Duration> {
    let (n, unit) = text.split_at(text.len().checked_sub(1)?);
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(Duration::from_secs(n.parse::<u64>().ok()?.checked_mul(seconds)?))
}
