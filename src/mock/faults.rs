//! Faults, rate limits and delays a test injects, and the log of the requests the fake
//! received.

use super::*;

/// A response to give instead of the real one, for [`MockHoneycomb::fail_next`].
#[derive(Clone, Debug)]
#[must_use]
pub struct Fault {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<(Vec<u8>, String)>,
    pub(crate) after_processing: bool,
    /// A 429's wait: its body and `Retry-After` are written when it answers.
    pub(crate) retry_after: Option<Duration>,
}

impl Fault {
    /// Answer with `status` and a JSON:API error body fitting it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::{NewApiKey, Operation, mock::Fault};
    ///
    /// honeycomb.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
    /// let env = honeycomb.environment_id("production").expect("seeded");
    /// let err = client.api_keys().create(NewApiKey::ingest("ci", &env)).await.unwrap_err();
    /// assert!(err.is_outcome_unknown() && honeycomb.keys().is_empty()); // never sent twice
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    /// If `status` is not an HTTP status (100 to 599).
    #[track_caller]
    pub fn status(status: u16) -> Self {
        assert!((100..=599).contains(&status), "Fault::status: {status} is not an HTTP status (100 to 599)");
        Fault { status, headers: Vec::new(), body: None, after_processing: false, retry_after: None }
    }

    /// A 429 like Honeycomb's: `Retry-After` an HTTP-date `wait` from when it answers,
    /// the JSON:API error's detail naming the same time ("Please try again after …"), and
    /// `RateLimit` saying the window is spent and resets in `wait`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Operation, mock::Fault};
    ///
    /// honeycomb.fail_next(Operation::GetAuth, 1, Fault::rate_limited(Duration::from_secs(5)));
    /// client.auth().await?; // waited (on the client's clock) and sent again
    /// assert_eq!(honeycomb.requests()[0].status, 429);
    /// # Ok(()) }
    /// ```
    pub fn rate_limited(wait: Duration) -> Self {
        let mut fault = Fault::status(429)
            .header("RateLimit", format!("limit={DEFAULT_RATE_LIMIT}, remaining=0, reset={}", wait.as_secs()));
        fault.retry_after = Some(wait);
        fault
    }

    /// Adds a response header (it wins over the fake's own of the same name).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::{Operation, mock::Fault};
    ///
    /// honeycomb.fail_next(Operation::GetApiKey, 1, Fault::status(404).header("X-Request-Id", "req-42"));
    /// let err = client.api_keys().get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc").await.unwrap_err();
    /// assert_eq!(err.request_id(), Some("req-42"));
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::{Operation, mock::Fault};
    ///
    /// let proxy_page = Fault::status(404).body("<html>Not Found</html>", "text/html");
    /// honeycomb.fail_next(Operation::GetApiKey, 1, proxy_page);
    /// let err = client.api_keys().get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc").await.unwrap_err();
    /// assert!(err.is_not_found());
    /// # Ok(()) }
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.body = Some((body.into(), content_type.into()));
        self
    }

    /// Carry the request out first, then answer with the fault: a response lost after the
    /// server acted (a created key exists, but the client never saw its secret).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::{NewApiKey, Operation, mock::Fault};
    ///
    /// honeycomb.fail_next(Operation::CreateApiKey, 1, Fault::status(502).after_processing());
    /// let env = honeycomb.environment_id("production").expect("seeded");
    /// let err = client.api_keys().create(NewApiKey::ingest("ci", &env)).await.unwrap_err();
    /// assert!(err.is_outcome_unknown());
    /// assert_eq!(honeycomb.keys().len(), 1); // created all the same: find it, delete or use it
    /// # Ok(()) }
    /// ```
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
            (429, None) => self.rate_limited(fault.retry_after.unwrap_or(Duration::from_secs(1))),
            (401, None) => {
                self.error(401, "unauthenticated/invalid-key", "invalid API key", None, Source::Header("Authorization"))
            }
            (403, None) => self.error(403, "forbidden", "forbidden", None, Source::None),
            (404, None) => self.error(404, "not-found", "not found", None, Source::None),
            (413, None) => State::payload_too_large(),
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

impl MockHoneycomb {
    /// The next `times` requests to `operation` get `fault` instead of their answer.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::{Operation, mock::Fault};
    ///
    /// let id = honeycomb.seed_keys(1).remove(0);
    /// honeycomb.fail_next(Operation::GetApiKey, 1, Fault::status(404));
    /// assert!(client.api_keys().get_opt(&id).await?.is_none()); // the fault answered
    /// assert!(client.api_keys().get_opt(&id).await?.is_some()); // then the fake again
    /// # Ok(()) }
    /// ```
    pub fn fail_next(&self, operation: Operation, times: usize, fault: Fault) {
        let mut state = self.lock();
        let queue = state.faults.entry(operation).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Enforces a rate limit of `per_minute` requests on `operation` (429 beyond it, with
    /// `Retry-After`, and `RateLimit` / `RateLimit-Policy` headers on every answer as
    /// Honeycomb sends them), or lifts it with `None`. Off by default, so that tests run
    /// at full speed; then no rate-limit header is sent.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::Operation;
    ///
    /// honeycomb.rate_limit(Operation::ListApiKeys, Some(2));
    /// for _ in 0..3 {
    ///     client.api_keys().list().collect().await?; // the third waits for the next window
    /// }
    /// assert_eq!(client.rate_limit_status(Operation::ListApiKeys).map(|s| s.limit), Some(2));
    /// # Ok(()) }
    /// ```
    pub fn rate_limit(&self, operation: Operation, per_minute: Option<u32>) {
        match per_minute {
            Some(limit) => self.rate_limit_per(operation, limit, WINDOW),
            None => {
                self.lock().limits.remove(&operation);
            }
        }
    }

    /// Enforces `limit` requests per `window` (a whole number of seconds, at least one)
    /// on `operation`: [`rate_limit`](Self::rate_limit) with another window.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::Operation;
    ///
    /// honeycomb.rate_limit_per(Operation::ListApiKeys, 10, Duration::from_secs(10));
    /// client.api_keys().list().collect().await?;
    /// let policy = client.rate_limit_status(Operation::ListApiKeys).and_then(|s| s.policy).expect("sent");
    /// assert_eq!((policy.quota, policy.window), (10, Duration::from_secs(10)));
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_per(&self, operation: Operation, limit: u32, window: Duration) {
        let window = Duration::from_secs(window.as_secs().max(1));
        let mut state = self.lock();
        state.limits.insert(operation, (limit, window));
        state.windows.remove(&operation);
    }

    /// Enforces Honeycomb's default limit (100 a minute) on every operation.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::Operation;
    ///
    /// honeycomb.rate_limit_all();
    /// client.auth().await?;
    /// assert_eq!(client.rate_limit_status(Operation::GetAuth).map(|s| s.limit), Some(100));
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_all(&self) {
        for &op in Operation::ALL {
            self.rate_limit(op, Some(DEFAULT_RATE_LIMIT));
        }
    }

    /// Delays every answer to `operation` by `delay` (zero to stop).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Error, Operation, RetryConfig};
    ///
    /// honeycomb.delay(Operation::GetAuth, Duration::from_secs(2));
    /// let impatient = honeycomb.client_builder().timeout(Duration::from_millis(100));
    /// let impatient = impatient.retry(RetryConfig::disabled()).build()?;
    /// assert!(matches!(impatient.auth().await, Err(Error::Timeout { .. })));
    /// # Ok(()) }
    /// ```
    pub fn delay(&self, operation: Operation, delay: Duration) {
        self.lock().delays.insert(operation, delay);
    }

    /// The next key created is answered as usual (201, its secret included) but appears
    /// in the team only `after` later, by the fake's clock ([`advance_clock`] moves it): a
    /// create Honeycomb stores late. With a [`delay`](Self::delay) longer than the
    /// client's timeout, the client gives up before the answer, and the key shows up after.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// honeycomb.store_next_create_late(Duration::from_secs(60));
    /// let keys = honeycomb.client().api_keys();
    /// keys.create(NewApiKey::ingest("late", &env)).await?;
    /// assert!(keys.list().collect().await?.is_empty(), "not stored yet");
    /// honeycomb.advance_clock(Duration::from_secs(60));
    /// assert_eq!(keys.list().collect().await?.len(), 1);
    /// # Ok(()) }
    /// ```
    ///
    /// [`advance_clock`]: Self::advance_clock
    pub fn store_next_create_late(&self, after: Duration) {
        self.lock().store_late = Some(after);
    }

    /// `/1/auth` refuses each key (401, as an unknown one) until it is `after` old, by the
    /// fake's clock ([`advance_clock`](Self::advance_clock) moves it): Honeycomb taking a
    /// moment to accept a key just made.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// honeycomb.verify_after(Duration::from_secs(5));
    /// let client = honeycomb.client();
    /// let key = client.api_keys().create(NewApiKey::ingest("new", &env)).await?;
    /// assert!(client.verify_key(&key.header_value()).await.unwrap_err().is_auth());
    /// honeycomb.advance_clock(Duration::from_secs(5));
    /// assert_eq!(client.verify_key(&key.header_value()).await?.id, key.id().as_str());
    /// # Ok(()) }
    /// ```
    pub fn verify_after(&self, after: Duration) {
        self.lock().verify_after = after;
    }

    /// Every request received so far, oldest first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::Operation;
    ///
    /// client.api_keys().list().collect().await?;
    /// let last = honeycomb.requests().pop().expect("a request");
    /// assert_eq!((last.operation, last.method.as_str(), last.status), (Some(Operation::ListApiKeys), "GET", 200));
    /// # Ok(()) }
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }

    /// How many requests reached `operation`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// use honeycomb_api_keys::Operation;
    ///
    /// client.api_keys().list().collect().await?;
    /// client.api_keys().list().collect().await?;
    /// assert_eq!(honeycomb.count(Operation::GetAuth), 1); // the team is detected once
    /// assert_eq!(honeycomb.count(Operation::ListApiKeys), 2);
    /// # Ok(()) }
    /// ```
    pub fn count(&self, operation: Operation) -> usize {
        self.lock().log.iter().filter(|r| r.operation == Some(operation)).count()
    }

    /// Forgets the request log.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let client = honeycomb.client();
    /// client.resolve_team().await?; // setup, not what the test is about
    /// honeycomb.clear_requests();
    /// client.api_keys().list().collect().await?;
    /// assert_eq!(honeycomb.requests().len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }
}
