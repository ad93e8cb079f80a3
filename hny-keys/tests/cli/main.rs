//! `hny-keys` as a process, against the library's fake Honeycomb and the raw-socket hostile
//! server: every subcommand, keys as code, profiles, runs at once, interrupts and closed
//! pipes. One test binary (one link instead of one per file).

// The fixtures the library's own tests use (one home for them).
#[path = "../../../tests/common/fixtures.rs"]
mod common;

mod cli;
mod cli_code;
mod cli_profiles;
mod cli_runs_at_once;
mod hostile;
mod subcommands;
mod verify;
