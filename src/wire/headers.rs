//! The response headers this crate reads: `RateLimit`, `RateLimit-Policy` (or
//! `RateLimitPolicy`) and `Retry-After`. Malformed values are ignored, never a panic;
//! absurd ones are cut to [`MAX_WINDOW`].

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::model::{MAX_WINDOW, RateLimitPolicy, RateLimitStatus};

/// Parses `RateLimit: limit=100, remaining=50, reset=60` (draft-07, any order, any spacing).
/// `limit` and `reset` are required, every member a non-negative integer; otherwise the
/// header is ignored (`None`). Unknown members and parameters are skipped.
pub(crate) fn parse_rate_limit(value: &str) -> Option<(u32, Option<u32>, Duration)> {
    let (mut limit, mut remaining, mut reset) = (None, None, None);
    for member in value.split(',') {
        let member = member.split(';').next()?.trim();
        let (key, raw) = member.split_once('=')?;
        let parsed = || raw.trim().parse::<u64>().ok();
        match key.trim() {
            "limit" => limit = Some(u32::try_from(parsed()?).ok()?),
            "remaining" => remaining = Some(u32::try_from(parsed()?).ok()?),
            // A window is minutes long; a reset of more than a day is cut to a day.
            "reset" => reset = Some(Duration::from_secs(parsed()?.min(MAX_WINDOW.as_secs()))),
            _ => {}
        }
    }
    Some((limit?, remaining, reset?))
}

/// Parses `RateLimit-Policy: 100;w=60` (the first item of the list that states a window).
pub(crate) fn parse_policy(value: &str) -> Option<RateLimitPolicy> {
    value.split(',').find_map(|item| {
        let mut parts = item.split(';');
        let quota = parts.next()?.trim().parse::<u32>().ok()?;
        let window = parts.find_map(|p| p.trim().strip_prefix("w=")?.parse::<u64>().ok())?;
        (quota > 0 && window > 0 && window <= MAX_WINDOW.as_secs())
            .then(|| RateLimitPolicy { quota, window: Duration::from_secs(window) })
    })
}

/// Reads the rate-limit headers of a response.
pub(crate) fn status_from_headers(headers: &HeaderMap) -> Option<RateLimitStatus> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (limit, remaining, reset) = text("ratelimit").and_then(parse_rate_limit)?;
    let policy = text("ratelimit-policy").or_else(|| text("ratelimitpolicy")).and_then(parse_policy);
    Some(RateLimitStatus { limit, remaining, reset, policy })
}

/// The wait a response with `status` asks for: `Retry-After` first (the draft says it
/// takes precedence; an HTTP-date is measured from the response's `Date`), then, for a
/// 429 only, the `RateLimit` reset (unless it says requests remain). Malformed values
/// are ignored.
pub(crate) fn requested_wait(status: u16, headers: &HeaderMap) -> Option<Duration> {
    let text = |name| headers.get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok());
    let retry_after = text(reqwest::header::RETRY_AFTER)
        .and_then(|v| retry_after_from(v, text(reqwest::header::DATE)))
        .filter(|wait| !wait.is_zero());
    if retry_after.is_some() || status != 429 {
        return retry_after;
    }
    status_from_headers(headers).filter(|s| s.remaining.unwrap_or(0) == 0).map(|s| s.reset).filter(|w| !w.is_zero())
}

/// Parses `Retry-After`: delta-seconds or an HTTP-date (a date in the past is zero),
/// measured from the response's `Date` header when there is one (so that a skewed local
/// clock does not change the wait). Anything else is ignored. Cut to [`MAX_WINDOW`].
pub(crate) fn retry_after_from(value: &str, date: Option<&str>) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is still a (very long) wait, not junk.
        value.parse::<u64>().map_or(MAX_WINDOW, |secs| Duration::from_secs(secs.min(MAX_WINDOW.as_secs())))
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        let now =
            date.and_then(|d| httpdate::parse_http_date(d.trim()).ok()).unwrap_or_else(std::time::SystemTime::now);
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_WINDOW))
}
