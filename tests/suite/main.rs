//! The integration tests, by capability: one module each, one test binary (one link
//! instead of one per file). `tests/trace_canary.rs` stays apart: it installs a global
//! subscriber.

#[path = "../common/mod.rs"]
mod common;

mod api_keys;
mod architecture;
mod bad_input;
mod blocking;
mod blocking_parity;
mod connections;
mod docs;
mod environments;
mod errors;
mod faults;
mod from_the_rustdoc;
mod hostile;
mod keys_as_code;
mod keys_as_code_races;
mod lifecycle;
mod mock_conformance;
mod mock_user_example;
mod mock_wire;
mod pagination;
mod portability;
mod secrets;
mod spec;
mod spec_coverage;
mod spec_requests;
mod team_and_auth;
mod tls;
mod verify_key;
mod wire_samples;
mod workflows;
