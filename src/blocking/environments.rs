//! The team's environments, blocking: the twins of [`crate::Environments`] and
//! [`crate::ListEnvironments`].

use super::{Client, Driver, Iter, blocking_list_methods};
use crate::{Environment, EnvironmentUpdate, NewEnvironment, Page, Result, RetryConfig};

impl Client {
    /// The team's environments.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// for env in client.environments().list().items() {
    ///     let env = env?;
    ///     println!("{} {} {}", env.id, env.slug, env.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn environments(&self) -> Environments {
        Environments { inner: self.inner.environments(), driver: self.driver.clone() }
    }
}

/// The environments of a team, blocking: each method is the twin of
/// [`crate::Environments`]'s, documented there, and waits for it.
///
/// ```no_run
/// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
/// let production = client.environments().find("Production")?.expect("no such environment");
/// println!("{} ({})", production.id, production.slug);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Environments {
    pub(super) inner: crate::Environments,
    pub(super) driver: Driver,
}

impl Environments {
    /// [`Environments::for_team`](crate::Environments::for_team), blocking: see there.
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        Environments { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// [`Environments::retry`](crate::Environments::retry), blocking: see there.
    pub fn retry(self, retry: RetryConfig) -> Self {
        Environments { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// [`Environments::list`](crate::Environments::list), blocking: see there.
    pub fn list(&self) -> ListEnvironments {
        ListEnvironments { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// [`Environments::get`](crate::Environments::get), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`Environments::get`](crate::Environments::get); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn get(&self, id: impl AsRef<str>) -> Result<Environment> {
        self.driver.call(self.inner.get(id))
    }

    /// [`Environments::create`](crate::Environments::create), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`Environments::create`](crate::Environments::create); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn create(&self, new: NewEnvironment) -> Result<Environment> {
        self.driver.call(self.inner.create(new))
    }

    /// [`Environments::update`](crate::Environments::update), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`Environments::update`](crate::Environments::update); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn update(&self, id: impl AsRef<str>, update: EnvironmentUpdate) -> Result<Environment> {
        self.driver.call(self.inner.update(id, update))
    }

    /// [`Environments::delete`](crate::Environments::delete), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`Environments::delete`](crate::Environments::delete); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        self.driver.call(self.inner.delete(id))
    }

    /// [`Environments::find`](crate::Environments::find), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`Environments::find`](crate::Environments::find); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn find(&self, name_or_slug: &str) -> Result<Option<Environment>> {
        self.driver.call(self.inner.find(name_or_slug))
    }
}

/// A listing of environments, blocking: see [`crate::ListEnvironments`].
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is iterated"]
pub struct ListEnvironments {
    inner: crate::ListEnvironments,
    driver: Driver,
}

impl ListEnvironments {
    blocking_list_methods!(ListEnvironments, Environment, "environments");
}
