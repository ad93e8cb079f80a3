//! The data this crate hands out and takes in: keys, ids, key types, new keys and updates;
//! the team, its environments and `/2/auth`; what the rate-limit headers say.
//!
//! These types are the crate's own; the generated wire types stay private, so a spec
//! update or a generator upgrade does not change them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod environments;
mod keys;
mod rate_limits;
#[cfg(feature = "json-schema")]
mod schema;
mod teams;

pub use environments::{
    EnvironmentColor, EnvironmentUpdate, MAX_ENVIRONMENT_DESCRIPTION_LEN, MAX_ENVIRONMENT_NAME_LEN, NewEnvironment,
};
pub use keys::{ApiKey, ApiKeyUpdate, CreatedApiKey, NewApiKey};
pub use rate_limits::{MAX_WINDOW, RateLimitPolicy, RateLimitStatus};
pub use teams::{AuthInfo, Environment, KeyIdentity, Team};

/// The longest id this crate puts in a URL. Real ids are 32 characters; an id with a
/// secret pasted after it (64) is refused, so the secret never reaches a URL or a log.
pub const MAX_ID_LEN: usize = 40;
/// The longest team slug this crate puts in a URL.
pub const MAX_SLUG_LEN: usize = 128;
/// The longest name Honeycomb accepts for a key, in characters.
pub const MAX_NAME_LEN: usize = 100;

/// What kind of path segment a value is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A Honeycomb id: `<prefix>_<rest>`, ASCII letters and digits, at most [`MAX_ID_LEN`].
    Id,
    /// A team slug: ASCII letters, digits, `_` and `-`, at most [`MAX_SLUG_LEN`].
    Slug,
}

/// Checks an id or slug before it goes into a URL path, so that `..`, `/`, `?` or `%` can
/// never change the URL and a pasted secret never travels in one. The value is never
/// echoed (it may be a secret); only the offending character and its position are.
pub(crate) fn check_path_segment(field: &'static str, value: &str, kind: Segment) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let (max, allowed_text) = match kind {
        Segment::Id => (MAX_ID_LEN, "ASCII letters, digits and `_`"),
        Segment::Slug => (MAX_SLUG_LEN, "ASCII letters, digits, `_` and `-`"),
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || (kind == Segment::Slug && c == '-');
    if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| !allowed(*c)) {
        let shown = if c.is_ascii_punctuation() || c == ' ' { format!("`{c}`") } else { "a character".to_string() };
        return Err(Error::invalid(
            field,
            format!("{shown} at position {} is not allowed; only {allowed_text} are", pos + 1),
        ));
    }
    let len = value.len();
    if len > max {
        let hint = if kind == Segment::Id { " (was a secret pasted with it?)" } else { "" };
        return Err(Error::invalid(field, format!("is {len} characters long; at most {max} are accepted{hint}")));
    }
    if kind == Segment::Id && !value.get(1..len - 1).is_some_and(|inner| inner.contains('_')) {
        return Err(Error::invalid(
            field,
            "does not look like a Honeycomb id: ids are a prefix, `_`, and 26 characters, such as `hcxik_01j1824es7n4evcmv81cn392jb`",
        ));
    }
    Ok(())
}

/// Checks a key name as every create and rename does before sending it: not blank, at
/// most [`MAX_NAME_LEN`] characters, and no control or invisible character (see
/// [`is_hidden`](crate::is_hidden)): a name is shown in terminals and in
/// Honeycomb's UI, where such a character could hide or fake text.
///
/// ```
/// use honeycomb_api_keys::check_name;
/// assert!(check_name("checkout ingest").is_ok());
/// assert!(check_name("admin\u{202e}txt.exe").is_err());
/// assert!(check_name(&"x".repeat(101)).is_err());
/// ```
///
/// # Errors
///
/// [`Error::InvalidArgument`] for `name`, saying what to fix.
pub fn check_name(name: &str) -> Result<()> {
    check_text("name", name, MAX_NAME_LEN, false)
}

/// Checks text a user gives Honeycomb to show (a key's or environment's name, an
/// environment's description): not blank (unless `blank_ok`), at most `max` characters,
/// no control or invisible character.
pub(crate) fn check_text(field: &'static str, text: &str, max: usize, blank_ok: bool) -> Result<()> {
    if !blank_ok && text.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty or only whitespace"));
    }
    if let Some((pos, c)) = crate::text::first_hidden(text) {
        return Err(Error::invalid(
            field,
            format!(
                "has a control or invisible character (U+{:04X}) at position {pos}; it must be plain visible text on one line",
                c as u32
            ),
        ));
    }
    let len = text.chars().count();
    if len > max {
        return Err(Error::invalid(field, format!("is {len} characters long; Honeycomb accepts at most {max}")));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an id: a prefix, `_` and the rest, only ASCII letters,
            /// digits and `_`, at most [`MAX_ID_LEN`] characters.
            ///
            /// ```
            #[doc = concat!("use honeycomb_api_keys::", stringify!($name), ";")]
            /// # let input = "hcxen_01hznmeqrcq8rz533xrvtc6mk0\n";
            ///
            #[doc = concat!("let id = ", stringify!($name), "::parse(input.trim())?; // an id read from a file")]
            /// assert_eq!(id.to_string(), input.trim());
            #[doc = concat!("assert!(", stringify!($name), "::parse(\"../2/teams\").is_err());")]
            /// # Ok::<(), honeycomb_api_keys::Error>(())
            /// ```
            ///
            /// # Errors
            ///
            #[doc = concat!("[`Error::InvalidArgument`], field `", $field, "`, if the id is empty, has a")]
            /// character other than these, is longer than [`MAX_ID_LEN`], or has no `_`
            /// between a prefix and the rest. The message never quotes the value (it may be a
            /// secret).
            pub fn parse(id: impl Into<String>) -> Result<Self> {
                let id = id.into();
                check_path_segment($field, &id, Segment::Id)?;
                Ok($name(id))
            }

            /// Wraps an id received from Honeycomb. Unchecked: it is checked again before
            /// it is ever put in a URL.
            pub(crate) fn from_wire(id: String) -> Self {
                $name(id)
            }

            /// The id as a string.
            ///
            /// ```
            #[doc = concat!("use honeycomb_api_keys::", stringify!($name), ";")]
            /// # let input = "hcxen_01hznmeqrcq8rz533xrvtc6mk0";
            ///
            #[doc = concat!("let id: ", stringify!($name), " = input.parse()?; // `FromStr` calls `parse`")]
            /// assert_eq!(id.as_str(), input);
            /// # Ok::<(), honeycomb_api_keys::Error>(())
            /// ```
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                $name::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self> {
                $name::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self> {
                $name::parse(s)
            }
        }
    };
}

string_id! {
    /// The id of an API key, such as `hcxik_01j1824es7n4evcmv81cn392jb`.
    ///
    /// The two letters before `_` tell the key type (`ik` ingest, `lk` configuration);
    /// the rest is opaque (the third letter of the prefix varies between keys).
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyId, KeyType};
    /// let id = KeyId::parse("hcxlk_01j1824es7n4evcmv81cn392jb")?;
    /// assert_eq!(id.key_type(), Some(KeyType::Configuration));
    /// assert!(KeyId::parse("../2/teams").is_err());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    KeyId, "id"
}

string_id! {
    /// The id of an environment, such as `hcxen_01hznmeqrcq8rz533xrvtc6mk0` (opaque).
    EnvironmentId, "environment_id"
}

impl KeyId {
    /// The key type its prefix names (`..ik_` ingest, `..lk_` configuration), if any.
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyId, KeyType};
    ///
    /// assert_eq!(KeyId::parse("hcxik_01j1824es7n4evcmv81cn392jb")?.key_type(), Some(KeyType::Ingest));
    /// assert_eq!(KeyId::parse("hcxmk_01j1824es7n4evcmv81cn392jb")?.key_type(), None); // a management key
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn key_type(&self) -> Option<KeyType> {
        let prefix = self.0.split_once('_')?.0;
        match prefix.get(prefix.len().checked_sub(2)?..)? {
            "ik" => Some(KeyType::Ingest),
            "lk" => Some(KeyType::Configuration),
            _ => None,
        }
    }
}

/// The type of an API key.
///
/// A type Honeycomb adds later decodes as [`KeyType::Other`], so it never breaks a list.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyType {
    /// An ingest key: sends events (`X-Honeycomb-Team: <id><secret>`).
    Ingest,
    /// A configuration key: manages an environment (`X-Honeycomb-Team: <secret>`).
    Configuration,
    /// A type this version of the crate does not know, as sent by Honeycomb.
    Other(String),
}

impl KeyType {
    /// The wire name: `ingest`, `configuration`, or the unknown name as received.
    ///
    /// ```
    /// use honeycomb_api_keys::KeyType;
    ///
    /// assert_eq!(KeyType::Configuration.as_str(), "configuration");
    /// assert_eq!(KeyType::Other("billing".into()).as_str(), "billing");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            KeyType::Ingest => "ingest",
            KeyType::Configuration => "configuration",
            KeyType::Other(s) => s,
        }
    }

    /// Reads a wire name; anything unknown becomes [`KeyType::Other`] (as `Deserialize`
    /// does; `FromStr` accepts only the types that can be created).
    pub(crate) fn from_wire(name: &str) -> KeyType {
        match name {
            "ingest" => KeyType::Ingest,
            "configuration" => KeyType::Configuration,
            other => KeyType::Other(other.to_string()),
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for KeyType {
    type Err = Error;
    /// Parses `ingest` or `configuration` (what can be created or filtered on).
    fn from_str(s: &str) -> Result<Self> {
        match KeyType::from_wire(s.trim()) {
            KeyType::Other(_) => Err(Error::invalid("key_type", "must be `ingest` or `configuration`")),
            known => Ok(known),
        }
    }
}

impl Serialize for KeyType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(KeyType::from_wire(&std::borrow::Cow::<str>::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_type_comes_from_the_two_letters_before_the_underscore() {
        let kt = |s: &str| KeyId::parse(s).unwrap().key_type();
        assert_eq!(kt("hcxik_01j1824es7n4evcmv81cn392jb"), Some(KeyType::Ingest));
        assert_eq!(kt("hcaik_01j1824es7n4evcmv81cn392jb"), Some(KeyType::Ingest));
        assert_eq!(kt("hcxlk_01j1824es7n4evcmv81cn392jb"), Some(KeyType::Configuration));
        assert_eq!(kt("hcxmk_01j1824es7n4evcmv81cn392jb"), None);
        assert_eq!(kt("k_x"), None);
        assert_eq!(kt("ik_x"), Some(KeyType::Ingest));
    }

    #[test]
    fn path_segments_reject_everything_that_could_change_a_url() {
        for bad in ["", ".", "..", "%2e%2e", "a/b", "x?y", "a#b", "a b", "é", "a-b", "_abc", "abc_", "nounderscore"] {
            let err = KeyId::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument { field: "id", .. }), "{bad:?}: {err}");
        }
        assert!(KeyId::parse(format!("hcxik_{}", "x".repeat(35))).is_err());
        assert!(KeyId::parse(format!("hcxik_{}", "x".repeat(34))).is_ok());
        assert!(check_path_segment("team", "my-team", Segment::Slug).is_ok());
        assert!(check_path_segment("team", "..", Segment::Slug).is_err());
        assert!(check_path_segment("team", &"t".repeat(129), Segment::Slug).is_err());
    }

    #[test]
    fn an_ingest_key_pasted_as_an_id_is_refused_without_being_echoed() {
        // A full ingest key is the 32-character id followed by its 32-character secret.
        let pasted = "hcxik_01j1824es7n4evcmv81cn392jbCANARYs3cr3tCANARYs3cr3tCANARY00";
        assert_eq!(pasted.len(), 64);
        let err = KeyId::parse(pasted).unwrap_err().to_string();
        assert!(err.contains("pasted"), "{err}");
        assert!(!err.contains("CANARY"), "{err}");
        // A bare secret has no prefix.
        assert!(KeyId::parse("CANARYs3cr3tCANARYs3cr3tCANARY00").is_err());
    }

    #[test]
    fn invalid_id_errors_never_echo_the_value() {
        let pasted = "CANARY-s3cr3t-value/with-slash";
        let err = KeyId::parse(pasted).unwrap_err().to_string();
        assert!(!err.contains("CANARY"), "{err}");
        assert!(err.contains("position 7"), "{err}");
    }

    #[test]
    fn names_are_checked_in_characters() {
        assert!(check_name(&"é".repeat(100)).is_ok());
        assert!(check_name(&"é".repeat(101)).is_err());
        assert!(check_name(" \t").is_err());
    }
}
