//! `RELIABILITY.md` kept true by a test: every test it names, as
//! `binary::module::function`, must still be a `fn` of that module (a module it names
//! whole, `binary::module`, must exist), and a name it gives bare (without its binary and
//! module) is refused, so that each can be checked.

use std::{fs, path::Path};

/// The test binaries `RELIABILITY.md` names, and where their modules are.
const BINARIES: &[(&str, &str)] = &[
    ("suite", "tests/suite"),
    ("cli", "hny-keys/tests/cli"),
    ("trace_canary", "tests/trace_canary.rs"),
    ("honeycomb_api_keys", "src"),
];

/// The text inside the document's inline code spans.
fn code_spans(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// The file holding `module` (a path of modules) under `root`: `a/b.rs` or `a/b/mod.rs`;
/// a binary without modules is the file `root` itself.
fn module_file(root: &Path, module: &[&str]) -> Option<std::path::PathBuf> {
    if module.is_empty() {
        return root.is_file().then(|| root.to_path_buf());
    }
    let base = module.iter().fold(root.to_path_buf(), |path, m| path.join(m));
    [base.with_extension("rs"), base.join("mod.rs")].into_iter().find(|file| file.is_file())
}

/// Whether `code` defines a function `name` (async or not, public or not, generic or not).
fn defines_fn(code: &str, name: &str) -> bool {
    code.match_indices(&format!("fn {name}"))
        .any(|(at, found)| matches!(code[at + found.len()..].chars().next(), Some('(' | '<')))
}

/// What the document says is wrong: named tests that no longer exist, and bare names.
fn broken_names(root: &Path, document: &str) -> (Vec<String>, usize) {
    let mut broken = Vec::new();
    let mut checked = 0;
    for span in code_spans(document) {
        let segments: Vec<&str> = span.split("::").collect();
        let is_word =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !segments.iter().all(|s| is_word(s)) {
            continue;
        }
        if segments.len() == 1 {
            // A bare test name (snake case of four words or more), not an option or a field.
            if span.matches('_').count() >= 3 {
                broken.push(format!("{span}: give its binary and module (binary::module::{span})"));
            }
            continue;
        }
        let Some((_, dir)) = BINARIES.iter().find(|(binary, _)| *binary == segments[0]) else {
            continue;
        };
        checked += 1;
        if module_file(&root.join(dir), &segments[1..]).is_some() {
            continue; // a module named whole (`suite::hostile`), which exists
        }
        let (name, module) = segments[1..].split_last().expect("two segments or more");
        match module_file(&root.join(dir), module) {
            None => broken.push(format!("{span}: no file for module {}", module.join("::"))),
            Some(file) => {
                let code = fs::read_to_string(&file).unwrap();
                if !defines_fn(&code, name) {
                    broken.push(format!("{span}: no `fn {name}` in {}", file.strip_prefix(root).unwrap().display()));
                }
            }
        }
    }
    (broken, checked)
}

#[test]
fn every_test_reliability_md_names_exists_where_it_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = fs::read_to_string(root.join("RELIABILITY.md")).unwrap();
    let (broken, checked) = broken_names(root, &document);
    assert!(broken.is_empty(), "RELIABILITY.md names tests that no longer exist there:\n{}", broken.join("\n"));
    assert!(checked >= 40, "RELIABILITY.md names only {checked} tests: is `binary::module::function` still the form?");
}

#[test]
fn a_renamed_a_moved_and_a_bare_test_are_each_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let document = "`suite::hostile::a_test_that_was_renamed`, `cli::nowhere::a_test_that_moved`, \
                    `a_name_without_its_module`, `suite::docs::a_renamed_a_moved_and_a_bare_test_are_each_reported`, \
                    `cli::hostile`, `Error::OutcomeUnknown`, `on_created`";
    let (broken, checked) = broken_names(root, document);
    assert_eq!(checked, 4);
    assert_eq!(broken.len(), 3, "{broken:#?}");
    assert!(broken[0].contains("no `fn a_test_that_was_renamed` in tests/suite/hostile/mod.rs"), "{}", broken[0]);
    assert!(broken[1].contains("no file for module nowhere"), "{}", broken[1]);
    assert!(broken[2].starts_with("a_name_without_its_module: give its binary and module"), "{}", broken[2]);
}

#[test]
fn both_readmes_send_readers_to_reliability_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for readme in ["README.md", "hny-keys/README.md", "ARCHITECTURE.md"] {
        let text = fs::read_to_string(root.join(readme)).unwrap();
        assert!(text.contains("RELIABILITY.md"), "{readme} does not point to RELIABILITY.md");
    }
}

#[test]
fn the_readme_is_a_front_page_of_at_most_350_lines() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines <= 350,
        "README.md has {lines} lines: move details to their home (hny-keys/README.md, RELIABILITY.md, benches/README.md)"
    );
}
