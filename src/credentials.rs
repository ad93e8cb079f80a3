//! The management key that authenticates every call.

use std::fmt;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::{
    error::{Error, Result},
    model::{Segment, check_path_segment},
};

/// A management key: its id and its secret, sent as `Authorization: Bearer <id>:<secret>`.
///
/// The secret is kept in a [`SecretString`]; `Debug` shows only the id.
///
/// ```
/// use honeycomb_api_keys::ManagementKey;
/// let key = ManagementKey::new("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef")?;
/// assert!(!format!("{key:?}").contains("0123456789abcdef"));
/// # Ok::<(), honeycomb_api_keys::Error>(())
/// ```
#[derive(Clone)]
pub struct ManagementKey {
    id: String,
    secret: SecretString,
}

impl ManagementKey {
    /// Checks and wraps a management key id and secret.
    ///
    /// The id must look like a management key id (`hcxmk_…`: the letters `mk` before
    /// the `_`); the secret must be non-empty printable ASCII with no spaces. Errors name
    /// what to fix and never echo the secret.
    ///
    /// ```
    /// use honeycomb_api_keys::ManagementKey;
    ///
    /// let key = ManagementKey::new(" hcxmk_01j1824es7n4evcmv81cn392jb ", "0123456789abcdef")?;
    /// assert_eq!(key.id(), "hcxmk_01j1824es7n4evcmv81cn392jb"); // trimmed
    /// // the arguments swapped: refused, without echoing the secret
    /// let err = ManagementKey::new("0123456789abcdef", "hcxmk_01j1824es7n4evcmv81cn392jb").unwrap_err();
    /// assert!(err.is_invalid_argument() && !err.to_string().contains("0123456789abcdef"));
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`], field `management key id`, if the id is not shaped like a
    /// management key id, has a character other than ASCII letters, digits and `_`, or is
    /// longer than [`MAX_ID_LEN`](crate::MAX_ID_LEN); field `management key secret` if the
    /// secret is blank or not printable ASCII without spaces.
    pub fn new(id: impl Into<String>, secret: impl Into<SecretString>) -> Result<Self> {
        let id = id.into();
        let secret = secret.into();
        // Shape first: a secret given as the id (swapped arguments) gets the message that
        // says so, not a generic one.
        if !id.trim().split_once('_').is_some_and(|(prefix, _)| prefix.ends_with("mk")) {
            return Err(Error::invalid(
                "management key id",
                "does not look like a management key id (`hcxmk_…`); are the id and the secret swapped, or is this an ingest or configuration key?",
            ));
        }
        check_path_segment("management key id", id.trim(), Segment::Id)?;
        let s = secret.expose_secret();
        if s.trim().is_empty() {
            return Err(Error::invalid("management key secret", "must not be empty"));
        }
        if !s.trim().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "management key secret",
                "must be printable ASCII with no spaces (was it copied with extra characters?)",
            ));
        }
        let secret = if s.trim().len() == s.len() { secret } else { SecretString::from(s.trim()) };
        Ok(ManagementKey { id: id.trim().to_string(), secret })
    }

    /// The key's id.
    ///
    /// ```
    /// use honeycomb_api_keys::ManagementKey;
    ///
    /// let key = ManagementKey::new("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef")?;
    /// assert_eq!(key.id(), "hcxmk_01j1824es7n4evcmv81cn392jb");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn into_parts(self) -> (String, SecretString) {
        (self.id, self.secret)
    }

    /// What hides this key's secret (in every form a server could echo it) in server text.
    pub(crate) fn redactor(&self) -> crate::text::Redactor {
        crate::text::Redactor::new(Some(&self.id), self.secret.expose_secret())
    }

    /// The `Authorization` header value, marked sensitive so HTTP layers never log it.
    pub(crate) fn authorization(&self) -> HeaderValue {
        let mut value = HeaderValue::try_from(format!("Bearer {}:{}", self.id, self.secret.expose_secret()))
            .expect("id and secret were checked to be printable ASCII");
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for ManagementKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagementKey").field("id", &self.id).field("secret", &"[REDACTED]").finish()
    }
}
