//! The seeds a fake starts with, and the keys and environments it stores.

use super::*;

/// A key as the fake stores it (with plain strings, not the crate's types). Its `Debug`
/// hides the secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockKey {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `ingest` or `configuration`.
    pub key_type: String,
    /// Whether it is disabled.
    pub disabled: bool,
    /// Its environment's id.
    pub environment_id: String,
    /// Every permission of its type, by wire name.
    pub permissions: BTreeMap<String, bool>,
    /// Its secret (the fake remembers it; Honeycomb does not return it again).
    pub secret: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
    /// The id of the user who created it, if any (the fake's own user for a key created
    /// through the API).
    pub creator: Option<String>,
    /// The id of the user who last edited it, if any (none unless seeded).
    pub editor: Option<String>,
}

impl fmt::Debug for MockKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockKey")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("key_type", &self.key_type)
            .field("disabled", &self.disabled)
            .field("environment_id", &self.environment_id)
            .field("permissions", &self.permissions)
            .field("secret", &"[REDACTED]")
            .field("created", &self.created)
            .field("updated", &self.updated)
            .field("creator", &self.creator)
            .field("editor", &self.editor)
            .finish()
    }
}

/// An environment of the fake's team.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockEnvironment {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its description, if it has one.
    pub description: Option<String>,
    /// Its colour (`blue` when not given).
    pub color: String,
    /// Whether it is protected against deletion (seeded environments are).
    pub delete_protected: bool,
}

/// Configures a [`MockHoneycomb`] before it starts.
#[derive(Clone)]
#[must_use]
pub struct MockHoneycombBuilder {
    pub(super) team_slug: String,
    pub(super) team_name: String,
    pub(super) key_id: String,
    pub(super) key_secret: String,
    pub(super) scopes: Vec<String>,
    pub(super) environments: Vec<(String, String)>,
    pub(super) clock: ManualClock,
}

impl fmt::Debug for MockHoneycombBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHoneycombBuilder")
            .field("team_slug", &self.team_slug)
            .field("key_id", &self.key_id)
            .field("scopes", &self.scopes)
            .field("environments", &self.environments)
            .finish_non_exhaustive()
    }
}

impl Default for MockHoneycombBuilder {
    fn default() -> Self {
        MockHoneycombBuilder {
            team_slug: "mock-team".into(),
            team_name: "Mock Team".into(),
            key_id: "hcxmk_01jmockmanagementkey000000".into(),
            key_secret: "mocksecretmocksecretmocksecret00".into(),
            scopes: vec![
                "api-keys:read".into(),
                "api-keys:write".into(),
                "environments:read".into(),
                "environments:write".into(),
            ],
            environments: vec![("Production".into(), "production".into()), ("Staging".into(), "staging".into())],
            clock: ManualClock::new(),
        }
    }
}

impl MockHoneycombBuilder {
    /// The team's slug and display name (default `mock-team`, `Mock Team`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::builder().team("acme", "Acme Inc.").start().await;
    /// assert_eq!(honeycomb.client().resolve_team().await?, "acme"); // from `/2/auth`
    /// # Ok(()) }
    /// ```
    pub fn team(mut self, slug: impl Into<String>, name: impl Into<String>) -> Self {
        self.team_slug = slug.into();
        self.team_name = name.into();
        self
    }

    /// The management key the fake accepts.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{Client, mock::MockHoneycomb};
    ///
    /// let id = "hcxmk_01hzbmsgh6ksk4hcx3mh7aj6gc";
    /// let honeycomb = MockHoneycomb::builder().management_key(id, "right-secret").start().await;
    /// let wrong = Client::builder().management_key(id, "wrong-secret").endpoint(honeycomb.uri()).build()?;
    /// assert!(wrong.auth().await.unwrap_err().is_auth()); // a 401
    /// # Ok(()) }
    /// ```
    pub fn management_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.key_id = id.into();
        self.key_secret = secret.into();
        self
    }

    /// The scopes `/2/auth` reports.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::builder().scopes(["api-keys:read"]).start().await;
    /// let me = honeycomb.client().auth().await?;
    /// assert!(me.has_scope("api-keys:read") && !me.has_scope("api-keys:write"));
    /// # Ok(()) }
    /// ```
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The environments, as `(name, slug)` (default Production and Staging).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::builder().environments([("Dev", "dev"), ("Prod", "prod")]).start().await;
    /// let prod = honeycomb.client().environments().find("prod").await?.expect("seeded");
    /// assert_eq!(prod.name, "Prod");
    /// # Ok(()) }
    /// ```
    pub fn environments<N: Into<String>, S: Into<String>>(mut self, envs: impl IntoIterator<Item = (N, S)>) -> Self {
        self.environments = envs.into_iter().map(|(n, s)| (n.into(), s.into())).collect();
        self
    }

    /// The clock the fake and its clients share (default: a [`ManualClock`] at the moment
    /// the builder was made). The fake's date also moves with real time, so that a fake
    /// served for real ages its keys; the clock's moves (a client's sleeps, an
    /// [`advance`](ManualClock::advance)) move the fake, its clients, and everything that
    /// takes "now" from them: plans, applies, audits, the keys' dates.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use std::time::Duration;
    /// use honeycomb_api_keys::{Clock, ManualClock, NewApiKey, chrono::{TimeZone, Utc}, mock::MockHoneycomb};
    ///
    /// let clock = ManualClock::starting_at(Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap());
    /// let honeycomb = MockHoneycomb::builder().clock(clock.clone()).start().await;
    /// clock.advance(Duration::from_secs(31 * 86_400));
    /// let env = honeycomb.environment_id("production").unwrap();
    /// let key = honeycomb.client().api_keys().create(NewApiKey::ingest("checkout", &env)).await?;
    /// assert!(key.key().created >= Utc.with_ymd_and_hms(2027, 1, 7, 9, 0, 0).unwrap());
    /// assert!(honeycomb.client().clock().utc_now() >= key.key().created);
    /// # Ok(()) }
    /// ```
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = clock;
        self
    }

    /// [`start`](Self::start) for synchronous code.
    ///
    /// ```
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// // In a plain `#[test]` function, with no async runtime:
    /// let honeycomb = MockHoneycomb::builder().team("acme", "Acme Inc.").start_blocking();
    /// assert_eq!(honeycomb.team_slug(), "acme");
    /// ```
    ///
    /// # Panics
    /// Inside an async runtime (use `start().await` there). Also if no local port can be
    /// bound for the server.
    pub fn start_blocking(self) -> MockHoneycomb {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime starts")
            .block_on(self.start())
    }

    /// Starts the fake on a free local port.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::builder().environments([("Production", "production")]).start().await;
    /// assert_eq!(honeycomb.environments().len(), 1);
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// If no local port can be bound for the server.
    pub async fn start(self) -> MockHoneycomb {
        // Tests talk to the fake with reqwest clients of their own too: give them the
        // crypto provider the crate's clients would (see the README's TLS section).
        #[cfg(feature = "rustls")]
        crate::client::tls::ensure_default_provider();
        let mut state = State::new(&self);
        for (name, slug) in &self.environments {
            let id = state.new_id("hcxen_");
            state.environments.push(MockEnvironment {
                id,
                name: name.clone(),
                slug: slug.clone(),
                description: Some(format!("{name} environment")),
                color: "blue".into(),
                delete_protected: true,
            });
        }
        let state = Arc::new(Mutex::new(state));
        let server = MockServer::builder().disable_request_recording().start().await;
        Mock::given(any()).respond_with(Responder { state: state.clone() }).mount(&server).await;
        MockHoneycomb { server, state, key_id: self.key_id, key_secret: self.key_secret }
    }
}
