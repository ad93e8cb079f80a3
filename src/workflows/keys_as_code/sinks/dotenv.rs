//! The dotenv sink, and the editing of a dotenv file's text by logical entries.

use std::path::PathBuf;

use secrecy::ExposeSecret;

use secrecy::SecretString;

use super::{Delivery, SecretSink, files};
use crate::workflows::keys_as_code::secrets::{SecretLookup, SecretSource};

/// A dotenv file: one `SECRET_NAME=value` line a key.
///
/// The file is changed, never rewritten:
/// - Its entries are read as dotenv tools read them: an assignment (`NAME=value` or
///   `export NAME=value`, spaces around allowed) whose value opens a quote (`"…"`, with
///   backslash escapes, or `'…'`, without) runs to the closing quote, across lines; one
///   whose quote is never closed is its own line only. Comment lines (`#`) and blank
///   lines are entries of their own.
/// - The first assignment of the secret's name is replaced by `NAME=value` (its indent,
///   `export ` and line end kept; a last line without a line end stays without); its
///   later assignments are dropped, whole. Without one, `NAME=value` is added at the
///   end, on a line of its own (a last line without a line end gets one first).
/// - Every other byte is kept: comments (also those quoting `NAME=`), quoted values over
///   several lines, `\r\n` line ends.
///
/// How the file is replaced: under an exclusive advisory lock on
/// `.<file name>.lock` beside it (made `0600` and kept, never deleted; waited for at most
/// 60 s, then the delivery fails naming the lock file), so that deliveries of several
/// processes into one file all stay; by a new file renamed over it (a reader sees the
/// old file or the new one), written `0600`, or with the old file's mode where that is
/// stricter (`0400`). On Unix, a symbolic link is followed only when it is the calling
/// user's and not in a directory that anyone can write, and a file (or lock file) of
/// another user is never written or replaced, not even by root: the sink refuses, in
/// [`check`](SecretSink::check) already, saying which path and whose it is.
///
/// ```
/// use honeycomb_api_keys::DotenvFile;
/// let sink = DotenvFile::new(".env.honeycomb");
/// ```
#[derive(Clone, Debug)]
pub struct DotenvFile {
    path: PathBuf,
}

impl DotenvFile {
    /// Writes to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DotenvFile { path: path.into() }
    }
}

impl SecretSink for DotenvFile {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        let secret = d.secret.expose_secret();
        if secret.is_empty() || !secret.chars().all(|c| c.is_ascii_alphanumeric() || "_-.+/=".contains(c)) {
            return Err(format!(
                "the secret of {} has characters a dotenv line cannot hold safely; it was not written to {}",
                d.key.id,
                self.path.display()
            ));
        }
        files::edit(&self.path, |old| Ok(assign(old, d.secret_name, secret)))
    }

    fn check(&self) -> std::result::Result<(), String> {
        files::check(&self.path).map(drop)
    }
}

/// Reads back the value of the first assignment of the secret's name, as dotenv tools
/// read it (quotes removed, `\"` and `\\` in double quotes unescaped, an unquoted value cut
/// at ` #`); a file that does not exist holds none.
impl SecretSource for DotenvFile {
    fn read(&self, lookup: &SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String> {
        let text = files::read(&self.path)?;
        Ok(value_of(&text, lookup.secret_name).map(SecretString::from))
    }
}

/// The value of `name`'s first assignment in `text`.
pub(super) fn value_of(text: &str, name: &str) -> Option<String> {
    let mut rest = text;
    while !rest.is_empty() {
        let (len, assignment) = entry(rest);
        if let Some(a) = assignment.filter(|a| a.name == name) {
            return Some(unquote(&rest[..len], a.value_at));
        }
        rest = &rest[len..];
    }
    None
}

/// The value of the assignment `whole` (an entry), which starts at `value_at`: a quoted one
/// may run across lines.
fn unquote(whole: &str, value_at: usize) -> String {
    let value = &whole[value_at..];
    let quote = match value.chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => {
            let line = value.lines().next().unwrap_or_default();
            let line = line.split_once(" #").map_or(line, |(v, _)| v);
            return line.trim_end_matches([' ', '\t']).to_string();
        }
    };
    let mut out = String::new();
    let mut chars = value[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quote == '"' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => break,
            },
            c if c == quote => break,
            c => out.push(c),
        }
    }
    out
}

/// `text` with `name` assigned `value`, as [`DotenvFile`] says.
pub(super) fn assign(text: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(text.len() + name.len() + value.len() + 2);
    let mut written = false;
    let mut rest = text;
    while !rest.is_empty() {
        let (len, assignment) = entry(rest);
        let (whole, after) = rest.split_at(len);
        rest = after;
        match assignment {
            Some(a) if a.name == name => {
                if !written {
                    let end = if whole.ends_with("\r\n") {
                        "\r\n"
                    } else if whole.ends_with('\n') {
                        "\n"
                    } else {
                        ""
                    };
                    out.push_str(&whole[..a.name_at]);
                    out.push_str(name);
                    out.push('=');
                    out.push_str(value);
                    out.push_str(end);
                    written = true;
                }
            }
            _ => out.push_str(whole),
        }
    }
    if !written {
        let end = if text.contains("\r\n") { "\r\n" } else { "\n" };
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(end);
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
        out.push_str(end);
    }
    out
}

/// An assignment's name, and where it starts in its entry (after the indent and any
/// `export `).
struct Assignment<'a> {
    name: &'a str,
    name_at: usize,
    /// Where its value starts (after `=` and any blanks) in its entry.
    value_at: usize,
}

/// The length of the entry `text` starts with, and the assignment it is, if it is one.
fn entry(text: &str) -> (usize, Option<Assignment<'_>>) {
    let line_len = text.find('\n').map_or(text.len(), |at| at + 1);
    let line = &text[..line_len];
    let body = line.trim_start_matches([' ', '\t']);
    let mut at = line_len - body.len();
    if body.starts_with('#') {
        return (line_len, None);
    }
    let assigned = match body.strip_prefix("export ") {
        Some(rest) => {
            let rest = rest.trim_start_matches([' ', '\t']);
            at = line_len - rest.len();
            rest
        }
        None => body,
    };
    let Some((before, after)) = assigned.split_once('=') else { return (line_len, None) };
    let name = before.trim_end_matches([' ', '\t']);
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return (line_len, None);
    }
    let value = after.trim_start_matches([' ', '\t']);
    let value_at = line_len - value.len();
    let assignment = Some(Assignment { name, name_at: at, value_at });
    let quote = match value.chars().next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return (line_len, assignment),
    };
    // The closing quote, maybe lines further on; the entry ends with its line.
    let mut chars = text[value_at + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' && quote == '"' {
            chars.next();
        } else if c == quote {
            let close = value_at + 1 + i;
            let end = text[close..].find('\n').map_or(text.len(), |at| close + at + 1);
            return (end, assignment);
        }
    }
    (line_len, assignment) // never closed: its own line only
}
