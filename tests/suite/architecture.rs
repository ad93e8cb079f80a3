//! The import rules of ARCHITECTURE.md, and its 500-line file limit, as tests: they read
//! `src/` and fail on a `crate::` path (in code, not in comments) that crosses a line the
//! design draws, naming the file, the line and the rule.

use std::{fs, path::Path};

/// Pure data: they may use only each other.
const PURE_DATA: &[&str] = &["model", "permissions", "error", "names", "text", "operation"];

/// The transport layer: it never reaches up into the operations, workflows, the blocking
/// client, the fake or the CLI.
const TRANSPORT: &[&str] = &["transport", "client", "retry", "rate_limit", "clock", "config", "credentials"];
const ABOVE_TRANSPORT: &[&str] = &["api_keys", "environments", "auth", "pagination", "workflows", "blocking", "mock"];

/// Built on the public API: they name only items at the root (`crate::ApiKeys`,
/// `crate::terminal_safe`), never another module of the crate.
const PUBLIC_API_ONLY: &[&str] = &["workflows", "blocking"];

/// Whether `name` is a module of the crate (a file or folder of `src/`).
fn is_module(name: &str) -> bool {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    src.join(format!("{name}.rs")).is_file() || src.join(name).is_dir()
}

/// Every `crate::<module>` a line of code names, with the line number. Comment lines and
/// the part of a line after `//` are skipped.
fn crate_paths(source: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_use_block = false;
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim();
        if trimmed.is_empty() {
            continue;
        }
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

/// The broken rules of one file: `(line, message)`.
fn violations(module: &str, source: &str) -> Vec<(usize, String)> {
    let mut broken = Vec::new();
    for (line, used) in crate_paths(source) {
        if used == module || used.is_empty() || used.chars().next().is_some_and(char::is_uppercase) {
            continue; // itself, or a re-exported type at the root (`crate::Error`)
        }
        if PURE_DATA.contains(&module) && !PURE_DATA.contains(&used.as_str()) {
            broken.push((line, format!("`{module}` is pure data and may use only {PURE_DATA:?}, not `{used}`")));
        }
        if TRANSPORT.contains(&module) && ABOVE_TRANSPORT.contains(&used.as_str()) {
            broken.push((line, format!("`{module}` is transport and must not reach up into `{used}`")));
        }
        if PUBLIC_API_ONLY.contains(&module) && is_module(&used) {
            broken.push((
                line,
                format!("`{module}` is built on the public API: it names root items, not the module `{used}`"),
            ));
        }
        if module == "mock"
            && ["wire", "api_keys", "environments", "auth", "transport", "pagination"].contains(&used.as_str())
            && !source.lines().nth(line - 1).is_some_and(|l| l.contains("SPEC_PERMISSIONS"))
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
            let generated = (code.contains("types::") && (code.contains("wire::types") || code.contains(" types::")))
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

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap();
            let shown = relative.display().to_string();
            out.push((module_of(relative), shown, fs::read_to_string(&path).unwrap()));
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
    for (module, shown, source) in &files {
        for (line, message) in violations(module, source) {
            broken.push(format!("src/{shown}:{line}: {message}"));
        }
    }
    assert!(broken.is_empty(), "import rules broken (see ARCHITECTURE.md):\n{}", broken.join("\n"));
}

#[test]
fn a_planted_violation_is_caught() {
    let model = "use crate::{\n    client::Client,\n    error::Error,\n};\n";
    assert_eq!(violations("model", model).len(), 1, "{:?}", violations("model", model));
    let transport = "fn f() { crate::workflows::report(); }\n";
    assert_eq!(violations("transport", transport).len(), 1);
    let fake = "use crate::api_keys::ApiKeys;\n";
    assert_eq!(violations("mock", fake).len(), 1);
    let operation = "use crate::wire::types;\nfn f(x: types::ApiKeyObject) {}\n";
    assert!(!violations("api_keys", operation).is_empty());
    let transport = "type E = progenitor_client::Error<ByteStream>;\n";
    assert_eq!(violations("transport", transport).len(), 1);
    assert!(violations("wire", transport).is_empty());
    let workflow = "use crate::{ApiKeys, terminal_safe, text::Redactor};\n";
    assert_eq!(violations("workflows", workflow).len(), 1, "{:?}", violations("workflows", workflow));
    let fine = "// crate::client in a comment\nuse crate::{error::Error, text::terminal_safe};\n";
    assert!(violations("model", fine).is_empty(), "{:?}", violations("model", fine));
}

#[test]
fn no_file_of_src_is_over_500_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|(_, _, source)| source.lines().count() > 500)
        .map(|(_, shown, source)| format!("src/{shown}: {} lines", source.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concept (one concept, one file): {long:?}");
}

/// One path per public item: everything is re-exported at the root, and the only public
/// modules are the optional `blocking` and `mock` (whose items are not at the root).
#[test]
fn every_public_item_has_one_path() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let public_modules: Vec<&str> = lib
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';'))
        .collect();
    assert_eq!(public_modules, ["blocking", "mock"], "a public module gives its items a second path next to the root");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for module in ["blocking.rs", "mock/mod.rs"] {
        let source = fs::read_to_string(root.join(module)).unwrap();
        let reexports: Vec<&str> =
            source.lines().filter(|line| line.trim_start().starts_with("pub use crate::")).collect();
        assert!(reexports.is_empty(), "src/{module} gives root items a second path: {reexports:?}");
    }
}
