//! The crate's error type (see [`Error`]).

use std::time::Duration;

use reqwest::StatusCode;

use crate::operation::Operation;

mod api;
mod parts;

pub use api::{ApiError, ErrorDetail, ErrorSource};
pub use parts::{HttpError, PaginationFault, TimeoutScope};
use parts::{outcome_advice, transport_summary};

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling Honeycomb through this crate.
///
/// Every fallible call returns [`Result<T>`](crate::Result), whose error is [`Error`]. Bad
/// input is reported as [`Error::InvalidArgument`] before anything is sent; what Honeycomb
/// answered is in [`Error::Api`], with the JSON:API details it sent.
///
/// No error ever holds a secret: not the management key's secret, not a created key's
/// secret, and not the text of a response body that could hold one (decode errors carry
/// only the position of the problem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was rejected before any request was sent.
    #[error("invalid `{field}`: {reason}")]
    #[non_exhaustive]
    InvalidArgument {
        /// The argument or field to fix (`id`, `name`, `page_size`, …).
        field: &'static str,
        /// What is wrong with it and what is accepted.
        reason: String,
    },

    /// The client could not be configured (missing or malformed settings or environment
    /// variables). No request was sent.
    #[error("configuration error: {message}")]
    #[non_exhaustive]
    Config {
        /// What is missing or malformed, naming the setting or variable to fix.
        message: String,
    },

    /// Honeycomb answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// The request could not be sent or its response could not be received.
    #[error("{}", transport_summary(source))]
    #[non_exhaustive]
    Transport {
        /// The underlying HTTP error (holds no credential).
        #[source]
        source: HttpError,
    },

    /// A request, or the whole call with its retries, took longer than allowed.
    #[error("the `{operation}` call timed out ({scope}); raise {} if Honeycomb is slow to answer", scope.setting())]
    #[non_exhaustive]
    Timeout {
        /// The operation that timed out.
        operation: Operation,
        /// Whether one attempt or the whole call ran out of time.
        scope: TimeoutScope,
        /// The underlying HTTP error, for an attempt timeout.
        #[source]
        source: Option<HttpError>,
    },

    /// The request was sent, but whether Honeycomb carried it out is unknown (the answer
    /// was a 5xx, the connection broke, it timed out, or a success could not be read). For
    /// a create, the SDK did not send it again: a second create would make a second key
    /// (or, for an environment, be refused).
    #[error(
        "the outcome of `{operation}` is unknown: {source}. It was not retried, to avoid a duplicate; {}",
        outcome_advice(*operation, subject.as_deref())
    )]
    #[non_exhaustive]
    OutcomeUnknown {
        /// The operation.
        operation: Operation,
        /// What it was about (the name of the key or environment being created), when
        /// known.
        subject: Option<String>,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// Honeycomb created the key (it answered 201) but its answer could not be read, so
    /// the key's secret, which is shown only once, is lost.
    #[error(
        "Honeycomb created the key{} but its answer could not be read ({reason}), so its secret is lost; delete that key and create it again",
        key_id.as_deref().map(|id| format!(" {id}")).unwrap_or_default()
    )]
    #[non_exhaustive]
    CreatedKeyUnreadable {
        /// The new key's id, if the answer showed it.
        key_id: Option<String>,
        /// Why the answer could not be read (never its text).
        reason: String,
    },

    /// An answer was larger than the client reads (8 MiB; Honeycomb's pages are a few
    /// kilobytes): it was not buffered.
    #[error("Honeycomb's `{operation}` answer is larger than {limit} bytes; it was not read")]
    #[non_exhaustive]
    ResponseTooLarge {
        /// The operation.
        operation: Operation,
        /// The limit, in bytes.
        limit: usize,
    },

    /// The client did not send the request: pacing under the rate limit would wait past
    /// the call's deadline
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    /// Pacing waits for the window to end (a minute at most with Honeycomb's windows);
    /// only a 429's wait is capped by
    /// [`RetryConfig::max_rate_limit_wait`](crate::RetryConfig::max_rate_limit_wait).
    #[error("`{operation}` is rate limited for another {} s; try again later", retry_after.as_secs_f64().ceil())]
    #[non_exhaustive]
    RateLimited {
        /// The operation.
        operation: Operation,
        /// How long until it may be sent.
        retry_after: Duration,
    },

    /// A success response could not be decoded. The body's text is deliberately left
    /// out (it may hold a secret); the position and kind of the problem are kept.
    #[error(
        "could not decode Honeycomb's `{operation}` response: {category} error at line {line}, column {column} (the response does not match spec/api-keys.yaml)"
    )]
    #[non_exhaustive]
    Decode {
        /// The operation whose response failed to decode.
        operation: Operation,
        /// `syntax`, `data` (a field of the wrong type or missing), `eof` or `io`.
        category: &'static str,
        /// Line of the problem in the body.
        line: usize,
        /// Column of the problem in the body.
        column: usize,
    },

    /// The server's pages did not lead to an end: a cursor came back, a key came twice,
    /// too many pages were empty, or the listing passed its page limit. The listing
    /// stopped instead of running forever; the items it yielded before are real, but the
    /// listing is incomplete.
    #[error("pagination stopped after {pages} pages: {fault}")]
    #[non_exhaustive]
    PaginationLoop {
        /// Pages fetched before the listing stopped.
        pages: usize,
        /// What the server did.
        fault: PaginationFault,
    },

    /// Honeycomb answered for another key or environment than the one asked for. Nothing
    /// was done with the answer (no write follows it): acting on it could change the wrong
    /// key.
    #[error(
        "`{operation}` asked for {requested} but Honeycomb answered with {answered}; nothing was done with that answer"
    )]
    #[non_exhaustive]
    IdMismatch {
        /// The operation.
        operation: Operation,
        /// The id asked for.
        requested: String,
        /// The id in the answer (escaped if it held control characters).
        answered: String,
    },

    /// `links.next` pointed somewhere the client will not send credentials to (another
    /// origin or another path), or could not be followed.
    #[error("refused to follow the next-page link: {reason}")]
    #[non_exhaustive]
    UnsafeNextLink {
        /// Why the link was refused.
        reason: String,
    },

    /// A workflow's [`WriteGate`](crate::WriteGate) held back a write, so
    /// the workflow stopped before it; nothing was sent for it.
    #[error("`{operation}` was not sent: the workflow was stopped before it")]
    #[non_exhaustive]
    Cancelled {
        /// The operation held back.
        operation: Operation,
    },

    /// A step of [`ApiKeys::apply`](crate::ApiKeys::apply) did not finish: what went
    /// wrong, what was done about it (a key nobody could use deleted again), and what to
    /// do next. Planning again shows what is left. The checks ([`Error::status`],
    /// [`Error::is_outcome_unknown`], …) answer for `source`, the error that started it.
    #[error("{message}")]
    #[non_exhaustive]
    StepFailed {
        /// What happened and what to do, in words.
        message: String,
        /// The error that started it, if any.
        #[source]
        source: Option<Box<Error>>,
        /// Whether planning and applying again finishes the job (`false`: something must
        /// be done by hand first, as the message says).
        resumable: bool,
    },

    /// The team's keys stand in the way of what was asked, as they are now: a declared
    /// key's name that a key of the other type has, or an [`ApiKeys::apply`] of a plan
    /// made before the keys changed ("the plan is stale"). Nothing was written; the
    /// message says what to do (plan again, rename a key).
    ///
    /// [`ApiKeys::apply`]: crate::ApiKeys::apply
    #[error("{message}")]
    #[non_exhaustive]
    Conflict {
        /// What stands in the way, and what to do.
        message: String,
    },

    /// The blocking client was called from a thread that runs an async runtime (a task,
    /// or `spawn_blocking`), where waiting could stall the runtime. Use the async
    /// [`Client`](crate::Client) there, or call the blocking one from a thread of your own.
    #[error(
        "the blocking client was called from inside an async runtime; use the async honeycomb_api_keys::Client there, or call the blocking one from a thread outside the runtime (std::thread::spawn)"
    )]
    BlockingInAsyncContext,

    /// `/2/auth` did not name the team of the management key, so the team slug could not
    /// be detected.
    #[error(
        // `ENV_TEAM`, spelled out: errors are pure data (a test of config.rs holds them equal).
        "could not detect the team: Honeycomb's /2/auth answer names no team; set it with `ClientBuilder::team` or the HONEYCOMB_TEAM environment variable"
    )]
    TeamNotFound,
}

impl Error {
    /// Hides `key`'s secret (alone, or after its id as in a header value) in every text
    /// of this error that a server provided: for an error that came after `key` was
    /// created, from a server that may have echoed the secret back.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys, env: &str) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ApiKeyUpdate, NewApiKey};
    ///
    /// let created = keys.create(NewApiKey::ingest("checkout", env)).await?;
    /// if let Err(mut error) = keys.update(created.id(), ApiKeyUpdate::new().name("checkout v2")).await {
    ///     error.redact_secret_of(&created);
    ///     eprintln!("{error}"); // never shows the new secret
    /// }
    /// # Ok(()) }
    /// ```
    pub fn redact_secret_of(&mut self, key: &crate::CreatedApiKey) {
        use secrecy::ExposeSecret;
        self.redact(&crate::text::Redactor::new(Some(key.id().as_str()), key.secret().expose_secret()));
    }

    /// Hides the secrets `redactor` knows in every text the server provided.
    pub(crate) fn redact(&mut self, redactor: &crate::text::Redactor) {
        match self {
            Error::Api(api) => api.redact(redactor),
            Error::OutcomeUnknown { source, subject, .. } => {
                source.redact(redactor);
                if let Some(subject) = subject {
                    redactor.redact_in_place(subject);
                }
            }
            Error::UnsafeNextLink { reason } => redactor.redact_in_place(reason),
            Error::IdMismatch { answered, .. } => redactor.redact_in_place(answered),
            Error::StepFailed { message, source, .. } => {
                redactor.redact_in_place(message);
                if let Some(source) = source {
                    source.redact(redactor);
                }
            }
            Error::PaginationLoop { fault: PaginationFault::RepeatedItem { id }, .. } => redactor.redact_in_place(id),
            _ => {}
        }
    }

    /// The error these checks answer for: itself, or for an [`Error::StepFailed`], the
    /// error that started it (its `source`), however deep.
    fn cause(&self) -> &Error {
        match self {
            Error::StepFailed { source: Some(source), .. } => source.cause(),
            other => other,
        }
    }

    /// The HTTP status Honeycomb answered with, if the error comes from a response (also
    /// behind an [`Error::OutcomeUnknown`] or an [`Error::StepFailed`]).
    ///
    /// The checks below ([`status`](Self::status), [`api_error`](Self::api_error),
    /// [`is_not_found`](Self::is_not_found), [`is_conflict`](Self::is_conflict),
    /// [`is_rate_limited`](Self::is_rate_limited),
    /// [`is_outcome_unknown`](Self::is_outcome_unknown), [`is_auth`](Self::is_auth),
    /// [`is_invalid_argument`](Self::is_invalid_argument),
    /// [`retry_after`](Self::retry_after), [`request_id`](Self::request_id)) see through
    /// an [`Error::StepFailed`] to the error that started it: a 502 on a create during
    /// [`ApiKeys::apply`](crate::ApiKeys::apply) answers `status() == Some(502)` and
    /// `is_outcome_unknown()` as that create's own error does. The step's message and
    /// `resumable` say what the apply did about it.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// match keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     Err(e) if e.status().is_some_and(|s| s.is_server_error()) => eprintln!("Honeycomb failed: {e}"),
    ///     other => println!("{:?}", other.map(|key| key.name)),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        self.api_error().map(|api| api.status)
    }

    /// The API error, if Honeycomb answered with an error status (also behind an
    /// [`Error::OutcomeUnknown`] or an [`Error::StepFailed`]).
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     if let Some(api) = e.api_error() {
    ///         eprintln!("{} {:?}: {:?}", api.status, api.code(), api.detail());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            Error::OutcomeUnknown { source, .. } => source.api_error(),
            Error::StepFailed { source: Some(source), .. } => source.api_error(),
            _ => None,
        }
    }

    /// `true` for a 404: the team, key or environment does not exist.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// match keys.delete("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     Err(e) if e.is_not_found() => println!("already gone"),
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// `true` for a 409: the request conflicts with what exists, such as an environment
    /// name the team already uses, or deleting a delete-protected environment; and for
    /// [`Error::Conflict`].
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// match client.environments().delete("hcxen_01hznmeqrcq8rz533xrvtc6mk0").await {
    ///     Err(e) if e.is_conflict() => println!("delete-protected: turn protection off first"),
    ///     other => other?,
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_conflict(&self) -> bool {
        matches!(self.cause(), Error::Conflict { .. }) || self.status() == Some(StatusCode::CONFLICT)
    }

    /// `true` for a 429, or a request held back by the rate limiter.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.list().collect().await {
    ///     if e.is_rate_limited() {
    ///         eprintln!("over Honeycomb's rate limit; try again in {:?}", e.retry_after());
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.cause(), Error::RateLimited { .. }) || self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// `true` when a create (or another call) may or may not have been carried out.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// match keys.create(new).await {
    ///     Err(e) if e.is_outcome_unknown() => eprintln!("{e}"), // says how to check, never re-sent
    ///     other => drop(other?),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self.cause(), Error::OutcomeUnknown { .. } | Error::CreatedKeyUnreadable { .. })
    }

    /// `true` for a 401 or 403: the management key is wrong, disabled or lacks a scope.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.list().collect().await {
    ///     if e.is_auth() {
    ///         eprintln!("check the management key and its api-keys scopes: {e}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn is_auth(&self) -> bool {
        matches!(self.status(), Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN))
    }

    /// `true` when the input was rejected before any request was sent.
    ///
    /// ```
    /// use honeycomb_api_keys::KeyId;
    ///
    /// let error = KeyId::parse("not an id").unwrap_err();
    /// assert!(error.is_invalid_argument());
    /// assert!(error.status().is_none()); // nothing was sent
    /// ```
    pub fn is_invalid_argument(&self) -> bool {
        matches!(self.cause(), Error::InvalidArgument { .. })
    }

    /// How long to wait before trying again, if Honeycomb (or the rate limiter) said.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.list().collect().await {
    ///     if let Some(wait) = e.retry_after() {
    ///         tokio::time::sleep(wait).await; // then try again
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self.cause() {
            Error::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => self.api_error().and_then(|api| api.retry_after),
        }
    }

    /// The request id Honeycomb sent (`X-Request-Id`), to quote to Honeycomb support.
    ///
    /// ```no_run
    /// # async fn run(keys: honeycomb_api_keys::ApiKeys) -> honeycomb_api_keys::Result<()> {
    /// if let Err(e) = keys.get("hcxik_01hqk4k2rqwwcvdysq3ek2tvd8").await {
    ///     eprintln!("{e} (request id for Honeycomb support: {:?})", e.request_id());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.api_error().and_then(|api| api.request_id.as_deref())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}
