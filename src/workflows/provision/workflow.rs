//! The provisioning itself: [`ApiKeys::provision`].

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use futures::{StreamExt, stream};

use super::{ProvisionEntry, ProvisionOptions, ProvisionOutcome, ProvisionReport};
use crate::{
    ApiKey, ApiKeys, Error, Result,
    workflows::{fill, key_to_create, may_create, names::base_name, report},
};

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
    ///
    /// # Errors
    ///
    /// Only what stops the whole provisioning before any key is created:
    ///
    /// - [`Error::InvalidArgument`]: `services`, when a service's key name is not a valid
    ///   name (see [`check_name`](crate::check_name)); `name_template`, when two services
    ///   would get the same key name; `environment`, when it is empty or no environment has
    ///   that id, name or slug.
    /// - Any error of finding the environment or listing the keys of the options' type:
    ///   [`Error::Api`], a transport failure or timeout, [`Error::PaginationLoop`], or the
    ///   errors of detecting the team.
    ///
    /// A service whose create fails is not an error: it is [`ProvisionOutcome::Failed`] in
    /// the report, and the other services go on; nor is a stop (see
    /// [`ProvisionReport::stopped`]).
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
            crate::check_name(name).map_err(|e| match e {
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
                            let new = key_to_create(
                                name.clone(),
                                &options.key_type,
                                env.id.as_str(),
                                options.permissions.clone(),
                            );
                            let created = match new {
                                Ok(new) => self.create(new).await,
                                Err(e) => Err(e),
                            };
                            let outcome = match created {
                                Ok(created) => {
                                    if let Some(store) = &options.on_created
                                        && let Err(reason) = store(&service, &created)
                                    {
                                        stop(&format!(
                                            "the secret of {} ({service}) could not be stored: {reason}",
                                            crate::terminal_safe(created.id().as_str())
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

impl ProvisionReport {
    /// A failure's text must not quote a secret this provisioning handed out.
    fn redact_created_secrets(&mut self) {
        let (mut created, mut failed) = (Vec::new(), Vec::new());
        for entry in &mut self.entries {
            match &mut entry.outcome {
                ProvisionOutcome::Created(key) => created.push(&*key),
                ProvisionOutcome::Failed(error) => failed.push(error),
                _ => {}
            }
        }
        for error in failed {
            for key in &created {
                error.redact_secret_of(key);
            }
        }
    }
}
