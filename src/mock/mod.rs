//! A stateful, in-memory Honeycomb for tests (feature `mock`).
//!
//! [`MockHoneycomb`] serves the API-keys endpoints on a local port: a seeded team,
//! management key and environments; create, list, get, update and delete with Honeycomb's
//! status codes, JSON:API bodies and quirks (the secret only in the create response,
//! `links.next` pagination, team slug only in `/2/auth`'s `included`, 401/404/413/415/422
//! errors with their codes); plus fault injection, rate limiting, delays, and a request
//! log, so that a test can say "fail the next create with a 500" or assert "exactly one
//! POST was sent".
//!
//! It writes and reads the wire itself (its own JSON, its own list of permission names),
//! never through this crate's codecs, so it cannot agree with a bug in them.
//!
//! ```
//! use futures::TryStreamExt;
//! use honeycomb_api_keys::{ApiKeyUpdate, NewApiKey, Operation, Permissions, mock::{Fault, MockHoneycomb}};
//!
//! // Code under test: provisions a disabled CI key in the named environment.
//! async fn provision_ci_key(client: &honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<String> {
//!     let env = client.environments().find("Production").await?.expect("no Production environment");
//!     let key = NewApiKey::configuration("ci", &env.id, Permissions::read_only_querying()).disabled(true);
//!     Ok(client.api_keys().create(key).await?.id().to_string())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> honeycomb_api_keys::Result<()> {
//! let honeycomb = MockHoneycomb::start().await; // seeded team, key, environments
//! let client = honeycomb.client();               // a ready client pointed at it
//!
//! let id = provision_ci_key(&client).await?;
//!
//! // The fake's state and request log say what happened on the wire.
//! assert_eq!(honeycomb.count(Operation::CreateApiKey), 1);
//! let stored = honeycomb.key(&id).expect("the key exists");
//! assert!(stored.disabled);
//! assert!(stored.permissions["run_queries"]);
//!
//! // Faults: the next create fails with a 500, and nothing is created.
//! honeycomb.fail_next(Operation::CreateApiKey, 1, Fault::status(500));
//! let err = provision_ci_key(&client).await.unwrap_err();
//! assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
//! assert_eq!(honeycomb.keys().len(), 1);
//!
//! // Large lists: seed 250 keys directly, then list them through the SDK.
//! honeycomb.seed_keys(250);
//! let all: Vec<_> = client.api_keys().list().items().try_collect().await?;
//! assert_eq!(all.len(), 251);
//! # Ok(()) }
//! ```

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    fmt::{self, Write as _},
    hash::{BuildHasher, RandomState},
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, Instant, SystemTime},
};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Map, Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

use crate::{
    client::{Client, ClientBuilder},
    clock::ManualClock,
    model::KeyType,
    permissions::Permissions,
    wire::SPEC_PERMISSIONS,
};

mod faults;
mod handlers;
mod json;
mod state;

pub use faults::{Fault, RecordedRequest};
use handlers::Responder;
use json::{Reply, Source, pointer_segment};
use state::State;

/// The media type of every JSON:API body.
pub(crate) const JSON_API: &str = "application/vnd.api+json";
/// Honeycomb's request body limit.
pub const BODY_LIMIT: usize = 100_000;
/// Default and largest page sizes.
pub(crate) const DEFAULT_PAGE: usize = 20;
pub(crate) const MAX_PAGE: usize = 100;
/// Honeycomb's default rate limit, per operation.
pub const DEFAULT_RATE_LIMIT: u32 = 100;
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// The permissions a key of this type carries on the wire.
///
/// Like Honeycomb, the fake knows the permissions its spec lists (`spec/api-keys.yaml`,
/// read by `build.rs`); an ingest key carries only `create_datasets`.
pub(crate) fn permission_names(key_type: &str) -> &'static [&'static str] {
    if key_type == "ingest" { &["create_datasets"] } else { SPEC_PERMISSIONS }
}

use crate::operation::Operation;

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
}

/// Configures a [`MockHoneycomb`] before it starts.
#[derive(Clone)]
#[must_use]
pub struct MockHoneycombBuilder {
    team_slug: String,
    team_name: String,
    key_id: String,
    key_secret: String,
    scopes: Vec<String>,
    environments: Vec<(String, String)>,
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
            scopes: vec!["api-keys:read".into(), "api-keys:write".into(), "environments:read".into()],
            environments: vec![("Production".into(), "production".into()), ("Staging".into(), "staging".into())],
        }
    }
}

impl MockHoneycombBuilder {
    /// The team's slug and display name (default `mock-team`, `Mock Team`).
    pub fn team(mut self, slug: impl Into<String>, name: impl Into<String>) -> Self {
        self.team_slug = slug.into();
        self.team_name = name.into();
        self
    }

    /// The management key the fake accepts.
    pub fn management_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.key_id = id.into();
        self.key_secret = secret.into();
        self
    }

    /// The scopes `/2/auth` reports.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The environments, as `(name, slug)` (default Production and Staging).
    pub fn environments<N: Into<String>, S: Into<String>>(mut self, envs: impl IntoIterator<Item = (N, S)>) -> Self {
        self.environments = envs.into_iter().map(|(n, s)| (n.into(), s.into())).collect();
        self
    }

    /// [`start`](Self::start) for synchronous code.
    ///
    /// # Panics
    /// Inside an async runtime (use `start().await` there).
    pub fn start_blocking(self) -> MockHoneycomb {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime starts")
            .block_on(self.start())
    }

    /// Starts the fake on a free local port.
    pub async fn start(self) -> MockHoneycomb {
        let mut state = State::new(&self);
        for (name, slug) in &self.environments {
            let id = state.new_id("hcxen_");
            state.environments.push(MockEnvironment { id, name: name.clone(), slug: slug.clone() });
        }
        let state = Arc::new(Mutex::new(state));
        let server = MockServer::builder().disable_request_recording().start().await;
        Mock::given(any()).respond_with(Responder { state: state.clone() }).mount(&server).await;
        MockHoneycomb { server, state, key_id: self.key_id, key_secret: self.key_secret }
    }
}

/// A running fake Honeycomb. Dropping it shuts its server down.
pub struct MockHoneycomb {
    server: MockServer,
    state: Arc<Mutex<State>>,
    key_id: String,
    key_secret: String,
}

impl fmt::Debug for MockHoneycomb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockHoneycomb").field("uri", &self.server.uri()).finish_non_exhaustive()
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MockHoneycomb {
    /// Starts a fake with the default seeds: team `mock-team`, one management key, the
    /// environments Production and Staging, no API keys.
    pub async fn start() -> Self {
        MockHoneycomb::builder().start().await
    }

    /// [`start`](Self::start) for synchronous code (tests of code that uses the
    /// [`blocking`](crate::blocking) client): the fake keeps serving on its own thread.
    ///
    /// # Panics
    /// Inside an async runtime (use `start().await` there).
    pub fn start_blocking() -> Self {
        MockHoneycomb::builder().start_blocking()
    }

    /// Configures the seeds first.
    pub fn builder() -> MockHoneycombBuilder {
        MockHoneycombBuilder::default()
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client builder set up for the fake: its management key and endpoint (the team
    /// is detected through `/2/auth`), and a [`ManualClock`] that moves the fake's own
    /// clock, so that retry backoffs and rate-limit waits are instant and the fake sees
    /// the time pass.
    pub fn client_builder(&self) -> ClientBuilder {
        let state = self.state.clone();
        let clock = ManualClock::new().on_sleep(move |waited| lock(&state).clock_offset += waited);
        Client::builder().management_key(self.key_id.clone(), self.key_secret.clone()).endpoint(self.uri()).clock(clock)
    }

    /// A ready client for the fake (see [`client_builder`](Self::client_builder)).
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("the fake's settings are valid")
    }

    /// The management key the fake accepts, as `(id, secret)`.
    pub fn management_key(&self) -> (&str, &str) {
        (&self.key_id, &self.key_secret)
    }

    /// The team's slug.
    pub fn team_slug(&self) -> String {
        self.lock().team_slug.clone()
    }

    /// The seeded environments.
    pub fn environments(&self) -> Vec<MockEnvironment> {
        self.lock().environments.clone()
    }

    /// The id of the environment with this name or slug.
    pub fn environment_id(&self, name_or_slug: &str) -> Option<String> {
        self.lock().environment(name_or_slug).map(|e| e.id.clone())
    }

    /// Every stored key, in creation order.
    pub fn keys(&self) -> Vec<MockKey> {
        self.lock().keys.values().cloned().collect()
    }

    /// One stored key.
    pub fn key(&self, id: &str) -> Option<MockKey> {
        let state = self.lock();
        state.index.get(id).and_then(|seq| state.keys.get(seq)).cloned()
    }

    /// Stores `n` enabled ingest keys in the first environment, named `seeded key <n>`
    /// (numbered on from 1 in creation order), without any request; returns their ids.
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

    /// Stores one key created `age` ago in the environment named or slugged
    /// `environment`, without any request; returns it.
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
        let key_type = match key_type {
            KeyType::Ingest => "ingest",
            KeyType::Configuration => "configuration",
            other => panic!("seed_key: the fake stores ingest and configuration keys, not {other}"),
        };
        let granted: BTreeMap<String, bool> =
            permissions.to_wire().filter(|(_, on)| *on).map(|(name, on)| (name.to_string(), on)).collect();
        if let Some(extra) = granted.keys().find(|p| !permission_names(key_type).contains(&p.as_str())) {
            panic!("seed_key: {extra} is not a permission of {key_type} keys");
        }
        let mut state = self.lock();
        let env = state.environment(environment).map(|e| e.id.clone());
        let env = env.unwrap_or_else(|| panic!("seed_key: no environment named {environment:?}"));
        let age = chrono::Duration::from_std(age).ok().filter(|a| *a < chrono::Duration::days(20_000));
        let created = state.now() - age.expect("seed_key: the age reaches back before 1970");
        state.insert(name, key_type, false, &env, granted, created)
    }

    /// The next `times` requests to `operation` get `fault` instead of their answer.
    pub fn fail_next(&self, operation: Operation, times: usize, fault: Fault) {
        let mut state = self.lock();
        let queue = state.faults.entry(operation).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Enforces a rate limit of `per_minute` requests on `operation` (429 beyond it, with
    /// `Retry-After`, and `RateLimit` / `RateLimit-Policy` headers on every answer as
    /// Honeycomb sends them), or lifts it with `None`. Off by default, so that tests run
    /// at full speed; then no rate-limit header is sent.
    pub fn rate_limit(&self, operation: Operation, per_minute: Option<u32>) {
        match per_minute {
            Some(limit) => self.rate_limit_per(operation, limit, WINDOW),
            None => {
                self.lock().limits.remove(&operation);
            }
        }
    }

    /// Enforces `limit` requests per `window` (a whole number of seconds, at least one)
    /// on `operation`: [`rate_limit`](Self::rate_limit) with another window.
    pub fn rate_limit_per(&self, operation: Operation, limit: u32, window: Duration) {
        let window = Duration::from_secs(window.as_secs().max(1));
        let mut state = self.lock();
        state.limits.insert(operation, (limit, window));
        state.windows.remove(&operation);
    }

    /// Enforces Honeycomb's default limit (100 a minute) on every operation.
    pub fn rate_limit_all(&self) {
        for &op in Operation::ALL {
            self.rate_limit(op, Some(DEFAULT_RATE_LIMIT));
        }
    }

    /// Delays every answer to `operation` by `delay` (zero to stop).
    pub fn delay(&self, operation: Operation, delay: Duration) {
        self.lock().delays.insert(operation, delay);
    }

    /// Moves the fake's clock forward: rate-limit windows and timestamps see the jump.
    pub fn advance_clock(&self, by: Duration) {
        self.lock().clock_offset += by;
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }

    /// How many requests reached `operation`.
    pub fn count(&self, operation: Operation) -> usize {
        self.lock().log.iter().filter(|r| r.operation == Some(operation)).count()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.lock().log.clear();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}
