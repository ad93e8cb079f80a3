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

mod environments;
mod keys;

use std::{future::Future, sync::Arc};

use futures::{StreamExt, stream::BoxStream};

use crate::{AuthInfo, ClientBuilder, Error, KeyIdentity, Result, SecretString};

pub use environments::{Environments, ListEnvironments};
pub use keys::{ApiKeys, ListApiKeys};

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
    ///
    /// ```
    /// use honeycomb_api_keys::{Region, blocking};
    ///
    /// let client = blocking::Client::builder()
    ///     .management_key("hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc", "management-key-secret")
    ///     .region(Region::Eu)
    ///     .build_blocking()?;
    /// assert_eq!(client.endpoint().host_str(), Some("api.eu1.honeycomb.io"));
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// What [`build`](ClientBuilder::build) returns for a missing or malformed setting
    /// ([`Error::Config`], [`Error::InvalidArgument`]); [`Error::Config`] too if the
    /// client's runtime cannot start.
    #[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
    pub fn build_blocking(self) -> Result<Client> {
        Client::wrap(self.build()?)
    }
}

impl Client {
    /// A blocking client configured from the environment, like
    /// [`Client::from_env`](crate::Client::from_env).
    ///
    /// ```no_run
    /// // HONEYCOMB_KEY_ID and HONEYCOMB_KEY_SECRET hold the management key.
    /// let client = honeycomb_api_keys::blocking::Client::from_env()?;
    /// println!("key {} on {}", client.key_id(), client.endpoint());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::from_env`](crate::Client::from_env), naming the variable to fix:
    /// [`Error::Config`] for a missing or malformed management key,
    /// [`Error::InvalidArgument`] for a malformed endpoint or team. [`Error::Config`] too
    /// if the client's runtime cannot start.
    pub fn from_env() -> Result<Self> {
        Client::wrap(crate::Client::from_env()?)
    }

    /// A builder (the async client's); finish it with
    /// [`build_blocking`](ClientBuilder::build_blocking).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let client = honeycomb_api_keys::blocking::Client::builder()
    ///     .management_key("hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc", "management-key-secret")
    ///     .team("my-team")
    ///     .timeout(Duration::from_secs(10))
    ///     .build_blocking()?;
    /// assert_eq!(client.resolve_team()?, "my-team"); // configured: nothing is sent
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
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
    ///
    /// ```
    /// # let client = honeycomb_api_keys::blocking::Client::builder()
    /// #     .management_key("hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc", "management-key-secret")
    /// #     .build_blocking()?;
    /// let async_client: honeycomb_api_keys::Client = client.as_async().clone();
    /// assert_eq!(async_client.key_id(), client.key_id());
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// The base URL requests go to.
    ///
    /// ```
    /// # let client = honeycomb_api_keys::blocking::Client::builder()
    /// #     .management_key("hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc", "management-key-secret")
    /// #     .build_blocking()?;
    /// println!("calls go to {}", client.endpoint());
    /// assert_eq!(client.endpoint().as_str(), "https://api.honeycomb.io/");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn endpoint(&self) -> &reqwest::Url {
        self.inner.endpoint()
    }

    /// The id of the management key in use.
    ///
    /// ```
    /// # let client = honeycomb_api_keys::blocking::Client::builder()
    /// #     .management_key("hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc", "management-key-secret")
    /// #     .build_blocking()?;
    /// println!("acting as {}", client.key_id()); // an id, never the secret
    /// assert_eq!(client.key_id(), "hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc");
    /// # Ok::<(), honeycomb_api_keys::Error>(())
    /// ```
    pub fn key_id(&self) -> &str {
        self.inner.key_id()
    }

    /// Describes the management key in use and its team (`GET /2/auth`).
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let me = client.auth()?;
    /// println!("{} in team {} with scopes {:?}", me.key_id, me.team.slug, me.scopes);
    /// assert!(me.has_scope("api-keys:write"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::auth`](crate::Client::auth): [`Error::Api`] for Honeycomb's error
    /// answers (a 401 for a wrong or disabled management key), [`Error::Transport`] or
    /// [`Error::Timeout`] when it cannot be reached in time; and
    /// [`Error::BlockingInAsyncContext`] on a thread that runs an async runtime (nothing
    /// is sent).
    pub fn auth(&self) -> Result<AuthInfo> {
        self.driver.call(self.inner.auth())
    }

    /// Which data key `key` is (`GET /1/auth`), sent with that key alone, never the
    /// management key; see [`Client::verify_key`](crate::Client::verify_key).
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client, key: honeycomb_api_keys::SecretString) -> honeycomb_api_keys::Result<()> {
    /// let me = client.verify_key(&key)?;
    /// println!("{} ({}) of team {:?}", me.id, me.key_type, me.team_slug);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::verify_key`](crate::Client::verify_key): [`Error::InvalidArgument`]
    /// for an empty or unprintable key, [`Error::Api`] (`is_auth`) for a key Honeycomb
    /// refuses, [`Error::Transport`] or [`Error::Timeout`] when it cannot be reached in
    /// time; and [`Error::BlockingInAsyncContext`] on a thread that runs an async runtime
    /// (nothing is sent).
    pub fn verify_key(&self, key: &SecretString) -> Result<KeyIdentity> {
        self.driver.call(self.inner.verify_key(key))
    }

    /// The team slug calls use (configured, or detected once through `/2/auth`).
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let team = client.resolve_team()?;
    /// println!("managing the API keys of team {team}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::resolve_team`](crate::Client::resolve_team): a configured slug is only
    /// checked ([`Error::InvalidArgument`]); otherwise the errors of [`auth`](Self::auth),
    /// and [`Error::TeamNotFound`] when `/2/auth` names no team. A failure is not
    /// remembered. And [`Error::BlockingInAsyncContext`] on a thread that runs an async
    /// runtime (nothing is sent).
    pub fn resolve_team(&self) -> Result<String> {
        self.driver.call(self.inner.resolve_team())
    }

    /// What Honeycomb last said about `operation`'s rate limit: see
    /// [`crate::Client::rate_limit_status`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::Operation;
    ///
    /// let keys = client.api_keys().list().collect()?;
    /// if let Some(status) = client.rate_limit_status(Operation::ListApiKeys) {
    ///     println!("{:?} of {} list requests left", status.remaining, status.limit);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_status(&self, operation: crate::Operation) -> Option<crate::RateLimitStatus> {
        self.inner.rate_limit_status(operation)
    }
}

/// The methods both blocking listings share: the async listing's paging setters, and
/// its items, pages and collected forms run on the driver. `$handle` names the
/// [`Client`] method that lists them, for the examples.
macro_rules! blocking_list_methods {
    ($list:ident, $item:ty, $handle:literal) => {
        /// Items per request, 1 to 100 (default 100).
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("let first = client.", $handle, "().list().page_size(10).max_pages(1).collect()?;")]
        /// assert!(first.len() <= 10);
        /// # Ok(()) }
        /// ```
        pub fn page_size(self, size: u32) -> Self {
            $list { inner: self.inner.page_size(size), driver: self.driver }
        }

        /// Stop after this many pages.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("let pages = client.", $handle, "().list().max_pages(2).pages();")]
        /// let pages: Vec<_> = pages.collect::<Result<_, _>>()?;
        /// assert!(pages.len() <= 2); // the last one's `next_cursor` says where it stopped
        /// # Ok(()) }
        /// ```
        pub fn max_pages(self, pages: usize) -> Self {
            $list { inner: self.inner.max_pages(pages), driver: self.driver }
        }

        /// Start at the page after `cursor`.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("let first = client.", $handle, "().list().max_pages(1).pages().next().transpose()?;")]
        /// if let Some(cursor) = first.and_then(|page| page.next_cursor) {
        #[doc = concat!("    let rest = client.", $handle, "().list().after(cursor).collect()?;")]
        /// }
        /// # Ok(()) }
        /// ```
        pub fn after(self, cursor: impl Into<String>) -> Self {
            $list { inner: self.inner.after(cursor), driver: self.driver }
        }

        /// The most pages before the listing ends with an error if there are more.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("match client.", $handle, "().list().page_limit(50).collect() {")]
        ///     Err(honeycomb_api_keys::Error::PaginationLoop { .. }) => println!("more than 50 pages"),
        ///     other => println!("{} items", other?.len()),
        /// }
        /// # Ok(()) }
        /// ```
        pub fn page_limit(self, pages: usize) -> Self {
            $list { inner: self.inner.page_limit(pages), driver: self.driver }
        }

        /// The items, one at a time; pages are fetched as the iterator advances.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("for item in client.", $handle, "().list().items() {")]
        ///     println!("{}", item?.id);
        /// }
        /// # Ok(()) }
        /// ```
        pub fn items(self) -> Iter<$item> {
            Iter::new(self.inner.items(), self.driver)
        }

        /// The pages.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("for page in client.", $handle, "().list().page_size(50).pages() {")]
        ///     let page = page?;
        ///     println!("{} items, next cursor {:?}", page.items.len(), page.next_cursor);
        /// }
        /// # Ok(()) }
        /// ```
        pub fn pages(self) -> Iter<Page<$item>> {
            Iter::new(self.inner.pages(), self.driver)
        }

        /// Every item, in one `Vec`.
        ///
        /// ```no_run
        /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
        #[doc = concat!("let all = client.", $handle, "().list().collect()?;")]
        /// println!("{} in all", all.len());
        /// # Ok(()) }
        /// ```
        ///
        /// # Errors
        ///
        /// The error that ended the listing, as the async listing's `collect`: what
        /// Honeycomb answered ([`Error::Api`](crate::Error::Api)), a transport failure or
        /// timeout, [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a page
        /// size out of range, [`Error::PaginationLoop`](crate::Error::PaginationLoop) or
        /// [`Error::UnsafeNextLink`](crate::Error::UnsafeNextLink) for pages that do not
        /// lead to an end; and
        /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
        /// thread that runs an async runtime (nothing is sent).
        pub fn collect(self) -> Result<Vec<$item>> {
            self.driver.call(self.inner.collect())
        }
    };
}
use blocking_list_methods;

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
