//! The same client for synchronous code (feature `blocking`).
//!
//! [`blocking::Client`](Client) wraps the async [`Client`](crate::Client) on a small
//! runtime it owns: the same requests, checks, errors and pagination, with no second HTTP
//! implementation. Lists are plain [`Iterator`]s. Called from a thread that runs an async
//! runtime (a task, or `spawn_blocking`), every call returns
//! [`Error::BlockingInAsyncContext`] instead of panicking: use the async client there.
//!
//! ```no_run
//! use honeycomb_api_keys::{KeyType, NewApiKey, blocking};
//!
//! fn main() -> honeycomb_api_keys::Result<()> {
//!     let client = blocking::Client::from_env()?;
//!     for key in client.api_keys().list().key_type(KeyType::Ingest).items() {
//!         let key = key?;
//!         println!("{} {}", key.id, key.name);
//!     }
//!     let production = client.environments().find("Production")?.expect("no Production environment");
//!     let created = client.api_keys().create(NewApiKey::ingest("batch job", &production.id))?;
//!     println!("created {}", created.id());
//!     Ok(())
//! }
//! ```

use std::{future::Future, sync::Arc};

use futures::{StreamExt, stream::BoxStream};

use crate::{
    api_keys,
    auth::AuthInfo,
    client::ClientBuilder,
    environments,
    environments::Environment,
    error::{Error, Result},
    model::{ApiKey, ApiKeyUpdate, CreatedApiKey, KeyType, NewApiKey},
    pagination::Page,
    retry::RetryConfig,
    workflows::{AuditOptions, AuditReport, ProvisionOptions, ProvisionReport, RotateOptions, Rotation},
};

/// The runtime the blocking client drives its calls on. Shut down without blocking when
/// the last clone goes, so dropping a client is safe anywhere, async code included.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[derive(Clone)]
struct Driver(Arc<Runtime>);

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Driver")
    }
}

impl Driver {
    /// One worker thread keeps connections alive between calls, so the connection pool
    /// can be shared with async code on other runtimes (see [`Client::as_async`]).
    fn new() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("honeycomb-api-keys-blocking")
            .enable_all()
            .build()
            .map_err(|e| Error::config(format!("the blocking client's runtime could not start: {e}")))?;
        Ok(Driver(Arc::new(Runtime(Some(runtime)))))
    }

    fn run<F: Future>(&self, future: F) -> Result<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::BlockingInAsyncContext);
        }
        let runtime = self.0.0.as_ref().expect("the runtime lives until the last clone is dropped");
        Ok(runtime.block_on(future))
    }

    fn call<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        self.run(future)?
    }
}

/// A blocking client: the async [`Client`](crate::Client)'s operations, each waited for.
/// Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Client {
    inner: crate::Client,
    driver: Driver,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Client").field(&self.inner).finish()
    }
}

impl ClientBuilder {
    /// Checks the settings and builds a [`blocking::Client`](Client).
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn build_blocking(self) -> Result<Client> {
        Client::wrap(self.build()?)
    }
}

impl Client {
    /// A blocking client configured from the environment, like
    /// [`Client::from_env`](crate::Client::from_env).
    pub fn from_env() -> Result<Self> {
        Client::wrap(crate::Client::from_env()?)
    }

    /// A builder (the async client's); finish it with
    /// [`build_blocking`](ClientBuilder::build_blocking).
    pub fn builder() -> ClientBuilder {
        crate::Client::builder()
    }

    /// A new async client's calls on a runtime of their own. The client must be new:
    /// its connections then all belong to that runtime, whose worker keeps them alive.
    fn wrap(client: crate::Client) -> Result<Self> {
        Ok(Client { inner: client, driver: Driver::new()? })
    }

    /// The async client underneath (its connections are driven by this client's runtime,
    /// so it may be used from async code elsewhere too).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &reqwest::Url {
        self.inner.endpoint()
    }

    /// The id of the management key in use.
    pub fn key_id(&self) -> &str {
        self.inner.key_id()
    }

    /// Describes the management key in use and its team (`GET /2/auth`).
    pub fn auth(&self) -> Result<AuthInfo> {
        self.driver.call(self.inner.auth())
    }

    /// The team slug calls use (configured, or detected once through `/2/auth`).
    pub fn resolve_team(&self) -> Result<String> {
        self.driver.call(self.inner.resolve_team())
    }

    /// What Honeycomb last said about `operation`'s rate limit: see
    /// [`crate::Client::rate_limit_status`].
    pub fn rate_limit_status(&self, operation: crate::Operation) -> Option<crate::RateLimitStatus> {
        self.inner.rate_limit_status(operation)
    }

    /// The team's API keys.
    pub fn api_keys(&self) -> ApiKeys {
        ApiKeys { inner: self.inner.api_keys(), driver: self.driver.clone() }
    }

    /// The team's environments.
    pub fn environments(&self) -> Environments {
        Environments { inner: self.inner.environments(), driver: self.driver.clone() }
    }
}

/// The API keys of a team, blocking: see [`crate::ApiKeys`].
#[derive(Clone, Debug)]
pub struct ApiKeys {
    inner: api_keys::ApiKeys,
    driver: Driver,
}

impl ApiKeys {
    /// The same calls for another team.
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        ApiKeys { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// The same calls with another retry policy.
    pub fn retry(self, retry: crate::RetryConfig) -> Self {
        ApiKeys { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// Lists keys.
    pub fn list(&self) -> ListApiKeys {
        ListApiKeys { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// Gets one key.
    pub fn get(&self, id: impl AsRef<str>) -> Result<ApiKey> {
        self.driver.call(self.inner.get(id))
    }

    /// Gets one key, or `None` when Honeycomb answers 404.
    pub fn get_opt(&self, id: impl AsRef<str>) -> Result<Option<ApiKey>> {
        self.driver.call(self.inner.get_opt(id))
    }

    /// Creates a key; the result holds its one-time secret.
    pub fn create(&self, new: NewApiKey) -> Result<CreatedApiKey> {
        self.driver.call(self.inner.create(new))
    }

    /// Updates a key; only what `update` sets is sent.
    pub fn update(&self, id: impl AsRef<str>, update: ApiKeyUpdate) -> Result<ApiKey> {
        self.driver.call(self.inner.update(id, update))
    }

    /// Deletes a key.
    pub fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        self.driver.call(self.inner.delete(id))
    }

    /// Rotates a key: see [`crate::ApiKeys::rotate`]. The options' callbacks run on the
    /// client's runtime thread; `on_created` is still called before the next request.
    pub fn rotate(&self, id: impl AsRef<str>, options: RotateOptions) -> Result<Rotation> {
        self.driver.call(self.inner.rotate(id, options))
    }

    /// One key per service: see [`crate::ApiKeys::provision`].
    pub fn provision<S: AsRef<str>>(
        &self,
        environment: &str,
        services: &[S],
        options: ProvisionOptions,
    ) -> Result<ProvisionReport> {
        self.driver.call(self.inner.provision(environment, services, options))
    }

    /// Audits the team's keys: see [`crate::ApiKeys::audit`].
    pub fn audit(&self, options: AuditOptions) -> Result<AuditReport> {
        self.driver.call(self.inner.audit(options))
    }
}

/// The methods both blocking listings share: the async listing's paging setters, and
/// its items, pages and collected forms run on the driver.
macro_rules! blocking_list_methods {
    ($list:ident, $item:ty) => {
        /// Items per request, 1 to 100 (default 100).
        pub fn page_size(self, size: u32) -> Self {
            $list { inner: self.inner.page_size(size), driver: self.driver }
        }

        /// Stop after this many pages.
        pub fn max_pages(self, pages: usize) -> Self {
            $list { inner: self.inner.max_pages(pages), driver: self.driver }
        }

        /// Start at the page after `cursor`.
        pub fn after(self, cursor: impl Into<String>) -> Self {
            $list { inner: self.inner.after(cursor), driver: self.driver }
        }

        /// The most pages before the listing ends with an error if there are more.
        pub fn page_limit(self, pages: usize) -> Self {
            $list { inner: self.inner.page_limit(pages), driver: self.driver }
        }

        /// The items, one at a time; pages are fetched as the iterator advances.
        pub fn items(self) -> Iter<$item> {
            Iter::new(self.inner.items(), self.driver)
        }

        /// The pages.
        pub fn pages(self) -> Iter<Page<$item>> {
            Iter::new(self.inner.pages(), self.driver)
        }

        /// Every item, in one `Vec`.
        pub fn collect(self) -> Result<Vec<$item>> {
            self.driver.call(self.inner.collect())
        }
    };
}

/// A listing of keys, blocking: see [`crate::ListApiKeys`].
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is iterated"]
pub struct ListApiKeys {
    inner: api_keys::ListApiKeys,
    driver: Driver,
}

impl ListApiKeys {
    /// Only keys of this type.
    pub fn key_type(self, key_type: KeyType) -> Self {
        ListApiKeys { inner: self.inner.key_type(key_type), driver: self.driver }
    }

    blocking_list_methods!(ListApiKeys, ApiKey);
}

/// The environments of a team, blocking: see [`crate::Environments`].
#[derive(Clone, Debug)]
pub struct Environments {
    inner: environments::Environments,
    driver: Driver,
}

impl Environments {
    /// The same calls for another team.
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        Environments { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// The same calls with another retry policy.
    pub fn retry(self, retry: RetryConfig) -> Self {
        Environments { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// Lists environments.
    pub fn list(&self) -> ListEnvironments {
        ListEnvironments { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// Gets one environment by id.
    pub fn get(&self, id: impl AsRef<str>) -> Result<Environment> {
        self.driver.call(self.inner.get(id))
    }

    /// The environment with this id, slug or name (see [`Environment::matches`]), if any.
    pub fn find(&self, name_or_slug: &str) -> Result<Option<Environment>> {
        self.driver.call(self.inner.find(name_or_slug))
    }
}

/// A listing of environments, blocking: see [`crate::ListEnvironments`].
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is iterated"]
pub struct ListEnvironments {
    inner: environments::ListEnvironments,
    driver: Driver,
}

impl ListEnvironments {
    blocking_list_methods!(ListEnvironments, Environment);
}

/// A blocking iterator over a listing: each `next` waits for the next item, fetching a
/// page when needed. It ends after the first error.
pub struct Iter<T> {
    stream: Option<BoxStream<'static, Result<T>>>,
    driver: Driver,
}

impl<T> Iter<T> {
    fn new(stream: impl futures::Stream<Item = Result<T>> + Send + 'static, driver: Driver) -> Self {
        Iter { stream: Some(stream.boxed()), driver }
    }
}

impl<T> Iterator for Iter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let stream = self.stream.as_mut()?;
        let next = match self.driver.run(stream.next()) {
            Ok(next) => next,
            Err(e) => Some(Err(e)),
        };
        if matches!(next, None | Some(Err(_))) {
            self.stream = None;
        }
        next
    }
}

impl<T> std::iter::FusedIterator for Iter<T> {}

impl<T> std::fmt::Debug for Iter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter").field("finished", &self.stream.is_none()).finish()
    }
}
