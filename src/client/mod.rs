//! [`Client`] and [`ClientBuilder`]: credentials, endpoint, team, timeouts.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::Url;
use tokio::sync::OnceCell;

use crate::{
    clock::Clock, error::Result, model::RateLimitStatus, operation::Operation, rate_limit::Limiter, retry::RetryConfig,
    text::Redactor, wire::Api,
};

mod builder;
pub(crate) mod tls;

pub use builder::ClientBuilder;
use builder::HttpSettings;

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
    api: Api,
    /// For creates: a client that opens a fresh connection for every request, built on
    /// first use (see [`Client::api_for_create`]).
    unpooled: std::sync::OnceLock<Api>,
    /// For a data key's check: a client without the management key, built on first use
    /// (see [`Client::api_for_data_key`]).
    keyless: std::sync::OnceLock<Api>,
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
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    ///
    /// let client = Client::builder()
    ///     .management_key("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef")
    ///     .team("my-team")
    ///     .build()?;
    /// assert_eq!(client.key_id(), "hcxmk_01j1824es7n4evcmv81cn392jb");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
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
    /// A missing or malformed variable is an error naming it (see Errors below).
    ///
    /// ```no_run
    /// use honeycomb_api_keys::Client;
    ///
    /// let client = Client::from_env()?;
    /// println!("management key {} at {}", client.key_id(), client.endpoint());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`ClientBuilder::build`]: [`Error::Config`](crate::Error::Config) when
    /// no pair of key variables is set, only half of one is, or a value is malformed;
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument), its field naming the
    /// variable, for a malformed `HONEYCOMB_API_ENDPOINT` or `HONEYCOMB_TEAM`.
    pub fn from_env() -> Result<Self> {
        Client::builder().with_env().build()
    }

    /// The base URL requests go to.
    ///
    /// ```
    /// use honeycomb_api_keys::{Client, Region};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let client = Client::builder().management_key(id, secret).region(Region::Eu).build()?;
    /// assert_eq!(client.endpoint().host_str(), Some("api.eu1.honeycomb.io"));
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn endpoint(&self) -> &Url {
        &self.inner.base
    }

    /// The id of the management key in use.
    ///
    /// ```
    /// use honeycomb_api_keys::Client;
    /// # let secret = "0123456789abcdef0123456789abcdef";
    ///
    /// let client = Client::builder().management_key("hcxmk_01j1824es7n4evcmv81cn392jb", secret).build()?;
    /// assert_eq!(client.key_id(), "hcxmk_01j1824es7n4evcmv81cn392jb");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
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
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::Operation;
    ///
    /// let keys = client.api_keys().list().collect().await?;
    /// if let Some(status) = client.rate_limit_status(Operation::ListApiKeys) {
    ///     println!("{:?} of {} left, reset in {:?}", status.remaining, status.limit, status.reset);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_status(&self, operation: Operation) -> Option<RateLimitStatus> {
        self.inner.limiter.status(operation)
    }

    /// The calls, on the pooled HTTP client.
    pub(crate) fn api(&self) -> &Api {
        &self.inner.api
    }

    /// The calls for a data key's check (`/1/auth`): on an HTTP client that sends no
    /// `Authorization` header, so the management key never goes with a data key.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) if that HTTP client cannot be built (never
    /// falls back to the client that carries the management key).
    pub(crate) fn api_for_data_key(&self) -> Result<&Api> {
        if let Some(api) = self.inner.keyless.get() {
            return Ok(api);
        }
        let api = self.inner.http.api_without_key().map_err(|e| {
            crate::error::Error::config(format!("the HTTP client for a data key could not be built: {e}"))
        })?;
        Ok(self.inner.keyless.get_or_init(|| api))
    }

    /// The calls for a create: on an HTTP client that never reuses a pooled connection.
    ///
    /// A server closes idle keep-alive connections when it likes; a request written onto
    /// one just as it closes fails with no answer, and for a create that is an unknown
    /// outcome (a create is never re-sent blindly). Creates are rare and paced, so each
    /// gets a fresh connection: a broken connect is then provably not processed, and is
    /// retried. Reads keep the pool (they are retried safely).
    pub(crate) fn api_for_create(&self) -> &Api {
        self.inner.unpooled.get_or_init(|| {
            self.inner.http.api(false).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no unpooled HTTP client; creates use pooled connections");
                self.inner.api.clone()
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Client, Clock, ManualClock};
    /// # let (id, secret) = ("hcxmk_01j1824es7n4evcmv81cn392jb", "0123456789abcdef0123456789abcdef");
    ///
    /// let clock = ManualClock::new();
    /// let client = Client::builder().management_key(id, secret).clock(clock.clone()).build()?;
    /// clock.advance(Duration::from_secs(5));
    /// assert_eq!(client.clock().now(), Duration::from_secs(5));
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::{
        config::{
            ENV_API_ENDPOINT, ENV_KEY_ID, ENV_KEY_SECRET, ENV_MANAGEMENT_KEY, ENV_MANAGEMENT_SECRET, ENV_TEAM, Region,
        },
        error::Error,
    };

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
    fn plain_http_from_the_environment_reaches_only_this_machine_unless_allowed() {
        let with = |url: &str| env(&[(ENV_KEY_ID, ID), (ENV_KEY_SECRET, SECRET), (ENV_API_ENDPOINT, url)]);
        match Client::builder().with_env().build_with(with("http://10.1.2.3")) {
            Err(Error::InvalidArgument { field: ENV_API_ENDPOINT, reason }) => {
                assert!(reason.contains("use https") && reason.contains("allow_insecure_http"), "{reason}");
                assert!(!reason.contains("CANARY"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let allowed = Client::builder().with_env().allow_insecure_http(true).build_with(with("http://10.1.2.3"));
        assert_eq!(allowed.unwrap().endpoint().as_str(), "http://10.1.2.3/");
        for local in ["http://127.0.0.2:9", "http://[::1]:9", "http://localhost:9", "http://LOCALHOST:9"] {
            assert!(Client::builder().with_env().build_with(with(local)).is_ok(), "{local}");
        }
    }

    #[test]
    fn debug_shows_the_endpoint_and_key_id_but_never_the_secret() {
        let client = Client::builder().management_key(ID, SECRET).team("t").build().unwrap();
        let debug = format!("{client:?} {:?}", client.inner.api);
        assert!(debug.contains(ID) && debug.contains("api.honeycomb.io"), "{debug}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
        assert_send_sync::<Client>();
    }
}
