//! Where the client connects, how long it waits, and the environment variables it reads.

use std::{fmt, net::IpAddr, time::Duration};

use reqwest::Url;

use crate::error::{Error, Result};

/// Management key id (Honeycomb's Go client and Terraform provider).
pub const ENV_KEY_ID: &str = "HONEYCOMB_KEY_ID";
/// Management key secret (Honeycomb's Go client and Terraform provider).
pub const ENV_KEY_SECRET: &str = "HONEYCOMB_KEY_SECRET";
/// Management key id, as Honeycomb's Python client names it.
pub const ENV_MANAGEMENT_KEY: &str = "HONEYCOMB_MANAGEMENT_KEY";
/// Management key secret, as Honeycomb's Python client names it.
pub const ENV_MANAGEMENT_SECRET: &str = "HONEYCOMB_MANAGEMENT_SECRET";
/// API endpoint, such as `https://api.eu1.honeycomb.io`.
pub const ENV_API_ENDPOINT: &str = "HONEYCOMB_API_ENDPOINT";
/// Team slug; when unset, the team is detected through `/2/auth`.
pub const ENV_TEAM: &str = "HONEYCOMB_TEAM";

/// How many pages a listing fetches at most unless told otherwise (a listing's
/// [`page_limit`](crate::ListApiKeys::page_limit), or a client's
/// [`ClientBuilder::page_limit`](crate::ClientBuilder::page_limit)): 10,000 pages of 100 is a million
/// keys, far more than a team has. A listing that reaches it with more to go ends with
/// [`PaginationFault::PageLimit`](crate::PaginationFault::PageLimit), so that a server handing out fresh pages forever
/// cannot keep a listing (and its memory) growing.
pub const DEFAULT_PAGE_LIMIT: usize = 10_000;

/// Default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for one request, from sending to the end of the response.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed for a whole call, its retries and waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// The Honeycomb region (or another endpoint) to talk to.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.honeycomb.io` (the default).
    #[default]
    Us,
    /// `https://api.eu1.honeycomb.io`.
    Eu,
    /// Any other base URL: `https` (such as a proxy), or `http` to this machine (a local
    /// test server; elsewhere only with
    /// [`ClientBuilder::allow_insecure_http`](crate::ClientBuilder::allow_insecure_http)).
    Custom(String),
}

impl Region {
    /// The base URL as written (not yet checked for a custom one).
    ///
    /// ```
    /// use honeycomb_api_keys::Region;
    ///
    /// assert_eq!(Region::Eu.base_url(), "https://api.eu1.honeycomb.io");
    /// assert_eq!(Region::from("http://127.0.0.1:8080").base_url(), "http://127.0.0.1:8080");
    /// ```
    pub fn base_url(&self) -> &str {
        match self {
            Region::Us => "https://api.honeycomb.io",
            Region::Eu => "https://api.eu1.honeycomb.io",
            Region::Custom(url) => url,
        }
    }

    /// The base URL, checked as [`ClientBuilder::build`](crate::ClientBuilder::build)
    /// checks it: `http` or `https`, a host, no user name, password, query or fragment
    /// (a trailing `/` is dropped); and `http` only to this machine (`127.0.0.0/8`, `::1`,
    /// `localhost`) unless `allow_insecure_http`, since plain http elsewhere would carry
    /// the management key across the network unencrypted.
    ///
    /// ```
    /// use honeycomb_api_keys::Region;
    ///
    /// assert!(Region::from("http://127.0.0.1:8080").checked_base_url(false).is_ok());
    /// assert!(Region::from("http://proxy.example.com").checked_base_url(false).is_err());
    /// assert!(Region::from("http://proxy.example.com").checked_base_url(true).is_ok());
    /// assert!(Region::from("ftp://example.com").checked_base_url(true).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] (field `endpoint`) saying what is wrong and what to do.
    pub fn checked_base_url(&self, allow_insecure_http: bool) -> Result<Url> {
        self.checked_url("endpoint", allow_insecure_http)
    }

    /// [`checked_base_url`](Self::checked_base_url), naming `field` in its errors.
    pub(crate) fn checked_url(&self, field: &'static str, allow_insecure_http: bool) -> Result<Url> {
        let raw = self.base_url().trim();
        let bad = |why: &str| {
            Error::invalid(field, format!("{why} (expected a base URL such as https://api.eu1.honeycomb.io)"))
        };
        let mut url = Url::parse(raw).map_err(|e| bad(&format!("is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad(&format!("uses `{}:`; only http and https are supported", url.scheme())));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not contain a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
            return Err(Error::invalid(
                field,
                format!(
                    "is plain http to `{}`, which is not this machine (127.0.0.0/8, ::1, localhost): the management key would cross the network unencrypted; use https, or opt in to plain http with ClientBuilder::allow_insecure_http(true)",
                    url.host_str().unwrap_or_default()
                ),
            ));
        }
        let path = url.path().trim_end_matches('/').to_string();
        url.set_path(&path);
        Ok(url)
    }
}

/// Whether the URL's host is this machine: `localhost`, or a loopback address.
fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let ip = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|ip| ip.is_loopback()),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Us => f.write_str("Us"),
            Region::Eu => f.write_str("Eu"),
            Region::Custom(url) => f.debug_tuple("Custom").field(url).finish(),
        }
    }
}

impl From<&str> for Region {
    /// `us`, `eu` (any case), or a base URL.
    fn from(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "us" => Region::Us,
            "eu" => Region::Eu,
            _ => Region::Custom(s.trim().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ENV_TEAM;
    use crate::error::Error;

    #[test]
    fn the_errors_name_the_variables_as_they_are() {
        assert!(Error::TeamNotFound.to_string().contains(&format!("the {ENV_TEAM} environment variable")));
    }
}
