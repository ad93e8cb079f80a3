//! [`ClientBuilder`]: settings, the environment, and building the HTTP clients.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::SecretString;
use tokio::sync::OnceCell;

use crate::{
    clock::{Clock, SystemClock},
    config::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT, ENV_API_ENDPOINT, ENV_KEY_ID,
        ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, ENV_TEAM, Region,
    },
    credentials::ManagementKey,
    error::{Error, Result},
    model::{Segment, check_path_segment},
    rate_limit::{Limiter, RateLimitConfig},
    retry::RetryConfig,
    wire::Api,
};

use super::{Client, Inner, tls::Tls};

/// Configures a [`Client`]. Explicit settings win over environment variables (read only
/// when [`with_env`](Self::with_env) is called), which win over defaults, whatever the
/// order of the calls.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    key: Option<(String, SecretString)>,
    region: Option<Region>,
    team: Option<String>,
    user_agent: Option<String>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    operation_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    rate_limit: Option<RateLimitConfig>,
    clock: Option<Arc<dyn Clock>>,
    page_limit: Option<usize>,
    allow_insecure_http: bool,
    use_env: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("key_id", &self.key.as_ref().map(|(id, _)| id))
            .field("region", &self.region)
            .field("team", &self.team)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("with_env", &self.use_env)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Also read the settings the builder was not given from the environment variables
    /// listed on [`Client::from_env`].
    ///
    /// ```no_run
    /// use honeycomb_api_keys::{Client, Region};
    ///
    /// // the key from HONEYCOMB_KEY_ID and HONEYCOMB_KEY_SECRET, the region from here
    /// let client = Client::builder().with_env().region(Region::Eu).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn with_env(mut self) -> Self {
        self.use_env = true;
        self
    }

    /// The management key: its id and secret.
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).build()?;
    /// assert_eq!(client.key_id(), id);
    /// // an ingest key's id is refused when the client is built
    /// let ingest_id = "hcxik_01j1824es7n4evcmv81cn392jb";
    /// assert!(Client::builder().management_key(ingest_id, secret).build().is_err());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn management_key(mut self, id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.key = Some((id.into(), secret.into()));
        self
    }

    /// The management key, already checked.
    ///
    /// ```
    /// use honeycomb_api_keys::{Client, ManagementKey};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let key = ManagementKey::new(id, secret)?;
    /// let client = Client::builder().credentials(key).build()?;
    /// assert_eq!(client.key_id(), id);
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn credentials(self, key: ManagementKey) -> Self {
        let (id, secret) = key.into_parts();
        self.management_key(id, secret)
    }

    /// The region or base URL (default [`Region::Us`]).
    ///
    /// ```
    /// use honeycomb_api_keys::{Client, Region};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).region(Region::Eu).build()?;
    /// assert_eq!(client.endpoint().as_str(), "https://api.eu1.honeycomb.io/");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// A custom base URL, such as `http://127.0.0.1:8080` for a test server. Plain `http`
    /// is accepted only to this machine (`127.0.0.0/8`, `::1`, `localhost`) unless
    /// [`allow_insecure_http`](Self::allow_insecure_http); the same holds for
    /// `HONEYCOMB_API_ENDPOINT`.
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).endpoint("http://127.0.0.1:8080").build()?;
    /// assert_eq!(client.endpoint().as_str(), "http://127.0.0.1:8080/");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn endpoint(self, base_url: impl Into<String>) -> Self {
        self.region(Region::Custom(base_url.into()))
    }

    /// Accept a plain `http` endpoint on another machine (default: refused by
    /// [`build`](Self::build), since the management key would cross the network
    /// unencrypted). Only for a trusted network, such as a proxy on a private link.
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let proxy = "http://honeycomb-proxy.internal:8080";
    /// assert!(Client::builder().management_key(id, secret).endpoint(proxy).build().is_err());
    /// let client = Client::builder().management_key(id, secret).endpoint(proxy).allow_insecure_http(true).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The team slug, so that `/2/auth` need not be asked. A malformed slug fails
    /// [`build`](Self::build) with [`Error::InvalidArgument`].
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).team("my-team").build()?;
    /// assert_eq!(client.resolve_team().await?, "my-team"); // no request needed
    /// # Ok(()) }
    /// ```
    pub fn team(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(slug.into());
        self
    }

    /// The `User-Agent` header (default `honeycomb-api-keys/<version>`).
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder()
    ///     .management_key(id, secret)
    ///     .user_agent("key-rotator/1.4 (ops@example.com)")
    ///     .build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Time allowed to open a connection (default 5 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder()
    ///     .management_key(id, secret)
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one request (one attempt), from sending it to the end of the
    /// response (default 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).timeout(Duration::from_secs(10)).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call: its attempts, backoffs and rate-limit waits
    /// (default 120 s). A wait that would end past it is not started.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// // a CI job: give up on a call after 30 s, retries and waits included
    /// let client = Client::builder()
    ///     .management_key(id, secret)
    ///     .operation_timeout(Duration::from_secs(30))
    ///     .build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryConfig::standard`]; [`RetryConfig::disabled`] for
    /// none).
    ///
    /// ```
    /// use honeycomb_api_keys::{Client, RetryConfig};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let retry = RetryConfig::standard().max_attempts(5);
    /// assert_eq!(retry.attempts(), 5);
    /// let client = Client::builder().management_key(id, secret).retry(retry).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How requests are paced against the rate limit (default: on, 100 a minute per
    /// operation until Honeycomb's headers say otherwise).
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Client, RateLimitConfig};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// // another process shares this management key: assume half the quota
    /// let pacing = RateLimitConfig::default().quota(50, Duration::from_secs(60));
    /// let client = Client::builder().management_key(id, secret).rate_limit(pacing).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = Some(config);
        self
    }

    /// The most pages any listing of this client fetches before it ends with
    /// [`Error::PaginationLoop`] (default
    /// [`DEFAULT_PAGE_LIMIT`](crate::DEFAULT_PAGE_LIMIT)); a listing can set
    /// its own with `page_limit`. The guard against a server that never stops handing out
    /// pages, for the workflows' listings too.
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// // a team with many keys: allow listings of up to 10 000 pages
    /// let client = Client::builder().management_key(id, secret).page_limit(10_000).build()?;
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn page_limit(mut self, pages: usize) -> Self {
        self.page_limit = Some(pages);
        self
    }

    /// The clock retries and the rate limiter wait on (default: the real one). Tests pass
    /// a [`ManualClock`](crate::ManualClock) so that nothing waits in real time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Client, Clock, ManualClock};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let clock = ManualClock::new();
    /// let client = Client::builder().management_key(id, secret).clock(clock.clone()).build()?;
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(client.clock().now(), Duration::from_secs(1));
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Checks the settings and builds the client. Sends nothing.
    ///
    /// ```
    /// use honeycomb_api_keys::{Client, Region};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).region(Region::Eu).team("my-team").build()?;
    /// assert_eq!(client.key_id(), id);
    /// assert!(Client::builder().management_key(id, secret).endpoint("ftp://example.com").build().is_err());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] when there is no management key (none given, and with
    ///   [`with_env`](Self::with_env) no pair of key variables), only half of a pair of key
    ///   variables is set or one is malformed, the endpoint is `https` but no TLS feature is
    ///   enabled, or the HTTP client cannot be built.
    /// - [`Error::InvalidArgument`] for a management key given here that
    ///   [`ManagementKey::new`] refuses, an endpoint that is not a plain `http` or `https`
    ///   base URL, or is `http` to another machine without
    ///   [`allow_insecure_http`](Self::allow_insecure_http) (field `endpoint`, or
    ///   `HONEYCOMB_API_ENDPOINT`; see [`Region::checked_base_url`]), or a malformed team slug
    ///   (field `team`, or `HONEYCOMB_TEAM`).
    pub fn build(self) -> Result<Client> {
        self.build_with(|name| std::env::var(name).ok())
    }

    /// [`build`](Self::build) with an injectable environment, for tests.
    pub(crate) fn build_with(self, env: impl Fn(&str) -> Option<String>) -> Result<Client> {
        let env = |name: &str| {
            if self.use_env { env(name).filter(|v| !v.trim().is_empty()) } else { None }
        };

        let key = match self.key {
            Some((id, secret)) => ManagementKey::new(id, secret)?,
            None => key_from_env(&env, self.use_env)?,
        };

        let (region, endpoint_field) = match (self.region, env(ENV_API_ENDPOINT)) {
            (Some(region), _) => (region, "endpoint"),
            (None, Some(url)) => (Region::Custom(url), ENV_API_ENDPOINT),
            (None, None) => (Region::Us, "endpoint"),
        };
        let base = region.checked_url(endpoint_field, self.allow_insecure_http)?;
        if base.scheme() == "https" && !cfg!(any(feature = "rustls", feature = "native-tls")) {
            return Err(Error::config(
                "the endpoint is https but no TLS backend is compiled in: enable the `rustls` or `native-tls` feature",
            ));
        }

        let team = match (self.team, env(ENV_TEAM)) {
            (Some(team), _) => Some((team, "team")),
            (None, Some(team)) => Some((team, ENV_TEAM)),
            (None, None) => None,
        };
        let team = match team {
            Some((team, field)) => {
                let team = team.trim().to_string();
                check_path_segment(field, &team, Segment::Slug)?;
                Some(team)
            }
            None => None,
        };

        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, key.authorization());
        let http = HttpSettings {
            base: base.as_str().trim_end_matches('/').to_string(),
            headers,
            user_agent: self
                .user_agent
                .unwrap_or_else(|| concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")).to_string()),
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            tls: Tls::new(base.scheme() == "https").map_err(Error::config)?,
        };
        let api = http.api(true).map_err(|e| Error::config(format!("the HTTP client could not be built: {e}")))?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock::default()));
        Ok(Client {
            inner: Arc::new(Inner {
                api,
                unpooled: std::sync::OnceLock::new(),
                keyless: std::sync::OnceLock::new(),
                http,
                base,
                key_id: key.id().to_string(),
                team,
                detected_team: OnceCell::new(),
                retry: self.retry.unwrap_or_default(),
                limiter: Limiter::new(self.rate_limit.unwrap_or_default(), clock.clone()),
                clock,
                operation_timeout: self.operation_timeout.unwrap_or(DEFAULT_OPERATION_TIMEOUT),
                redactor: key.redactor(),
                page_limit: self.page_limit.unwrap_or(crate::config::DEFAULT_PAGE_LIMIT),
            }),
        })
    }
}

/// What the HTTP clients are built from.
pub(crate) struct HttpSettings {
    base: String,
    /// The `Authorization` header (sensitive).
    headers: HeaderMap,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
    tls: Tls,
}

impl HttpSettings {
    /// The calls, on a new HTTP client; `pooled: false` keeps no idle connection,
    /// so that every request opens its own.
    pub(crate) fn api(&self, pooled: bool) -> reqwest::Result<Api> {
        self.api_with(pooled, self.headers.clone())
    }

    /// The calls on a new HTTP client that sends no management key: for a data key's
    /// check (`/1/auth`), which carries that key alone.
    pub(crate) fn api_without_key(&self) -> reqwest::Result<Api> {
        self.api_with(true, HeaderMap::new())
    }

    fn api_with(&self, pooled: bool, headers: HeaderMap) -> reqwest::Result<Api> {
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if !pooled {
            builder = builder.pool_max_idle_per_host(0);
        }
        Ok(Api::new(&self.base, self.tls.apply(builder).build()?))
    }
}

/// The management key from either pair of variables; a half-set pair names the missing
/// variable, a malformed value names its variable.
fn key_from_env(env: &impl Fn(&str) -> Option<String>, used_env: bool) -> Result<ManagementKey> {
    for (id_var, secret_var) in [(ENV_KEY_ID, ENV_KEY_SECRET), (ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET)] {
        match (env(id_var), env(secret_var)) {
            (Some(id), Some(secret)) => {
                return ManagementKey::new(id, secret).map_err(|e| match e {
                    Error::InvalidArgument { field, reason } => {
                        let var = if field.ends_with("secret") { secret_var } else { id_var };
                        Error::config(format!("{var} is malformed: {reason}"))
                    }
                    other => other,
                });
            }
            (Some(_), None) => {
                return Err(Error::config(format!("{id_var} is set but {secret_var} is not; set both")));
            }
            (None, Some(_)) => {
                return Err(Error::config(format!("{secret_var} is set but {id_var} is not; set both")));
            }
            (None, None) => {}
        }
    }
    Err(Error::config(if used_env {
        format!(
            "no management key: set {ENV_KEY_ID} and {ENV_KEY_SECRET} (or {ENV_MANAGEMENT_KEY} and {ENV_MANAGEMENT_SECRET})"
        )
    } else {
        "no management key: call ClientBuilder::management_key, or ClientBuilder::with_env to read it from the environment"
            .to_string()
    }))
}
