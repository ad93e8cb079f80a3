//! What Honeycomb says about its rate limits, in its answers' headers: the data the
//! limiter paces by (`rate_limit`) and `wire::headers` reads.

use std::time::Duration;

/// The longest window, reset or `Retry-After` believed from a header (or taken from a
/// configuration); longer values are cut to it. Such waits are refused anyway, being over
/// any retry cap or deadline, and stay far from `Duration` overflow.
pub const MAX_WINDOW: Duration = Duration::from_secs(86_400);

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
