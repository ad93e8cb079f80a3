# Shared by benches/build_cost.sh and benches/first_command.sh (sourced, not run).

# median NUMBER...: their median.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# timed LOG COMMAND...: runs COMMAND with its output in LOG, and prints "WALL CPU" in
# seconds (CPU: user + system, children included); fails when COMMAND does.
timed() {
  local log=$1 times wall user system
  shift
  local TIMEFORMAT='%R %U %S'
  times=$( { time ("$@" >"$log" 2>&1); } 2>&1 ) || return 1
  read -r wall user system <<<"$times"
  awk -v w="$wall" -v u="$user" -v s="$system" 'BEGIN { printf "%.1f %.1f\n", w, u + s }'
}
