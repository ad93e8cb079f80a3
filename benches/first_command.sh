#!/usr/bin/env bash
# What a new user waits for: the README's first command (the offline tour), run cold on a
# fresh clone, against the same on an older commit. Each is a clone of this repository
# (committed work only) in a temporary directory, built with its own README's first
# command into its own empty target dir, after `cargo fetch` (downloads are not timed),
# with no compiler wrapper and without the variables a developer may have set to change
# how it compiles (incremental, debug info, flags); the two alternate in order, `runs` times.
#
#   bash benches/first_command.sh [runs] [baseline]   (default 3, and 1357ec3: the commit
#                                                      before the build-cost work)
#
# Prints, per run: wall and CPU (user + system) seconds and the crates compiled (cargo's
# "Compiling" lines); then the medians and their ratio. Two to four minutes a run on 2
# cores; run it on an idle machine.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=benches/timing.sh
source "$repo/benches/timing.sh"
runs=${1:-3}
baseline=${2:-1357ec3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "runs must be a positive number, not '$runs'" >&2; exit 2; }
git -C "$repo" rev-parse --verify -q "$baseline^{commit}" >/dev/null \
  || { echo "'$baseline' is not a commit of $repo" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

declare -A commands
for side in now base; do
  git clone -q "$repo" "$work/$side"
done
git -C "$work/base" checkout -q "$baseline"
for side in now base; do
  # The first line of the README's first ```sh block, without its comment (as .ci/run reads it).
  commands[$side]=$(awk '/^```sh$/ {getline; print; exit}' "$work/$side/README.md" | sed 's/ *#.*$//')
  [[ ${commands[$side]} == "cargo run "* ]] \
    || { echo "$side: the README's first command is not a cargo run: '${commands[$side]}'" >&2; exit 1; }
  (cd "$work/$side" && cargo fetch -q)
  printf '%-4s %s: %s\n' "$side" "$(git -C "$work/$side" rev-parse --short HEAD)" "${commands[$side]}"
done

run() { # side -> "wall cpu crates"
  local dir="$work/$1" log="$work/$1.log" times
  rm -rf "$dir/target"
  # shellcheck disable=SC2086
  times=$(cd "$dir" && timed "$log" env -u HONEYCOMB_KEY_ID -u HONEYCOMB_MANAGEMENT_KEY -u CARGO_INCREMENTAL \
      -u CARGO_BUILD_INCREMENTAL -u CARGO_PROFILE_DEV_DEBUG -u CARGO_PROFILE_DEV_INCREMENTAL \
      -u CARGO_PROFILE_DEV_OPT_LEVEL -u CARGO_BUILD_JOBS -u CARGO_BUILD_RUSTFLAGS -u RUSTFLAGS \
      -u CARGO_ENCODED_RUSTFLAGS -u RUSTC_WORKSPACE_WRAPPER CARGO_TARGET_DIR="$dir/target" RUSTC_WRAPPER= \
      ${commands[$1]} --offline) \
    || { echo "the $1 tour failed:" >&2; tail -n 20 "$log" >&2; exit 1; }
  echo "$times $(grep -c '^ *Compiling ' "$log" || true)"
}

declare -A walls cpus medians counts
for i in $(seq "$runs"); do
  order="now base"
  if (( i % 2 == 0 )); then order="base now"; fi
  for side in $order; do
    result=$(run "$side") || exit 1
    read -r wall cpu crates <<<"$result"
    printf 'run %s %-4s wall %6.1f s  cpu %6.1f s  %s crates compiled\n' "$i" "$side" "$wall" "$cpu" "$crates"
    walls[$side]+="$wall "
    cpus[$side]+="$cpu "
    counts[$side]=$crates
  done
done

for side in now base; do
  # shellcheck disable=SC2086
  wall=$(median ${walls[$side]})
  cpu=$(median ${cpus[$side]})
  medians[$side]=$wall
  printf '%-4s median wall %6.1f s  cpu %6.1f s  %s crates compiled\n' "$side" "$wall" "$cpu" "${counts[$side]}"
done
awk -v a="${medians[now]}" -v b="${medians[base]}" 'BEGIN { printf "ratio now / base (wall): %.2f\n", a / b }'
