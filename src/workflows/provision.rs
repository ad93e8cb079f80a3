//! One key per service: create the ones that are missing, report the ones that exist.

mod report;
mod workflow;

use std::{fmt, sync::Arc};

use super::{ProgressFn, WriteGate};
use crate::{CreatedApiKey, KeyType, Permissions};

pub use report::{ProvisionEntry, ProvisionOutcome, ProvisionReport};

/// How to provision: see [`ApiKeys::provision`](crate::ApiKeys::provision).
#[derive(Clone)]
#[must_use]
pub struct ProvisionOptions {
    name_template: String,
    key_type: KeyType,
    permissions: Permissions,
    concurrency: usize,
    progress: Option<ProgressFn>,
    on_created: Option<StoreFn>,
    gate: Option<Arc<dyn WriteGate>>,
}

type StoreFn = Arc<dyn Fn(&str, &CreatedApiKey) -> std::result::Result<(), String> + Send + Sync>;

impl fmt::Debug for ProvisionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisionOptions")
            .field("name_template", &self.name_template)
            .field("key_type", &self.key_type)
            .field("permissions", &self.permissions)
            .field("concurrency", &self.concurrency)
            .field("on_created", &self.on_created.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ProvisionOptions {
    fn default() -> Self {
        ProvisionOptions {
            name_template: "{service}".into(),
            key_type: KeyType::Ingest,
            permissions: Permissions::none(),
            concurrency: 4,
            progress: None,
            on_created: None,
            gate: None,
        }
    }
}

impl ProvisionOptions {
    /// Ingest keys named after the service, no permission, 4 creates at a time.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{KeyType, ProvisionOptions};
    ///
    /// let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await?;
    /// let (service, created) = report.created().next().expect("created");
    /// assert_eq!((service, created.key().name.as_str()), ("checkout", "checkout"));
    /// assert_eq!(created.key().key_type, KeyType::Ingest);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn new() -> Self {
        ProvisionOptions::default()
    }

    /// The key name for a service: `{service}` is the service's name (default
    /// `"{service}"`). Cut to 100 characters. Keys are matched by this name.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::ProvisionOptions;
    ///
    /// let options = ProvisionOptions::new().name_template("{service} (production ingest)");
    /// let report = keys.provision("Production", &["checkout"], options).await?;
    /// assert_eq!(report.entries[0].name, "checkout (production ingest)");
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn name_template(mut self, template: impl Into<String>) -> Self {
        self.name_template = template.into();
        self
    }

    /// Configuration keys with `permissions` instead of ingest keys.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{KeyType, Permissions, ProvisionOptions};
    ///
    /// let options = ProvisionOptions::new().name_template("{service}-query");
    /// let options = options.configuration(Permissions::read_only_querying());
    /// let report = keys.provision("Production", &["dashboards"], options).await?;
    /// let (_, created) = report.created().next().expect("created");
    /// assert_eq!(created.key().key_type, KeyType::Configuration);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn configuration(mut self, permissions: Permissions) -> Self {
        self.key_type = KeyType::Configuration;
        self.permissions = permissions;
        self
    }

    /// Ingest keys (the default), with `create_datasets` or not.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{Permission, ProvisionOptions};
    ///
    /// let report = keys.provision("Production", &["checkout"], ProvisionOptions::new().ingest(true)).await?;
    /// let (_, created) = report.created().next().expect("created");
    /// assert!(created.key().permissions.contains(Permission::CreateDatasets));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn ingest(mut self, create_datasets: bool) -> Self {
        self.key_type = KeyType::Ingest;
        self.permissions = if create_datasets { crate::Permission::CreateDatasets.into() } else { Permissions::none() };
        self
    }

    /// How many creates may be in flight at once (at least 1; the client's rate
    /// limiter paces them as well).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::ProvisionOptions;
    ///
    /// let services: Vec<String> = (1..=20).map(|n| format!("service-{n}")).collect();
    /// let report = keys.provision("Production", &services, ProvisionOptions::new().concurrency(8)).await?;
    /// assert_eq!(report.created().count(), 20);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Hand each created key, with its one-time secret and its service, to `store` the
    /// moment it exists, before the workflow's next request: **the way to persist the
    /// secrets** (an interrupt or a later failure cannot lose one). An `Err(reason)` stops the
    /// provisioning: no further key is created (creates already in flight finish and are
    /// handed over too), the report says why, and it is not complete.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{ExposeSecret, ProvisionOptions};
    ///
    /// let (vault, stored) = std::sync::mpsc::channel();
    /// let options = ProvisionOptions::new().on_created(move |service, key| {
    ///     vault.send((service.to_string(), key.header_value().expose_secret().to_string())).map_err(|e| e.to_string())
    /// });
    /// keys.provision("Production", &["checkout", "search"], options).await?;
    /// assert_eq!(stored.try_iter().count(), 2);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn on_created(
        mut self,
        store: impl Fn(&str, &CreatedApiKey) -> std::result::Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.on_created = Some(Arc::new(store));
        self
    }

    /// Ask `gate` before each create (see [`WriteGate`]): once it says no, services not
    /// yet started are [`Skipped`](ProvisionOutcome::Skipped), while creates already sent
    /// finish and are handed to [`on_created`](Self::on_created), so that no secret is lost
    /// by stopping.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::sync::Arc;
    /// use honeycomb_api_keys::{ProvisionOptions, ProvisionOutcome, WriteGate};
    ///
    /// struct ChangeFreeze;
    /// impl WriteGate for ChangeFreeze { fn before_create(&self, _name: &str) -> bool { false } }
    /// let options = ProvisionOptions::new().gate(Arc::new(ChangeFreeze));
    /// let report = keys.provision("Production", &["checkout"], options).await?;
    /// assert!(matches!(report.entries[0].outcome, ProvisionOutcome::Skipped));
    /// assert_eq!(report.stopped.as_deref(), Some("cancelled"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Report each service done to `progress`.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::ProvisionOptions;
    ///
    /// let options = ProvisionOptions::new().progress(|p| eprintln!("{}/{:?}: {}", p.done, p.total, p.stage));
    /// let report = keys.provision("Production", &["checkout", "search"], options).await?;
    /// assert!(report.is_complete());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn progress(mut self, progress: impl Fn(&super::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}
