//! Unix-only APIs stay behind `cfg(unix)`: the library and `hny-keys` build on other
//! platforms too (the tool's keyring and sinks are written for them). Reads the sources
//! and fails naming each file and line where such an API is used outside a `cfg(unix)`
//! (or `target_os = "linux"`) item, statement or module.

use std::path::{Path, PathBuf};

/// What exists on Unix only.
const UNIX_ONLY: &[&str] = &["std::os::unix", "libc::", "tokio::signal::unix", "os::unix::"];

/// Whether an attribute line makes what follows Unix-only.
fn is_unix_cfg(line: &str) -> bool {
    let line = line.trim();
    (line.starts_with("#[cfg(") || line.starts_with("#![cfg("))
        && !line.contains("not(unix)")
        && (line.contains("unix") || line.contains("target_os = \"linux\"") || line.contains("target_os = \"macos\""))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Whether line `at` of `lines` sits under a Unix-only attribute: on itself (the lines of
/// attributes right above it), or on an enclosing item (found by indentation).
fn under_unix_cfg(lines: &[&str], at: usize) -> bool {
    if lines.iter().take(30).any(|l| l.trim().starts_with("#![cfg(") && is_unix_cfg(l)) {
        return true;
    }
    let attributes_above = |mut i: usize| {
        while i > 0 && lines[i - 1].trim_start().starts_with("#[") {
            i -= 1;
            if is_unix_cfg(lines[i]) {
                return true;
            }
        }
        false
    };
    if attributes_above(at) {
        return true;
    }
    let mut level = indent(lines[at]);
    let mut i = at;
    while i > 0 && level > 0 {
        i -= 1;
        let line = lines[i];
        if line.trim().is_empty() || indent(line) >= level {
            continue;
        }
        level = indent(line);
        // A statement or item that opens the scope, possibly after a chain of lines.
        if is_unix_cfg(line) || attributes_above(i) {
            return true;
        }
    }
    false
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The uses of a Unix-only API outside `cfg(unix)` in the files below `dirs`.
fn unguarded(dirs: &[PathBuf]) -> Vec<String> {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(dir, &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if UNIX_ONLY.iter().any(|api| code.contains(api)) && !under_unix_cfg(&lines, n) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn unix_only_apis_are_used_only_under_cfg_unix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = unguarded(&[root.join("src"), root.join("hny-keys/src")]);
    assert!(
        found.is_empty(),
        "put these behind #[cfg(unix)], with the other platforms' path written:\n{}",
        found.join("\n")
    );
}

#[test]
fn an_unguarded_unix_api_is_caught() {
    let dir = std::env::temp_dir().join(format!("hny-keys-portability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.rs"),
        "#[cfg(unix)]\nfn fine() {\n    let _ = std::os::unix::fs::symlink;\n}\n\nfn open() {\n    #[cfg(unix)]\n    use std::os::unix::fs::MetadataExt;\n    let mode = libc::geteuid();\n}\n",
    )
    .unwrap();
    let found = unguarded(std::slice::from_ref(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("a.rs:9: let mode = libc::geteuid();"), "{found:?}");
}
