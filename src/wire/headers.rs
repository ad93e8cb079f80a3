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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn both_spellings_of_the_policy_header_are_read() {
        // Header names are case-insensitive; HeaderMap stores them lower-cased.
        for name in ["ratelimit-policy", "ratelimitpolicy"] {
            let mut headers = HeaderMap::new();
            headers.insert("ratelimit", "limit=100, remaining=7, reset=30".parse().unwrap());
            headers.insert(name, "100;w=60".parse().unwrap());
            let status = status_from_headers(&headers).unwrap();
            assert_eq!(status.policy, Some(RateLimitPolicy { quota: 100, window: Duration::from_secs(60) }), "{name}");
            assert_eq!(status.remaining, Some(7));
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
}
