//! Every public method of the async client's handles has a twin of the same name in
//! `blocking` (with the `blocking` feature): a method added to one side alone fails this
//! test, which names it. Read from the sources, so it also covers methods added later.
#![cfg(feature = "blocking")]

use std::{collections::BTreeSet, fs, path::Path};

/// Public methods that have no blocking twin, with the reason.
const ASYNC_ONLY: &[(&str, &str, &str)] = &[(
    "Client",
    "clock",
    "the clock belongs to the async client: reach it with `blocking::Client::as_async().clock()`",
)];

/// Public methods that only the blocking side has, with the reason.
const BLOCKING_ONLY: &[(&str, &str, &str)] =
    &[("Client", "as_async", "the way from the blocking client to the async one it wraps")];

/// The names of `pub fn` / `pub async fn` in every `impl <ty> {` block of `source`.
fn methods_of(source: &str, ty: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let header = format!("impl {ty} {{");
    let mut rest = source;
    while let Some(at) = rest.find(&header) {
        let body = &rest[at + header.len()..];
        let end = body.find("\n}\n").unwrap_or(body.len());
        names.extend(pub_fns(&body[..end]));
        rest = &body[end..];
    }
    names
}

/// The names of the public functions declared in `text`.
fn pub_fns(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line.strip_prefix("pub async fn ").or_else(|| line.strip_prefix("pub fn "))?;
            Some(rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next()?.to_string())
        })
        .collect()
}

/// The public functions a `macro_rules! <name>` of `source` defines.
fn macro_methods(source: &str, name: &str) -> BTreeSet<String> {
    let at = source.find(&format!("macro_rules! {name}")).unwrap_or_else(|| panic!("no macro {name}"));
    let body = &source[at..];
    let end = body.find("\n}\n").unwrap_or(body.len());
    pub_fns(&body[..end]).into_iter().collect()
}

/// Every `.rs` file under `dir`, but the CLI and the blocking module (`src/blocking.rs`
/// and the files under `src/blocking/`).
fn all_sources(dir: &Path, out: &mut String) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("bin") && !path.ends_with("blocking") {
                all_sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("blocking.rs") {
            out.push_str(&fs::read_to_string(&path).unwrap());
            out.push('\n');
        }
    }
}

/// The blocking module's sources: `src/blocking.rs` and every `.rs` file under
/// `src/blocking/`.
fn blocking_sources(src: &Path) -> String {
    let mut out = fs::read_to_string(src.join("blocking.rs")).unwrap();
    out.push('\n');
    let dir = src.join("blocking");
    if dir.is_dir() {
        let mut files = String::new();
        all_rs(&dir, &mut files);
        out.push_str(&files);
    }
    out
}

fn all_rs(dir: &Path, out: &mut String) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push_str(&fs::read_to_string(&path).unwrap());
            out.push('\n');
        }
    }
}

#[test]
fn every_async_method_has_a_blocking_twin_and_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut async_src = String::new();
    all_sources(&root, &mut async_src);
    let blocking = blocking_sources(&root);
    let list_macro = macro_methods(&async_src, "list_builder_methods");
    let blocking_list_macro = macro_methods(&blocking, "blocking_list_methods");

    let mut problems = Vec::new();
    for ty in ["Client", "ApiKeys", "Environments", "ListApiKeys", "ListEnvironments"] {
        let mut wanted = methods_of(&async_src, ty);
        let mut have = methods_of(&blocking, ty);
        if ty.starts_with("List") {
            wanted.extend(list_macro.iter().cloned());
            have.extend(blocking_list_macro.iter().cloned());
        }
        assert!(!wanted.is_empty(), "no public method of {ty} found: did the layout change?");
        for name in wanted.difference(&have) {
            if !ASYNC_ONLY.iter().any(|(t, n, _)| *t == ty && n == name) {
                problems.push(format!(
                    "{ty}::{name} has no blocking twin: add it to the blocking module (src/blocking.rs, src/blocking/), or list it in ASYNC_ONLY with the reason"
                ));
            }
        }
        for name in have.difference(&wanted) {
            if !BLOCKING_ONLY.iter().any(|(t, n, _)| *t == ty && n == name) {
                problems.push(format!(
                    "blocking::{ty}::{name} has no async original: list it in BLOCKING_ONLY with the reason"
                ));
            }
        }
    }
    for (ty, name, _) in ASYNC_ONLY {
        if !methods_of(&async_src, ty).contains(*name) || methods_of(&blocking, ty).contains(*name) {
            problems.push(format!("ASYNC_ONLY lists {ty}::{name}, which is not (or no longer) async only"));
        }
    }
    for (ty, name, _) in BLOCKING_ONLY {
        if !methods_of(&blocking, ty).contains(*name) || methods_of(&async_src, ty).contains(*name) {
            problems.push(format!("BLOCKING_ONLY lists {ty}::{name}, which is not (or no longer) blocking only"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_parity_check_sees_a_method_added_on_one_side() {
    let async_side = "impl ApiKeys {\n    pub async fn get(&self) {}\n    pub async fn fixture_only(&self) {}\n}\n";
    let blocking_side = "impl ApiKeys {\n    pub fn get(&self) {}\n}\n";
    let missing: Vec<_> =
        methods_of(async_side, "ApiKeys").difference(&methods_of(blocking_side, "ApiKeys")).cloned().collect();
    assert_eq!(missing, ["fixture_only"]);
}
