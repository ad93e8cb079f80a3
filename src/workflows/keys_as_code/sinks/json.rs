//! The JSON sink, and the editing of a JSON object's text member by member.

use std::{ops::Range, path::PathBuf};

use secrecy::ExposeSecret;

use secrecy::SecretString;

use super::{Delivery, SecretSink, files};
use crate::workflows::keys_as_code::secrets::{SecretLookup, SecretSource};

/// A JSON file: an object with a member a key, named by its secret name:
/// `{"key_id", "name", "environment", "type", "secret"}`.
///
/// The file is changed, never rewritten: every other member stays byte for byte (its
/// place, its spacing, numbers of any size and precision). The member of the secret's
/// name has its value replaced where it is (later members of that name are removed, as
/// a JSON reader would otherwise take the last); without one, the member is added after
/// the last, indented like it. A missing, empty or blank file is `{}`; a file that is not
/// one JSON object is refused and left as it is.
///
/// It is replaced as [`DotenvFile`](super::DotenvFile) says: under an advisory lock on
/// `.<file name>.lock` beside it, by a new file renamed over it, `0600` (or the old
/// file's stricter mode), through no symbolic link and over no file that another user
/// could have planted or owns.
///
/// ```
/// use honeycomb_api_keys::JsonFile;
/// let sink = JsonFile::new("honeycomb-keys.json");
/// ```
#[derive(Clone, Debug)]
pub struct JsonFile {
    path: PathBuf,
}

impl JsonFile {
    /// Writes to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        JsonFile { path: path.into() }
    }

    fn not_an_object(&self) -> String {
        format!(
            "{} is not a JSON object; it was left as it is (move it away, or choose another file)",
            self.path.display()
        )
    }
}

impl SecretSink for JsonFile {
    fn deliver(&self, d: &Delivery<'_>) -> std::result::Result<(), String> {
        let value = serde_json::json!({
            "key_id": d.key.id.as_str(),
            "name": d.key.name,
            "environment": d.environment.slug,
            "type": d.key.key_type.as_str(),
            "secret": d.secret.expose_secret(),
        });
        files::edit(&self.path, |old| set_member(old, d.secret_name, &value).ok_or_else(|| self.not_an_object()))
    }

    fn check(&self) -> std::result::Result<(), String> {
        let text = files::check(&self.path)?;
        if text.trim().is_empty() || is_object(&text) { Ok(()) } else { Err(self.not_an_object()) }
    }
}

/// Reads back the `secret` of the member of the secret's name (the last, if the file has
/// several, as a JSON reader takes it); a missing, empty or blank file holds none, and one
/// that is not a JSON object is an error.
impl SecretSource for JsonFile {
    fn read(&self, lookup: &SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String> {
        let text = files::read(&self.path)?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|_| self.not_an_object())?;
        let secret = object.get(lookup.secret_name).and_then(|member| member.get("secret")?.as_str());
        Ok(secret.map(|s| SecretString::from(s.to_string())))
    }
}

/// Whether `text` is one JSON object (numbers not converted, so any size is one).
fn is_object(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// `text`, a JSON object (or blank), with its member `name` set to `value`, as
/// [`JsonFile`] says; `None` if it is not an object.
pub(super) fn set_member(text: &str, name: &str, value: &serde_json::Value) -> Option<String> {
    let key = serde_json::to_string(name).ok()?;
    if text.trim_matches([' ', '\t', '\n', '\r']).is_empty() {
        return Some(format!("{{\n  {key}: {}\n}}\n", render(value, "\n  ")));
    }
    if !is_object(text) {
        return None;
    }
    let object = scan(text.as_bytes())?;
    let ours = |m: &&Member| serde_json::from_str::<String>(&text[m.name.clone()]).is_ok_and(|n| n == name);
    let mut out = String::with_capacity(text.len() + 256);
    let Some(first) = object.members.iter().position(|m| ours(&m)) else {
        let Some(last) = object.members.last() else {
            // An empty object: the member on a line of its own.
            out.push_str(&text[..=object.open]);
            out.push_str(&format!("\n  {key}: {}\n", render(value, "\n  ")));
            out.push_str(&text[object.close..]);
            return Some(out);
        };
        // The spacing before the last member's name; after a `{` on the same line, a space.
        let mut before = &text[last.before_name.clone()];
        if object.members.len() == 1 && !before.contains('\n') {
            before = " ";
        }
        out.push_str(&text[..last.value.end]);
        out.push(',');
        out.push_str(before);
        out.push_str(&key);
        out.push_str(&text[last.name.end..last.value.start]);
        out.push_str(&render(value, before));
        out.push_str(&text[last.value.end..]);
        return Some(out);
    };
    let member = &object.members[first];
    out.push_str(&text[..member.value.start]);
    out.push_str(&render(value, &text[member.before_name.clone()]));
    // What follows, less each later member of the name (from the previous member's end).
    let mut from = member.value.end;
    for (i, later) in object.members.iter().enumerate().skip(first + 1) {
        if ours(&later) {
            let cut = object.members[i - 1].value.end;
            out.push_str(&text[from..cut]);
            from = later.value.end;
        }
    }
    out.push_str(&text[from..]);
    Some(out)
}

/// Our value, in the style of the whitespace before its member's name: on several lines
/// indented one step further than the member (a step being the member's own indent) if
/// that whitespace starts a line, compact otherwise.
fn render(value: &serde_json::Value, before_name: &str) -> String {
    let Some(newline) = before_name.rfind('\n') else {
        return value.to_string();
    };
    let indent = &before_name[newline + 1..];
    let step = if indent.is_empty() { "  " } else { indent };
    let mut pretty = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(step.as_bytes());
    let mut serializer = serde_json::Serializer::with_formatter(&mut pretty, formatter);
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        return value.to_string();
    }
    let pretty = String::from_utf8(pretty).unwrap_or_else(|_| value.to_string());
    pretty.replace('\n', &format!("\n{indent}"))
}

/// A member of the top-level object, as byte ranges of the text.
struct Member {
    /// The whitespace before its name (after the `{` or the `,`).
    before_name: Range<usize>,
    /// Its name, quotes included.
    name: Range<usize>,
    /// Its value.
    value: Range<usize>,
}

/// The top-level object: where its braces are, and its members.
struct Object {
    open: usize,
    close: usize,
    members: Vec<Member>,
}

/// The top-level object of a valid JSON text; `None` for anything else.
fn scan(b: &[u8]) -> Option<Object> {
    let open = skip_ws(b, 0);
    if b.get(open) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::new();
    let mut i = open + 1;
    loop {
        let ws = i;
        i = skip_ws(b, i);
        match b.get(i)? {
            b'}' if members.is_empty() => return Some(Object { open, close: i, members }),
            b'"' => {}
            _ => return None,
        }
        let name = i..skip_string(b, i)?;
        i = skip_ws(b, name.end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, i + 1);
        let value = start..skip_value(b, start)?;
        i = skip_ws(b, value.end);
        members.push(Member { before_name: ws..name.start, name, value });
        match b.get(i)? {
            b',' => i += 1,
            b'}' => return Some(Object { open, close: i, members }),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the string starting at `b[i]` (a `"`), past its closing quote.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end of the value starting at `b[i]`: a string, an object or array (strings inside
/// skipped whole, so that their brackets do not count), or a number or literal.
fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = i;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = skip_string(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let end = (i..b.len())
                .find(|&j| matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(b.len());
            (end > i).then_some(end)
        }
    }
}
