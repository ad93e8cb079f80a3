//! The parts of an [`Error`](crate::Error): why a listing stopped, which time limit was
//! reached, and the HTTP stack's error (wrapped).

use std::fmt;

use super::Error;
use crate::operation::Operation;

/// Why a listing stopped early; see [`Error::PaginationLoop`](crate::Error::PaginationLoop).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationFault {
    /// A next-page cursor came back that this listing had already followed: a loop.
    RepeatedCursor,
    /// An item came a second time in one listing (the same pages under new cursors).
    RepeatedItem {
        /// Its id.
        id: String,
    },
    /// Too many pages came back empty while still pointing further.
    EmptyPages {
        /// How many pages were empty.
        empty: usize,
    },
    /// A page held more items than were asked for (`page[size]`): a server that ignores
    /// the page size could make a listing's memory grow without bound.
    OversizedPage {
        /// Items on the page.
        items: usize,
        /// The page size asked for.
        size: u32,
    },
    /// The listing reached its page limit
    /// ([`page_limit`](crate::ListApiKeys::page_limit), default
    /// [`DEFAULT_PAGE_LIMIT`](crate::DEFAULT_PAGE_LIMIT)) with more pages to go.
    PageLimit {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for PaginationFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationFault::RepeatedCursor => f.write_str("the next-page cursor repeated an earlier one"),
            PaginationFault::RepeatedItem { id } => {
                write!(f, "{} came a second time in one listing", crate::text::terminal_safe(id))
            }
            PaginationFault::EmptyPages { empty } => {
                write!(f, "{empty} pages came back empty while still pointing to more")
            }
            PaginationFault::OversizedPage { items, size } => {
                write!(f, "a page held {items} items, more than the {size} asked for")
            }
            PaginationFault::PageLimit { limit } => write!(
                f,
                "it reached the limit of {limit} pages with more to go; raise it with `page_limit` if the team really has that many"
            ),
        }
    }
}

/// Which time limit a call ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutScope {
    /// One request ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout), 30 s).
    Attempt,
    /// The whole call, retries and waits included
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout), 120 s).
    Operation,
}

impl TimeoutScope {
    pub(super) fn setting(self) -> &'static str {
        match self {
            TimeoutScope::Attempt => "ClientBuilder::timeout",
            TimeoutScope::Operation => "ClientBuilder::operation_timeout",
        }
    }
}

impl fmt::Display for TimeoutScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutScope::Attempt => "one attempt",
            TimeoutScope::Operation => "the whole call, retries included",
        })
    }
}

/// An error of the HTTP stack, wrapped so that its type is not part of this crate's API
/// (an upgrade of the HTTP stack is then not a breaking change of ours). It holds no
/// credential, and its URL has no query.
#[derive(Debug)]
pub struct HttpError(pub(super) reqwest::Error);

impl HttpError {
    /// Whether the connection could not be opened (the request was not sent).
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::Error;
    ///
    /// if let Err(Error::Transport { source, .. }) = keys.list().collect().await {
    ///     if source.is_connect() {
    ///         eprintln!("Honeycomb could not be reached: nothing was sent");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_connect(&self) -> bool {
        self.0.is_connect()
    }

    /// Whether it timed out.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::Error;
    ///
    /// if let Err(Error::Transport { source, .. }) = keys.list().collect().await {
    ///     if source.is_timeout() {
    ///         eprintln!("one attempt took too long");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.0.is_timeout()
    }

    /// Whether the response's body broke off or could not be read.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::Error;
    ///
    /// if let Err(Error::Transport { source, .. }) = keys.list().collect().await {
    ///     if source.is_body() {
    ///         eprintln!("the answer broke off while it was read");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_body(&self) -> bool {
        self.0.is_body() || self.0.is_decode()
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

pub(super) fn transport_summary(HttpError(source): &HttpError) -> String {
    let what = if source.is_connect() {
        "could not connect to Honeycomb (check the endpoint and the network)"
    } else if source.is_body() || source.is_decode() {
        "the connection failed while reading Honeycomb's response"
    } else {
        "the request to Honeycomb failed"
    };
    match source.url() {
        Some(url) => format!("{what}: {} {}", url.host_str().unwrap_or(""), url.path()),
        None => what.to_string(),
    }
}

/// What to check after a create whose outcome is unknown.
pub(super) fn outcome_advice(operation: Operation, subject: Option<&str>) -> String {
    match (operation, subject) {
        (Operation::CreateApiKey, Some(name)) => format!(
            "list the team's keys and look for one named {name:?}: if it exists, its secret is lost, so delete it and create it again"
        ),
        (Operation::CreateApiKey, None) => {
            "list the team's keys to see whether it was created: if so, its secret is lost, so delete it and create it again".into()
        }
        (Operation::CreateEnvironment, Some(name)) => format!(
            "list the team's environments and look for one named {name:?} before creating it again (a second create of the same name is refused)"
        ),
        _ => "check the current state with a get or list before trying again".into(),
    }
}

/// The crate's own ways of making an [`Error`].
impl Error {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument { field, reason: reason.into() }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into() }
    }

    /// A success body that did not decode, described without any of its text.
    pub(crate) fn decode(operation: Operation, err: &serde_json::Error) -> Self {
        let category = match err.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        };
        Error::Decode { operation, category, line: err.line(), column: err.column() }
    }

    pub(crate) fn transport(operation: Operation, source: reqwest::Error) -> Self {
        // The query holds a cursor the server chose: it stays out of the error.
        let source = match source.url().cloned() {
            Some(mut url) if url.query().is_some() => {
                url.set_query(None);
                source.with_url(url)
            }
            _ => source,
        };
        // A connect timeout is a connection failure (reqwest flags it as both).
        if source.is_timeout() && !source.is_connect() {
            Error::Timeout { operation, scope: TimeoutScope::Attempt, source: Some(HttpError(source)) }
        } else {
            Error::Transport { source: HttpError(source) }
        }
    }

    /// An answer about `answered` to a call about `requested`: the server's id escaped
    /// for a terminal and with the secrets `redactor` knows hidden.
    pub(crate) fn id_mismatch(
        operation: Operation,
        requested: &str,
        answered: &str,
        redactor: &crate::text::Redactor,
    ) -> Self {
        let answered = redactor.redact(&crate::text::terminal_safe(answered));
        Error::IdMismatch { operation, requested: requested.to_string(), answered }
    }
}
