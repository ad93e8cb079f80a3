#!/usr/bin/env bash
# What a crate that depends on honeycomb-api-keys pays to build it: a clean debug build of
# a small program that lists keys through `Client::from_env()`, against a hand-written
# program doing the core of it with reqwest, serde, serde_json, tokio and chrono (one GET
# of the key list, decoding `id`, `name` and `timestamps.created`; no pagination, retries
# or team detection). Each is built in its own temporary directory and target dir, not
# incrementally (as a dependency from crates.io is), with no compiler wrapper, after
# `cargo fetch` (downloads are not timed); the two alternate in order, `runs` times.
#
#   bash benches/build_cost.sh [runs]     (default 3)
#
# Prints, per run: wall and CPU (user + system) seconds; then the crate count of each
# (`cargo tree -e normal,build --prefix none --no-dedupe | sort -u | wc -l`), the medians
# and their ratio. About 3 minutes a run on 2 cores; run it on an idle machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/timing.sh
source "$repo/benches/timing.sh"
runs=${1:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number, not '$runs'" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/sdk/src" "$work/raw/src"

cat >"$work/sdk/Cargo.toml" <<EOF
[package]
name = "sdk-user"
version = "0.1.0"
edition = "2024"

[workspace]

[dependencies]
honeycomb-api-keys = { path = "$repo" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
EOF
cat >"$work/sdk/src/main.rs" <<'EOF'
use honeycomb_api_keys::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    for key in client.api_keys().list().collect().await? {
        println!("{} {} {}", key.id, key.name, key.created);
    }
    Ok(())
}
EOF

cat >"$work/raw/Cargo.toml" <<'EOF'
[package]
name = "raw-user"
version = "0.1.0"
edition = "2024"

[workspace]

[dependencies]
reqwest = { version = "0.13", features = ["json"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
chrono = { version = "0.4", features = ["serde"] }
EOF
cat >"$work/raw/src/main.rs" <<'EOF'
use chrono::{DateTime, Utc};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    data: Vec<Key>,
}

#[derive(Deserialize)]
struct Key {
    id: String,
    attributes: Attributes,
}

#[derive(Deserialize)]
struct Attributes {
    name: String,
    timestamps: Timestamps,
}

#[derive(Deserialize)]
struct Timestamps {
    created: DateTime<Utc>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (id, secret) = (std::env::var("HONEYCOMB_KEY_ID")?, std::env::var("HONEYCOMB_KEY_SECRET")?);
    let team = std::env::var("HONEYCOMB_TEAM")?;
    let url = format!("https://api.honeycomb.io/2/teams/{team}/api-keys");
    let page: Page = reqwest::Client::new()
        .get(url)
        .bearer_auth(format!("{id}:{secret}"))
        .header("Accept", "application/vnd.api+json")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    for key in page.data {
        println!("{} {} {}", key.id, key.attributes.name, key.attributes.timestamps.created);
    }
    Ok(())
}
EOF

for program in sdk raw; do
  (cd "$work/$program" && cargo fetch -q)
done

build() { # program -> "wall cpu"
  local dir="$work/$1"
  rm -rf "$dir/target"
  (cd "$dir" && timed "$work/$1.log" env CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$dir/target" RUSTC_WRAPPER= \
      cargo build -q --offline) \
    || { echo "the $1 program did not build:" >&2; cat "$work/$1.log" >&2; exit 1; }
}

declare -A walls cpus medians
for run in $(seq "$runs"); do
  order="sdk raw"
  if (( run % 2 == 0 )); then order="raw sdk"; fi
  for program in $order; do
    result=$(build "$program") || exit 1
    read -r wall cpu <<<"$result"
    printf 'run %s %-3s wall %6.1f s  cpu %6.1f s\n' "$run" "$program" "$wall" "$cpu"
    walls[$program]+="$wall "
    cpus[$program]+="$cpu "
  done
done

for program in sdk raw; do
  crates=$(cd "$work/$program" && cargo tree -q --offline -e normal,build --prefix none --no-dedupe | sort -u | wc -l)
  # shellcheck disable=SC2086
  wall=$(median ${walls[$program]})
  cpu=$(median ${cpus[$program]})
  medians[$program]=$wall
  printf '%-3s median wall %6.1f s  cpu %6.1f s  crates %s\n' "$program" "$wall" "$cpu" "$crates"
done
awk -v a="${medians[sdk]}" -v b="${medians[raw]}" 'BEGIN { printf "ratio sdk / raw (wall): %.2f\n", a / b }'
