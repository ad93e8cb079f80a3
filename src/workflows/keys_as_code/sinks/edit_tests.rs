//! The sinks' edits of a file's text: every byte that is not the secret's entry kept.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{
    dotenv::{assign, value_of},
    json::set_member,
};

fn ours() -> Value {
    json!({"key_id": "hcxik_01", "name": "checkout", "environment": "production", "type": "ingest", "secret": "s3"})
}

#[test]
fn json_members_of_others_are_kept_byte_for_byte_in_their_order() {
    let ours_compact = ours().to_string();
    let text = "{\"OTHER_APP\" :{\"id\": 123456789012345678901234567890,   \"big\":18446744073709551617},\n\t\"A\":1 , \"Z\": [1.50, 2e400]}\n\n";
    let out = set_member(text, "NEW", &ours()).unwrap();
    assert_eq!(
        out,
        format!(
            "{{\"OTHER_APP\" :{{\"id\": 123456789012345678901234567890,   \"big\":18446744073709551617}},\n\t\"A\":1 , \"Z\": [1.50, 2e400], \"NEW\": {ours_compact}}}\n\n"
        )
    );
    // Replaced where it is, the rest as it was.
    let again = set_member(&out, "Z", &ours()).unwrap();
    assert_eq!(again, out.replacen("\"Z\": [1.50, 2e400]", &format!("\"Z\": {ours_compact}"), 1));
}

#[test]
fn json_members_are_added_indented_like_the_last_one() {
    let text = "{\n    \"A\": {\n        \"x\": 1\n    }\n}\n";
    let out = set_member(text, "NEW", &json!({"secret": "s3", "type": "ingest"})).unwrap();
    assert_eq!(
        out,
        "{\n    \"A\": {\n        \"x\": 1\n    },\n    \"NEW\": {\n        \"secret\": \"s3\",\n        \"type\": \"ingest\"\n    }\n}\n"
    );
    // A missing, empty or blank file, or an empty object: the member on a line of its own.
    let fresh = "{\n  \"NEW\": {\n    \"secret\": \"s3\"\n  }\n}\n";
    for blank in ["", " \n\t", "{}\n"] {
        let out = set_member(blank, "NEW", &json!({"secret": "s3"})).unwrap();
        assert_eq!(out, fresh, "{blank:?}");
    }
    assert_eq!(set_member("{ }", "N", &json!(1)).unwrap(), "{\n  \"N\": 1\n}");
}

#[test]
fn json_strings_with_quotes_braces_and_escapes_do_not_confuse_the_scan() {
    let text = r#"{"a\"}": "}{,\"", "b": ["]", {"c": "\\"}], "N\u0041ME": "old", "d": "NAME", "NAME": 2}"#;
    let out = set_member(text, "NAME", &json!(7)).unwrap();
    // The first member of the name (however escaped) replaced, the later one removed.
    assert_eq!(out, r#"{"a\"}": "}{,\"", "b": ["]", {"c": "\\"}], "N\u0041ME": 7, "d": "NAME"}"#);
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["NAME"], 7);
}

#[test]
fn json_that_is_not_one_object_is_refused() {
    for text in ["[1, 2]", "1", "\"{}\"", "{", "{\"a\": 1,}", "{} {}", "{\"a\" 1}", "null", "{\"a\": 1} x"] {
        assert_eq!(set_member(text, "N", &json!(1)), None, "{text}");
    }
}

#[test]
fn dotenv_quoted_values_over_several_lines_are_kept_whole() {
    let text = "MULTI=\"line1\nHONEYCOMB_PRODUCTION_D1=x\nline3\"\nHONEYCOMB_PRODUCTION_D1=old\n";
    assert_eq!(
        assign(text, "HONEYCOMB_PRODUCTION_D1", "new"),
        "MULTI=\"line1\nHONEYCOMB_PRODUCTION_D1=x\nline3\"\nHONEYCOMB_PRODUCTION_D1=new\n"
    );
    // An escaped quote does not end a double-quoted value; single quotes have no escapes.
    let text = "A=\"say \\\"\nN=inside\\\"\" # done\nB='it\\'\nN=old\nC='x\nN=y'\n";
    assert_eq!(assign(text, "N", "new"), "A=\"say \\\"\nN=inside\\\"\" # done\nB='it\\'\nN=new\nC='x\nN=y'\n");
    // Not in the file outside quotes: added at the end.
    let text = "SINGLE='a\nN=no'\n";
    assert_eq!(assign(text, "N", "new"), "SINGLE='a\nN=no'\nN=new\n");
    // A quote never closed holds its own line only.
    assert_eq!(assign("A=\"open\nN=old\n", "N", "new"), "A=\"open\nN=new\n");
}

#[test]
fn dotenv_comments_blank_lines_and_other_bytes_are_kept() {
    let text = "# N=commented\n  #N=also\n\n  export   N = old # trailing\r\nOTHER=1\r\nexport N=dup\nN=\"dup\nover lines\"\nlast=1";
    assert_eq!(assign(text, "N", "new"), "# N=commented\n  #N=also\n\n  export   N=new\r\nOTHER=1\r\nlast=1");
    // Added: a last line without a line end gets one first (`\r\n` where the file has them).
    assert_eq!(assign("A=1", "N", "new"), "A=1\nN=new\n");
    assert_eq!(assign("A=1\r\nB=2", "N", "new"), "A=1\r\nB=2\r\nN=new\r\n");
    assert_eq!(assign("", "N", "new"), "N=new\n");
    // Replaced last line without a line end: still without.
    assert_eq!(assign("A=1\nN=old", "N", "new"), "A=1\nN=new");
    // A longer name, or text that is no assignment, is another entry.
    assert_eq!(assign("NN=1\nsome words = N=x\n", "N", "new"), "NN=1\nsome words = N=x\nN=new\n");
}

proptest! {
    /// Whatever the object and its layout, the edit reads back as the object with our
    /// member set, and what precedes the end of the last member stays as it was when the
    /// name is new.
    #[test]
    fn a_json_edit_reads_back_as_the_object_with_our_member(
        members in prop::collection::btree_map("[a-zA-Z\"\\\\{}\\[\\],: ]{0,6}", any::<i64>().prop_map(Value::from), 0..6),
        pretty in any::<bool>(),
        name in "[A-Z_\"{}]{1,5}",
    ) {
        let object: serde_json::Map<String, Value> = members.into_iter().collect();
        let text = if pretty { serde_json::to_string_pretty(&object).unwrap() } else { serde_json::to_string(&object).unwrap() };
        let out = set_member(&text, &name, &ours()).unwrap();
        let mut expected = object.clone();
        expected.insert(name.clone(), ours());
        prop_assert_eq!(serde_json::from_str::<serde_json::Map<String, Value>>(&out).unwrap(), expected);
        if !object.contains_key(&name) && !object.is_empty() {
            let kept = text.trim_end().trim_end_matches('}').trim_end();
            prop_assert!(out.starts_with(kept), "{} / {}", text, out);
        }
    }

    /// Whatever the lines, a dotenv edit keeps every line that assigns another name.
    #[test]
    fn a_dotenv_edit_keeps_every_other_line(lines in prop::collection::vec("(# )?[A-Z]{1,3}=[a-z]{0,3}", 0..8)) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        let out = assign(&text, "N", "new");
        let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with("N=")).collect();
        let left: Vec<&str> = out.lines().filter(|l| !l.starts_with("N=")).collect();
        prop_assert_eq!(kept, left);
        prop_assert_eq!(out.lines().filter(|l| l.starts_with("N=")).collect::<Vec<_>>(), vec!["N=new"]);
    }
}

#[test]
fn dotenv_values_are_read_back_as_dotenv_tools_read_them() {
    let text = "# A=commented\nexport A = plain # a comment\r\nB=\"two\nlines \\\" q\"\nC='single \\n kept'\nA=later\nD=\nE=no-end";
    assert_eq!(value_of(text, "A").as_deref(), Some("plain"), "the first assignment, its comment cut");
    assert_eq!(value_of(text, "B").as_deref(), Some("two\nlines \" q"));
    assert_eq!(value_of(text, "C").as_deref(), Some("single \\n kept"));
    assert_eq!(value_of(text, "D").as_deref(), Some(""));
    assert_eq!(value_of(text, "E").as_deref(), Some("no-end"));
    assert_eq!(value_of(text, "F"), None);
    // What `assign` writes, `value_of` reads.
    let written = assign(text, "B", "hcxik_01secret");
    assert_eq!(value_of(&written, "B").as_deref(), Some("hcxik_01secret"));
}
