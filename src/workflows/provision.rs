//! One key per service: create the ones that are missing, report the ones that exist.

use std::{
    collections::HashMap,
    fmt,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use futures::{StreamExt, stream};

use super::{ProgressFn, WriteGate, fill, may_create, names::base_name, report};
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

    /// Hand each created key, with its one-time secret and its service, to `store` the
    /// moment it exists, before the workflow's next request: **the way to persist the
    /// secrets** (an interrupt or a later failure cannot lose one). An `Err(reason)` stops the
    /// provisioning: no further key is created (creates already in flight finish and are
    /// handed over too), the report says why, and it is not complete.
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
    pub fn gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.gate = Some(gate);
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
    /// An enabled key with the name (or its [rotated](crate::ApiKeys::rotate) successor's
    /// name) existed already. Its secret cannot be shown again: use the one you stored,
    /// or rotate the key to get a new one.
    Existing(ApiKey),
    /// Only a disabled key has the name: the service has no working key. Nothing was
    /// created (that would make a second key of the name); enable that key, or delete it
    /// and provision again.
    Disabled(ApiKey),
    /// It failed; the other services went on.
    Failed(Error),
    /// Not attempted, because the provisioning stopped (see
    /// [`ProvisionReport::stopped`]).
    Skipped,
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
    /// Why the provisioning stopped early, if it did: a created key's secret could not be
    /// stored (the [`on_created`](ProvisionOptions::on_created) callback said why), or
    /// `"cancelled"` (its [`WriteGate`] said no).
    pub stopped: Option<String>,
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

    /// A failure's text must not quote a secret this provisioning handed out.
    fn redact_created_secrets(&mut self) {
        let mut redactor = crate::text::Redactor::default();
        for (_, created) in self.created() {
            redactor.add(Some(created.id().as_str()), secrecy::ExposeSecret::expose_secret(created.secret()));
        }
        for entry in &mut self.entries {
            if let ProvisionOutcome::Failed(error) = &mut entry.outcome {
                error.redact(&redactor);
            }
        }
    }

    /// The services whose only key of the name is disabled.
    pub fn disabled(&self) -> impl Iterator<Item = (&str, &ApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Disabled(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// Whether every service has a working (enabled) key now, and every new secret was
    /// handed over.
    pub fn is_complete(&self) -> bool {
        self.stopped.is_none()
            && self
                .entries
                .iter()
                .all(|e| matches!(e.outcome, ProvisionOutcome::Created(_) | ProvisionOutcome::Existing(_)))
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
        )?;
        let disabled = self.disabled().count();
        if disabled > 0 {
            write!(f, ", {disabled} with only a disabled key")?;
        }
        if let Some(why) = &self.stopped {
            let skipped = self.entries.iter().filter(|e| matches!(e.outcome, ProvisionOutcome::Skipped)).count();
            write!(f, "; stopped ({skipped} not attempted): {why}")?;
        }
        Ok(())
    }
}

impl ApiKeys {
    /// Makes sure each service has a key in `environment` (an id, a name or a slug):
    /// creates the missing ones, reports the ones that exist (matched by name, so a
    /// second run creates nothing), and goes on past failures. A service's key is an
    /// *enabled* key of the options' type with the template's name (or the name a
    /// [rotation](ApiKeys::rotate) gave its successor); a service whose only key of that
    /// name is disabled is reported as [`ProvisionOutcome::Disabled`], not as done.
    ///
    /// Store each new secret from [`ProvisionOptions::on_created`]: it is called the moment
    /// the key exists.
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
            crate::model::check_name(name).map_err(|e| match e {
                Error::InvalidArgument { reason, .. } => {
                    Error::invalid("services", format!("the key name {name:?} for service {service:?} {reason}"))
                }
                other => other,
            })?;
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
        // By name: an enabled key wins over a disabled one, the exact name over a
        // rotated successor's.
        let mut existing: HashMap<String, ApiKey> = HashMap::new();
        let mut keys = self.list().key_type(options.key_type.clone()).items();
        while let Some(key) = keys.try_next().await? {
            if key.environment_id.as_ref() != Some(&env.id) {
                continue;
            }
            let name = if by_name.contains_key(key.name.as_str()) {
                key.name.clone()
            } else {
                base_name(&key.name).to_string()
            };
            if !by_name.contains_key(name.as_str()) {
                continue;
            }
            let rank = |k: &ApiKey| (!k.disabled, k.name == name);
            match existing.get(&name) {
                Some(held) if rank(held) >= rank(&key) => {}
                _ => {
                    existing.insert(name, key);
                }
            }
        }

        let done = AtomicUsize::new(0);
        let stopped: Mutex<Option<String>> = Mutex::new(None);
        let entries = stream::iter(wanted)
            .map(|(service, name)| {
                let existing = existing.remove(&name);
                let (options, env, done, stopped) = (&options, &env, &done, &stopped);
                async move {
                    let stop = |why: &str| {
                        if let Ok(mut stopped) = stopped.lock() {
                            stopped.get_or_insert_with(|| why.to_string());
                        }
                    };
                    let is_stopped = || stopped.lock().map_or(true, |s| s.is_some());
                    let outcome = match existing {
                        Some(key) if key.disabled => ProvisionOutcome::Disabled(key),
                        Some(key) => ProvisionOutcome::Existing(key),
                        None if is_stopped() => ProvisionOutcome::Skipped,
                        None if !may_create(options.gate.as_ref(), &name) => {
                            stop("cancelled");
                            ProvisionOutcome::Skipped
                        }
                        None => {
                            let new = NewApiKey::new(
                                name.clone(),
                                options.key_type.clone(),
                                env.id.as_str(),
                                options.permissions.clone(),
                            );
                            let outcome = match self.create(new).await {
                                Ok(created) => {
                                    if let Some(store) = &options.on_created
                                        && let Err(reason) = store(&service, &created)
                                    {
                                        stop(&format!(
                                            "the secret of {} ({service}) could not be stored: {reason}",
                                            crate::text::terminal_safe(created.id().as_str())
                                        ));
                                    }
                                    ProvisionOutcome::Created(created)
                                }
                                Err(e) => ProvisionOutcome::Failed(e),
                            };
                            if let Some(gate) = &options.gate {
                                gate.after_create(&name);
                            }
                            outcome
                        }
                    };
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    report(options.progress.as_ref(), WORKFLOW, n, total, service.clone());
                    ProvisionEntry { service, name, outcome }
                }
            })
            .buffered(options.concurrency)
            .collect::<Vec<_>>()
            .await;
        let stopped = stopped.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut report = ProvisionReport { entries, stopped };
        report.redact_created_secrets();
        Ok(report)
    }
}
