//! Seeding keys without a request: many at once ([`MockHoneycomb::seed_keys`]), or one
//! with every attribute a real key has ([`MockKeySeed`], [`MockHoneycomb::seed`]).

use super::*;

/// A key to store in the fake as it is, without any request: [`MockHoneycomb::seed`].
///
/// Every attribute a real team's key can have: its type, name and environment, its
/// permissions, disabled or not, when it was created and last updated, and who created and
/// last edited it. A key is enabled, created at the fake's now, never updated, created by
/// [`MOCK_USER`] and edited by nobody unless told otherwise. So the keys an audit is about
/// can be made as they are found, not as a sequence of requests would leave them (an
/// update through the API moves `updated` to now).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
/// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
/// use chrono::{Duration, Utc};
/// use honeycomb_api_keys::{AuditOptions, AuditReason, Permissions, mock::MockKeySeed};
///
/// // Created two years ago, disabled since, never updated: the classic audit finding.
/// let created = Utc::now() - Duration::days(730);
/// let old = MockKeySeed::ingest("legacy collector", "production").disabled(true).created(created);
/// let old = honeycomb.seed(old.editor("hcxus_01jformeremployee0000000000"));
/// // A configuration key edited yesterday.
/// let ci = MockKeySeed::configuration("ci", "staging", &Permissions::read_only_querying())
///     .created(Utc::now() - Duration::days(30))
///     .updated(Utc::now() - Duration::days(1));
/// honeycomb.seed(ci);
///
/// let report = honeycomb.client().api_keys().audit(AuditOptions::new()).await?;
/// let finding = report.findings.iter().find(|f| f.id.as_str() == old.id).expect("reported");
/// assert!(finding.reasons.contains(&AuditReason::Disabled));
/// assert!(finding.reasons.contains(&AuditReason::NeverUpdated));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct MockKeySeed {
    name: String,
    key_type: &'static str,
    environment: String,
    granted: BTreeMap<String, bool>,
    disabled: bool,
    created: Option<Created>,
    updated: Option<DateTime<Utc>>,
    creator: Option<String>,
    editor: Option<String>,
}

/// When a seeded key was created: at a time, or an age before the fake's now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Created {
    At(DateTime<Utc>),
    Ago(Duration),
}

impl MockKeySeed {
    fn new(name: &str, key_type: &'static str, environment: &str) -> Self {
        MockKeySeed {
            name: name.to_string(),
            key_type,
            environment: environment.to_string(),
            granted: BTreeMap::new(),
            disabled: false,
            created: None,
            updated: None,
            creator: Some(MOCK_USER.to_string()),
            editor: None,
        }
    }

    /// An ingest key named `name` in the environment with this name, slug or id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("collector", "Production"));
    /// assert_eq!((key.key_type.as_str(), key.disabled), ("ingest", false));
    /// # Ok(()) }
    /// ```
    pub fn ingest(name: impl AsRef<str>, environment: impl AsRef<str>) -> Self {
        MockKeySeed::new(name.as_ref(), "ingest", environment.as_ref())
    }

    /// A configuration key granted `permissions` (every other permission of the spec
    /// `false`, as Honeycomb lists them).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::{Permissions, mock::MockKeySeed};
    ///
    /// let key = honeycomb.seed(MockKeySeed::configuration("ci", "staging", &Permissions::read_only_querying()));
    /// assert!(key.permissions["run_queries"] && !key.permissions["manage_boards"]);
    /// # Ok(()) }
    /// ```
    pub fn configuration(name: impl AsRef<str>, environment: impl AsRef<str>, permissions: &Permissions) -> Self {
        let seed = MockKeySeed::new(name.as_ref(), "configuration", environment.as_ref());
        seed.permissions(permissions)
    }

    /// Grants these permissions (instead of those given before). An ingest key has only
    /// `create_datasets`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::{Permission, Permissions, mock::MockKeySeed};
    ///
    /// let datasets = Permissions::builder().grant(Permission::CreateDatasets).build();
    /// let key = honeycomb.seed(MockKeySeed::ingest("collector", "production").permissions(&datasets));
    /// assert!(key.permissions["create_datasets"]);
    /// # Ok(()) }
    /// ```
    pub fn permissions(mut self, permissions: &Permissions) -> Self {
        self.granted = permissions.to_wire().filter(|(_, on)| *on).map(|(name, on)| (name.to_string(), on)).collect();
        self
    }

    /// Disabled (or not): no update needed, so `updated` stays what the seed says.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("old", "production").disabled(true));
    /// assert!(key.disabled && key.updated == key.created);
    /// # Ok(()) }
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Created at `at` (default: the fake's now). Without [`updated`](Self::updated) it
    /// was never updated: `updated` is `at` too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use chrono::{TimeZone, Utc};
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let at = Utc.with_ymd_and_hms(2023, 1, 15, 9, 30, 0).unwrap();
    /// let key = honeycomb.seed(MockKeySeed::ingest("old", "production").created(at));
    /// assert_eq!((key.created, key.updated), (at, at));
    /// # Ok(()) }
    /// ```
    pub fn created(mut self, at: DateTime<Utc>) -> Self {
        self.created = Some(Created::At(at));
        self
    }

    /// Created `age` before the fake's now (which [`MockHoneycomb::advance_clock`] moves),
    /// instead of at a time.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use std::time::Duration;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("old", "production").age(Duration::from_secs(200 * 86_400)));
    /// assert!(chrono::Utc::now() - key.created >= chrono::Duration::days(200));
    /// # Ok(()) }
    /// ```
    pub fn age(mut self, age: Duration) -> Self {
        self.created = Some(Created::Ago(age));
        self
    }

    /// Last updated at `at` (not before it was created).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use chrono::{Duration, Utc};
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let (created, updated) = (Utc::now() - Duration::days(10), Utc::now() - Duration::days(2));
    /// let key = honeycomb.seed(MockKeySeed::ingest("k", "production").created(created).updated(updated));
    /// assert!(key.updated > key.created);
    /// # Ok(()) }
    /// ```
    pub fn updated(mut self, at: DateTime<Utc>) -> Self {
        self.updated = Some(at);
        self
    }

    /// Created by the user with this id (default [`MOCK_USER`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("k", "production").creator("hcxus_01jalice000000000000000000"));
    /// let read = honeycomb.client().api_keys().get(&key.id).await?;
    /// assert_eq!(read.creator_id.as_deref(), Some("hcxus_01jalice000000000000000000"));
    /// # Ok(()) }
    /// ```
    pub fn creator(mut self, user_id: impl Into<String>) -> Self {
        self.creator = Some(user_id.into());
        self
    }

    /// Created by no user Honeycomb names (its `creator` is `null` on the wire).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("k", "production").without_creator());
    /// assert_eq!(honeycomb.client().api_keys().get(&key.id).await?.creator_id, None);
    /// # Ok(()) }
    /// ```
    pub fn without_creator(mut self) -> Self {
        self.creator = None;
        self
    }

    /// Last edited by the user with this id (default: nobody, `null` on the wire).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let key = honeycomb.seed(MockKeySeed::ingest("k", "production").editor("hcxus_01jbob00000000000000000000"));
    /// let read = honeycomb.client().api_keys().get(&key.id).await?;
    /// assert_eq!(read.editor_id.as_deref(), Some("hcxus_01jbob00000000000000000000"));
    /// # Ok(()) }
    /// ```
    pub fn editor(mut self, user_id: impl Into<String>) -> Self {
        self.editor = Some(user_id.into());
        self
    }
}

impl MockHoneycomb {
    /// Stores one key as `seed` describes it, without any request; returns it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use chrono::{Duration, Utc};
    /// use honeycomb_api_keys::mock::MockKeySeed;
    ///
    /// let seed = MockKeySeed::ingest("legacy", "production").disabled(true).created(Utc::now() - Duration::days(400));
    /// let key = honeycomb.seed(seed);
    /// let read = honeycomb.client().api_keys().get(&key.id).await?;
    /// assert!(read.disabled && read.updated == read.created);
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    /// On a test's mistake: an unknown environment, a permission the key type does not
    /// have, an age before 1970, or `updated` before `created`.
    #[track_caller]
    pub fn seed(&self, seed: MockKeySeed) -> MockKey {
        let kind = seed.key_type;
        if let Some(extra) = seed.granted.keys().find(|p| !permission_names(kind).contains(&p.as_str())) {
            panic!("MockHoneycomb::seed: {extra} is not a permission of {kind} keys");
        }
        let mut state = self.lock();
        let env = state.environment(&seed.environment).map(|e| e.id.clone());
        let env = env.unwrap_or_else(|| panic!("MockHoneycomb::seed: no environment named {:?}", seed.environment));
        let created = match seed.created {
            None => state.now(),
            Some(Created::At(at)) => at,
            Some(Created::Ago(age)) => {
                let age = chrono::Duration::from_std(age).ok().filter(|a| *a < chrono::Duration::days(20_000));
                state.now() - age.expect("MockHoneycomb::seed: the age reaches back before 1970")
            }
        };
        let updated = seed.updated.unwrap_or(created);
        assert!(updated >= created, "MockHoneycomb::seed: updated ({updated}) is before created ({created})");
        let mut key = state.insert(&seed.name, kind, seed.disabled, &env, seed.granted, created);
        key.updated = updated;
        key.creator = seed.creator;
        key.editor = seed.editor;
        if let Some(stored) = state.index.get(&key.id).copied().and_then(|seq| state.keys.get_mut(&seq)) {
            *stored = key.clone();
        }
        key
    }

    /// Stores `n` enabled ingest keys in the first environment, named `seeded key <n>`
    /// (numbered on from 1 in creation order), without any request; returns their ids.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// let ids = honeycomb.seed_keys(250);
    /// let listed = honeycomb.client().api_keys().list().collect().await?;
    /// assert_eq!((ids.len(), listed.len()), (250, 250));
    /// # Ok(()) }
    /// ```
    pub fn seed_keys(&self, n: usize) -> Vec<String> {
        let mut state = self.lock();
        let env = state.environments.first().map(|e| e.id.clone()).unwrap_or_default();
        let now = state.now();
        let first = state.next_seq;
        (0..n)
            .map(|i| {
                let name = format!("seeded key {}", first + i as u64);
                state.insert(&name, "ingest", false, &env, BTreeMap::new(), now).id
            })
            .collect()
    }

    /// Stores one enabled key created `age` ago in the environment named or slugged
    /// `environment`, without any request; returns it. [`seed`](Self::seed) with a
    /// [`MockKeySeed`] sets every other attribute too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{KeyType, Permissions};
    ///
    /// let age = Duration::from_secs(200 * 86_400);
    /// let (kind, read_only) = (KeyType::Configuration, Permissions::read_only_querying());
    /// let ci = honeycomb.seed_key("production", "CI", &kind, &read_only, age);
    /// assert!(ci.permissions["run_queries"] && ci.key_type == "configuration");
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    /// On a test's mistake: an unknown environment, a key type other than ingest or
    /// configuration, a permission the key type does not have, or an age before 1970.
    #[track_caller]
    pub fn seed_key(
        &self,
        environment: &str,
        name: &str,
        key_type: &KeyType,
        permissions: &Permissions,
        age: Duration,
    ) -> MockKey {
        let seed = match key_type {
            KeyType::Ingest => MockKeySeed::ingest(name, environment).permissions(permissions),
            KeyType::Configuration => MockKeySeed::configuration(name, environment, permissions),
            other => panic!("seed_key: the fake stores ingest and configuration keys, not {other}"),
        };
        self.seed(seed.age(age))
    }
}
