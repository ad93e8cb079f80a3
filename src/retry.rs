//! The retry policy (see [`RetryConfig`]): which failures are retried, and the waits.

use std::{fmt, sync::Arc, time::Duration};

type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// The retry policy, per client ([`ClientBuilder::retry`](crate::ClientBuilder::retry))
/// or per call (`client.api_keys().retry(..)`).
///
/// Reads (`GET`), deletes and updates (absolute values) are retried on connection and
/// transport failures, timeouts, 429, 500, 502, 503 and 504. **Creating a key is re-sent
/// only when it provably was not processed**: the connection could not be opened, or
/// Honeycomb answered 429. Anything else after a create was sent (a 5xx, a reset, a
/// timeout) is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown), never a second
/// POST: Honeycomb has no idempotency key, and a duplicate is a live secret nobody holds.
///
/// Waits: full-jitter exponential backoff (1 s base, 20 s cap, 3 attempts in all by
/// default); on a 429, `Retry-After` (seconds or an HTTP-date), else the `RateLimit`
/// reset, plus up to a second of jitter; a wait longer than
/// [`RetryConfig::max_rate_limit_wait`] (60 s) or past the operation deadline is not
/// slept: the call fails at once with the wait in the error.
///
/// ```
/// use std::time::Duration;
/// use honeycomb_api_keys::RetryConfig;
///
/// let patient = RetryConfig::standard().max_attempts(5).max_delay(Duration::from_secs(30));
/// let never = RetryConfig::disabled();
/// assert_eq!(never.attempts(), 1);
/// ```
#[derive(Clone)]
#[must_use]
pub struct RetryConfig {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_rate_limit_wait: Duration,
    jitter: Jitter,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig::standard()
    }
}

impl fmt::Debug for RetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryConfig")
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .finish_non_exhaustive()
    }
}

impl RetryConfig {
    /// 3 attempts in all, full-jitter exponential backoff from 1 s up to 20 s, rate-limit
    /// waits up to 60 s (as the AWS SDKs' standard mode, with Honeycomb's window).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let retry = RetryConfig::standard();
    /// assert_eq!(retry.attempts(), 3);
    /// assert_eq!(retry.rate_limit_wait_cap(), Duration::from_secs(60));
    /// ```
    pub fn standard() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            max_rate_limit_wait: Duration::from_secs(60),
            jitter: Arc::new(fastrand::f64),
        }
    }

    /// One attempt: nothing is retried.
    ///
    /// ```
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let once = RetryConfig::disabled();
    /// assert_eq!(once.attempts(), 1);
    /// ```
    pub fn disabled() -> Self {
        RetryConfig::standard().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    ///
    /// ```
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// assert_eq!(RetryConfig::standard().max_attempts(5).attempts(), 5);
    /// assert_eq!(RetryConfig::standard().max_attempts(0).attempts(), 1);
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the second attempt, doubled for each later one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// // waits of at most 200 ms, 400 ms, 800 ms between 4 attempts
    /// let quick = RetryConfig::standard().max_attempts(4).base_delay(Duration::from_millis(200));
    /// assert!(format!("{quick:?}").contains("base_delay: 200ms"));
    /// ```
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest backoff.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let patient = RetryConfig::standard().max_attempts(8).max_delay(Duration::from_secs(60));
    /// assert!(format!("{patient:?}").contains("max_delay: 60s"));
    /// ```
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest rate-limit wait to sleep through; asked for longer, the call fails at
    /// once with the wait in the error.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let retry = RetryConfig::standard().max_rate_limit_wait(Duration::from_secs(5));
    /// assert_eq!(retry.rate_limit_wait_cap(), Duration::from_secs(5));
    /// ```
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// The random source of the jitter, a number in `[0, 1)` (tests pass a constant).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// // a constant instead of a random number: the same waits on every run, for tests
    /// let exact = RetryConfig::standard().jitter(|| 0.999_999).base_delay(Duration::from_millis(10));
    /// ```
    pub fn jitter(mut self, jitter: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(jitter);
        self
    }

    /// Attempts in all.
    ///
    /// ```
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// assert_eq!(RetryConfig::standard().attempts(), 3);
    /// assert_eq!(RetryConfig::disabled().attempts(), 1);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The cap on rate-limit waits.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let retry = RetryConfig::standard().max_rate_limit_wait(Duration::from_secs(90));
    /// assert_eq!(retry.rate_limit_wait_cap(), Duration::from_secs(90));
    /// ```
    pub fn rate_limit_wait_cap(&self) -> Duration {
        self.max_rate_limit_wait
    }

    /// The jitter source's number, kept in `[0, 1]` (anything else, NaN included, is 0).
    pub(crate) fn random(&self) -> f64 {
        let r = (self.jitter)();
        if (0.0..=1.0).contains(&r) { r } else { 0.0 }
    }

    /// The backoffs between attempts: `max_attempts - 1` of them.
    pub(crate) fn backoff(&self) -> FullJitter {
        FullJitter { config: self.clone(), next_attempt: 0 }
    }
}

/// Full-jitter exponential backoff: the n-th wait is uniform in
/// `[0, min(base × 2^n, max)]`.
pub(crate) struct FullJitter {
    config: RetryConfig,
    next_attempt: u32,
}

impl Iterator for FullJitter {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.next_attempt + 1 >= self.config.max_attempts {
            return None;
        }
        let ceiling = self
            .config
            .base_delay
            .checked_mul(2u32.checked_pow(self.next_attempt).unwrap_or(u32::MAX))
            .unwrap_or(self.config.max_delay)
            .min(self.config.max_delay);
        self.next_attempt += 1;
        Some(ceiling.mul_f64(self.config.random()))
    }
}

/// Statuses worth another attempt of an idempotent call.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::{
        model::MAX_WINDOW,
        wire::headers::{requested_wait, retry_after_from},
    };

    #[test]
    fn retry_after_accepts_seconds_and_dates_and_ignores_junk() {
        assert_eq!(retry_after_from("7", None), Some(Duration::from_secs(7)));
        assert_eq!(retry_after_from(" 0 ", None), Some(Duration::ZERO));
        assert_eq!(retry_after_from("99999999999999999999999", None), Some(MAX_WINDOW), "beyond u64 is a long wait");
        assert_eq!(retry_after_from("Fri, 22 Mar 2024 18:37:53 GMT", None), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        let wait = retry_after_from(&future, None).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        assert_eq!(retry_after_from("-3", None), None);
        assert_eq!(retry_after_from("2024-03-22T18:37:53Z", None), None);
        assert_eq!(retry_after_from("", None), None);
    }

    #[test]
    fn backoff_is_full_jitter_exponential_and_capped() {
        let max = RetryConfig::standard().max_attempts(8).jitter(|| 0.999_999);
        let waits: Vec<u64> = max.backoff().map(|d| d.as_millis() as u64).collect();
        assert_eq!(waits, [999, 1999, 3999, 7999, 15999, 19999, 19999]);
        let none = RetryConfig::standard().max_attempts(3).jitter(|| 0.0);
        assert_eq!(none.backoff().collect::<Vec<_>>(), [Duration::ZERO, Duration::ZERO]);
        assert_eq!(RetryConfig::disabled().backoff().count(), 0);
        let huge = RetryConfig::standard().max_attempts(u32::MAX).jitter(|| 0.5);
        assert!(huge.backoff().take(100).all(|d| d <= Duration::from_secs(10)));
    }

    #[test]
    fn retry_after_wins_over_the_rate_limit_reset() {
        let mut h = HeaderMap::new();
        h.insert("ratelimit", "limit=100, remaining=0, reset=7".parse().unwrap());
        assert_eq!(requested_wait(429, &h), Some(Duration::from_secs(7)));
        assert_eq!(requested_wait(503, &h), None, "a reset is a 429's wait only");
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(requested_wait(429, &h), Some(Duration::from_secs(3)));
        assert_eq!(requested_wait(503, &h), Some(Duration::from_secs(3)));
        h.insert("retry-after", "garbage".parse().unwrap());
        assert_eq!(requested_wait(429, &h), Some(Duration::from_secs(7)), "a malformed Retry-After is ignored");
        assert_eq!(requested_wait(429, &HeaderMap::new()), None);
        let mut left = HeaderMap::new();
        left.insert("ratelimit", "limit=100, remaining=40, reset=45".parse().unwrap());
        assert_eq!(requested_wait(429, &left), None, "requests remain: the reset is not the wait");
    }

    #[test]
    fn an_http_date_is_measured_from_the_response_date() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "Fri, 22 Mar 2024 18:38:03 GMT".parse().unwrap());
        h.insert("date", "Fri, 22 Mar 2024 18:37:53 GMT".parse().unwrap());
        assert_eq!(requested_wait(429, &h), Some(Duration::from_secs(10)), "skew-free");
        let mut huge = HeaderMap::new();
        huge.insert("retry-after", "18446744073709551615".parse().unwrap());
        assert_eq!(requested_wait(429, &huge), Some(MAX_WINDOW));
    }

    #[test]
    fn odd_jitter_sources_cannot_break_the_backoff() {
        for odd in [f64::NAN, f64::INFINITY, -1.0, 7.0] {
            let config = RetryConfig::standard().max_attempts(4).max_delay(Duration::MAX).jitter(move || odd);
            assert!(config.backoff().all(|d| d == Duration::ZERO), "{odd}");
        }
    }
}
