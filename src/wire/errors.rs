//! Error responses read by their shape, whatever their `Content-Type`: JSON:API, problem
//! documents, the legacy `{"error": ...}`, or a short excerpt of anything else; with the
//! secrets the call knows hidden before anything is cut.

use reqwest::{StatusCode, header::HeaderMap};
use serde::Deserialize;

use crate::{
    error::{ApiError, ErrorDetail},
    operation::Operation,
};

/// The body shapes an error can come in; anything else is kept as an excerpt.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Option<Vec<ErrorDetail>>,
    /// Legacy `{"error": ...}`, also a member of Honeycomb's problem documents.
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    title: Option<serde_json::Value>,
    #[serde(default)]
    detail: Option<serde_json::Value>,
}

const EXCERPT_LIMIT: usize = 256;

/// Reads an error response. `body` may be cut short; it is never echoed verbatim
/// unless it is not JSON, and then only as a short excerpt.
///
/// Every text taken from it has the secrets `redactor` knows hidden, before it is cut
/// short (so that no prefix of a secret survives a cut).
pub(crate) fn api_error(
    operation: Operation,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    redactor: &crate::text::Redactor,
) -> ApiError {
    let mut error = ApiError {
        operation,
        status,
        errors: Vec::new(),
        message: None,
        body_excerpt: None,
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| redactor.redact(v).chars().take(128).collect()),
        retry_after: crate::wire::headers::requested_wait(status.as_u16(), headers),
    };
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => {
            error.errors = parsed.errors.unwrap_or_default();
            let text = |v: Option<serde_json::Value>| match v {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => Some(s),
                _ => None,
            };
            let title = text(parsed.title);
            let detail = text(parsed.detail);
            error.message = match (text(parsed.error), title, detail) {
                (_, Some(t), Some(d)) => Some(format!("{t}: {d}")),
                (_, Some(t), None) => Some(t),
                (Some(e), None, _) => Some(e),
                (None, None, d) => d,
            };
        }
        Err(_) => {
            let text = redactor.redact(&String::from_utf8_lossy(body));
            let excerpt: String =
                text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(EXCERPT_LIMIT).collect();
            let excerpt = excerpt.split_whitespace().collect::<Vec<_>>().join(" ");
            if !excerpt.is_empty() {
                error.body_excerpt = Some(excerpt);
            }
        }
    }
    error.redact(redactor);
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_become_a_short_single_line_excerpt() {
        let body = format!("<html>\n<body>Bad gateway{}</body></html>", "x".repeat(1000));
        let e = api_error(
            Operation::GetApiKey,
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            body.as_bytes(),
            &Default::default(),
        );
        let excerpt = e.body_excerpt.as_deref().unwrap();
        assert!(excerpt.starts_with("<html> <body>Bad gateway"));
        assert!(excerpt.chars().count() <= EXCERPT_LIMIT);
        assert!(e.errors.is_empty());
    }
}
