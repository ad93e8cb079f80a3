//! The team's API keys, blocking: the twins of [`crate::ApiKeys`] and
//! [`crate::ListApiKeys`].

use super::{Client, Driver, Iter, blocking_list_methods};
use crate::{
    ApiKey, ApiKeyUpdate, ApplyOptions, ApplyReport, AuditOptions, AuditReport, CreatedApiKey, KeySet, KeyType,
    NewApiKey, Page, Plan, PlanOptions, ProvisionOptions, ProvisionReport, Result, RotateOptions, Rotation, SecretSink,
};

impl Client {
    /// The team's API keys.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let keys = client.api_keys();
    /// let key = keys.get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?;
    /// println!("{} disabled={}", key.name, key.disabled);
    /// # Ok(()) }
    /// ```
    pub fn api_keys(&self) -> ApiKeys {
        ApiKeys { inner: self.inner.api_keys(), driver: self.driver.clone() }
    }
}

/// The API keys of a team, blocking: each method is the twin of
/// [`crate::ApiKeys`]'s, documented there, and waits for it.
///
/// ```no_run
/// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
/// let keys = client.api_keys();
/// for key in keys.list().items() {
///     let key = key?;
///     println!("{} {} ({})", key.id, key.name, key.key_type);
/// }
/// let key = keys.get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ApiKeys {
    inner: crate::ApiKeys,
    driver: Driver,
}

impl ApiKeys {
    /// [`ApiKeys::for_team`](crate::ApiKeys::for_team), blocking: see there.
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        ApiKeys { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// [`ApiKeys::retry`](crate::ApiKeys::retry), blocking: see there.
    pub fn retry(self, retry: crate::RetryConfig) -> Self {
        ApiKeys { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// [`ApiKeys::environments`](crate::ApiKeys::environments), blocking: see there.
    pub fn environments(&self) -> super::Environments {
        super::Environments { inner: self.inner.environments(), driver: self.driver.clone() }
    }

    /// [`ApiKeys::client`](crate::ApiKeys::client), blocking: see there.
    pub fn client(&self) -> super::Client {
        super::Client { inner: self.inner.client().clone(), driver: self.driver.clone() }
    }

    /// [`ApiKeys::list`](crate::ApiKeys::list), blocking: see there.
    pub fn list(&self) -> ListApiKeys {
        ListApiKeys { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// [`ApiKeys::get`](crate::ApiKeys::get), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::get`](crate::ApiKeys::get); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn get(&self, id: impl AsRef<str>) -> Result<ApiKey> {
        self.driver.call(self.inner.get(id))
    }

    /// [`ApiKeys::get_opt`](crate::ApiKeys::get_opt), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::get_opt`](crate::ApiKeys::get_opt); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn get_opt(&self, id: impl AsRef<str>) -> Result<Option<ApiKey>> {
        self.driver.call(self.inner.get_opt(id))
    }

    /// [`ApiKeys::create`](crate::ApiKeys::create), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::create`](crate::ApiKeys::create); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn create(&self, new: NewApiKey) -> Result<CreatedApiKey> {
        self.driver.call(self.inner.create(new))
    }

    /// [`ApiKeys::update`](crate::ApiKeys::update), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::update`](crate::ApiKeys::update); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn update(&self, id: impl AsRef<str>, update: ApiKeyUpdate) -> Result<ApiKey> {
        self.driver.call(self.inner.update(id, update))
    }

    /// [`ApiKeys::delete`](crate::ApiKeys::delete), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::delete`](crate::ApiKeys::delete); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        self.driver.call(self.inner.delete(id))
    }

    /// [`ApiKeys::rotate`](crate::ApiKeys::rotate), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::rotate`](crate::ApiKeys::rotate); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn rotate(&self, id: impl AsRef<str>, options: RotateOptions) -> Result<Rotation> {
        self.driver.call(self.inner.rotate(id, options))
    }

    /// [`ApiKeys::provision`](crate::ApiKeys::provision), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::provision`](crate::ApiKeys::provision); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn provision<S: AsRef<str>>(
        &self,
        environment: &str,
        services: &[S],
        options: ProvisionOptions,
    ) -> Result<ProvisionReport> {
        self.driver.call(self.inner.provision(environment, services, options))
    }

    /// [`ApiKeys::audit`](crate::ApiKeys::audit), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::audit`](crate::ApiKeys::audit); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn audit(&self, options: AuditOptions) -> Result<AuditReport> {
        self.driver.call(self.inner.audit(options))
    }

    /// [`ApiKeys::plan`](crate::ApiKeys::plan), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::plan`](crate::ApiKeys::plan); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn plan(&self, set: &KeySet, options: PlanOptions) -> Result<Plan> {
        self.driver.call(self.inner.plan(set, options))
    }

    /// [`ApiKeys::export`](crate::ApiKeys::export), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::export`](crate::ApiKeys::export); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn export(&self, environment: Option<&str>) -> Result<(KeySet, Vec<(ApiKey, String)>)> {
        self.driver.call(self.inner.export(environment))
    }

    /// [`ApiKeys::apply`](crate::ApiKeys::apply), blocking: see there.
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::apply`](crate::ApiKeys::apply); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn apply(&self, plan: &Plan, sink: &(impl SecretSink + ?Sized), options: ApplyOptions) -> Result<ApplyReport> {
        self.driver.call(self.inner.apply(plan, sink, options))
    }
}

/// A listing of keys, blocking: see [`crate::ListApiKeys`].
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until it is iterated"]
pub struct ListApiKeys {
    inner: crate::ListApiKeys,
    driver: Driver,
}

impl ListApiKeys {
    /// [`ListApiKeys::key_type`](crate::ListApiKeys::key_type), blocking: see there.
    pub fn key_type(self, key_type: KeyType) -> Self {
        ListApiKeys { inner: self.inner.key_type(key_type), driver: self.driver }
    }

    blocking_list_methods!(ListApiKeys, ApiKey, "api_keys");
}
