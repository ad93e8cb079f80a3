//! Proactive rate limiting: Honeycomb allows about 100 requests a minute per operation and
//! says where each window stands in `RateLimit` / `RateLimit-Policy` headers. The client
//! reads them on every response and paces each operation so that it does not run into a
//! 429 in the first place. Malformed header values are ignored, never a panic.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::header::HeaderMap;

use crate::{clock::Clock, operation::Operation};

/// Honeycomb's documented default: 100 requests a minute per operation.
pub const DEFAULT_QUOTA: u32 = 100;
/// The window of the default quota.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(60);

/// How the client paces requests.
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
    pub fn disabled() -> Self {
        RateLimitConfig { enabled: false, ..RateLimitConfig::default() }
    }
}

/// What Honeycomb last said about an operation's rate limit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// Requests allowed in the current window.
    pub limit: u32,
    /// Requests left in it, if said.
    pub remaining: Option<u32>,
    /// Time until the window resets, when the response came.
    pub reset: Duration,
    /// The quota policy, if said (`RateLimit-Policy` or `RateLimitPolicy`).
    pub policy: Option<RateLimitPolicy>,
}

/// A quota: `quota` requests per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitPolicy {
    /// Requests per window.
    pub quota: u32,
    /// The window.
    pub window: Duration,
}

/// Parses `RateLimit: limit=100, remaining=50, reset=60` (draft-07, any order, any spacing).
/// `limit` and `reset` are required, every member a non-negative integer; otherwise the
/// header is ignored (`None`). Unknown members and parameters are skipped.
pub fn parse_rate_limit(value: &str) -> Option<(u32, Option<u32>, Duration)> {
    let (mut limit, mut remaining, mut reset) = (None, None, None);
    for member in value.split(',') {
        let member = member.split(';').next()?.trim();
        let (key, raw) = member.split_once('=')?;
        let parsed = || raw.trim().parse::<u64>().ok();
        match key.trim() {
            "limit" => limit = Some(u32::try_from(parsed()?).ok()?),
            "remaining" => remaining = Some(u32::try_from(parsed()?).ok()?),
            "reset" => reset = Some(Duration::from_secs(parsed()?)),
            _ => {}
        }
    }
    Some((limit?, remaining, reset?))
}

/// Parses `RateLimit-Policy: 100;w=60` (the first item of the list that states a window).
pub fn parse_policy(value: &str) -> Option<RateLimitPolicy> {
    value.split(',').find_map(|item| {
        let mut parts = item.split(';');
        let quota = parts.next()?.trim().parse::<u32>().ok()?;
        let window = parts.find_map(|p| p.trim().strip_prefix("w=")?.parse::<u64>().ok())?;
        (quota > 0 && window > 0).then(|| RateLimitPolicy { quota, window: Duration::from_secs(window) })
    })
}

/// Reads the rate-limit headers of a response.
pub(crate) fn status_from_headers(headers: &HeaderMap) -> Option<RateLimitStatus> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (limit, remaining, reset) = text("ratelimit").and_then(parse_rate_limit)?;
    let policy = text("ratelimit-policy").or_else(|| text("ratelimitpolicy")).and_then(parse_policy);
    Some(RateLimitStatus { limit, remaining, reset, policy })
}

/// The pacing state of one operation: a token bucket refilled at quota/window, plus a
/// "wait until" when Honeycomb said the window is spent.
#[derive(Debug)]
struct Bucket {
    quota: u32,
    window: Duration,
    tokens: f64,
    refilled_at: Duration,
    blocked_until: Option<Duration>,
    last: Option<RateLimitStatus>,
}

impl Bucket {
    fn refill(&mut self, now: Duration) {
        let elapsed = now.saturating_sub(self.refilled_at).as_secs_f64();
        let rate = f64::from(self.quota) / self.window.as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(self.quota));
        self.refilled_at = now;
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
            window: self.config.window.max(Duration::from_millis(1)),
            tokens: f64::from(self.config.quota.max(1)),
            refilled_at: now,
            blocked_until: None,
            last: None,
        });
        bucket.refill(now);
        f(bucket, now)
    }

    /// How long to wait before sending `op`; zero means "go" (and the request is counted).
    pub(crate) fn delay(&self, op: Operation) -> Duration {
        if !self.config.enabled {
            return Duration::ZERO;
        }
        self.with_bucket(op, |bucket, now| {
            if let Some(until) = bucket.blocked_until {
                if until > now {
                    return until - now;
                }
                bucket.blocked_until = None;
            }
            if bucket.tokens >= 1.0 {
                bucket.tokens -= 1.0;
                return Duration::ZERO;
            }
            let rate = f64::from(bucket.quota) / bucket.window.as_secs_f64();
            Duration::from_secs_f64((1.0 - bucket.tokens) / rate).max(Duration::from_millis(1))
        })
    }

    /// Learns from a response's headers: the policy, what is left, when it resets.
    pub(crate) fn observe(&self, op: Operation, headers: &HeaderMap) {
        let Some(status) = status_from_headers(headers) else { return };
        self.with_bucket(op, |bucket, now| {
            if let Some(policy) = status.policy
                && (policy.quota, policy.window) != (bucket.quota, bucket.window)
            {
                bucket.quota = policy.quota;
                bucket.window = policy.window;
                bucket.tokens = bucket.tokens.min(f64::from(policy.quota));
            }
            if let Some(remaining) = status.remaining {
                bucket.tokens = bucket.tokens.min(f64::from(remaining));
                if remaining == 0 {
                    bucket.blocked_until = Some(now + status.reset);
                }
            }
            bucket.last = Some(status);
        });
    }

    /// Honeycomb answered 429: hold `op` back for `wait`.
    pub(crate) fn throttled(&self, op: Operation, wait: Duration) {
        self.with_bucket(op, |bucket, now| {
            bucket.tokens = 0.0;
            let until = now + wait;
            bucket.blocked_until = Some(bucket.blocked_until.map_or(until, |u| u.max(until)));
        });
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

    #[test]
    fn rate_limit_headers_parse_in_any_order_and_spacing() {
        assert_eq!(
            parse_rate_limit("limit=100, remaining=50, reset=60"),
            Some((100, Some(50), Duration::from_secs(60)))
        );
        assert_eq!(parse_rate_limit("reset=7,limit=250,remaining=0"), Some((250, Some(0), Duration::from_secs(7))));
        assert_eq!(parse_rate_limit("limit=100, reset=1"), Some((100, None, Duration::from_secs(1))));
        assert_eq!(parse_rate_limit("limit=100;p=1, reset=1, extra=x"), Some((100, None, Duration::from_secs(1))));
        for bad in [
            "",
            "foobar",
            "limit=1.5, reset=1",
            "limit=100, remaining=-1, reset=-10",
            "\"default\";r=50;t=30",
            "limit=100",
            "limit=99999999999, reset=1",
        ] {
            assert_eq!(parse_rate_limit(bad), None, "{bad}");
        }
    }

    #[test]
    fn policies_parse_or_are_ignored() {
        assert_eq!(parse_policy("100;w=60"), Some(RateLimitPolicy { quota: 100, window: Duration::from_secs(60) }));
        assert_eq!(parse_policy("10;w=1, 50;w=60").unwrap().quota, 10);
        for bad in ["", "100", "w=60", "0;w=60", "100;w=0", "\"default\";q=100;w=60"] {
            assert_eq!(parse_policy(bad), None, "{bad}");
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
        limiter.observe(Operation::ListApiKeys, &headers("limit=100, remaining=0, reset=42"));
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::from_secs(42));
        assert_eq!(limiter.delay(Operation::GetApiKey), Duration::ZERO, "operations are paced apart");
        clock.advance(Duration::from_secs(42));
        assert_eq!(limiter.delay(Operation::ListApiKeys), Duration::ZERO);
        let status = limiter.status(Operation::ListApiKeys).unwrap();
        assert_eq!((status.limit, status.remaining), (100, Some(0)));
        assert_eq!(status.policy.unwrap().window, Duration::from_secs(60));
    }

    #[test]
    fn an_empty_bucket_paces_at_the_quota_rate() {
        let clock = ManualClock::new();
        let config = RateLimitConfig { quota: 2, window: Duration::from_secs(10), ..RateLimitConfig::default() };
        let limiter = Limiter::new(config, Arc::new(clock.clone()));
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::from_secs(5));
        clock.advance(Duration::from_secs(5));
        assert_eq!(limiter.delay(Operation::GetAuth), Duration::ZERO);
        let off = Limiter::new(RateLimitConfig::disabled(), Arc::new(clock));
        for _ in 0..1000 {
            assert_eq!(off.delay(Operation::GetAuth), Duration::ZERO);
        }
    }
}
