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

use tracing::Instrument;

use crate::{
    client::Client,
    error::{Error, Result, TimeoutScope},
    operation::Operation,
    rate_limit::{Hold, IN_FLIGHT_POLL},
    retry::{RetryConfig, is_transient_status},
    text::Redactor,
    wire::{Attempt, Failed},
};

/// Less time than this left before the deadline, and an attempt is not started.
const MIN_ATTEMPT: Duration = Duration::from_millis(10);

/// What a call is, beyond its request.
#[derive(Default)]
pub(crate) struct CallOptions<'a> {
    /// A retry policy for this call instead of the client's.
    pub(crate) retry: Option<&'a RetryConfig>,
    /// What the call is about, for the advice of an unknown outcome (a new key's name).
    pub(crate) subject: Option<&'a str>,
    /// What error bodies are redacted with instead of the client's redactor (one that
    /// also hides a data key the call carries).
    pub(crate) redactor: Option<&'a Redactor>,
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
    /// The attempt was made and failed (as `wire` tells it).
    Failed(Failed),
    /// The call's deadline passed, during the attempt (`sent`) or before it.
    Deadline { sent: bool },
    /// The rate limiter would have had to wait past the deadline.
    Paced(Duration),
}

impl Kind {
    /// Whether another attempt is safe and may help. A create is re-sent only when it
    /// provably was not processed.
    fn retryable(&self, op: Operation) -> bool {
        match self {
            Kind::Failed(Failed::Connect(_) | Failed::Status { status: 429, .. }) => true,
            _ if !op.is_idempotent() => false,
            Kind::Failed(Failed::Sent(_) | Failed::BodyBroken(_)) => true,
            Kind::Failed(Failed::Status { status, .. }) => is_transient_status(*status),
            Kind::Failed(Failed::Undecodable { .. } | Failed::TooLarge | Failed::Unbuilt(_) | Failed::Other(_))
            | Kind::Deadline { .. }
            | Kind::Paced(_) => false,
        }
    }

    /// Whether the request may have been carried out although it failed: no answer, a
    /// 5xx, or a success whose answer could not be read (the last is a create's
    /// `CreatedKeyUnreadable` for keys).
    fn ambiguous(&self) -> bool {
        match self {
            Kind::Failed(Failed::Sent(_)) | Kind::Deadline { sent: true } => true,
            Kind::Failed(Failed::Status { status, .. }) => *status >= 500 || (200..300).contains(status),
            Kind::Failed(Failed::TooLarge | Failed::BodyBroken(_) | Failed::Undecodable { .. }) => true,
            _ => false,
        }
    }

    fn describe(&self) -> String {
        match self {
            Kind::Failed(Failed::Connect(_)) => "connect failed".into(),
            Kind::Failed(Failed::Sent(_)) => "exchange failed".into(),
            Kind::Failed(Failed::Status { status, .. }) => format!("status {status}"),
            Kind::Failed(Failed::TooLarge) => "answer too large".into(),
            Kind::Failed(Failed::BodyBroken(_)) => "body broke off".into(),
            Kind::Failed(Failed::Undecodable { .. }) => "body does not decode".into(),
            Kind::Failed(Failed::Unbuilt(_)) => "request not built".into(),
            Kind::Failed(Failed::Other(_)) => "HTTP stack failed".into(),
            Kind::Deadline { .. } => "deadline".into(),
            Kind::Paced(_) => "rate limited locally".into(),
        }
    }
}

/// Runs one call: `request` makes one attempt (a lazy future, from `wire::Api`) each
/// time it is called.
pub(crate) async fn call<T, F, Fut>(client: &Client, op: Operation, options: CallOptions<'_>, request: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    run(client, op, options, request, None).await
}

/// [`call`] for a delete (`op`): a 404 after an earlier attempt that may have deleted
/// the key or environment means that attempt did, so the delete succeeded.
pub(crate) async fn call_delete<F, Fut>(
    client: &Client,
    op: Operation,
    options: CallOptions<'_>,
    request: F,
) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<()>>,
{
    run(client, op, options, request, Some(())).await
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
    Fut: Future<Output = Attempt<T>>,
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
                && matches!(failure.kind, Kind::Failed(Failed::Status { status: 404, .. }))
                && let Some(value) = gone.take()
            {
                tracing::debug!(attempt, "gone after an attempt that may have removed it: done");
                return Ok(value);
            }
            maybe_done |= failure.kind.ambiguous();
            let wait = if failure.retry { failure.next_wait(backoff.next()) } else { None };
            let Some(wait) = wait else {
                let redactor = options.redactor.unwrap_or_else(|| client.redactor());
                return Err(into_call_error(op, &options, failure, redactor).await);
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
    Fut: Future<Output = Attempt<T>>,
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
        Ok(answer) => {
            client.limiter().observe(op, &answer.headers, sent);
            tracing::debug!(attempt, status = answer.status, elapsed_ms, "answered");
            Ok(answer.value)
        }
        Err(failed) => {
            if let Failed::Status { answer, wait, status } = &failed {
                client.limiter().observe(op, answer.headers(), sent);
                if let (429, Some(wait)) = (status, wait) {
                    client.limiter().throttled(op, *wait);
                }
            }
            let kind = Kind::Failed(failed);
            tracing::debug!(attempt, failure = kind.describe(), elapsed_ms, "failed");
            let wait = match &kind {
                Kind::Failed(Failed::Status { status: 429 | 503, wait: Some(asked), .. })
                    if *asked > config.rate_limit_wait_cap() =>
                {
                    Wait::Stop
                }
                Kind::Failed(Failed::Status { status: 429 | 503, wait: Some(asked), .. }) => {
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
    let create = op == Operation::CreateApiKey;
    // A key create that was answered has its own error (its secret is lost); any other
    // write that may have been carried out is an unknown outcome.
    let answered = matches!(
        failure.kind,
        Kind::Failed(
            Failed::Status { status: 200..=299, .. }
                | Failed::TooLarge
                | Failed::BodyBroken(_)
                | Failed::Undecodable { .. }
        )
    );
    let ambiguous = !op.is_idempotent() && failure.kind.ambiguous() && !(create && answered);
    let error = match failure.kind {
        Kind::Paced(wait) => Error::RateLimited { operation: op, retry_after: wait },
        Kind::Deadline { .. } => Error::Timeout { operation: op, scope: TimeoutScope::Operation, source: None },
        // Any 2xx but 201 to a create: it may have made a key, and its secret is not here.
        Kind::Failed(Failed::Status { status: 200..=299, .. }) if create => Error::CreatedKeyUnreadable {
            key_id: None,
            reason: "Honeycomb answered with a success status other than 201".into(),
        },
        // A create answered, and its answer (with the secret) could not be read.
        Kind::Failed(failed @ (Failed::TooLarge | Failed::BodyBroken(_) | Failed::Undecodable { .. })) if create => {
            failed.into_created_unreadable()
        }
        // Error bodies are redacted as they are read (`wire::errors`).
        Kind::Failed(failed) => failed.into_error(op, redactor).await,
    };
    if ambiguous {
        Error::OutcomeUnknown { operation: op, subject: options.subject.map(str::to_string), source: Box::new(error) }
    } else {
        error
    }
}
