//! `cargo bench --bench construction`: what building a `Client` costs with the TLS feature
//! the bench is built with, for an `http://` endpoint (no certificate is ever checked) and
//! an `https://` one:
//!
//! ```text
//! cargo bench --bench construction                                        # rustls (default)
//! cargo bench --bench construction --no-default-features --features native-tls
//! cargo bench --bench construction --all-features                         # both
//! ```
//!
//! The first client of a process sets up what the TLS backend shares with later ones (the
//! system's roots, OpenSSL's connector), so it is timed apart: in fresh child processes,
//! 15 each, median. Then divan times the clients after it. No request is sent: a client
//! connects on its first call.

use std::{process::Command, time::Instant};

use honeycomb_api_keys::Client;

const KEY_ID: &str = "hcxmk_01j1824es7n4evcmv81cn392jb";
const KEY_SECRET: &str = "benchsecret0123456789abcdefghijk";
const HTTP: &str = "http://127.0.0.1:8080";
const HTTPS: &str = "https://api.honeycomb.io";

fn main() {
    if let Ok(endpoint) = std::env::var("HNY_BENCH_FIRST_CLIENT") {
        let started = Instant::now();
        std::hint::black_box(build(&endpoint));
        println!("{}", started.elapsed().as_micros());
        return;
    }
    let backend = match (cfg!(feature = "rustls"), cfg!(feature = "native-tls")) {
        (true, true) => "rustls and native-tls",
        (true, false) => "rustls",
        (false, true) => "native-tls",
        (false, false) => "no TLS",
    };
    println!("Client construction with {backend}:");
    let endpoints: &[&str] =
        if cfg!(any(feature = "rustls", feature = "native-tls")) { &[HTTP, HTTPS] } else { &[HTTP] };
    for endpoint in endpoints {
        let mut micros: Vec<u64> = (0..15)
            .map(|_| {
                let out = Command::new(std::env::current_exe().unwrap())
                    .env("HNY_BENCH_FIRST_CLIENT", endpoint)
                    .output()
                    .expect("the bench runs itself");
                String::from_utf8_lossy(&out.stdout).trim().parse().expect("microseconds")
            })
            .collect();
        micros.sort_unstable();
        println!("  first client of a process, {endpoint}: median {:.2} ms", micros[micros.len() / 2] as f64 / 1000.0);
    }
    divan::main();
}

fn build(endpoint: &str) -> Client {
    Client::builder().management_key(KEY_ID, KEY_SECRET).endpoint(endpoint).team("bench").build().unwrap()
}

/// A further client for a plain-HTTP endpoint, such as a local fake.
#[divan::bench(sample_count = 200)]
fn next_client_for_http() -> Client {
    build(HTTP)
}

/// A further client for Honeycomb's API.
#[cfg(any(feature = "rustls", feature = "native-tls"))]
#[divan::bench(sample_count = 200)]
fn next_client_for_https() -> Client {
    build(HTTPS)
}
