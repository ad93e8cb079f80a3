//! What adding a subcommand takes (ARCHITECTURE.md, "Recipes"), checked: every command
//! `hny-keys --help` lists is in the manual's command table (`hny-keys/README.md`), and
//! every one that prints JSON has its schema (`hny-keys schema <command>`).

use std::process::Command;

/// Commands that print no JSON, and what they print instead.
const NO_JSON: &[(&str, &str)] = &[
    ("export", "a key-set file (TOML)"),
    ("schema", "the schemas themselves"),
    ("completions", "a shell script"),
    ("help", "clap's help"),
    ("profile add", "a sentence on stderr"),
    ("profile remove", "a sentence on stderr"),
];

/// The schema of a command's JSON, when its name is not the command's own.
const SCHEMA_NAMES: &[(&str, &str)] = &[("environments list", "environments"), ("profile list", "profiles")];

fn hny(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hny-keys")).args(args).env_clear().output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The commands a `--help` lists (the first word of each line of its `Commands:` part).
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every command and subcommand: `list`, `environments create`, …
fn every_command() -> Vec<String> {
    let mut all = Vec::new();
    for command in commands(&hny(&["--help"])) {
        let subs = if command == "help" { Vec::new() } else { commands(&hny(&[&command, "--help"])) };
        if subs.is_empty() {
            all.push(command);
        } else {
            all.extend(subs.into_iter().filter(|s| s != "help").map(|s| format!("{command} {s}")));
        }
    }
    all
}

/// What is missing for `command`: a row of the manual's table, a schema.
fn missing(command: &str, manual: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let (top, sub) = command.split_once(' ').map_or((command, None), |(t, s)| (t, Some(s)));
    // Each backticked command of a row's first cell: its first word, then its subcommands
    // (`environments [create|update|delete]`, `profile add|list|remove`).
    let in_table = manual.lines().filter(|l| l.starts_with("| `")).any(|row| {
        let cell = row.split(" | ").next().unwrap_or("");
        cell.split('`').skip(1).step_by(2).any(|named| {
            let words: Vec<&str> =
                named.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).filter(|w| !w.is_empty()).collect();
            // A group's bare command lists (`environments` is `environments list`).
            words.first() == Some(&top) && sub.is_none_or(|s| words[1..].contains(&s) || s == "list")
        })
    });
    if top != "help" && !in_table {
        problems.push(format!("{command}: no row of hny-keys/README.md's command table names it"));
    }
    if !NO_JSON.iter().any(|(c, _)| *c == command) && top != "help" {
        let schema = SCHEMA_NAMES
            .iter()
            .find(|(c, _)| *c == command)
            .map_or_else(|| command.replace(' ', "-"), |(_, s)| s.to_string());
        if !hny(&["schema", &schema]).contains("\"$schema\"") {
            problems.push(format!(
                "{command}: prints JSON but `hny-keys schema {schema}` has no schema (a SchemaOf variant in args.rs and its arm in json.rs), or list it in NO_JSON with what it prints"
            ));
        }
    }
    problems
}

#[test]
fn every_subcommand_is_in_the_manual_and_every_json_one_has_its_schema() {
    let manual = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let all = every_command();
    assert!(all.len() >= 20, "the help lists too few commands to be read right: {all:?}");
    let problems: Vec<String> = all.iter().flat_map(|c| missing(c, &manual)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_command_missing_from_the_manual_or_without_a_schema_is_named() {
    let problems = missing("frobnicate", "| `list` | every key |\n");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("frobnicate: no row"), "{problems:?}");
    assert!(problems[1].contains("`hny-keys schema frobnicate` has no schema"), "{problems:?}");
}
