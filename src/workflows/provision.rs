//! One key per service: create the ones that are missing, report the ones that exist.

use std::{collections::HashMap, fmt, sync::Arc};

use futures::{StreamExt, TryStreamExt, stream};

use super::{ProgressFn, fill, report};
use crate::{
    ApiKeys,
    error::{Error, Result},
    model::{ApiKey, CreatedApiKey, KeyType, NewApiKey},
    permissions::Permissions,
};

/// How to provision: see [`ApiKeys::provision`].
#[derive(Clone)]
#[must_use]
pub struct ProvisionOptions {
    name_template: String,
    key_type: KeyType,
    permissions: Permissions,
    concurrency: usize,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for ProvisionOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProvisionOptions")
            .field("name_template", &self.name_template)
            .field("key_type", &self.key_type)
            .field("permissions", &self.permissions)
            .field("concurrency", &self.concurrency)
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
        }
    }
}

impl ProvisionOptions {
    /// Ingest keys named after the service, no permission, 4 creates at a time.
    pub fn new() -> Self {
        ProvisionOptions::default()
    }

    /// The key name for a service: `{service}` is the service's name (default
    /// `"{service}"`). Cut to 100 characters. Keys are matched by this name.
    pub fn name_template(mut self, template: impl Into<String>) -> Self {
        self.name_template = template.into();
        self
    }

    /// Configuration keys with `permissions` instead of ingest keys.
    pub fn configuration(mut self, permissions: Permissions) -> Self {
        self.key_type = KeyType::Configuration;
        self.permissions = permissions;
        self
    }

    /// Ingest keys (the default), with `create_datasets` or not.
    pub fn ingest(mut self, create_datasets: bool) -> Self {
        self.key_type = KeyType::Ingest;
        self.permissions = if create_datasets { crate::Permission::CreateDatasets.into() } else { Permissions::none() };
        self
    }

    /// How many creates may be in flight at once (at least 1; the client's rate
    /// limiter paces them as well).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Report each service done to `progress`.
    pub fn progress(mut self, progress: impl Fn(&super::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// What happened for one service.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProvisionOutcome {
    /// A key was created; this is the only time its secret is available.
    Created(CreatedApiKey),
    /// A key with the name existed already. Its secret cannot be shown again: use the
    /// one you stored, or rotate the key to get a new one.
    Existing(ApiKey),
    /// It failed; the other services went on.
    Failed(Error),
}

/// One service of a [`ProvisionReport`].
#[derive(Debug)]
#[non_exhaustive]
pub struct ProvisionEntry {
    /// The service.
    pub service: String,
    /// The key's name.
    pub name: String,
    /// What happened.
    pub outcome: ProvisionOutcome,
}

/// What [`ApiKeys::provision`] did, one entry per service, in the order given.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ProvisionReport {
    /// One entry per distinct service.
    pub entries: Vec<ProvisionEntry>,
}

impl ProvisionReport {
    /// The keys created (with their secrets).
    pub fn created(&self) -> impl Iterator<Item = (&str, &CreatedApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Created(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// The keys that existed already.
    pub fn existing(&self) -> impl Iterator<Item = (&str, &ApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Existing(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// The services that failed, with why.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Failed(error) => Some((e.service.as_str(), error)),
            _ => None,
        })
    }

    /// Whether every service has a key now.
    pub fn is_complete(&self) -> bool {
        self.failed().next().is_none()
    }
}

/// A short summary; no secret.
impl fmt::Display for ProvisionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} services: {} created, {} existing (their secrets cannot be shown again), {} failed",
            self.entries.len(),
            self.created().count(),
            self.existing().count(),
            self.failed().count()
        )
    }
}

impl ApiKeys {
    /// Makes sure each service has a key in `environment` (an id, a name or a slug):
    /// creates the missing ones, reports the ones that exist (matched by name, so a
    /// second run creates nothing), and goes on past failures.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{ProvisionOptions, mock::MockHoneycomb};
    ///
    /// let honeycomb = MockHoneycomb::start().await;
    /// let keys = honeycomb.client().api_keys();
    /// let services = ["checkout", "search", "payments"];
    /// let report = keys.provision("Production", &services, ProvisionOptions::new().name_template("{service}-ingest")).await?;
    /// for (service, key) in report.created() {
    ///     // store key.header_value() in the service's secret store
    /// }
    /// assert_eq!(report.created().count(), 3);
    /// let again = keys.provision("Production", &services, ProvisionOptions::new().name_template("{service}-ingest")).await?;
    /// assert_eq!(again.existing().count(), 3);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub async fn provision<S: AsRef<str>>(
        &self,
        environment: &str,
        services: &[S],
        options: ProvisionOptions,
    ) -> Result<ProvisionReport> {
        const WORKFLOW: &str = "provision";
        let progress = options.progress.as_ref();
        let mut seen = std::collections::HashSet::new();
        let wanted: Vec<(String, String)> = services
            .iter()
            .map(|s| s.as_ref().trim().to_string())
            .filter(|s| !s.is_empty() && seen.insert(s.clone()))
            .map(|service| {
                let name = fill(&options.name_template, &[("service", &service)]);
                (service, name)
            })
            .collect();
        // Two services with one key name would share (or each create) one key.
        let mut by_name = HashMap::new();
        for (service, name) in &wanted {
            if let Some(first) = by_name.insert(name.as_str(), service.as_str()) {
                return Err(Error::invalid(
                    "name_template",
                    format!(
                        "gives services {first:?} and {service:?} the same key name {name:?}; include `{{service}}`"
                    ),
                ));
            }
        }
        let total = Some(wanted.len());

        let env = self.environments().find(environment).await?.ok_or_else(|| {
            Error::invalid("environment", format!("no environment has the id, name or slug {environment:?}"))
        })?;

        report(progress, WORKFLOW, 0, total, "listing the keys that exist");
        let mut existing: HashMap<String, ApiKey> = HashMap::new();
        let mut keys = self.list().key_type(options.key_type.clone()).items();
        while let Some(key) = keys.try_next().await? {
            if key.environment_id.as_ref() == Some(&env.id) {
                existing.entry(key.name.clone()).or_insert(key);
            }
        }

        let done = std::sync::atomic::AtomicUsize::new(0);
        let entries = stream::iter(wanted)
            .map(|(service, name)| {
                let existing = existing.remove(&name);
                let (options, env, done) = (&options, &env, &done);
                async move {
                    let outcome = match existing {
                        Some(key) => ProvisionOutcome::Existing(key),
                        None => {
                            let new = NewApiKey::new(
                                name.clone(),
                                options.key_type.clone(),
                                env.id.as_str(),
                                options.permissions.clone(),
                            );
                            match self.create(new).await {
                                Ok(created) => ProvisionOutcome::Created(created),
                                Err(e) => ProvisionOutcome::Failed(e),
                            }
                        }
                    };
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    report(options.progress.as_ref(), WORKFLOW, n, total, service.clone());
                    ProvisionEntry { service, name, outcome }
                }
            })
            .buffered(options.concurrency)
            .collect::<Vec<_>>()
            .await;
        Ok(ProvisionReport { entries })
    }
}
