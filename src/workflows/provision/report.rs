//! What a provisioning reports, service by service.

use std::fmt;

use crate::{ApiKey, CreatedApiKey, Error};

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

/// What [`ApiKeys::provision`](crate::ApiKeys::provision) did, one entry per service, in the order given.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ProvisionReport {
    /// One entry per distinct service.
    pub entries: Vec<ProvisionEntry>,
    /// Why the provisioning stopped early, if it did: a created key's secret could not be
    /// stored (the [`on_created`](crate::ProvisionOptions::on_created) callback said why), or
    /// `"cancelled"` (its [`WriteGate`](crate::WriteGate) said no).
    pub stopped: Option<String>,
}

impl ProvisionReport {
    /// The keys created (with their secrets).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # use honeycomb_api_keys::ProvisionOptions;
    /// let report = keys.provision("Production", &["checkout", "search"], ProvisionOptions::new()).await?;
    /// for (service, created) in report.created() {
    ///     println!("{service}: new key {}, store its secret now", created.id());
    /// }
    /// assert_eq!(report.created().count(), 2);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn created(&self) -> impl Iterator<Item = (&str, &CreatedApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Created(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// The keys that existed already.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # use honeycomb_api_keys::ProvisionOptions;
    /// keys.provision("Production", &["checkout"], ProvisionOptions::new()).await?;
    /// let again = keys.provision("Production", &["checkout", "search"], ProvisionOptions::new()).await?;
    /// let existing: Vec<&str> = again.existing().map(|(service, _)| service).collect();
    /// assert_eq!(existing, ["checkout"]);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn existing(&self) -> impl Iterator<Item = (&str, &ApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Existing(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// The services that failed, with why.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # use honeycomb_api_keys::ProvisionOptions;
    /// use honeycomb_api_keys::{Operation, mock::Fault};
    ///
    /// honeycomb.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
    /// let report = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await?;
    /// for (service, error) in report.failed() {
    ///     eprintln!("{service}: {error}");
    /// }
    /// assert_eq!(report.failed().count(), 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn failed(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Failed(error) => Some((e.service.as_str(), error)),
            _ => None,
        })
    }

    /// The services whose only key of the name is disabled.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # use honeycomb_api_keys::ProvisionOptions;
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let first = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await?;
    /// let (_, created) = first.created().next().expect("created");
    /// keys.update(created.id(), ApiKeyUpdate::new().disable()).await?;
    /// let again = keys.provision("Production", &["checkout"], ProvisionOptions::new()).await?;
    /// assert_eq!(again.disabled().count(), 1);
    /// assert!(!again.is_complete());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn disabled(&self) -> impl Iterator<Item = (&str, &ApiKey)> {
        self.entries.iter().filter_map(|e| match &e.outcome {
            ProvisionOutcome::Disabled(key) => Some((e.service.as_str(), key)),
            _ => None,
        })
    }

    /// Whether every service has a working (enabled) key now, and every new secret was
    /// handed over.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # use honeycomb_api_keys::ProvisionOptions;
    /// let report = keys.provision("Production", &["checkout", "search"], ProvisionOptions::new()).await?;
    /// if !report.is_complete() {
    ///     eprintln!("{report}"); // how many failed, and why it stopped
    /// }
    /// assert!(report.is_complete());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
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
