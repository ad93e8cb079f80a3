//! `cargo bench`: the SDK against a minimal hand-written reqwest + serde loop, on the same
//! in-process server, in one run, with the ratios; the connections a listing opens; the
//! peak memory of counting 10,000 and 100,000 keys; and (divan) the cost of building a
//! create or update request and decoding its answer.
//!
//! The SDK runs with its defaults: retries and the proactive rate limiter on (the server
//! sends rate-limit headers with room to spare, so they cost only their bookkeeping).

mod support;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use honeycomb_api_keys::{ApiKeyUpdate, Client, NewApiKey, Permission, Permissions, bench_support};
use serde::Deserialize;
use support::{KEY_ID, KEY_SECRET, PAGE, TEAM};

const ROUNDS: usize = 15;
const GETS_PER_SAMPLE: usize = 200;

fn main() {
    if let Ok(endpoint) = std::env::var("HNY_BENCH_COUNT_ENDPOINT") {
        count_child(&endpoint);
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(ratios());
    runtime.block_on(memory());
    divan::main();
}

fn sdk_client(uri: &str) -> Client {
    Client::builder().management_key(KEY_ID, KEY_SECRET).endpoint(uri).team(TEAM).build().unwrap()
}

fn raw_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    let mut auth: reqwest::header::HeaderValue = format!("Bearer {KEY_ID}:{KEY_SECRET}").parse().unwrap();
    auth.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, auth);
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

// The minimal hand-written decoding: the fields an `ApiKey` has, nothing more.
#[derive(Deserialize)]
struct RawPage {
    data: Vec<RawKey>,
    links: Option<RawLinks>,
}

#[derive(Deserialize)]
struct RawLinks {
    next: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawKey {
    id: String,
    attributes: RawAttributes,
    relationships: Option<RawRelationships>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawRelationships {
    environment: RawRelationship,
    creator: Option<RawUser>,
    editor: Option<RawUser>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawUser {
    data: Option<RawIdentifier>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawRelationship {
    data: RawIdentifier,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawIdentifier {
    id: String,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawAttributes {
    name: String,
    key_type: String,
    disabled: bool,
    permissions: std::collections::HashMap<String, bool>,
    timestamps: RawTimestamps,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct RawTimestamps {
    created: chrono::DateTime<chrono::Utc>,
    updated: chrono::DateTime<chrono::Utc>,
}

#[derive(Deserialize)]
struct RawOne {
    #[allow(dead_code)]
    data: RawKey,
}

async fn sdk_list(client: &Client) -> usize {
    let mut items = client.api_keys().list().page_size(PAGE as u32).items();
    let mut n = 0;
    while items.try_next().await.unwrap().is_some() {
        n += 1;
    }
    n
}

async fn raw_list(client: &reqwest::Client, base: &str) -> usize {
    let mut n = 0;
    let mut url = format!("{base}/2/teams/{TEAM}/api-keys?page%5Bsize%5D={PAGE}");
    loop {
        let bytes =
            client.get(&url).header("accept", "application/vnd.api+json").send().await.unwrap().bytes().await.unwrap();
        let page: RawPage = serde_json::from_slice(&bytes).unwrap();
        n += page.data.len();
        match page.links.and_then(|l| l.next) {
            Some(next) => url = format!("{base}{next}"),
            None => return n,
        }
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn ratios() {
    let server = support::start(10_000).await;
    let (sdk, raw) = (sdk_client(&server.uri()), raw_client());
    // Warm both up (connections, allocator), then interleave the rounds.
    assert_eq!(sdk_list(&sdk).await, 10_000);
    assert_eq!(raw_list(&raw, &server.uri()).await, 10_000);
    let (mut sdk_times, mut raw_times) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let mut time_sdk = async || {
            let start = Instant::now();
            sdk_list(&sdk).await;
            sdk_times.push(start.elapsed());
        };
        if round % 2 == 0 {
            time_sdk().await;
        }
        let start = Instant::now();
        raw_list(&raw, &server.uri()).await;
        raw_times.push(start.elapsed());
        if round % 2 == 1 {
            time_sdk().await;
        }
    }
    let (sdk_list_median, raw_list_median) = (median(sdk_times), median(raw_times));

    let one = format!("{}/2/teams/{TEAM}/api-keys/hcxik_{:026}", server.uri(), 7);
    let (mut sdk_gets, mut raw_gets) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..GETS_PER_SAMPLE {
            sdk.api_keys().get("hcxik_00000000000000000000000007").await.unwrap();
        }
        sdk_gets.push(start.elapsed() / GETS_PER_SAMPLE as u32);
        let start = Instant::now();
        for _ in 0..GETS_PER_SAMPLE {
            let bytes = raw.get(&one).send().await.unwrap().bytes().await.unwrap();
            let _: RawOne = serde_json::from_slice(&bytes).unwrap();
        }
        raw_gets.push(start.elapsed() / GETS_PER_SAMPLE as u32);
    }
    let (sdk_get_median, raw_get_median) = (median(sdk_gets), median(raw_gets));

    let fresh = support::start(10_000).await;
    sdk_list(&sdk_client(&fresh.uri())).await;

    println!("== list 10,000 keys (100 pages of 100), median of {ROUNDS} interleaved rounds");
    println!("   SDK item stream      {:>9.2} ms", ms(sdk_list_median));
    println!("   raw reqwest + serde  {:>9.2} ms", ms(raw_list_median));
    println!("   ratio SDK / raw      {:>9.3}", ratio(sdk_list_median, raw_list_median));
    println!("== get one key, median per call of {ROUNDS} rounds of {GETS_PER_SAMPLE}");
    println!("   SDK get              {:>9.1} µs", us(sdk_get_median));
    println!("   raw reqwest + serde  {:>9.1} µs", us(raw_get_median));
    println!("   ratio SDK / raw      {:>9.3}", ratio(sdk_get_median, raw_get_median));
    println!("== connections opened by a fresh client listing 100 pages: {}", fresh.connections());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Peak memory of counting keys, measured in a child process (the server stays here).
async fn memory() {
    println!("== peak memory (VmHWM) of a process counting keys through the item stream");
    for total in [10_000usize, 100_000] {
        let server = support::start(total).await;
        let uri = server.uri();
        let output = tokio::task::spawn_blocking(move || {
            Command::new(std::env::current_exe().unwrap()).env("HNY_BENCH_COUNT_ENDPOINT", uri).output().unwrap()
        })
        .await
        .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        println!("   {total:>7} keys: {}", text.trim());
    }
}

/// The child: `examples/count_keys.rs` in essence, then its peak resident memory.
fn count_child(endpoint: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let count = runtime.block_on(async { sdk_list(&sdk_client(endpoint)).await });
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak =
        status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: ?").trim_start_matches("VmHWM:").trim();
    println!("counted {count}, peak RSS {peak}");
}

// ---- request building and answer decoding, per call (divan) ---------------------------

fn created_answer() -> Vec<u8> {
    let mut key = String::new();
    support::key_json(&mut key, 7);
    let key = key.replacen(r#""disabled":false"#, r#""disabled":false,"secret":"0123456789abcdef0123456789abcdef""#, 1);
    format!(r#"{{"data":{key}}}"#).into_bytes()
}

fn updated_answer() -> Vec<u8> {
    let mut key = String::new();
    support::key_json(&mut key, 7);
    format!(r#"{{"data":{key}}}"#).into_bytes()
}

#[divan::bench]
fn create_request_and_answer(bencher: divan::Bencher) {
    let answer = created_answer();
    bencher.bench(|| {
        let new =
            NewApiKey::configuration("CI boards", "hcxen_01hznmeqrcq8rz533xrvtc6mk0", Permissions::board_management());
        bench_support::create_cycle(divan::black_box(new), divan::black_box(&answer)).unwrap()
    });
}

#[divan::bench]
fn update_request_and_answer(bencher: divan::Bencher) {
    let answer = updated_answer();
    bencher.bench(|| {
        let update = ApiKeyUpdate::new().name("renamed").disable().grant(Permission::ManageTriggers);
        bench_support::update_cycle(
            "hcxlk_00000000000000000000000007",
            divan::black_box(update),
            divan::black_box(&answer),
        )
        .unwrap()
    });
}

#[divan::bench]
fn decode_a_page_of_100_keys_sdk(bencher: divan::Bencher) {
    let page = support::page_json(10_000, 3).into_bytes();
    bencher.bench(|| bench_support::decode_list_page(divan::black_box(&page)).unwrap());
}

#[divan::bench]
fn decode_a_page_of_100_keys_raw(bencher: divan::Bencher) {
    let page = support::page_json(10_000, 3).into_bytes();
    bencher.bench(|| serde_json::from_slice::<RawPage>(divan::black_box(&page)).unwrap());
}
