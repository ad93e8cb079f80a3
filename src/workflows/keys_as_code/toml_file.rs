//! Reading a key-set file: TOML, checked field by field so that every error names the
//! file, the key, the field and the line.

use std::ops::Range;

use toml::{
    Spanned,
    de::{DeTable, DeValue},
};

use super::keyset::{DeclaredKey, KeySet, place};
use crate::{Error, KeyType, Permission, Permissions, Result, terminal_safe};

/// Key sets from TOML (feature `toml`).
impl KeySet {
    /// Reads a key-set file's text; `file` names it in errors. Every key is checked
    /// ([`check`](Self::check)) before the set is returned.
    ///
    /// ```
    /// use honeycomb_api_keys::KeySet;
    ///
    /// let set = KeySet::from_toml(r#"
    /// [[key]]
    /// name = "CI boards"
    /// type = "configuration"
    /// environment = "Production"
    /// permissions = ["run_queries", "manage_boards"]
    /// "#, "keys.toml")?;
    /// assert_eq!(set.keys()[0].permissions.len(), 2);
    ///
    /// let err = KeySet::from_toml("[[key]]\nname = \"x\"\ntype = \"ingest\"\nenvironment = \"p\"\nenviroment = \"q\"\n", "keys.toml").unwrap_err();
    /// assert!(err.to_string().contains("keys.toml: key 1 \"x\" (line 5): `enviroment` is not a field of a key (did you mean `environment`?)"), "{err}");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the file, the key, the field and the line: TOML
    /// that does not parse, an unknown field, a missing or mistyped one, an unknown
    /// permission, a permission on an ingest key, two keys with one name in one
    /// environment.
    pub fn from_toml(text: &str, file: &str) -> Result<KeySet> {
        parse(text, file)
    }

    /// Reads a key-set file: `path`, or standard input for `-`. A file larger than
    /// [`MAX_FILE_BYTES`](Self::MAX_FILE_BYTES) is refused after reading one byte more than
    /// that, before any parsing.
    ///
    /// ```
    /// use honeycomb_api_keys::KeySet;
    ///
    /// let err = KeySet::from_toml_file("no/such/keys.toml".as_ref()).unwrap_err();
    /// assert!(err.to_string().contains("could not read the key-set file no/such/keys.toml"), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`]: a file that cannot be read, is too large or is not
    /// UTF-8, and everything [`from_toml`](Self::from_toml) refuses.
    pub fn from_toml_file(path: &std::path::Path) -> Result<KeySet> {
        read(path)
    }
}

/// The fields of a `[[key]]` table.
const FIELDS: &[&str] = &[
    "name",
    "type",
    "environment",
    "permissions",
    "disabled",
    "rotate_after_days",
    "overlap_hours",
    "disabled_hours",
    "secret_name",
];

/// The file-wide settings, beside the `[[key]]` tables.
const SET_FIELDS: &[&str] = &["overlap_hours", "disabled_hours"];

/// A whole number of hours (a set's or a key's `overlap_hours`, `disabled_hours`).
fn hours(value: &DeValue<'_>) -> Option<u32> {
    match value {
        DeValue::Integer(i) => u32::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Where a problem is, for messages.
struct At<'a> {
    text: &'a str,
    file: &'a str,
    index: usize,
    name: Option<String>,
}

impl At<'_> {
    /// `keys.toml: key 1 "x" (line 5): ` and `text`.
    fn message(&self, span: Range<usize>, text: impl std::fmt::Display) -> String {
        let line = Some(line_of(self.text, span.start));
        format!("{}: {text}", place(self.file, self.index, self.name.as_deref(), line))
    }

    fn error(&self, span: Range<usize>, field: &'static str, problem: impl std::fmt::Display) -> Error {
        Error::invalid(field, self.message(span, format!("`{field}` {problem}")))
    }
}

pub(super) fn parse(text: &str, file: &str) -> Result<KeySet> {
    if text.len() > KeySet::MAX_FILE_BYTES {
        return Err(too_large(file));
    }
    let root = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| format!(" (line {})", line_of(text, s.start))).unwrap_or_default();
        Error::invalid("key set", format!("{file}{line}: not valid TOML: {}", e.message().trim_end()))
    })?;
    let mut set = KeySet::new();
    for (field, value) in root.get_ref() {
        let name = field.get_ref().as_ref();
        if SET_FIELDS.contains(&name) {
            let line = line_of(text, value.span().start);
            let Some(h) = hours(value.get_ref()) else {
                return Err(Error::invalid(
                    "key set",
                    format!("{file} (line {line}): `{name}` must be a whole number of hours, 0 to 8760"),
                ));
            };
            set = if name == "overlap_hours" { set.overlap_hours(h) } else { set.disabled_hours(h) };
            continue;
        }
        if name != "key" {
            return Err(Error::invalid(
                "key set",
                format!(
                    "{file} (line {}): `{}` is not part of a key-set file; declare each key in a [[key]] table (beside them: overlap_hours, disabled_hours)",
                    line_of(text, field.span().start),
                    terminal_safe(field.get_ref())
                ),
            ));
        }
        let DeValue::Array(keys) = value.get_ref() else {
            return Err(Error::invalid(
                "key set",
                format!(
                    "{file} (line {}): `key` must be an array of tables: write each as [[key]]",
                    line_of(text, value.span().start)
                ),
            ));
        };
        for (n, key) in keys.iter().enumerate() {
            let DeValue::Table(table) = key.get_ref() else {
                return Err(Error::invalid(
                    "key set",
                    format!(
                        "{file} (line {}): key {} is not a table: write it as [[key]]",
                        line_of(text, key.span().start),
                        n + 1
                    ),
                ));
            };
            let declared = read_key(text, file, n + 1, table, key.span())?;
            // Each field's line, for the set-wide checks' and the plan's messages.
            let fields = table
                .iter()
                .filter_map(|(field, value)| {
                    let name = FIELDS.iter().find(|f| **f == field.get_ref().as_ref())?;
                    Some((*name, line_of(text, value.span().start)))
                })
                .collect();
            set.push_read(declared, file, n + 1, Some(line_of(text, key.span().start)), fields);
        }
    }
    set.check()?;
    Ok(set)
}

/// The error for a key-set file over [`KeySet::MAX_FILE_BYTES`].
pub(super) fn too_large(file: &str) -> Error {
    Error::invalid(
        "key set",
        format!(
            "{file} is larger than {} MiB, more than a key-set file holds; it was not read",
            KeySet::MAX_FILE_BYTES >> 20
        ),
    )
}

/// Reads a key-set file (`-` is standard input), at most [`KeySet::MAX_FILE_BYTES`] of it.
pub(super) fn read(path: &std::path::Path) -> Result<KeySet> {
    use std::io::Read;
    let name = path.display().to_string();
    let source: Box<dyn Read> = if name == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| unreadable(&name, &e))?)
    };
    let mut bytes = Vec::new();
    source.take(KeySet::MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(|e| unreadable(&name, &e))?;
    if bytes.len() > KeySet::MAX_FILE_BYTES {
        return Err(too_large(&name));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::invalid("key set", format!("{name} is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
    })?;
    parse(&text, &name)
}

fn unreadable(name: &str, e: &std::io::Error) -> Error {
    Error::invalid("key set", format!("could not read the key-set file {name}: {e}"))
}

fn read_key(text: &str, file: &str, index: usize, table: &DeTable<'_>, span: Range<usize>) -> Result<DeclaredKey> {
    let name = match table.get("name").map(Spanned::get_ref) {
        Some(DeValue::String(s)) => Some(s.to_string()),
        _ => None,
    };
    let at = At { text, file, index, name };
    for field in table.keys() {
        let f = field.get_ref().as_ref();
        if !is_field(f) {
            let hint = closest_field(f).map(|c| format!(" (did you mean `{c}`?)")).unwrap_or_default();
            let problem =
                format!("`{}` is not a field of a key{hint}; the fields are {}", terminal_safe(f), FIELDS.join(", "));
            return Err(Error::invalid("key set", at.message(field.span(), problem)));
        }
    }
    let string = |field: &'static str| -> Result<Option<String>> {
        match table.get(field) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some(s.to_string())),
                _ => Err(at.error(v.span(), field, "must be a string")),
            },
        }
    };
    let required = |field: &'static str| -> Result<String> {
        string(field)?.ok_or_else(|| at.error(span.clone(), field, "is missing"))
    };
    let name = required("name")?;
    let key_type = match required("type")?.as_str() {
        "ingest" => KeyType::Ingest,
        "configuration" => KeyType::Configuration,
        other => {
            let v = table.get("type").map(Spanned::span).unwrap_or(span.clone());
            return Err(at.error(
                v,
                "type",
                format!("is {:?}; it must be \"ingest\" or \"configuration\"", terminal_safe(other)),
            ));
        }
    };
    let environment = required("environment")?;
    if key_type == KeyType::Configuration && table.get("permissions").is_none() {
        return Err(at.error(
            span,
            "permissions",
            "is missing: list what the configuration key may do, or write `permissions = []` for a key that may do nothing",
        ));
    }
    let mut key = DeclaredKey::ingest(name, environment);
    key.key_type = key_type;
    if let Some(v) = table.get("permissions") {
        let DeValue::Array(items) = v.get_ref() else {
            return Err(at.error(
                v.span(),
                "permissions",
                "must be an array of permission names, like [\"run_queries\"]",
            ));
        };
        let mut permissions = Permissions::none();
        for item in items {
            let DeValue::String(p) = item.get_ref() else {
                return Err(at.error(item.span(), "permissions", "must hold permission names (strings)"));
            };
            let permission: Permission = p.parse().map_err(|e| match e {
                Error::InvalidArgument { reason, .. } => {
                    at.error(item.span(), "permissions", format!("has an {reason}"))
                }
                other => other,
            })?;
            if permissions.contains(permission) {
                return Err(at.error(item.span(), "permissions", format!("names `{}` twice", permission.wire_name())));
            }
            permissions.insert(permission);
        }
        key.permissions = permissions;
    }
    if let Some(v) = table.get("disabled") {
        match v.get_ref() {
            DeValue::Boolean(b) => key.disabled = *b,
            _ => return Err(at.error(v.span(), "disabled", "must be true or false")),
        }
    }
    if let Some(v) = table.get("rotate_after_days") {
        let days = match v.get_ref() {
            DeValue::Integer(i) => u32::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match days {
            Some(days) => key.rotate_after_days = Some(days),
            None => return Err(at.error(v.span(), "rotate_after_days", "must be a whole number of days, 1 to 3650")),
        }
    }
    for field in ["overlap_hours", "disabled_hours"] {
        if let Some(v) = table.get(field) {
            let Some(h) = hours(v.get_ref()) else {
                return Err(at.error(v.span(), field, "must be a whole number of hours, 0 to 8760"));
            };
            key = if field == "overlap_hours" { key.overlap_hours(h) } else { key.disabled_hours(h) };
        }
    }
    key.secret_name = string("secret_name")?;
    Ok(key)
}

/// The field of a key most like `unknown`, for a "did you mean": two edits away at most,
/// or one a prefix of the other.
fn closest_field(unknown: &str) -> Option<&'static str> {
    let u = unknown.to_ascii_lowercase();
    if u.is_empty() {
        return None;
    }
    FIELDS.iter().copied().find(|f| edit_distance(f, &u) <= 2 || f.starts_with(&u) || u.starts_with(f))
}

fn is_field(name: &str) -> bool {
    FIELDS.contains(&name)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb { previous } else { 1 + previous.min(row[j]).min(row[j + 1]) };
            previous = current;
        }
    }
    row[b.len()]
}
