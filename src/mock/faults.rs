//! Faults a test injects, and the log of the requests the fake received.

use super::*;

/// A response to give instead of the real one, for [`MockHoneycomb::fail_next`].
#[derive(Clone, Debug)]
#[must_use]
pub struct Fault {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<(Vec<u8>, String)>,
    pub(crate) after_processing: bool,
}

impl Fault {
    /// Answer with `status` and a JSON:API error body fitting it.
    ///
    /// # Panics
    /// If `status` is not an HTTP status (100 to 599).
    #[track_caller]
    pub fn status(status: u16) -> Self {
        assert!((100..=599).contains(&status), "Fault::status: {status} is not an HTTP status (100 to 599)");
        Fault { status, headers: Vec::new(), body: None, after_processing: false }
    }

    /// A 429 like Honeycomb's: `Retry-After` an HTTP-date `wait` from now, and
    /// `RateLimit` saying the window is spent and resets in `wait`.
    pub fn rate_limited(wait: Duration) -> Self {
        Fault::status(429)
            .header("Retry-After", httpdate::fmt_http_date(SystemTime::now() + wait))
            .header("RateLimit", format!("limit={DEFAULT_RATE_LIMIT}, remaining=0, reset={}", wait.as_secs()))
    }

    /// Adds a response header (it wins over the fake's own of the same name).
    ///
    /// # Panics
    /// If the name or value is not a valid HTTP header.
    #[track_caller]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        assert!(HeaderName::from_bytes(name.as_bytes()).is_ok(), "Fault::header: {name:?} is not a header name");
        assert!(HeaderValue::from_str(&value).is_ok(), "Fault::header: the value of {name} is not a header value");
        self.headers.push((name, value));
        self
    }

    /// Replaces the body (any bytes, any media type: HTML from a proxy, say).
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.body = Some((body.into(), content_type.into()));
        self
    }

    /// Carry the request out first, then answer with the fault: a response lost after the
    /// server acted (a created key exists, but the client never saw its secret).
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The endpoint, if the request matched one.
    pub operation: Option<Operation>,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The `Content-Type` it was sent with, if any.
    pub content_type: Option<String>,
    /// Its body (a create's body holds no secret; the management key is never kept).
    pub body: Vec<u8>,
    /// The status the fake answered with.
    pub status: u16,
}

impl State {
    pub(crate) fn fault_reply(&mut self, fault: &Fault, rate_headers: &[(String, String)]) -> ResponseTemplate {
        let mut reply = match (fault.status, &fault.body) {
            (_, Some(_)) => Reply::empty(fault.status),
            (429, None) => self.rate_limited(Duration::from_secs(1)),
            (401, None) => {
                self.error(401, "unauthenticated/invalid-key", "invalid API key", None, Source::Header("Authorization"))
            }
            (403, None) => self.error(403, "forbidden", "forbidden", None, Source::None),
            (404, None) => self.error(404, "not-found", "not found", None, Source::None),
            (s, None) if s >= 500 => self.error(s, "internal-error", "something went wrong", None, Source::None),
            (s, None) => self.error(s, "error", "injected fault", None, Source::None),
        };
        // The fault's own headers win over the defaults of the reply.
        reply.headers.retain(|(name, _)| !fault.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        reply.headers.extend(fault.headers.iter().cloned());
        let mut template = reply.render(rate_headers);
        if let Some((bytes, content_type)) = &fault.body {
            template = template.set_body_raw(bytes.clone(), content_type);
        }
        template
    }
}
