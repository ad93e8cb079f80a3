//! How to plan: [`PlanOptions`].

use std::{fmt, sync::Arc};

use chrono::{DateTime, Utc};

use crate::workflows::ProgressFn;

/// How to plan: see [`ApiKeys::plan`](crate::ApiKeys::plan).
#[derive(Clone, Default)]
#[must_use]
pub struct PlanOptions {
    pub(super) prune: bool,
    pub(super) as_of: Option<DateTime<Utc>>,
    pub(super) replace: Vec<String>,
    pub(super) retire_now: bool,
    pub(super) progress: Option<ProgressFn>,
    pub(super) check_secrets: Option<super::secrets::Source>,
}

impl fmt::Debug for PlanOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlanOptions")
            .field("prune", &self.prune)
            .field("as_of", &self.as_of)
            .field("replace", &self.replace)
            .field("retire_now", &self.retire_now)
            .field("check_secrets", &self.check_secrets.is_some())
            .finish_non_exhaustive()
    }
}

impl PlanOptions {
    /// No pruning, rotations judged as of now.
    pub fn new() -> Self {
        PlanOptions::default()
    }

    /// Delete the unmanaged keys of the declared keys' environments too ([`Action::Delete`](super::Action::Delete)
    /// steps). [`ApiKeys::apply`](crate::ApiKeys::apply) still refuses such a plan unless
    /// [`ApplyOptions::prune`](super::ApplyOptions::prune) confirms it.
    pub fn prune(mut self, prune: bool) -> Self {
        self.prune = prune;
        self
    }

    /// Judge rotations and the stages of retirements as of this time instead of the
    /// client's "now" ([`Clock::utc_now`](crate::Clock::utc_now) of its clock).
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        self.as_of = Some(now);
        self
    }

    /// Rotate the declared key named `name` now, whatever its age (a secret that leaked).
    /// A name no declared key has fails the plan.
    pub fn replace(mut self, name: impl Into<String>) -> Self {
        self.replace.push(name.into());
        self
    }

    /// Disable a rotation's old key as soon as its successor is delivered, instead of
    /// after the overlap (it is deleted after its time disabled): for a secret that leaked.
    pub fn retire_now(mut self, now: bool) -> Self {
        self.retire_now = now;
        self
    }

    /// Check each declared key's secret where it was delivered: read it back from
    /// `source` and verify it at `/1/auth` (see [`SecretState`](super::SecretState)). The
    /// plan lists each in [`Plan::secrets`](super::Plan::secrets); one that is not
    /// current is drift, and the key is rotated (nobody holds its working secret), so
    /// that applying the plan with the same place as its sink repairs it. Keys that are
    /// disabled (declared so, or in Honeycomb) are not checked: they cannot authenticate.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let dir = std::env::temp_dir().join(format!("check-secrets-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// use honeycomb_api_keys::{Action, ApplyOptions, DeclaredKey, DotenvFile, KeySet, PlanOptions, SecretState};
    ///
    /// let env_file = dir.join(".env.honeycomb");
    /// let set = KeySet::new().key(DeclaredKey::ingest("checkout", "production"));
    /// keys.apply(&keys.plan(&set, PlanOptions::new()).await?, &DotenvFile::new(&env_file), ApplyOptions::new()).await?;
    ///
    /// let check = || PlanOptions::new().check_secrets(DotenvFile::new(&env_file));
    /// assert_eq!(keys.plan(&set, check()).await?.secrets[0].state, SecretState::Current);
    ///
    /// std::fs::write(&env_file, "# lost\n").unwrap();
    /// let plan = keys.plan(&set, check()).await?;
    /// assert_eq!((plan.secrets[0].state, plan.count(Action::Rotate)), (SecretState::Missing, 1));
    /// keys.apply(&plan, &DotenvFile::new(&env_file), ApplyOptions::new()).await?; // repaired
    /// assert_eq!(keys.plan(&set, check()).await?.secrets[0].state, SecretState::Current);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn check_secrets(mut self, source: impl super::SecretSource + 'static) -> Self {
        self.check_secrets = Some(Arc::new(source));
        self
    }

    /// Report progress to `progress`.
    pub fn progress(mut self, progress: impl Fn(&crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}
