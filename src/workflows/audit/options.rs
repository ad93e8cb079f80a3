//! What an audit looks for: [`AuditOptions`].

use std::{fmt, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};

use crate::{
    KeySet, Permission, Permissions,
    workflows::{ProgressFn, keys_as_code::HoursByTag},
};

/// What to look for: see [`ApiKeys::audit`](crate::ApiKeys::audit).
#[derive(Clone)]
#[must_use]
pub struct AuditOptions {
    pub(super) older_than: Duration,
    pub(super) broad: Permissions,
    pub(super) now: Option<DateTime<Utc>>,
    pub(super) hours: HoursByTag,
    pub(super) progress: Option<ProgressFn>,
}

impl fmt::Debug for AuditOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditOptions")
            .field("older_than", &self.older_than)
            .field("broad", &self.broad)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            older_than: Duration::from_secs(90 * 86_400),
            broad: AuditOptions::default_broad(),
            now: None,
            hours: HoursByTag::default(),
            progress: None,
        }
    }
}

impl AuditOptions {
    /// Keys older than 90 days; broad = any `manage_*` permission beyond boards.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::AuditOptions;
    ///
    /// let report = keys.audit(AuditOptions::new()).await?;
    /// assert_eq!(report.older_than_days, 90);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn new() -> Self {
        AuditOptions::default()
    }

    /// The default broad permissions: every `manage_*` but the two board ones (a
    /// `manage_*` permission Honeycomb adds is broad too, once this crate knows it).
    ///
    /// ```
    /// use honeycomb_api_keys::{AuditOptions, Permission};
    /// let broad = AuditOptions::default_broad();
    /// assert!(broad.contains(Permission::ManageSignals) && !broad.contains(Permission::ManageBoards));
    /// assert!(!broad.contains(Permission::RunQueries));
    /// ```
    pub fn default_broad() -> Permissions {
        Permission::ALL
            .iter()
            .filter(|p| p.wire_name().starts_with("manage_"))
            .filter(|p| !matches!(p, Permission::ManageBoards | Permission::ManagePrivateBoards))
            .copied()
            .collect()
    }

    /// Flag keys created more than `age` ago (default 90 days). The same age decides
    /// [`AuditReason::NeverUpdated`](crate::AuditReason::NeverUpdated): only a key older than it is reported for never
    /// having changed.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::AuditOptions;
    ///
    /// let options = AuditOptions::new().older_than(Duration::from_secs(30 * 86_400));
    /// assert_eq!(keys.audit(options).await?.older_than_days, 30);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn older_than(mut self, age: Duration) -> Self {
        self.older_than = age;
        self
    }

    /// Flag keys older than `days` days.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{AuditOptions, KeyType, Permission};
    ///
    /// let ingest = Permission::CreateDatasets.into();
    /// honeycomb.seed_key("production", "legacy", &KeyType::Ingest, &ingest, Duration::from_secs(400 * 86_400));
    /// let report = keys.audit(AuditOptions::new().older_than_days(365)).await?;
    /// assert_eq!((report.old, report.findings[0].name.as_str()), (1, "legacy"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn older_than_days(self, days: u64) -> Self {
        self.older_than(Duration::from_secs(days.saturating_mul(86_400)))
    }

    /// The permissions that make a configuration key "broad".
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{AuditOptions, KeyType, Permission};
    ///
    /// let boards = Permission::ManageBoards.into();
    /// honeycomb.seed_key("production", "boards", &KeyType::Configuration, &boards, Duration::ZERO);
    /// assert_eq!(keys.audit(AuditOptions::new()).await?.broad, 0); // boards are not broad by default
    /// let strict = AuditOptions::new().broad_permissions(Permission::ManageBoards.into());
    /// assert_eq!(keys.audit(strict).await?.broad, 1);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn broad_permissions(mut self, permissions: Permissions) -> Self {
        self.broad = permissions;
        self
    }

    /// Audit as of this time instead of now (for reproducible reports).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{AuditOptions, chrono::{DateTime, Utc}};
    ///
    /// let quarter_end = "2026-03-31T23:59:59Z".parse::<DateTime<Utc>>().unwrap();
    /// let report = keys.audit(AuditOptions::new().as_of(quarter_end)).await?;
    /// assert_eq!(report.as_of, quarter_end);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// Take the hours of the retiring keys' stages ([`AuditReason::Retiring`](crate::AuditReason::Retiring)) from this
    /// key set (each key's own, else the set's); without one, the defaults (24 hours
    /// enabled, then 48 disabled).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::{AuditOptions, AuditReason, DeclaredKey, Delivery, KeySet, PlanOptions};
    ///
    /// let set = KeySet::new().overlap_hours(2).key(DeclaredKey::ingest("checkout", "production"));
    /// let sink = |_: &Delivery<'_>| Ok(()); // secrets dropped: an example
    /// keys.apply(&keys.plan(&set, PlanOptions::new()).await?, &sink, Default::default()).await?;
    /// let rotate = PlanOptions::new().replace("checkout");
    /// keys.apply(&keys.plan(&set, rotate).await?, &sink, Default::default()).await?;
    ///
    /// let report = keys.audit(AuditOptions::new().key_set(&set)).await?;
    /// let Some(AuditReason::Retiring { due_at: Some(due), since, .. }) = report.findings[0].reasons.last() else {
    ///     panic!("{report:?}")
    /// };
    /// assert!(*due - *since >= chrono::Duration::hours(2) && *due - *since < chrono::Duration::minutes(121));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn key_set(mut self, set: &KeySet) -> Self {
        self.hours = HoursByTag::from(set);
        self
    }

    /// Report each page of keys read to `progress` (`total` is `None` then: how many keys
    /// there are is known only at the end), then the end, stage `"done"`, with the total.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// use honeycomb_api_keys::AuditOptions;
    ///
    /// honeycomb.seed_keys(250);
    /// let (sender, seen) = std::sync::mpsc::channel();
    /// let options = AuditOptions::new().progress(move |p| sender.send((p.done, p.total)).unwrap());
    /// assert_eq!(keys.audit(options).await?.total_keys, 250);
    /// assert_eq!(seen.try_iter().last(), Some((250, Some(250))));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn progress(mut self, progress: impl Fn(&crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}
