//! Proactive rate limiting (see [`RateLimitConfig`]): the limiter, which paces each
//! operation by what Honeycomb's `RateLimit` headers say (read by `wire::headers`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::header::HeaderMap;

use crate::{
    clock::Clock,
    model::{MAX_WINDOW, RateLimitStatus},
    operation::Operation,
    wire::headers::status_from_headers,
};

/// Honeycomb's documented default: 100 requests a minute per operation.
pub const DEFAULT_QUOTA: u32 = 100;

/// The window of the default quota.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// How the client paces requests.
///
/// Proactive rate limiting: Honeycomb allows about 100 requests a minute per operation and
/// says where each window stands in `RateLimit` / `RateLimit-Policy` headers. The client
/// reads them on every response and paces each operation so that it does not run into a
/// 429 in the first place. Malformed header values are ignored, never a panic.
///
/// The limiter counts per client (and its clones): two clients, or two processes, using
/// the same key each assume the whole quota until Honeycomb's headers correct them.
/// Callers waiting for a window are not served in order.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitConfig {
    /// Whether to pace at all (default `true`).
    pub enabled: bool,
    /// The quota assumed until Honeycomb states one (default 100).
    pub quota: u32,
    /// The window of that quota (default 60 s).
    pub window: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig { enabled: true, quota: DEFAULT_QUOTA, window: DEFAULT_WINDOW }
    }
}

impl RateLimitConfig {
    /// No pacing: requests go out as fast as they are made (429s are still retried).
    ///
    /// ```
    /// use honeycomb_api_keys::RateLimitConfig;
    /// assert!(!RateLimitConfig::disabled().enabled);
    /// assert!(RateLimitConfig::default().enabled);
    /// ```
    pub fn disabled() -> Self {
        RateLimitConfig { enabled: false, ..RateLimitConfig::default() }
    }

    /// Assume `quota` requests per `window` until Honeycomb states its policy.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RateLimitConfig;
    /// let half = RateLimitConfig::default().quota(50, Duration::from_secs(60));
    /// assert_eq!((half.quota, half.window), (50, Duration::from_secs(60)));
    /// ```
    #[must_use]
    pub fn quota(mut self, quota: u32, window: Duration) -> Self {
        self.quota = quota;
        self.window = window;
        self
    }
}

/// How often to look again (in real time) for requests in flight at a window change, and
/// for how long at most.
pub(crate) const IN_FLIGHT_POLL: Duration = Duration::from_millis(20);
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(5);

/// Slack added to a window's end, so that a request never lands just before the server's
/// own window (which starts when the first request arrives) has reset.
const WINDOW_SLACK: Duration = Duration::from_secs(1);

/// The pacing state of one operation: a window like Honeycomb's (a quota of requests
/// that resets after the window), corrected by what each response says is left and when
/// it resets. Requests in flight count as soon as they are sent, so concurrent callers
/// cannot overshoot the quota while the answers are still on their way.
#[derive(Debug)]
struct Bucket {
    quota: u32,
    window: Duration,
    /// Requests that may still be sent before `ends`.
    left: u32,
    /// When the current window opened.
    opened: Duration,
    /// Requests sent and not answered yet (they may count in the next window).
    in_flight: u32,
    /// When (in real time) the window ended with requests still in flight.
    landing_since: Option<std::time::Instant>,
    /// When the current window ends (`None`: no window open).
    ends: Option<Duration>,
    last: Option<RateLimitStatus>,
}

impl Bucket {
    fn open_window_if_over(&mut self, now: Duration) {
        if self.ends.is_none_or(|ends| now >= ends) {
            self.opened = now;
            self.landing_since = None;
            self.ends = Some(now.saturating_add(self.window).saturating_add(WINDOW_SLACK));
            // Requests still on their way may land in the server's new window.
            self.left = self.quota.saturating_sub(self.in_flight);
        }
    }
}

/// Why a request must wait.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Hold {
    /// This long, on the client's clock: the window's quota is spent.
    For(Duration),
    /// A moment, in real time: requests of the last window are still in flight.
    Landing,
}

/// Leave to send one request; it stays "in flight" until dropped (answered, failed, or
/// cancelled), so that the next window leaves room for it.
pub(crate) struct Permit<'a> {
    limiter: &'a Limiter,
    op: Operation,
    counted: bool,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.counted {
            self.limiter.landed(self.op);
        }
    }
}

/// Paces every operation of one client and its clones.
pub(crate) struct Limiter {
    config: RateLimitConfig,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<Operation, Bucket>>,
}

impl Limiter {
    pub(crate) fn new(config: RateLimitConfig, clock: Arc<dyn Clock>) -> Self {
        Limiter { config, clock, buckets: Mutex::new(HashMap::new()) }
    }

    fn with_bucket<R>(&self, op: Operation, f: impl FnOnce(&mut Bucket, Duration) -> R) -> R {
        let now = self.clock.now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(op).or_insert_with(|| Bucket {
            quota: self.config.quota.max(1),
            window: self.config.window.clamp(Duration::from_millis(1), MAX_WINDOW),
            left: 0,
            opened: Duration::ZERO,
            in_flight: 0,
            landing_since: None,
            ends: None,
            last: None,
        });
        f(bucket, now)
    }

    /// A permit to send `op` now (the request is counted, and in flight until the permit
    /// is dropped), or what to wait for before asking again.
    pub(crate) fn acquire(&self, op: Operation) -> Result<Permit<'_>, Hold> {
        if !self.config.enabled {
            return Ok(Permit { limiter: self, op, counted: false });
        }
        self.with_bucket(op, |bucket, now| {
            // Before a window change (the quota is spent, or the window is over), give the
            // requests still in flight a moment to land (in real time: they are real
            // requests; a few seconds at most), so that they count in the window they were
            // sent in and the next window starts with its whole quota.
            let window_over = bucket.ends.is_some_and(|ends| now >= ends);
            if (window_over || bucket.left == 0) && bucket.in_flight > 0 {
                let since = *bucket.landing_since.get_or_insert_with(std::time::Instant::now);
                if since.elapsed() < IN_FLIGHT_GRACE {
                    return Err(Hold::Landing);
                }
            }
            bucket.open_window_if_over(now);
            if bucket.left > 0 {
                bucket.left -= 1;
                bucket.in_flight += 1;
                return Ok(Permit { limiter: self, op, counted: true });
            }
            Err(Hold::For(
                bucket.ends.map_or(Duration::ZERO, |ends| ends.saturating_sub(now)).max(Duration::from_millis(1)),
            ))
        })
    }

    /// Learns from the headers of a response to a request sent at `sent` (on the clock):
    /// the policy, what is left, when it resets. An answer that speaks of a past window
    /// only updates the policy and the status shown to users.
    pub(crate) fn observe(&self, op: Operation, headers: &HeaderMap, sent: Duration) {
        let Some(status) = status_from_headers(headers) else { return };
        self.with_bucket(op, |bucket, now| {
            // The server's quota (its policy, else the window's limit) replaces the one
            // assumed; when it changes, what the server says remains is taken as it is.
            let quota = status.policy.map_or(status.limit, |p| p.quota).max(1);
            let learned = quota != bucket.quota;
            bucket.quota = quota;
            if let Some(policy) = status.policy {
                bucket.window = policy.window;
            }
            bucket.last = Some(status.clone());
            // An answer to a request sent before the current window opened, or arriving
            // after the window it was sent in ended, speaks of a past window.
            if sent < bucket.opened || bucket.ends.is_none_or(|ends| now >= ends) {
                return;
            }
            if let Some(remaining) = status.remaining {
                // What the server says remains, less the other requests still in flight
                // (sent, perhaps not counted by it yet; this answer's own request is among
                // them). Answers can arrive out of order, so it only ever lowers what is
                // left, unless the quota was just learned.
                let server_left = remaining.saturating_sub(bucket.in_flight.saturating_sub(1));
                bucket.left = if learned { server_left } else { bucket.left.min(server_left) };
            }
            let reset = status.reset.min(bucket.window);
            bucket.ends = Some(now.saturating_add(reset).saturating_add(WINDOW_SLACK));
        });
    }

    /// Honeycomb answered 429 and asked for `wait`: hold `op` back that long, at most a
    /// window (what the 429 asked for wins over the `RateLimit` reset of the same answer;
    /// a longer wait fails the call, not every later call of the operation).
    pub(crate) fn throttled(&self, op: Operation, wait: Duration) {
        self.with_bucket(op, |bucket, now| {
            bucket.left = 0;
            let hold = wait.min(bucket.window.saturating_add(WINDOW_SLACK));
            bucket.ends = Some(now.saturating_add(hold));
        });
    }

    fn landed(&self, op: Operation) {
        self.with_bucket(op, |bucket, _| bucket.in_flight = bucket.in_flight.saturating_sub(1));
    }

    pub(crate) fn status(&self, op: Operation) -> Option<RateLimitStatus> {
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.get(&op).and_then(|b| b.last.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    impl Limiter {
        /// `acquire`, with the request answered at once: the wait, zero to go.
        fn delay(&self, op: Operation) -> Duration {
            match self.acquire(op) {
                Ok(_answered) => Duration::ZERO,
                Err(Hold::For(wait)) => wait,
                Err(Hold::Landing) => IN_FLIGHT_POLL,
            }
        }
    }

    fn headers(rate_limit: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("ratelimit", rate_limit.parse().unwrap());
        h.insert("ratelimit-policy", "100;w=60".parse().unwrap());
        h
    }

    #[test]
    fn a_spent_window_holds_requests_until_it_resets() {
        let clock = ManualClock::new();
        let limiter = Limiter::new(RateLimitConfig::default(), Arc::new(clock.clone()));
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::ZERO);
        limiter.observe(Operation::ListApiKeys, &headers("limit=100, remaining=0, reset=42"), clock.now());
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::from_secs(43), "the reset, and a second of slack");
        assert_eq!(limiter.delay(Operation::GetApiKey), Duration::ZERO, "operations are paced apart");
        clock.advance(Duration::from_secs(43));
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::ZERO);
        let status = limiter.status(Operation::ListApiKeys).unwrap();
        assert_eq!((status.limit, status.remaining), (100, Some(0)));
        assert_eq!(status.policy.unwrap().window, Duration::from_secs(60));
    }

    #[test]
    fn the_quota_of_a_window_is_never_exceeded_even_with_answers_still_in_flight() {
        let clock = ManualClock::new();
        let config = RateLimitConfig { quota: 3, window: Duration::from_secs(10), ..RateLimitConfig::default() };
        let limiter = Limiter::new(config, Arc::new(clock.clone()));
        for _ in 0..3 {
            assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        }
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::from_secs(11), "until the window (and slack) ends");
        // A late answer saying more is left does not reopen the window.
        let late = {
            let mut h = HeaderMap::new();
            h.insert("ratelimit", "limit=3, remaining=2, reset=10".parse().unwrap());
            h
        };
        limiter.observe(Operation::GetAuth, &late, clock.now());
        assert!(limiter.delay(Operation::GetAuth) > Duration::ZERO);
        clock.advance(Duration::from_secs(11));
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        // An answer to a request sent in the old window does not push the new one out.
        let spent = {
            let mut h = HeaderMap::new();
            h.insert("ratelimit", "limit=3, remaining=0, reset=60".parse().unwrap());
            h
        };
        limiter.observe(Operation::GetAuth, &spent, Duration::from_secs(1));
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
    }

    #[test]
    fn a_larger_quota_from_the_server_is_used_at_once() {
        let clock = ManualClock::new();
        let limiter = Limiter::new(RateLimitConfig::default().quota(2, Duration::from_secs(60)), Arc::new(clock));
        let mut roomy = HeaderMap::new();
        roomy.insert("ratelimit", "limit=1000, remaining=999, reset=60".parse().unwrap());
        limiter.observe(Operation::ListApiKeys, &roomy, Duration::ZERO);
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::ZERO);
        limiter.observe(Operation::ListApiKeys, &roomy, Duration::ZERO);
        for _ in 0..10 {
            assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::ZERO, "not held to the 2 assumed");
        }
    }

    #[test]
    fn requests_in_flight_at_a_window_change_count_in_the_new_window() {
        let clock = ManualClock::new();
        let config = RateLimitConfig::default().quota(2, Duration::from_secs(10));
        let limiter = Limiter::new(config, Arc::new(clock.clone()));
        let first = limiter.acquire(Operation::GetAuth).unwrap();
        let second = limiter.acquire(Operation::GetAuth).unwrap();
        clock.advance(Duration::from_secs(11));
        drop(first);
        // One request is still on its way: wait a moment for it to land...
        assert_eq!(limiter.delay(Operation::GetAuth), IN_FLIGHT_POLL);
        // ...but not for long (real time): then the new window has room for one more only.
        limiter.with_bucket(Operation::GetAuth, |bucket, _| {
            bucket.landing_since = std::time::Instant::now().checked_sub(IN_FLIGHT_GRACE);
        });
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        assert!(limiter.delay(Operation::GetAuth) > Duration::ZERO);
        drop(second);
        let off = Limiter::new(RateLimitConfig::disabled(), Arc::new(clock));
        for _ in 0..1000 {
            assert_eq!(off.delay(Operation::GetAuth), Duration::ZERO);
        }
    }
}
