//! The import rules of ARCHITECTURE.md, and its 500-line file limit, as tests: they read
//! `src/` and fail on a `crate::` path (in code, not in comments) that crosses a line the
//! design draws, naming the file, the line and the rule; and a file of `src/`, or of the
//! build script (`build.rs` and its stages under `build/`), over 500 lines, naming it.

use std::{fs, path::Path};

/// Pure data: they may use only each other.
const PURE_DATA: &[&str] = &["model", "permissions", "error", "text", "operation"];

/// The transport layer: it never reaches up into the operations, workflows, the blocking
/// client, the fake or the CLI.
const TRANSPORT: &[&str] = &["transport", "client", "retry", "rate_limit", "clock", "config", "credentials"];
const ABOVE_TRANSPORT: &[&str] =
    &["api_keys", "environments", "scope", "auth", "pagination", "workflows", "blocking", "mock"];

/// Below the transport: `wire` converts between the generated code and pure data; it
/// never reaches the transport, the client or anything above them.
const WIRE_MAY_USE: &[&str] = PURE_DATA;

/// Built on the public API: they name only items at the root (`crate::ApiKeys`,
/// `crate::terminal_safe`), never another module of the crate.
const PUBLIC_API_ONLY: &[&str] = &["workflows", "blocking"];

/// Whether `name` is a module of the crate (a file or folder of `src/`).
fn is_module(name: &str) -> bool {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    src.join(format!("{name}.rs")).is_file() || src.join(name).is_dir()
}

/// The first segment after each `super::` chain long enough to reach the crate root from
/// a file `depth` modules deep (`src/a/b.rs` is 2 deep), with the line number: a path to
/// the root spelled without `crate::`.
fn root_paths_via_super(code: &str, depth: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let before = rest[..at].chars().last();
        let mut after = &rest[at..];
        let mut climbs = 0;
        while let Some(next) = after.strip_prefix("super::") {
            climbs += 1;
            after = next;
        }
        // Only a whole chain counts: not the tail of `foo::super::` or a longer word.
        if climbs >= depth && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            let entries = after.strip_prefix('{').map_or(after, |inner| inner.split('}').next().unwrap_or(""));
            for entry in entries.split(',') {
                let module: String =
                    entry.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                found.push(module);
                if !after.starts_with('{') {
                    break;
                }
            }
        }
        rest = after;
    }
    found
}

/// Every `crate::<module>` a line of code names (and every path to the root through
/// `super::`, for a file `depth` modules deep), with the line number. Comment lines and
/// the part of a line after `//` are skipped.
fn crate_paths(source: &str, depth: usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_use_block = false;
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim();
        if trimmed.is_empty() {
            continue;
        }
        found.extend(root_paths_via_super(code, depth).into_iter().map(|module| (n + 1, module)));
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let module: String =
                rest[at + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            found.push((n + 1, module));
            rest = &rest[at + 7..];
        }
        // `use crate::{a::x, b::y};` across lines: the first segment of each entry.
        if trimmed.starts_with("use crate::{") {
            in_use_block = !trimmed.ends_with("};");
            for entry in trimmed.trim_start_matches("use crate::{").split(',') {
                let module: String =
                    entry.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !module.is_empty() {
                    found.push((n + 1, module));
                }
            }
        } else if in_use_block {
            if trimmed.starts_with("};") {
                in_use_block = false;
            } else {
                let module: String = trimmed.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !module.is_empty() {
                    found.push((n + 1, module));
                }
            }
        }
    }
    found
}

/// The module a file of `src/` belongs to: `src/x.rs` and `src/x/**` are `x`.
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// How many modules deep a file of `src/` is: `x.rs` and `x/mod.rs` 1, `x/y.rs` 2.
fn depth_of(relative: &Path) -> usize {
    let parts = relative.components().count();
    if relative.file_name().is_some_and(|name| name == "mod.rs") { parts - 1 } else { parts }
}

/// The broken rules of one file of `module`, `depth` modules deep: `(line, message)`.
/// Whether an import line names only the spec's lists (`wire::SPEC_…`), the one thing of
/// `wire` the fake may use: what the published spec accepts.
fn only_spec_lists(line: &str) -> bool {
    let Some(names) = line.trim().strip_prefix("wire::").and_then(|rest| rest.strip_suffix(',')) else {
        return false;
    };
    let names = names.strip_prefix('{').and_then(|n| n.strip_suffix('}')).unwrap_or(names);
    names.split(',').map(str::trim).filter(|n| !n.is_empty()).all(|n| n.starts_with("SPEC_") && !n.contains(':'))
}

fn violations(module: &str, depth: usize, source: &str) -> Vec<(usize, String)> {
    let mut broken = Vec::new();
    for (line, used) in crate_paths(source, depth) {
        if used == module || used.is_empty() || used.chars().next().is_some_and(char::is_uppercase) {
            continue; // itself, or a re-exported type at the root (`crate::Error`)
        }
        if PURE_DATA.contains(&module) && !PURE_DATA.contains(&used.as_str()) {
            broken.push((line, format!("`{module}` is pure data and may use only {PURE_DATA:?}, not `{used}`")));
        }
        if TRANSPORT.contains(&module) && ABOVE_TRANSPORT.contains(&used.as_str()) {
            broken.push((line, format!("`{module}` is transport and must not reach up into `{used}`")));
        }
        if module == "wire" && is_module(&used) && !WIRE_MAY_USE.contains(&used.as_str()) {
            broken
                .push((line, format!("`wire` is below the transport and may use only {WIRE_MAY_USE:?}, not `{used}`")));
        }
        if PUBLIC_API_ONLY.contains(&module) && is_module(&used) {
            broken.push((
                line,
                format!("`{module}` is built on the public API: it names root items, not the module `{used}`"),
            ));
        }
        if module == "mock"
            && ["wire", "api_keys", "environments", "auth", "transport", "pagination"].contains(&used.as_str())
            && !(used == "wire" && source.lines().nth(line - 1).is_some_and(only_spec_lists))
        {
            broken.push((
                line,
                format!(
                    "the fake writes its own wire JSON; it must not use `{used}` (only the spec's permission names)"
                ),
            ));
        }
    }
    // Only `wire` touches the generated code: its types, its client, its error type.
    if module != "wire" {
        for (n, line) in source.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let bare_types = code.match_indices("types::").any(|(at, _)| {
                !code[..at].chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            });
            let generated = bare_types
                || code.contains("wire::types")
                || code.contains("progenitor_client")
                || code.contains("RawClient")
                || code.contains("codegen.rs");
            if generated {
                broken.push((n + 1, format!("`{module}` touches the generated code; only `wire` may")));
            }
        }
    }
    broken
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, usize, String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            let shown = relative.display().to_string();
            out.push((module_of(relative), depth_of(relative), shown, fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn src_keeps_the_import_rules_of_architecture_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 20, "src/ was not read");
    let mut broken = Vec::new();
    for (module, depth, shown, source) in &files {
        for (line, message) in violations(module, *depth, source) {
            broken.push(format!("src/{shown}:{line}: {message}"));
        }
    }
    assert!(broken.is_empty(), "import rules broken (see ARCHITECTURE.md):\n{}", broken.join("\n"));
}

#[test]
fn a_planted_violation_is_caught() {
    let count = |module, depth, source| violations(module, depth, source).len();
    let model = "use crate::{\n    client::Client,\n    error::Error,\n};\n";
    assert_eq!(count("model", 1, model), 1, "{:?}", violations("model", 1, model));
    assert_eq!(count("transport", 1, "fn f() { crate::workflows::report(); }\n"), 1);
    assert_eq!(count("mock", 2, "use crate::api_keys::ApiKeys;\n"), 1);
    assert_eq!(count("mock", 1, "use crate::{\n    wire::{SPEC_PERMISSIONS, keys::key_from_wire},\n};\n"), 1);
    assert_eq!(count("mock", 1, "use crate::{\n    wire::SPEC_PERMISSIONS,\n};\n"), 0);
    assert_eq!(count("mock", 1, "use crate::{\n    wire::{SPEC_KEY_TYPES, SPEC_PERMISSIONS},\n};\n"), 0);
    assert_eq!(count("mock", 1, "use crate::{\n    wire::{SPEC_KEY_TYPES, types},\n};\n"), 1);
    assert!(count("api_keys", 1, "use crate::wire::types;\n") > 0);
    assert!(count("api_keys", 1, "fn f(x: Vec<types::ApiKeyObject>) {}\n") > 0);
    let transport = "type E = progenitor_client::Error<ByteStream>;\n";
    assert_eq!(count("transport", 1, transport), 1);
    assert_eq!(count("wire", 1, transport), 0);
    assert_eq!(count("wire", 2, "use crate::{auth::AuthInfo, model::ApiKey};\n"), 1);
    assert_eq!(count("workflows", 1, "use crate::{ApiKeys, terminal_safe, text::Redactor};\n"), 1);
    // Through `super::` to the root: three levels up from `src/workflows/rotate/x.rs`.
    assert_eq!(count("workflows", 3, "use super::super::super::text::Redactor;\n"), 1);
    assert_eq!(count("workflows", 3, "use super::super::{names::NamePattern, report};\n"), 0);
    assert_eq!(count("blocking", 2, "use super::super::{Error, client::Client};\n"), 1);
    let fine = "// crate::client in a comment\nuse crate::{error::Error, text::terminal_safe};\n";
    assert!(violations("model", 1, fine).is_empty(), "{:?}", violations("model", 1, fine));
}

/// The files over 500 lines among `files` (`(name, source)`), as `name: N lines`.
fn over_500_lines(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .filter(|(_, source)| source.lines().count() > 500)
        .map(|(name, source)| format!("{name}: {} lines", source.lines().count()))
        .collect()
}

/// The Rust files under `dir` of the package (`src`, `build`), named from the package's root.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    files.into_iter().map(|(_, _, shown, source)| (format!("{dir}/{shown}"), source)).collect()
}

#[test]
fn no_file_of_src_is_over_500_lines() {
    let long = over_500_lines(&rust_files("src"));
    assert!(long.is_empty(), "split these by concept (one concept, one file): {long:?}");
}

/// The build script is held to the same limit: `build.rs` (the entry) and its stages,
/// every file under `build/`.
#[test]
fn no_file_of_the_build_script_is_over_500_lines() {
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs");
    let mut files = vec![("build.rs".to_string(), fs::read_to_string(entry).unwrap())];
    let stages = rust_files("build");
    assert!(!stages.is_empty(), "build/ holds no stage of the build script");
    files.extend(stages);
    let long = over_500_lines(&files);
    assert!(long.is_empty(), "split these by stage or concept (one concept, one file): {long:?}");
}

#[test]
fn a_file_of_501_lines_is_caught() {
    let files = [("build/x.rs".to_string(), "\n".repeat(500)), ("build/y.rs".to_string(), "x\n".repeat(501))];
    assert_eq!(over_500_lines(&files), ["build/y.rs: 501 lines"]);
}

/// The second paths a file of the public `blocking` or `mock` module (`depth` modules
/// deep) gives to items of the root: `pub use` or `pub type` of a root path, through
/// `crate::` or through `super::`.
fn second_paths(depth: usize, source: &str) -> Vec<String> {
    source
        .lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with("pub use ") || line.starts_with("pub type "))
        .filter(|line| line.contains("crate::") || !root_paths_via_super(line, depth).is_empty())
        .map(str::to_string)
        .collect()
}

/// One path per public item: everything is re-exported at the root, and the only public
/// modules are the optional `blocking` and `mock` (whose items are not at the root).
#[test]
fn every_public_item_has_one_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(root.join("lib.rs")).unwrap();
    let public_modules: Vec<&str> = lib
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';'))
        .collect();
    assert_eq!(public_modules, ["blocking", "mock"], "a public module gives its items a second path next to the root");
    // A module re-exported whole from the root is a public module under another name.
    let whole: Vec<&str> = lib.lines().filter(|line| reexports_a_module(line)).collect();
    assert!(whole.is_empty(), "src/lib.rs re-exports a module: {whole:?}");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    let mut found = Vec::new();
    for (module, depth, shown, source) in &files {
        if module == "blocking" || module == "mock" {
            found.extend(second_paths(*depth, source).into_iter().map(|line| format!("src/{shown}: {line}")));
        }
    }
    assert!(found.is_empty(), "root items given a second path in a public module: {found:?}");
}

/// Dependencies re-exported whole from the root: a crate whose types are in the public API
/// (`ApiKey::created` is a `chrono::DateTime<Utc>`), so that a user names them at the
/// version this crate was built with. A dependency is no module of this crate: its items
/// have no other path here.
const DEPENDENCIES_REEXPORTED: &[&str] = &["chrono"];

/// Whether a line of `lib.rs` re-exports a whole module (`pub use a::b;` with `b`
/// lowercase). The exceptions are the benchmarks' scaffolding, `wire::bench_support`
/// (feature `__bench`, hidden, not an API), and the dependencies of
/// [`DEPENDENCIES_REEXPORTED`].
fn reexports_a_module(line: &str) -> bool {
    let Some(path) = line.trim().strip_prefix("pub use ").and_then(|p| p.strip_suffix(';')) else {
        return false;
    };
    let last = path.rsplit("::").next().unwrap_or("");
    !path.contains('{')
        && last.starts_with(char::is_lowercase)
        && path != "wire::bench_support"
        && !DEPENDENCIES_REEXPORTED.contains(&path)
}

#[test]
fn a_planted_second_path_is_caught() {
    assert!(reexports_a_module("pub use wire::types;"));
    assert!(!reexports_a_module("pub use wire::bench_support;"));
    assert!(!reexports_a_module("pub use chrono;"), "a dependency whose types are in the API");
    assert!(reexports_a_module("pub use serde;"), "only the dependencies allowed by name");
    assert!(reexports_a_module("pub use model::chrono;"), "a module of the crate, named like the dependency");
    assert!(!reexports_a_module("pub use retry::RetryConfig;"));
    assert!(!reexports_a_module("pub use text::{is_hidden, terminal_safe};"));
    assert_eq!(second_paths(1, "pub use crate::operation::Operation;\n").len(), 1);
    assert_eq!(second_paths(1, "pub use super::Operation;\n").len(), 1, "super:: from mock/mod.rs is the root");
    assert_eq!(second_paths(2, "pub use super::super::{Client, Error};\n").len(), 1);
    assert_eq!(second_paths(1, "pub type Op = crate::Operation;\n").len(), 1);
    assert!(second_paths(1, "pub use faults::{Fault, RecordedRequest};\n").is_empty());
    assert!(second_paths(2, "pub use super::MockHoneycomb;\n").is_empty(), "super:: from mock/x.rs is mock");
}
