//! The path of every call after its input was checked: pace it (rate limiter), send it
//! within the time left, classify what came back, retry what is safe to retry (with the
//! waits of [`retry`](crate::retry)), and turn the last failure into the crate's
//! [`Error`]. One tracing span per call, one event per attempt and per wait; never a
//! header value or a body.
//!
//! The loop is written out rather than built on `backon`: backon's `Retry` future, with
//! its hook closures over `&Failure`, cannot be proven `Send` inside the crate's list
//! streams (a rustc limitation with higher-ranked lifetimes), and the loop is a dozen lines
//! over the policy pieces that matter (which failures, which waits), all in `retry.rs`
//! and here.

use std::{future::Future, time::Duration};

use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::HeaderMap;
use tracing::Instrument;

use crate::{
    client::Client,
    error::{Error, Result, TimeoutScope},
    operation::Operation,
    rate_limit::{Hold, IN_FLIGHT_POLL},
    retry::{RetryConfig, is_transient_status},
    text::Redactor,
    wire::headers::requested_wait,
    wire::{RESPONSE_LIMIT, into_error, is_too_large},
};

type GeneratedError = progenitor_client::Error<ByteStream>;

/// Less time than this left before the deadline, and an attempt is not started.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);

/// What a call is, beyond its request.
#[derive(Default)]
pub(crate) struct CallOptions<'a> {
    /// A retry policy for this call instead of the client's.
    pub(crate) retry: Option<&'a RetryConfig>,
    /// What the call is about, for the advice of an unknown outcome (a new key's name).
    pub(crate) subject: Option<&'a str>,
}

/// How one attempt failed, and what to do about it (decided where it failed, where the
/// operation, the policy and the clock are at hand).
struct Failure {
    kind: Kind,
    /// Whether another attempt is safe and may help.
    retry: bool,
    /// How long to wait before it.
    wait: Wait,
    /// Time left before the call's deadline, when it failed.
    time_left: Duration,
}

enum Wait {
    /// The next exponential backoff.
    Backoff,
    /// What the server asked for (with jitter).
    Exactly(Duration),
    /// Do not wait: stop (the server asked for longer than the cap).
    Stop,
}

/// Why one attempt failed.
enum Kind {
    /// The connection could not be opened: the request was never sent.
    Connect(GeneratedError),
    /// The request was (perhaps) sent, then the exchange broke or timed out.
    Sent(GeneratedError),
    /// Honeycomb answered an error status.
    Status { status: u16, wait: Option<Duration>, error: GeneratedError },
    /// An answer over the size the client reads.
    TooLarge,
    /// A success status whose body broke off while it was read.
    BodyBroken(GeneratedError),
    /// A success status whose body does not decode (the same body would come again).
    Undecodable(GeneratedError),
    /// Anything else the generated client reported (a request it could not build).
    Other(GeneratedError),
    /// The call's deadline passed, during the attempt (`sent`) or before it.
    Deadline { sent: bool },
    /// The rate limiter would have had to wait past the deadline.
    Paced(Duration),
}

impl Kind {
    fn classify(error: GeneratedError) -> Kind {
        use progenitor_client::Error as E;
        match error {
            E::ResponseBodyError(ref e) | E::CommunicationError(ref e) if is_too_large(e) => Kind::TooLarge,
            E::CommunicationError(ref e) if e.is_connect() => Kind::Connect(error),
            E::CommunicationError(_) => Kind::Sent(error),
            E::ErrorResponse(ref rv) => {
                let status = rv.status().as_u16();
                Kind::Status { status, wait: requested_wait(status, rv.headers()), error }
            }
            E::UnexpectedResponse(ref r) => {
                let status = r.status().as_u16();
                Kind::Status { status, wait: requested_wait(status, r.headers()), error }
            }
            E::ResponseBodyError(_) => Kind::BodyBroken(error),
            E::InvalidResponsePayload(..) => Kind::Undecodable(error),
            _ => Kind::Other(error),
        }
    }

    fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Kind::Status { error: progenitor_client::Error::ErrorResponse(rv), .. } => Some(rv.headers()),
            Kind::Status { error: progenitor_client::Error::UnexpectedResponse(r), .. } => Some(r.headers()),
            _ => None,
        }
    }

    /// Whether another attempt is safe and may help. A create is re-sent only when it
    /// provably was not processed.
    fn retryable(&self, op: Operation) -> bool {
        match self {
            Kind::Connect(_) => true,
            Kind::Status { status: 429, .. } => true,
            _ if !op.is_idempotent() => false,
            Kind::Sent(_) | Kind::BodyBroken(_) => true,
            Kind::Status { status, .. } => is_transient_status(*status),
            Kind::Undecodable(_) | Kind::TooLarge | Kind::Other(_) | Kind::Deadline { .. } | Kind::Paced(_) => false,
        }
    }

    /// Whether the request may have been carried out although it failed.
    fn ambiguous(&self) -> bool {
        match self {
            Kind::Sent(_) | Kind::Deadline { sent: true } => true,
            Kind::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Kind::Connect(_) => "connect failed".into(),
            Kind::Sent(_) => "exchange failed".into(),
            Kind::Status { status, .. } => format!("status {status}"),
            Kind::TooLarge => "answer too large".into(),
            Kind::BodyBroken(_) => "body broke off".into(),
            Kind::Undecodable(_) => "body does not decode".into(),
            Kind::Other(_) => "request not built".into(),
            Kind::Deadline { .. } => "deadline".into(),
            Kind::Paced(_) => "rate limited locally".into(),
        }
    }
}

/// Runs one call: `request` makes the generated call (a lazy future) for each attempt.
pub(crate) async fn call<T, F, Fut>(client: &Client, op: Operation, options: CallOptions<'_>, request: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<ResponseValue<T>, GeneratedError>>,
{
    run(client, op, options, request, None).await
}

/// [`call`] for a delete: a 404 after an earlier attempt that may have deleted the key
/// means that attempt did, so the delete succeeded.
pub(crate) async fn call_delete<F, Fut>(client: &Client, options: CallOptions<'_>, request: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<ResponseValue<()>, GeneratedError>>,
{
    run(client, Operation::DeleteApiKey, options, request, Some(())).await
}

async fn run<T, F, Fut>(
    client: &Client,
    op: Operation,
    options: CallOptions<'_>,
    mut request: F,
    gone: Option<T>,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<ResponseValue<T>, GeneratedError>>,
{
    let config = options.retry.unwrap_or_else(|| client.retry_config()).clone();
    let clock = client.clock().clone();
    let deadline = clock.now().saturating_add(client.operation_timeout());
    let mut backoff = config.backoff();
    let mut gone = gone;
    let mut maybe_done = false;
    let span = tracing::debug_span!("honeycomb", operation = op.name(), method = op.method(), path = op.path());
    async move {
        for attempt in 1.. {
            let failure = match one_attempt(client, op, attempt, deadline, &config, request()).await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            if maybe_done
                && matches!(failure.kind, Kind::Status { status: 404, .. })
                && let Some(value) = gone.take()
            {
                tracing::debug!(attempt, "gone after an attempt that may have removed it: done");
                return Ok(value);
            }
            maybe_done |= failure.kind.ambiguous();
            let wait = if failure.retry { failure.next_wait(backoff.next()) } else { None };
            let Some(wait) = wait else {
                // Error bodies were redacted as they were read (`wire::errors`).
                return Err(into_call_error(op, &options, failure, client.redactor()).await);
            };
            tracing::debug!(attempt, failure = failure.kind.describe(), wait_ms = wait.as_millis() as u64, "retrying");
            clock.sleep(wait).await;
        }
        unreachable!("the attempts end with a return")
    }
    .instrument(span)
    .await
}

/// One attempt: wait for the rate limiter, send within the time left, classify.
async fn one_attempt<T, Fut>(
    client: &Client,
    op: Operation,
    attempt: u32,
    deadline: Duration,
    config: &RetryConfig,
    pending: Fut,
) -> std::result::Result<T, Failure>
where
    Fut: Future<Output = std::result::Result<ResponseValue<T>, GeneratedError>>,
{
    let clock = client.clock().clone();
    let _permit = loop {
        let now = clock.now();
        let wait = match client.limiter().acquire(op) {
            Ok(permit) => break permit,
            Err(Hold::For(wait)) => wait,
            Err(Hold::Landing) => {
                tokio::time::sleep(IN_FLIGHT_POLL).await;
                continue;
            }
        };
        if now.saturating_add(wait) > deadline {
            return Err(Failure::stop(Kind::Paced(wait)));
        }
        tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, "pacing before the rate limit");
        // Until a moment, not for a while: callers waiting for the same window end wake
        // together.
        clock.sleep_until(now.saturating_add(wait)).await;
    };
    let sent = clock.now();
    let left = deadline.saturating_sub(sent);
    if left < MIN_ATTEMPT {
        // Too little time to send anything usefully: say so, without sending.
        return Err(Failure::stop(Kind::Deadline { sent: false }));
    }
    let started = std::time::Instant::now();
    let Ok(outcome) = tokio::time::timeout(left, pending).await else {
        tracing::debug!(attempt, "deadline reached");
        return Err(Failure::stop(Kind::Deadline { sent: true }));
    };
    let elapsed_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(response) => {
            client.limiter().observe(op, response.headers(), sent);
            tracing::debug!(attempt, status = response.status().as_u16(), elapsed_ms, "answered");
            Ok(response.into_inner())
        }
        Err(error) => {
            let kind = Kind::classify(error);
            if let Some(headers) = kind.headers() {
                client.limiter().observe(op, headers, sent);
            }
            if let Kind::Status { status: 429, wait: Some(wait), .. } = &kind {
                client.limiter().throttled(op, *wait);
            }
            tracing::debug!(attempt, failure = kind.describe(), elapsed_ms, "failed");
            let wait = match &kind {
                Kind::Status { status: 429 | 503, wait: Some(asked), .. } if *asked > config.rate_limit_wait_cap() => {
                    Wait::Stop
                }
                Kind::Status { status: 429 | 503, wait: Some(asked), .. } => {
                    Wait::Exactly(*asked + Duration::from_secs(1).mul_f64(config.random()))
                }
                _ => Wait::Backoff,
            };
            let retry = kind.retryable(op);
            Err(Failure { kind, retry, wait, time_left: deadline.saturating_sub(clock.now()) })
        }
    }
}

impl Failure {
    /// A failure that ends the call.
    fn stop(kind: Kind) -> Failure {
        Failure { kind, retry: false, wait: Wait::Stop, time_left: Duration::ZERO }
    }

    /// The wait before the next attempt, or `None` to stop: the backoff, or what a 429
    /// (or 503) asked for; never past the cap or the deadline.
    fn next_wait(&self, backoff: Option<Duration>) -> Option<Duration> {
        let backoff = backoff?;
        let wait = match self.wait {
            Wait::Backoff => backoff,
            Wait::Exactly(wait) => wait,
            Wait::Stop => return None,
        };
        (wait <= self.time_left).then_some(wait)
    }
}

/// The error a user gets for the last failure of a call.
async fn into_call_error(op: Operation, options: &CallOptions<'_>, failure: Failure, redactor: &Redactor) -> Error {
    let ambiguous = !op.is_idempotent() && failure.kind.ambiguous();
    let error = match failure.kind {
        Kind::Paced(wait) => Error::RateLimited { operation: op, retry_after: wait },
        Kind::TooLarge if op == Operation::CreateApiKey => {
            Error::CreatedKeyUnreadable { key_id: None, reason: "the answer was too large to read".into() }
        }
        Kind::TooLarge => Error::ResponseTooLarge { operation: op, limit: RESPONSE_LIMIT },
        // Any 2xx but 201 to a create: it may have made a key, and its secret is not here.
        Kind::Status { status: 200..=299, .. } if op == Operation::CreateApiKey => Error::CreatedKeyUnreadable {
            key_id: None,
            reason: "Honeycomb answered with a success status other than 201".into(),
        },
        Kind::Deadline { .. } => Error::Timeout { operation: op, scope: TimeoutScope::Operation, source: None },
        Kind::BodyBroken(error) | Kind::Undecodable(error) if op == Operation::CreateApiKey => {
            created_unreadable(error)
        }
        Kind::Connect(error)
        | Kind::Status { error, .. }
        | Kind::Sent(error)
        | Kind::BodyBroken(error)
        | Kind::Undecodable(error)
        | Kind::Other(error) => into_error(error, op, redactor).await,
    };
    if ambiguous {
        Error::OutcomeUnknown { operation: op, subject: options.subject.map(str::to_string), source: Box::new(error) }
    } else {
        error
    }
}

/// A 201 whose body could not be read: say which key exists, if the body shows its id,
/// without any other text of the body (it holds the secret).
fn created_unreadable(error: GeneratedError) -> Error {
    match error {
        progenitor_client::Error::InvalidResponsePayload(bytes, e) => {
            let key_id = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|body| body.pointer("/data/id")?.as_str().map(str::to_string))
                .filter(|id| crate::model::KeyId::parse(id.as_str()).is_ok());
            let reason = format!("it does not match the expected shape at line {}, column {}", e.line(), e.column());
            Error::CreatedKeyUnreadable { key_id, reason }
        }
        _ => {
            Error::CreatedKeyUnreadable { key_id: None, reason: "the connection broke while it was being read".into() }
        }
    }
}
