//! What Honeycomb said about an error status: the JSON:API error objects and the rest.

use std::{fmt, time::Duration};

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::{error::Result, operation::Operation};

/// An error status from Honeycomb, with what it said about it.
///
/// Error bodies are read by their shape, whatever their `Content-Type`: JSON:API
/// (`{"errors": [...]}`, what the v2 API sends), RFC 7807 problem documents, the legacy
/// `{"error": "..."}`, or anything else (kept as a short printable snippet).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: StatusCode,
    /// The JSON:API error objects, in the order sent (empty for other body formats).
    pub errors: Vec<ErrorDetail>,
    /// A message from a problem document or a legacy `{"error": ...}` body.
    pub message: Option<String>,
    /// A short, printable excerpt of a body that was not JSON (an HTML error page).
    pub body_excerpt: Option<String>,
    /// The `X-Request-Id` response header, if sent.
    pub request_id: Option<String>,
    /// The wait Honeycomb asked for: `Retry-After` (seconds or an HTTP-date), or on a 429
    /// without it, the `RateLimit` reset. The client's retries waited the same.
    pub retry_after: Option<Duration>,
}

/// One JSON:API error object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Honeycomb's correlation id of this error.
    #[serde(default, deserialize_with = "lenient")]
    pub id: Option<String>,
    /// The status, as a string (`"422"`).
    #[serde(default, deserialize_with = "string_or_number")]
    pub status: Option<String>,
    /// A machine-readable code, such as `validation-failed/invalid`.
    #[serde(default, deserialize_with = "lenient")]
    pub code: Option<String>,
    /// A short summary.
    #[serde(default, deserialize_with = "lenient")]
    pub title: Option<String>,
    /// A longer explanation.
    #[serde(default, deserialize_with = "lenient")]
    pub detail: Option<String>,
    /// What part of the request caused it.
    #[serde(default, deserialize_with = "lenient")]
    pub source: Option<ErrorSource>,
}

/// Where in the request an error comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorSource {
    /// A JSON pointer into the request body, such as `/data/attributes/name`.
    #[serde(default, deserialize_with = "lenient")]
    pub pointer: Option<String>,
    /// A request header, such as `Authorization`.
    #[serde(default, deserialize_with = "lenient")]
    pub header: Option<String>,
    /// A query parameter, such as `page[size]`.
    #[serde(default, deserialize_with = "lenient")]
    pub parameter: Option<String>,
}

/// A member of the wrong type (a server bug) reads as absent, so that the rest of the
/// error is kept.
fn lenient<'de, D: serde::Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<serde_json::Value>::deserialize(d)?.and_then(|v| serde_json::from_value(v).ok()))
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl ApiError {
    /// Hides the secrets `redactor` knows (and any `Bearer` token) in every text the server
    /// provided: the JSON:API members, the message, the excerpt and the request id.
    pub(crate) fn redact(&mut self, redactor: &crate::text::Redactor) {
        let texts = self.errors.iter_mut().flat_map(|e| {
            let source = e.source.as_mut().map(|s| [&mut s.pointer, &mut s.header, &mut s.parameter]);
            [&mut e.id, &mut e.status, &mut e.code, &mut e.title, &mut e.detail]
                .into_iter()
                .chain(source.into_iter().flatten())
        });
        for text in texts.chain([&mut self.message, &mut self.body_excerpt, &mut self.request_id]).flatten() {
            redactor.redact_in_place(text);
        }
    }

    /// The first JSON:API error, which is what most responses carry.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         for detail in api.first() {
    ///             eprintln!("{:?}: {:?}", detail.title, detail.detail);
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn first(&self) -> Option<&ErrorDetail> {
        self.errors.first()
    }

    /// The code of the first JSON:API error (`unauthenticated/invalid-key`, …).
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         if api.code() == Some("unauthenticated/invalid-key") {
    ///             eprintln!("the management key was not accepted");
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.first().and_then(|e| e.code.as_deref())
    }

    /// The title of the first JSON:API error.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         eprintln!("{}", api.title().unwrap_or("no title"));
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn title(&self) -> Option<&str> {
        self.first().and_then(|e| e.title.as_deref())
    }

    /// The detail of the first JSON:API error.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         eprintln!("{}", api.detail().unwrap_or("no detail"));
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn detail(&self) -> Option<&str> {
        self.first().and_then(|e| e.detail.as_deref())
    }

    /// The source of the first JSON:API error.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         if let Some(pointer) = api.source().and_then(|s| s.pointer.as_deref()) {
    ///             eprintln!("Honeycomb refused {pointer}");
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn source(&self) -> Option<&ErrorSource> {
        self.first().and_then(|e| e.source.as_ref())
    }

    fn hint(&self) -> Option<String> {
        // The variables of config.rs and the quota of rate_limit.rs, spelled out: errors are
        // pure data (tests of those modules hold them equal).
        let text = match self.status.as_u16() {
            // `/1/auth` is asked with a data key, never the management key.
            401 if self.operation == Operation::VerifyKey => {
                return Some(
                    "Honeycomb does not accept this data key: it is unknown, disabled or deleted, or too new to be active yet".into(),
                );
            }
            401 => {
                return Some(
                    "check the management key id and secret (given to ClientBuilder::management_key, or in HONEYCOMB_KEY_ID / HONEYCOMB_KEY_SECRET) and that the key is enabled".into(),
                );
            }
            403 => {
                return Some(match self.operation.scope() {
                    Some(scope) => format!(
                        "the management key needs the `{scope}` scope for this call, or the team has no Management API access"
                    ),
                    None => "the management key may not do this, or the team has no Management API access".into(),
                });
            }
            404 => "check the team slug and the key or environment id; a deleted key answers 404",
            413 => "the request body is over Honeycomb's 100000-byte limit",
            415 => {
                "Honeycomb expects application/vnd.api+json bodies; this is a bug in honeycomb-api-keys, please report it"
            }
            422 => "Honeycomb rejected a field of the request; see the pointer above",
            429 => {
                return Some(
                    "the per-operation rate limit (100 requests a minute by default) was hit; wait and try again"
                        .into(),
                );
            }
            500..=599 => "Honeycomb failed to answer; try again later",
            _ => return None,
        };
        Some(text.to_string())
    }
}

impl fmt::Display for ApiError {
    /// Every text the server provided is shown with control and invisible characters
    /// escaped ([`terminal_safe`](crate::terminal_safe)), so that printing an error
    /// cannot change a terminal or fake a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::terminal_safe as safe;
        write!(f, "{}: Honeycomb answered {}", self.operation, self.status)?;
        let mut details = self.errors.iter().peekable();
        if details.peek().is_some() {
            f.write_str(":")?;
        }
        for (i, e) in details.enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            match (&e.title, &e.detail) {
                (Some(t), Some(d)) => write!(f, " {}: {}", safe(t), safe(d))?,
                (Some(t), None) => write!(f, " {}", safe(t))?,
                (None, Some(d)) => write!(f, " {}", safe(d))?,
                (None, None) => {}
            }
            if let Some(source) = &e.source {
                if let Some(p) = &source.pointer {
                    write!(f, " (at {})", safe(p))?;
                } else if let Some(h) = &source.header {
                    write!(f, " (in the {} header)", safe(h))?;
                } else if let Some(p) = &source.parameter {
                    write!(f, " (in the `{}` parameter)", safe(p))?;
                }
            }
            if let Some(code) = &e.code {
                write!(f, " [{}]", safe(code))?;
            }
        }
        if let Some(m) = &self.message {
            write!(f, ": {}", safe(m))?;
        } else if let Some(b) = &self.body_excerpt {
            write!(f, ": {}", safe(b))?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {} s)", wait.as_secs())?;
        }
        if let Some(hint) = self.hint() {
            write!(f, "; {hint}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {})", safe(id))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
