//! Generates the crate's private HTTP layer from Honeycomb's published API document.
//!
//! `spec/api-keys.yaml` is Honeycomb's document (OpenAPI 3.1), reduced to the paths this
//! crate covers by `spec/extract.py` and otherwise verbatim. In memory, this script, one
//! stage per module of `build/` (named in brackets):
//!
//! 1. [`read`] reads it and `spec/overlay.yaml` (YAML with duplicate keys refused);
//! 2. [`overlay`] applies the overlay's actions in order (OpenAPI Overlay 1.0, targets in
//!    RFC 9535 JSONPath): our deliberate deviations, each with its reason in the overlay.
//!    An `update` merges objects recursively (other values are replaced; merging an array
//!    into an array is refused as ambiguous), a `remove` deletes every node the target
//!    selects. An action whose target selects nothing fails the build and names the action;
//! 3. [`convert`] converts what remains of OpenAPI 3.1 mechanically into 3.0, which
//!    progenitor 0.15 reads (type arrays with `null` and `oneOf` null branches into
//!    `nullable`, `const` into a one-value enum, schema `examples` into `example`, arrays
//!    without `items`, security scopes of bearer schemes); a 3.1 construct without a 3.0
//!    form fails the build with its JSON pointer;
//! 4. [`adapt`] adapts the result to progenitor: `application/vnd.api+json` request and
//!    success bodies renamed `application/json` (progenitor types JSON only; the crate's
//!    `ClientHooks::pre` puts the real media type back), response `$ref`s inlined and every
//!    error response (status >= 300) given an untyped body (the crate reads every error
//!    format itself), headers dropped (the crate reads rate-limit headers from the raw
//!    response), then components no path reaches removed;
//! 5. [`generate`] generates with progenitor (positional interface, hooks expected; the
//!    `KeyPermissions` schema is replaced by the crate's `WirePermissions`, which decodes
//!    without serde's flatten buffering and keeps unknown names), formats with prettyplease
//!    and `main` writes `$OUT_DIR/codegen.rs`, with `SPEC_PERMISSIONS`: every permission
//!    name the published document lists (the fake's).
//!
//! The OpenAPI 3.0 document it generated from is also written, as
//! `$OUT_DIR/api-keys.openapi-3.0.json`, for validators. Any problem fails the build with
//! a message that names the file, the place (a JSON pointer, or method and path) and what
//! to fix.

#[path = "build/adapt.rs"]
mod adapt;
#[path = "build/convert.rs"]
mod convert;
#[path = "build/generate.rs"]
mod generate;
#[path = "build/overlay.rs"]
mod overlay;
#[path = "build/read.rs"]
mod read;

use std::{env, fs, path::PathBuf, process};

const SPEC: &str = "spec/api-keys.yaml";
const OVERLAY: &str = "spec/overlay.yaml";

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed={OVERLAY}");
    println!("cargo:rerun-if-changed=build.rs");
    // The stages, build/*.rs (a directory: cargo checks every file under it).
    println!("cargo:rerun-if-changed=build");

    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    match generate::generate(&manifest_dir) {
        Ok(outputs) => {
            for (name, text) in outputs {
                let out = out_dir.join(name);
                if let Err(e) = fs::write(&out, text) {
                    fail(&format!("error: cannot write {}: {e}", out.display()));
                }
            }
        }
        Err(problem) => fail(&problem),
    }
}

fn fail(problem: &str) -> ! {
    eprintln!("{problem}");
    eprintln!("help: spec/README.md says what the generator accepts and how to update the spec");
    process::exit(1);
}

/// `error: <file>: <problem>`, the form of every failure of the inputs.
fn in_file(file: &str) -> impl Fn(String) -> String + '_ {
    move |problem| format!("error: {file}: {problem}")
}

/// What the spec is once the overlay is applied: a problem found then may come from either.
const OVERLAID: &str = "spec/api-keys.yaml with spec/overlay.yaml applied";
