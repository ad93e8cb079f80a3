//! The declared keys: [`KeySet`], read from TOML or built in code, and checked before
//! anything is planned.

use std::{collections::HashMap, fmt};

use serde::Serialize;

use super::markers;
use crate::{Error, KeyType, Permission, Permissions, Result, terminal_safe};

/// The longest `rotate_after_days` accepted (ten years).
const MAX_ROTATE_AFTER_DAYS: u32 = 3650;

/// One key as declared: its name is its identity within its environment.
///
/// ```
/// use honeycomb_api_keys::{DeclaredKey, Permissions};
///
/// let ingest = DeclaredKey::ingest("checkout ingest", "Production");
/// let boards = DeclaredKey::configuration("CI boards", "Production", Permissions::board_management())
///     .rotate_after_days(90);
/// assert_eq!(boards.rotate_after_days, Some(90));
/// assert!(!ingest.disabled);
/// ```
#[derive(Clone, Debug, Eq, Serialize)]
#[non_exhaustive]
pub struct DeclaredKey {
    /// The key's name (1 to 100 characters), unique within its environment.
    pub name: String,
    /// Ingest or configuration.
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The environment: its id, name or slug.
    pub environment: String,
    /// The permissions (for an ingest key, only `create_datasets`).
    pub permissions: Permissions,
    /// Whether the key is disabled.
    pub disabled: bool,
    /// Replace the key when it is this many days old.
    pub rotate_after_days: Option<u32>,
    /// Hours a replaced key stays enabled after its successor was delivered (the set's
    /// [`overlap_hours`](KeySet::overlap_hours) when `None`, default 24).
    pub overlap_hours: Option<u32>,
    /// Hours a replaced key then stays disabled before it is deleted (the set's
    /// [`disabled_hours`](KeySet::disabled_hours) when `None`, default 48).
    pub disabled_hours: Option<u32>,
    /// The name its secret is stored under (a dotenv variable, a JSON member); default
    /// [`DeclaredKey::default_secret_name`].
    pub secret_name: Option<String>,
    /// Where it was declared (`keys.toml`, key 2, line 7), for messages.
    #[serde(skip)]
    pub(crate) origin: Option<Origin>,
}

impl PartialEq for DeclaredKey {
    /// The same key declared: where it was declared does not count.
    fn eq(&self, other: &Self) -> bool {
        (&self.name, &self.key_type, &self.environment, &self.permissions)
            == (&other.name, &other.key_type, &other.environment, &other.permissions)
            && (self.disabled, self.rotate_after_days, &self.secret_name)
                == (other.disabled, other.rotate_after_days, &other.secret_name)
            && (self.overlap_hours, self.disabled_hours) == (other.overlap_hours, other.disabled_hours)
    }
}

/// Where a key was declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    file: String,
    index: usize,
    line: Option<usize>,
    /// The line of each field written.
    fields: Vec<(&'static str, usize)>,
}

impl DeclaredKey {
    /// An enabled ingest key, without `create_datasets`.
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, KeyType};
    /// assert_eq!(DeclaredKey::ingest("checkout", "production").key_type, KeyType::Ingest);
    /// ```
    pub fn ingest(name: impl Into<String>, environment: impl Into<String>) -> Self {
        DeclaredKey::new(name.into(), KeyType::Ingest, environment.into(), Permissions::none())
    }

    /// An enabled configuration key with `permissions`.
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, Permission, Permissions};
    /// let key = DeclaredKey::configuration("CI", "production", Permissions::read_only_querying());
    /// assert!(key.permissions.contains(Permission::RunQueries));
    /// ```
    pub fn configuration(name: impl Into<String>, environment: impl Into<String>, permissions: Permissions) -> Self {
        DeclaredKey::new(name.into(), KeyType::Configuration, environment.into(), permissions)
    }

    fn new(name: String, key_type: KeyType, environment: String, permissions: Permissions) -> Self {
        DeclaredKey {
            name,
            key_type,
            environment,
            permissions,
            disabled: false,
            rotate_after_days: None,
            overlap_hours: None,
            disabled_hours: None,
            secret_name: None,
            origin: None,
        }
    }

    /// Declare it disabled (or not).
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// assert!(DeclaredKey::ingest("old", "production").disabled(true).disabled);
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Replace the key once it is `days` old (1 to 3650).
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// assert_eq!(DeclaredKey::ingest("checkout", "production").rotate_after_days(30).rotate_after_days, Some(30));
    /// ```
    pub fn rotate_after_days(mut self, days: u32) -> Self {
        self.rotate_after_days = Some(days);
        self
    }

    /// Let an ingest key create datasets (or not).
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, Permission};
    /// let key = DeclaredKey::ingest("checkout", "production").create_datasets(true);
    /// assert!(key.permissions.contains(Permission::CreateDatasets));
    /// ```
    pub fn create_datasets(mut self, allowed: bool) -> Self {
        self.permissions.set(Permission::CreateDatasets, allowed);
        self
    }

    /// Store its secret under this name (letters, digits and `_`, not starting with a
    /// digit).
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// let key = DeclaredKey::ingest("checkout", "production").secret_name("CHECKOUT_HONEYCOMB_KEY");
    /// assert_eq!(key.effective_secret_name(), "CHECKOUT_HONEYCOMB_KEY");
    /// ```
    pub fn secret_name(mut self, name: impl Into<String>) -> Self {
        self.secret_name = Some(name.into());
        self
    }

    /// The name its secret is stored under: [`secret_name`](Self::secret_name), else
    /// [`default_secret_name`](Self::default_secret_name).
    pub fn effective_secret_name(&self) -> String {
        self.secret_name.clone().unwrap_or_else(|| self.default_secret_name())
    }

    /// `HONEYCOMB_<ENVIRONMENT>_<NAME>`, upper case, every run of other characters than
    /// ASCII letters and digits as one `_`.
    ///
    /// ```
    /// use honeycomb_api_keys::DeclaredKey;
    /// let key = DeclaredKey::ingest("checkout ingest", "Production");
    /// assert_eq!(key.default_secret_name(), "HONEYCOMB_PRODUCTION_CHECKOUT_INGEST");
    /// ```
    pub fn default_secret_name(&self) -> String {
        let mut out = String::from("HONEYCOMB");
        for part in [&self.environment, &self.name] {
            out.push('_');
            let mut gap = false;
            for c in part.trim().chars() {
                if c.is_ascii_alphanumeric() {
                    if gap && !out.ends_with('_') {
                        out.push('_');
                    }
                    out.push(c.to_ascii_uppercase());
                    gap = false;
                } else {
                    gap = true;
                }
            }
        }
        out
    }

    /// Where it was declared, for messages: `keys.toml: key 2 "CI" (line 7)`, or the key's
    /// name for a key built in code.
    pub(crate) fn place(&self) -> String {
        self.place_of(None)
    }

    /// Where `field` was written (the `[[key]]` line when it was not, or no field is named).
    fn place_of(&self, field: Option<&str>) -> String {
        match &self.origin {
            Some(o) => {
                let line = field.and_then(|f| o.fields.iter().find(|(name, _)| *name == f)).map(|(_, line)| *line);
                place(&o.file, o.index, Some(&self.name), line.or(o.line))
            }
            None => format!("key {:?}", terminal_safe(&self.name)),
        }
    }

    /// An error about one of its fields, naming the file, the key, the field and its line.
    pub(crate) fn error(&self, field: &'static str, problem: impl fmt::Display) -> Error {
        Error::invalid(field, format!("{}: `{field}` {problem}", self.place_of(Some(field))))
    }

    /// A clash of this key with the team's keys as they are (not a mistake in the set):
    /// [`Error::Conflict`], naming the file, the key, the field and its line.
    pub(crate) fn conflict(&self, field: &'static str, problem: impl fmt::Display) -> Error {
        Error::Conflict { message: format!("{}: `{field}` {problem}", self.place_of(Some(field))) }
    }
}

/// The keys a team should have, as code: read from a TOML file
/// ([`from_toml`](Self::from_toml), feature `toml`) or built with
/// [`key`](Self::key); planned with [`ApiKeys::plan`](crate::ApiKeys::plan).
///
/// ```toml
/// [[key]]
/// name = "checkout ingest"
/// type = "ingest"
/// environment = "Production"          # id, name or slug
///
/// [[key]]
/// name = "CI boards"
/// type = "configuration"
/// environment = "Production"
/// permissions = ["run_queries", "manage_boards"]
/// disabled = false                     # optional, default false
/// rotate_after_days = 90               # optional
/// secret_name = "CI_BOARDS_KEY"        # optional: the name its secret is stored under
/// ```
///
/// ```
/// use honeycomb_api_keys::{DeclaredKey, KeySet, Permissions};
///
/// let set = KeySet::new()
///     .key(DeclaredKey::ingest("checkout ingest", "Production"))
///     .key(DeclaredKey::configuration("CI boards", "Production", Permissions::board_management()));
/// assert_eq!(set.keys().len(), 2);
/// assert!(set.check().is_ok());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeySet {
    #[serde(rename = "key")]
    keys: Vec<DeclaredKey>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) overlap_hours: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) disabled_hours: Option<u32>,
}

impl KeySet {
    /// The largest key-set file read (8 MiB, some forty thousand keys): a larger one is
    /// refused before it is parsed, so that `-f /dev/zero` cannot fill memory.
    pub const MAX_FILE_BYTES: usize = 8 << 20;

    /// An empty set.
    pub fn new() -> Self {
        KeySet::default()
    }

    /// The set with `key` added.
    #[must_use]
    pub fn key(mut self, key: DeclaredKey) -> Self {
        self.keys.push(key);
        self
    }

    /// The declared keys, in order.
    pub fn keys(&self) -> &[DeclaredKey] {
        &self.keys
    }

    /// Checks what can be checked without Honeycomb: each name, the permissions for the
    /// key's type, `rotate_after_days`, `secret_name`, and that no two keys share a name
    /// in one environment or a secret name. (Environments are checked by
    /// [`plan`](crate::ApiKeys::plan).)
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, KeySet};
    ///
    /// let twice = KeySet::new().key(DeclaredKey::ingest("checkout", "Production")).key(DeclaredKey::ingest("checkout", "Production"));
    /// let err = twice.check().unwrap_err().to_string();
    /// assert!(err.contains("two keys named \"checkout\""), "{err}");
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the file (when read from one), the key and the
    /// field.
    pub fn check(&self) -> Result<()> {
        super::retirement::check_set(self)?;
        let mut names: HashMap<(String, String), &DeclaredKey> = HashMap::new();
        let mut retiring: HashMap<(String, String), &DeclaredKey> = HashMap::new();
        let mut secrets: HashMap<String, &DeclaredKey> = HashMap::new();
        for key in &self.keys {
            crate::check_name(&key.name).map_err(|e| key.error("name", reason(e)))?;
            if key.name.starts_with(markers::PREFIX) {
                return Err(key.error(
                    "name",
                    format!(
                        "starts with {:?}, which marks the keys an apply is working on; choose another name",
                        markers::PREFIX
                    ),
                ));
            }
            if key.environment.trim().is_empty() {
                return Err(key.error("environment", "must name an environment (its id, name or slug)"));
            }
            match key.key_type {
                KeyType::Ingest | KeyType::Configuration => key
                    .permissions
                    .check_for(&key.key_type)
                    .map_err(|e| key.error("permissions", format!("is refused: {}", reason(e))))?,
                ref other => {
                    return Err(key.error("type", format!("is {other:?}; it must be \"ingest\" or \"configuration\"")));
                }
            }
            super::retirement::check(key)?;
            if let Some(days) = key.rotate_after_days
                && !(1..=MAX_ROTATE_AFTER_DAYS).contains(&days)
            {
                return Err(
                    key.error("rotate_after_days", format!("is {days}; it must be 1 to {MAX_ROTATE_AFTER_DAYS}"))
                );
            }
            if let Some(secret) = &key.secret_name
                && !is_secret_name(secret)
            {
                return Err(key.error(
                    "secret_name",
                    format!(
                        "is {:?}; it must be letters, digits and `_`, not starting with a digit",
                        terminal_safe(secret)
                    ),
                ));
            }
            let env = key.environment.trim().to_ascii_lowercase();
            let identity = (env.clone(), key.name.clone());
            if let Some(first) = names.insert(identity, key) {
                return Err(key.error(
                    "name",
                    format!(
                        "is taken: two keys named {:?} in environment {:?} ({} and this one); a name is a key's identity in its environment",
                        terminal_safe(&key.name),
                        terminal_safe(&key.environment),
                        first.place()
                    ),
                ));
            }
            // Tags differ for different names but for a one in four billion chance.
            if let Some(first) = retiring.insert((env.clone(), markers::pending_name(&key.name, "00000000")), key) {
                return Err(key.error(
                    "name",
                    format!(
                        "has the same tag and beginning as {}'s: an apply could not tell the keys it makes for them apart; rename one",
                        first.place()
                    ),
                ));
            }
            if let Some(first) = secrets.insert(key.effective_secret_name(), key) {
                return Err(key.error(
                    "secret_name",
                    format!(
                        "{:?} is also {}'s: set a distinct `secret_name` on one of them",
                        key.effective_secret_name(),
                        first.place()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The set as a key-set file ([`from_toml`](Self::from_toml) reads it back), keys in
    /// order.
    ///
    /// ```
    /// use honeycomb_api_keys::{DeclaredKey, KeySet};
    ///
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout \"ingest\"", "Production").rotate_after_days(90));
    /// let text = set.to_toml();
    /// assert!(text.contains("name = \"checkout \\\"ingest\\\"\"\ntype = \"ingest\"\nenvironment = \"Production\"\n"), "{text}");
    /// # #[cfg(feature = "toml")]
    /// assert_eq!(KeySet::from_toml(&text, "keys.toml")?.keys()[0].name, "checkout \"ingest\"");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn to_toml(&self) -> String {
        super::toml_text::write(&self.keys, (self.overlap_hours, self.disabled_hours))
    }

    #[cfg(feature = "toml")]
    pub(crate) fn push_read(
        &mut self,
        mut key: DeclaredKey,
        file: &str,
        index: usize,
        line: Option<usize>,
        fields: Vec<(&'static str, usize)>,
    ) {
        key.origin = Some(Origin { file: file.to_string(), index, line, fields });
        self.keys.push(key);
    }
}

/// A set of the keys, in order (checked, as always, by [`KeySet::check`] and
/// [`plan`](crate::ApiKeys::plan)).
///
/// ```
/// use honeycomb_api_keys::{DeclaredKey, KeySet};
///
/// let services = ["checkout", "billing", "search"];
/// let set: KeySet = services.iter().map(|service| DeclaredKey::ingest(*service, "Production")).collect();
/// assert_eq!(set.keys().len(), 3);
/// assert_eq!(set.keys()[2].name, "search");
/// ```
impl FromIterator<DeclaredKey> for KeySet {
    fn from_iter<I: IntoIterator<Item = DeclaredKey>>(keys: I) -> Self {
        KeySet { keys: keys.into_iter().collect(), ..KeySet::default() }
    }
}

/// Adds the keys after those of the set, in order.
///
/// ```
/// use honeycomb_api_keys::{DeclaredKey, KeySet};
///
/// let mut set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
/// set.extend(["checkout", "billing"].map(|service| DeclaredKey::ingest(service, "Staging")));
/// let names: Vec<(&str, &str)> = set.keys().iter().map(|k| (k.name.as_str(), k.environment.as_str())).collect();
/// assert_eq!(names, [("checkout", "Production"), ("checkout", "Staging"), ("billing", "Staging")]);
/// assert!(set.check().is_ok());
/// ```
impl Extend<DeclaredKey> for KeySet {
    fn extend<I: IntoIterator<Item = DeclaredKey>>(&mut self, keys: I) {
        self.keys.extend(keys);
    }
}

/// Where a key of a file is, for messages: `keys.toml: key 2 "CI" (line 7)`.
pub(crate) fn place(file: &str, index: usize, name: Option<&str>, line: Option<usize>) -> String {
    let name = name.map(|n| format!(" {:?}", terminal_safe(n))).unwrap_or_default();
    let line = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    format!("{file}: key {index}{name}{line}")
}

/// The text of an `InvalidArgument`'s reason, or the error's whole text.
fn reason(e: Error) -> String {
    match e {
        Error::InvalidArgument { reason, .. } => reason,
        other => other.to_string(),
    }
}

fn is_secret_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 255
}
