//! [`Client`] and [`ClientBuilder`]: credentials, endpoint, team, timeouts.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::{
    Url,
    header::{AUTHORIZATION, HeaderMap},
};
use secrecy::SecretString;
use tokio::sync::OnceCell;

use crate::{
    clock::{Clock, SystemClock},
    config::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ENV_API_ENDPOINT, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY,
        ENV_MANAGEMENT_SECRET, ENV_TEAM, Region,
    },
    credentials::ManagementKey,
    error::{Error, Result},
    model::{Segment, check_path_segment},
    operation::Operation,
    rate_limit::{Limiter, RateLimitConfig, RateLimitStatus},
    retry::RetryConfig,
    text::Redactor,
    wire::RawClient,
};

/// Default time allowed for a whole call, its retries and waits included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

/// A client for Honeycomb's API Keys v2 management API.
///
/// Cheap to clone (clones share one connection pool and one team cache) and
/// `Send + Sync`. Build it from the environment with [`Client::from_env`] or explicitly
/// with [`Client::builder`].
///
/// ```no_run
/// # async fn run() -> honeycomb_api_keys::Result<()> {
/// use honeycomb_api_keys::{Client, Region};
///
/// // HONEYCOMB_KEY_ID, HONEYCOMB_KEY_SECRET, optional HONEYCOMB_API_ENDPOINT and HONEYCOMB_TEAM
/// let client = Client::from_env()?;
///
/// // or explicitly; the team is detected through /2/auth when not given
/// let client = Client::builder()
///     .management_key("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef")
///     .region(Region::Eu)
///     .team("my-team")
///     .build()?;
/// println!("{}", client.auth().await?.team.slug);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    raw: RawClient,
    /// For creates: a client that opens a fresh connection for every request, built on
    /// first use (see [`Client::raw_for_create`]).
    unpooled: std::sync::OnceLock<RawClient>,
    http: HttpSettings,
    base: Url,
    key_id: String,
    team: Option<String>,
    detected_team: OnceCell<String>,
    retry: RetryConfig,
    limiter: Limiter,
    clock: Arc<dyn Clock>,
    operation_timeout: Duration,
    redactor: Redactor,
    page_limit: usize,
}

impl Client {
    /// A builder with nothing set: no environment variable is read unless
    /// [`ClientBuilder::with_env`] is called.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from the environment:
    ///
    /// - `HONEYCOMB_KEY_ID` and `HONEYCOMB_KEY_SECRET` (or `HONEYCOMB_MANAGEMENT_KEY` and
    ///   `HONEYCOMB_MANAGEMENT_SECRET`): the management key, required;
    /// - `HONEYCOMB_API_ENDPOINT`: the base URL (default `https://api.honeycomb.io`);
    /// - `HONEYCOMB_TEAM`: the team slug (default: detected through `/2/auth`).
    ///
    /// A missing or malformed variable is an [`Error::Config`] naming it.
    pub fn from_env() -> Result<Self> {
        Client::builder().with_env().build()
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.inner.base
    }

    /// The id of the management key in use.
    pub fn key_id(&self) -> &str {
        &self.inner.key_id
    }

    /// The team given to the builder (or `HONEYCOMB_TEAM`), if any.
    pub(crate) fn configured_team(&self) -> Option<&str> {
        self.inner.team.as_deref()
    }

    /// Where the team `/2/auth` names is kept, once asked (see `auth`).
    pub(crate) fn detected_team(&self) -> &OnceCell<String> {
        &self.inner.detected_team
    }

    /// What Honeycomb last said about `operation`'s rate limit (from the `RateLimit`
    /// headers of its last response), if anything.
    pub fn rate_limit_status(&self, operation: Operation) -> Option<RateLimitStatus> {
        self.inner.limiter.status(operation)
    }

    pub(crate) fn raw(&self) -> &RawClient {
        &self.inner.raw
    }

    /// The generated client for a create: one that never reuses a pooled connection.
    ///
    /// A server closes idle keep-alive connections when it likes; a request written onto
    /// one just as it closes fails with no answer, and for a create that is an unknown
    /// outcome (a create is never re-sent blindly). Creates are rare and paced, so each
    /// gets a fresh connection: a broken connect is then provably not processed, and is
    /// retried. Reads keep the pool (they are retried safely).
    pub(crate) fn raw_for_create(&self) -> &RawClient {
        self.inner.unpooled.get_or_init(|| {
            self.inner.http.raw_client(false).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no unpooled HTTP client; creates use pooled connections");
                self.inner.http.raw_client(true).expect("the same settings built a client before")
            })
        })
    }

    pub(crate) fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// The clock this client's retries and waits run on (the real one unless
    /// [`ClientBuilder::clock`] set another).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    pub(crate) fn operation_timeout(&self) -> Duration {
        self.inner.operation_timeout
    }

    /// How many pages a listing fetches at most unless it says otherwise.
    pub(crate) fn page_limit(&self) -> usize {
        self.inner.page_limit
    }

    /// Hides the management key's secret in server text.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.base.as_str())
            .field("key_id", &self.inner.key_id)
            .field("team", &self.inner.team.as_deref().or(self.inner.detected_team.get().map(String::as_str)))
            .finish_non_exhaustive()
    }
}

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
            .field("with_env", &self.use_env)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Also read the settings the builder was not given from the environment variables
    /// listed on [`Client::from_env`].
    pub fn with_env(mut self) -> Self {
        self.use_env = true;
        self
    }

    /// The management key: its id and secret.
    pub fn management_key(mut self, id: impl Into<String>, secret: impl Into<SecretString>) -> Self {
        self.key = Some((id.into(), secret.into()));
        self
    }

    /// The management key, already checked.
    pub fn credentials(self, key: ManagementKey) -> Self {
        let (id, secret) = key.into_parts();
        self.management_key(id, secret)
    }

    /// The region or base URL (default [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// A custom base URL, such as `http://127.0.0.1:8080` for a test server.
    pub fn endpoint(self, base_url: impl Into<String>) -> Self {
        self.region(Region::Custom(base_url.into()))
    }

    /// The team slug, so that `/2/auth` need not be asked.
    pub fn team(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(slug.into());
        self
    }

    /// The `User-Agent` header (default `honeycomb-api-keys/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Time allowed to open a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one request (one attempt), from sending it to the end of the
    /// response (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call: its attempts, backoffs and rate-limit waits
    /// (default 120 s). A wait that would end past it is not started.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryConfig::standard`]; [`RetryConfig::disabled`] for
    /// none).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// How requests are paced against the rate limit (default: on, 100 a minute per
    /// operation until Honeycomb's headers say otherwise).
    pub fn rate_limit(mut self, config: RateLimitConfig) -> Self {
        self.rate_limit = Some(config);
        self
    }

    /// The most pages any listing of this client fetches before it ends with
    /// [`Error::PaginationLoop`] (default
    /// [`DEFAULT_PAGE_LIMIT`](crate::pagination::DEFAULT_PAGE_LIMIT)); a listing can set
    /// its own with `page_limit`. The guard against a server that never stops handing out
    /// pages, for the workflows' listings too.
    pub fn page_limit(mut self, pages: usize) -> Self {
        self.page_limit = Some(pages);
        self
    }

    /// The clock retries and the rate limiter wait on (default: the real one). Tests pass
    /// a [`ManualClock`](crate::clock::ManualClock) so that nothing waits in real time.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Checks the settings and builds the client. Sends nothing.
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
        let base = region.checked_url(endpoint_field)?;
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
        };
        let raw =
            http.raw_client(true).map_err(|e| Error::config(format!("the HTTP client could not be built: {e}")))?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock::default()));
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                unpooled: std::sync::OnceLock::new(),
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
                page_limit: self.page_limit.unwrap_or(crate::names::DEFAULT_PAGE_LIMIT),
            }),
        })
    }
}

/// What the HTTP clients are built from.
struct HttpSettings {
    base: String,
    /// The `Authorization` header (sensitive).
    headers: HeaderMap,
    user_agent: String,
    connect_timeout: Duration,
    timeout: Duration,
}

impl HttpSettings {
    /// A generated client on a new HTTP client; `pooled: false` keeps no idle connection,
    /// so that every request opens its own.
    fn raw_client(&self, pooled: bool) -> reqwest::Result<RawClient> {
        let mut builder = reqwest::Client::builder()
            .default_headers(self.headers.clone())
            .user_agent(self.user_agent.clone())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if !pooled {
            builder = builder.pool_max_idle_per_host(0);
        }
        Ok(RawClient::new_with_client(&self.base, builder.build()?))
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ID: &str = "hcxmk_01j1824es7n4evcmv81cn392jb";
    const SECRET: &str = "CANARYs3cr3tCANARYs3cr3tCANARY00";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    fn config_message(result: Result<Client>) -> String {
        match result {
            Err(Error::Config { message }) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn from_env_reads_the_go_client_names_first() {
        let client = Client::builder()
            .with_env()
            .build_with(env(&[
                (ENV_KEY_ID, ID),
                (ENV_KEY_SECRET, SECRET),
                (ENV_MANAGEMENT_KEY, "hcxmk_other"),
                (ENV_MANAGEMENT_SECRET, "other"),
                (ENV_API_ENDPOINT, "https://api.eu1.honeycomb.io/"),
                (ENV_TEAM, "my-team"),
            ]))
            .unwrap();
        assert_eq!(client.key_id(), ID);
        assert_eq!(client.endpoint().as_str(), "https://api.eu1.honeycomb.io/");
        assert_eq!(client.inner.team.as_deref(), Some("my-team"));
    }

    #[test]
    fn from_env_accepts_the_python_client_names() {
        let client = Client::builder()
            .with_env()
            .build_with(env(&[(ENV_MANAGEMENT_KEY, ID), (ENV_MANAGEMENT_SECRET, SECRET)]))
            .unwrap();
        assert_eq!(client.key_id(), ID);
        assert_eq!(client.endpoint().as_str(), "https://api.honeycomb.io/");
    }

    #[test]
    fn explicit_settings_beat_the_environment_whatever_the_call_order() {
        let client = Client::builder()
            .team("explicit-team")
            .management_key("hcxmk_explicit", "explicitsecret")
            .region(Region::Eu)
            .with_env()
            .build_with(env(&[
                (ENV_KEY_ID, ID),
                (ENV_KEY_SECRET, SECRET),
                (ENV_API_ENDPOINT, "http://127.0.0.1:9"),
                (ENV_TEAM, "env-team"),
            ]))
            .unwrap();
        assert_eq!(client.key_id(), "hcxmk_explicit");
        assert_eq!(client.endpoint().host_str(), Some("api.eu1.honeycomb.io"));
        assert_eq!(client.inner.team.as_deref(), Some("explicit-team"));
    }

    #[test]
    fn missing_credentials_name_the_variables_to_set() {
        let message = config_message(Client::builder().with_env().build_with(env(&[])));
        for var in [ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET] {
            assert!(message.contains(var), "{message}");
        }
        let half = config_message(Client::builder().with_env().build_with(env(&[(ENV_KEY_ID, ID)])));
        assert!(half.contains(ENV_KEY_SECRET), "{half}");
        let blank =
            config_message(Client::builder().with_env().build_with(env(&[(ENV_KEY_ID, ID), (ENV_KEY_SECRET, "  ")])));
        assert!(blank.contains(ENV_KEY_SECRET), "{blank}");
        let no_env = config_message(Client::builder().build_with(env(&[(ENV_KEY_ID, ID), (ENV_KEY_SECRET, SECRET)])));
        assert!(no_env.contains("management_key"), "{no_env}");
    }

    #[test]
    fn malformed_credentials_name_the_variable_and_hide_the_secret() {
        let bad_id = config_message(
            Client::builder().with_env().build_with(env(&[(ENV_KEY_ID, "hcxmk/../x"), (ENV_KEY_SECRET, SECRET)])),
        );
        assert!(bad_id.contains(ENV_KEY_ID), "{bad_id}");
        let bad_secret = config_message(
            Client::builder()
                .with_env()
                .build_with(env(&[(ENV_KEY_ID, ID), (ENV_KEY_SECRET, "CANARY s3cr3t with spaces")])),
        );
        assert!(bad_secret.contains(ENV_KEY_SECRET), "{bad_secret}");
        assert!(!bad_secret.contains("CANARY"), "{bad_secret}");
    }

    #[test]
    fn endpoints_must_be_plain_http_or_https_base_urls() {
        for (bad, field) in [
            ("ftp://api.honeycomb.io", "endpoint"),
            ("api.honeycomb.io", "endpoint"),
            ("https://user:pw@api.honeycomb.io", "endpoint"),
            ("https://api.honeycomb.io/?x=1", "endpoint"),
        ] {
            match Client::builder().management_key(ID, SECRET).endpoint(bad).build() {
                Err(Error::InvalidArgument { field: f, .. }) => assert_eq!(f, field, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        let from_env = Client::builder().with_env().build_with(env(&[
            (ENV_KEY_ID, ID),
            (ENV_KEY_SECRET, SECRET),
            (ENV_API_ENDPOINT, "file:///etc/passwd"),
        ]));
        assert!(matches!(from_env, Err(Error::InvalidArgument { field: ENV_API_ENDPOINT, .. })));
    }

    #[test]
    fn debug_shows_the_endpoint_and_key_id_but_never_the_secret() {
        let client = Client::builder().management_key(ID, SECRET).team("t").build().unwrap();
        let debug = format!("{client:?} {:?}", client.inner.raw);
        assert!(debug.contains(ID) && debug.contains("api.honeycomb.io"), "{debug}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<Client>();
    }
}
