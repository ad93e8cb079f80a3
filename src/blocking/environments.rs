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

/// The environments of a team, blocking: see [`crate::Environments`].
#[derive(Clone, Debug)]
pub struct Environments {
    pub(super) inner: crate::Environments,
    pub(super) driver: Driver,
}

impl Environments {
    /// The same calls for another team.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let theirs = client.environments().for_team("acme-staging").list().collect()?;
    /// println!("acme-staging has {} environments", theirs.len());
    /// # Ok(()) }
    /// ```
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        Environments { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// The same calls with another retry policy.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let patient = client.environments().retry(RetryConfig::standard().max_attempts(8));
    /// let production = patient.find("Production")?;
    /// # Ok(()) }
    /// ```
    pub fn retry(self, retry: RetryConfig) -> Self {
        Environments { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// Lists environments.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let all = client.environments().list().collect()?;
    /// let slugs: Vec<&str> = all.iter().map(|env| env.slug.as_str()).collect();
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListEnvironments {
        ListEnvironments { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// Gets one environment by id.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let env = client.environments().get("hcxen_01hznmeqrcq8rz533xrvtc6mk0")?;
    /// println!("{} ({})", env.slug, env.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Environments::get`](crate::Environments::get):
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a malformed id
    /// (nothing sent), [`Error::Api`](crate::Error::Api) for Honeycomb's error answers (a
    /// 404 for an environment that does not exist),
    /// [`Error::IdMismatch`](crate::Error::IdMismatch), a transport failure or timeout;
    /// and [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
    /// thread that runs an async runtime (nothing is sent).
    pub fn get(&self, id: impl AsRef<str>) -> Result<Environment> {
        self.driver.call(self.inner.get(id))
    }

    /// Creates an environment.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::NewEnvironment;
    ///
    /// let env = client.environments().create(NewEnvironment::new("Load test"))?;
    /// println!("{} ({})", env.id, env.slug);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Environments::create`](crate::Environments::create):
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a name or description
    /// Honeycomb would refuse (nothing sent), [`Error::Api`](crate::Error::Api) for
    /// Honeycomb's error answers (a 409 for a name in use),
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) when the request may have
    /// been carried out, a transport failure or timeout; and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
    /// thread that runs an async runtime (nothing is sent).
    pub fn create(&self, new: NewEnvironment) -> Result<Environment> {
        self.driver.call(self.inner.create(new))
    }

    /// Changes an environment's description, colour or delete protection.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::EnvironmentUpdate;
    ///
    /// let unprotect = EnvironmentUpdate::new().delete_protected(false);
    /// let env = client.environments().update("hcxen_01hznmeqrcq8rz533xrvtc6mk0", unprotect)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Environments::update`](crate::Environments::update):
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a malformed id or an
    /// empty update (nothing sent), [`Error::Api`](crate::Error::Api) for Honeycomb's error
    /// answers, [`Error::IdMismatch`](crate::Error::IdMismatch), a transport failure or
    /// timeout; and [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext)
    /// on a thread that runs an async runtime (nothing is sent).
    pub fn update(&self, id: impl AsRef<str>, update: EnvironmentUpdate) -> Result<Environment> {
        self.driver.call(self.inner.update(id, update))
    }

    /// Deletes an environment (Honeycomb refuses while it is delete-protected).
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// client.environments().delete("hcxen_01hznmeqrcq8rz533xrvtc6mk0")?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Environments::delete`](crate::Environments::delete):
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a malformed id
    /// (nothing sent), [`Error::Api`](crate::Error::Api) for Honeycomb's error answers (a
    /// 409 while delete-protected, a 404 for an environment that does not exist), a
    /// transport failure or timeout; and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
    /// thread that runs an async runtime (nothing is sent).
    pub fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        self.driver.call(self.inner.delete(id))
    }

    /// The environment with this id, slug or name (see [`Environment::matches`]), if any.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let Some(production) = client.environments().find("production")? else {
    ///     panic!("no Production environment");
    /// };
    /// println!("Production is {}", production.id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Environments::find`](crate::Environments::find):
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an empty
    /// `name_or_slug` (nothing sent), and the errors of reading or listing the
    /// environments (not finding one is `Ok(None)`); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
    /// thread that runs an async runtime (nothing is sent).
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
