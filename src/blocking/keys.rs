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

/// The API keys of a team, blocking: see [`crate::ApiKeys`].
#[derive(Clone, Debug)]
pub struct ApiKeys {
    inner: crate::ApiKeys,
    driver: Driver,
}

impl ApiKeys {
    /// The same calls for another team.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let staging_team = client.api_keys().for_team("acme-staging");
    /// let keys = staging_team.list().collect()?;
    /// # Ok(()) }
    /// ```
    pub fn for_team(self, slug: impl Into<String>) -> Self {
        ApiKeys { inner: self.inner.for_team(slug), driver: self.driver }
    }

    /// The same calls with another retry policy.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let once = client.api_keys().retry(RetryConfig::disabled());
    /// let key = once.get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?; // one attempt, no retry
    /// # Ok(()) }
    /// ```
    pub fn retry(self, retry: crate::RetryConfig) -> Self {
        ApiKeys { inner: self.inner.retry(retry), driver: self.driver }
    }

    /// The environments of the same team, with the same retry policy: see
    /// [`crate::ApiKeys::environments`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let staging = client.api_keys().for_team("acme-staging").environments().find("Staging")?;
    /// # Ok(()) }
    /// ```
    pub fn environments(&self) -> super::Environments {
        super::Environments { inner: self.inner.environments(), driver: self.driver.clone() }
    }

    /// The client these calls go through: see [`crate::ApiKeys::client`].
    ///
    /// ```no_run
    /// # fn run(keys: honeycomb_api_keys::blocking::ApiKeys) {
    /// let me = keys.client().key_id().to_string();
    /// # }
    /// ```
    pub fn client(&self) -> super::Client {
        super::Client { inner: self.inner.client().clone(), driver: self.driver.clone() }
    }

    /// Lists keys.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// for key in client.api_keys().list().items() {
    ///     let key = key?;
    ///     println!("{} {} ({})", key.id, key.name, key.key_type);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListApiKeys {
        ListApiKeys { inner: self.inner.list(), driver: self.driver.clone() }
    }

    /// Gets one key.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let key = client.api_keys().get("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?;
    /// println!("{} was created {}", key.name, key.created);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::get`](crate::ApiKeys::get): [`Error::InvalidArgument`] for a
    /// malformed id (nothing sent), [`Error::Api`] for Honeycomb's error answers (a 404,
    /// [`is_not_found`](crate::Error::is_not_found), for a key that does not exist),
    /// [`Error::IdMismatch`] for an answer about another key, a transport failure or
    /// timeout; and [`Error::BlockingInAsyncContext`] on a thread that runs an async
    /// runtime (nothing is sent).
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    /// [`Error::Api`]: crate::Error::Api
    /// [`Error::IdMismatch`]: crate::Error::IdMismatch
    /// [`Error::BlockingInAsyncContext`]: crate::Error::BlockingInAsyncContext
    pub fn get(&self, id: impl AsRef<str>) -> Result<ApiKey> {
        self.driver.call(self.inner.get(id))
    }

    /// Gets one key, or `None` when Honeycomb answers 404.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// match client.api_keys().get_opt("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")? {
    ///     Some(key) => println!("{} is still there", key.name),
    ///     None => println!("already deleted"),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get), except for a 404, which is `Ok(None)`.
    pub fn get_opt(&self, id: impl AsRef<str>) -> Result<Option<ApiKey>> {
        self.driver.call(self.inner.get_opt(id))
    }

    /// Creates a key; the result holds its one-time secret.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ExposeSecret, NewApiKey};
    ///
    /// let new = NewApiKey::ingest("batch job", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// let created = client.api_keys().create(new)?;
    /// std::fs::write("batch-job.key", created.header_value().expose_secret()).expect("stored");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::create`](crate::ApiKeys::create): [`Error::InvalidArgument`] for a
    /// bad name, environment id or permissions (nothing sent), [`Error::Api`] for
    /// Honeycomb's error answers, [`Error::OutcomeUnknown`] when the key may have been
    /// created (the create is not sent again), [`Error::CreatedKeyUnreadable`] when it
    /// was created but its secret could not be read; and
    /// [`Error::BlockingInAsyncContext`] on a thread that runs an async runtime (nothing
    /// is sent).
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    /// [`Error::Api`]: crate::Error::Api
    /// [`Error::OutcomeUnknown`]: crate::Error::OutcomeUnknown
    /// [`Error::CreatedKeyUnreadable`]: crate::Error::CreatedKeyUnreadable
    /// [`Error::BlockingInAsyncContext`]: crate::Error::BlockingInAsyncContext
    pub fn create(&self, new: NewApiKey) -> Result<CreatedApiKey> {
        self.driver.call(self.inner.create(new))
    }

    /// Updates a key; only what `update` sets is sent.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let update = ApiKeyUpdate::new().name("checkout (retired)").disable();
    /// let key = client.api_keys().update("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc", update)?;
    /// assert!(key.disabled);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::update`](crate::ApiKeys::update): [`Error::InvalidArgument`] for a
    /// malformed id or update (nothing sent), [`Error::Api`] for Honeycomb's error answers
    /// (a 404 for a key that does not exist), [`Error::IdMismatch`], a transport failure or
    /// timeout; and [`Error::BlockingInAsyncContext`] on a thread that runs an async
    /// runtime (nothing is sent).
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    /// [`Error::Api`]: crate::Error::Api
    /// [`Error::IdMismatch`]: crate::Error::IdMismatch
    /// [`Error::BlockingInAsyncContext`]: crate::Error::BlockingInAsyncContext
    pub fn update(&self, id: impl AsRef<str>, update: ApiKeyUpdate) -> Result<ApiKey> {
        self.driver.call(self.inner.update(id, update))
    }

    /// Deletes a key.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let keys = client.api_keys();
    /// keys.delete("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?;
    /// assert!(keys.get_opt("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc")?.is_none());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::delete`](crate::ApiKeys::delete): [`Error::InvalidArgument`] for a
    /// malformed id (nothing sent), [`Error::Api`] for Honeycomb's error answers (a 404
    /// for a key that does not exist), a transport failure or timeout; and
    /// [`Error::BlockingInAsyncContext`] on a thread that runs an async runtime (nothing
    /// is sent).
    ///
    /// [`Error::InvalidArgument`]: crate::Error::InvalidArgument
    /// [`Error::Api`]: crate::Error::Api
    /// [`Error::BlockingInAsyncContext`]: crate::Error::BlockingInAsyncContext
    pub fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        self.driver.call(self.inner.delete(id))
    }

    /// Rotates a key: see [`crate::ApiKeys::rotate`]. The options' callbacks run on the
    /// client's runtime thread; `on_created` is still called before the next request.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ExposeSecret, RotateOptions};
    ///
    /// let options = RotateOptions::new().on_created(|key| {
    ///     std::fs::write("checkout.key", key.header_value().expose_secret()).map_err(|e| e.to_string())
    /// });
    /// let rotation = client.api_keys().rotate("hcxik_01hzbmsgh6ksk4hcx3mh7aj6gc", options)?;
    /// println!("{rotation}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::rotate`](crate::ApiKeys::rotate) (only failures before the new key
    /// exists are errors); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn rotate(&self, id: impl AsRef<str>, options: RotateOptions) -> Result<Rotation> {
        self.driver.call(self.inner.rotate(id, options))
    }

    /// One key per service: see [`crate::ApiKeys::provision`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ExposeSecret, ProvisionOptions};
    ///
    /// let options = ProvisionOptions::new().on_created(|service, key| {
    ///     std::fs::write(format!("{service}.key"), key.header_value().expose_secret()).map_err(|e| e.to_string())
    /// });
    /// let report = client.api_keys().provision("Production", &["checkout", "search"], options)?;
    /// assert!(report.is_complete(), "{report}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::provision`](crate::ApiKeys::provision) (a service's failed create is
    /// in the report, not an error); and
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

    /// Audits the team's keys: see [`crate::ApiKeys::audit`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::AuditOptions;
    ///
    /// let report = client.api_keys().audit(AuditOptions::new().older_than_days(180))?;
    /// println!("{report}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::audit`](crate::ApiKeys::audit); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn audit(&self, options: AuditOptions) -> Result<AuditReport> {
        self.driver.call(self.inner.audit(options))
    }

    /// Compares the team's keys with a key set: see [`crate::ApiKeys::plan`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{DeclaredKey, KeySet, PlanOptions};
    ///
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout ingest", "Production"));
    /// let plan = client.api_keys().plan(&set, PlanOptions::new())?;
    /// println!("{}", plan.summary());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::plan`](crate::ApiKeys::plan); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn plan(&self, set: &KeySet, options: PlanOptions) -> Result<Plan> {
        self.driver.call(self.inner.plan(set, options))
    }

    /// The team's keys as a key set: see [`crate::ApiKeys::export`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// let (set, _shadowed) = client.api_keys().export(Some("Production"))?;
    /// std::fs::write("keys.toml", set.to_toml()).expect("written");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::export`](crate::ApiKeys::export); and
    /// [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a thread
    /// that runs an async runtime (nothing is sent).
    pub fn export(&self, environment: Option<&str>) -> Result<(KeySet, Vec<(ApiKey, String)>)> {
        self.driver.call(self.inner.export(environment))
    }

    /// Carries out a plan, each new secret handed to `sink`: see
    /// [`crate::ApiKeys::apply`].
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ApplyOptions, DeclaredKey, DotenvFile, KeySet, PlanOptions};
    ///
    /// let keys = client.api_keys();
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout", "Production"));
    /// let plan = keys.plan(&set, PlanOptions::new())?;
    /// let report = keys.apply(&plan, &DotenvFile::new(".env.honeycomb"), ApplyOptions::new())?;
    /// assert!(report.is_complete(), "{:?}", report.stopped);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`ApiKeys::apply`](crate::ApiKeys::apply) (a step's failure is in the report);
    /// and [`Error::BlockingInAsyncContext`](crate::Error::BlockingInAsyncContext) on a
    /// thread that runs an async runtime (nothing is sent).
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
    /// Only keys of this type.
    ///
    /// ```no_run
    /// # fn run(client: honeycomb_api_keys::blocking::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::KeyType;
    ///
    /// let ingest = client.api_keys().list().key_type(KeyType::Ingest).collect()?;
    /// assert!(ingest.iter().all(|key| key.key_type == KeyType::Ingest));
    /// # Ok(()) }
    /// ```
    pub fn key_type(self, key_type: KeyType) -> Self {
        ListApiKeys { inner: self.inner.key_type(key_type), driver: self.driver }
    }

    blocking_list_methods!(ListApiKeys, ApiKey, "api_keys");
}
