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
    clock::{Clock, ManualClock},
    model::KeyType,
    permissions::Permissions,
    wire::{SPEC_ENVIRONMENT_COLORS, SPEC_KEY_TYPE_FILTERS, SPEC_KEY_TYPES, SPEC_PERMISSIONS},
};

mod builder;
mod environments;
mod faults;
mod handlers;
mod json;
mod seed;
mod state;

pub use builder::{MockEnvironment, MockHoneycombBuilder, MockKey};
pub use faults::{Fault, RecordedRequest};
use handlers::Responder;
use json::{Reply, Source, pointer_segment};
pub use seed::MockKeySeed;
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
/// The user the fake names as the creator of the keys created through its API.
pub const MOCK_USER: &str = "hcxus_01jmockuser0000000000000000";

/// The permissions a key of this type carries on the wire.
///
/// Like Honeycomb, the fake knows the permissions its spec lists (`spec/api-keys.yaml`,
/// read by `build.rs`); an ingest key carries only `create_datasets`.
pub(crate) fn permission_names(key_type: &str) -> &'static [&'static str] {
    if key_type == "ingest" { &["create_datasets"] } else { SPEC_PERMISSIONS }
}

use crate::operation::Operation;

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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::start().await;
    /// assert_eq!(honeycomb.team_slug(), "mock-team");
    /// assert!(honeycomb.keys().is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// If no local port can be bound for the server.
    pub async fn start() -> Self {
        MockHoneycomb::builder().start().await
    }

    /// [`start`](Self::start) for synchronous code (tests of code that uses the
    /// [`blocking`](crate::blocking) client): the fake keeps serving on its own thread.
    ///
    /// ```
    /// # #[cfg(feature = "blocking")]
    /// # fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let honeycomb = MockHoneycomb::start_blocking(); // in a plain `#[test]` function
    /// let client = honeycomb.client_builder().build_blocking()?;
    /// assert!(client.api_keys().list().collect()?.is_empty());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "blocking"))]
    /// # fn main() {}
    /// ```
    ///
    /// # Panics
    /// Inside an async runtime (use `start().await` there). Also if no local port can be
    /// bound for the server.
    pub fn start_blocking() -> Self {
        MockHoneycomb::builder().start_blocking()
    }

    /// Configures the seeds first.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::mock::MockHoneycomb;
    ///
    /// let builder = MockHoneycomb::builder().team("acme", "Acme Inc.").environments([("Prod", "prod")]);
    /// let honeycomb = builder.start().await;
    /// assert_eq!(honeycomb.environments()[0].slug, "prod");
    /// # Ok(()) }
    /// ```
    pub fn builder() -> MockHoneycombBuilder {
        MockHoneycombBuilder::default()
    }

    /// The base URL, such as `http://127.0.0.1:41234`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// let auth = format!("{}/2/auth", honeycomb.uri()); // http://127.0.0.1:<port>/2/auth
    /// let answer = reqwest::get(auth).await.expect("the fake answers");
    /// assert_eq!(answer.status(), 401); // no management key was sent
    /// # Ok(()) }
    /// ```
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A client builder set up for the fake: its management key and endpoint (the team
    /// is detected through `/2/auth`), and the fake's own [`clock`](Self::clock), so that
    /// retry backoffs and rate-limit waits are instant, the fake sees the time pass, and
    /// the client's "now" is the fake's.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::{Operation, RetryConfig, mock::Fault};
    ///
    /// let client = honeycomb.client_builder().retry(RetryConfig::disabled()).build()?;
    /// honeycomb.fail_next(Operation::ListApiKeys, 1, Fault::status(503));
    /// assert_eq!(client.api_keys().list().collect().await.unwrap_err().status().map(|s| s.as_u16()), Some(503));
    /// # Ok(()) }
    /// ```
    pub fn client_builder(&self) -> ClientBuilder {
        let clock = self.clock();
        Client::builder().management_key(self.key_id.clone(), self.key_secret.clone()).endpoint(self.uri()).clock(clock)
    }

    /// A ready client for the fake (see [`client_builder`](Self::client_builder)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let env = honeycomb.environment_id("production").expect("seeded");
    /// honeycomb.client().api_keys().create(NewApiKey::ingest("checkout", &env)).await?;
    /// assert_eq!(honeycomb.keys()[0].name, "checkout");
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    ///
    /// If the management key given to
    /// [`MockHoneycombBuilder::management_key`] is not one a client accepts (an id that is
    /// not `hcxmk_…`, say); build the client from [`client_builder`](Self::client_builder)
    /// then.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("the fake's settings are valid")
    }

    /// The management key the fake accepts, as `(id, secret)`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::Client;
    ///
    /// let (id, secret) = honeycomb.management_key();
    /// let client = Client::builder().management_key(id, secret).endpoint(honeycomb.uri()).build()?;
    /// assert_eq!(client.auth().await?.key_id, id);
    /// # Ok(()) }
    /// ```
    pub fn management_key(&self) -> (&str, &str) {
        (&self.key_id, &self.key_secret)
    }

    /// The team's slug.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// let client = honeycomb.client(); // the team is detected through `/2/auth`
    /// assert_eq!(client.resolve_team().await?, honeycomb.team_slug());
    /// # Ok(()) }
    /// ```
    pub fn team_slug(&self) -> String {
        self.lock().team_slug.clone()
    }

    /// The seeded environments.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// let names: Vec<String> = honeycomb.environments().into_iter().map(|env| env.name).collect();
    /// assert_eq!(names, ["Production", "Staging"]);
    /// # Ok(()) }
    /// ```
    pub fn environments(&self) -> Vec<MockEnvironment> {
        self.lock().environments.clone()
    }

    /// The id of the environment with this name or slug.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let staging = honeycomb.environment_id("Staging").expect("seeded");
    /// let created = honeycomb.client().api_keys().create(NewApiKey::ingest("ci", &staging)).await?;
    /// assert_eq!(honeycomb.key(created.id().as_str()).expect("stored").environment_id, staging);
    /// # Ok(()) }
    /// ```
    pub fn environment_id(&self, name_or_slug: &str) -> Option<String> {
        self.lock().environment(name_or_slug).map(|e| e.id.clone())
    }

    /// Every stored key, in creation order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// honeycomb.seed_keys(2);
    /// let names: Vec<String> = honeycomb.keys().into_iter().map(|key| key.name).collect();
    /// assert_eq!(names, ["seeded key 1", "seeded key 2"]);
    /// # Ok(()) }
    /// ```
    pub fn keys(&self) -> Vec<MockKey> {
        let mut state = self.lock();
        state.store_deferred();
        state.keys.values().cloned().collect()
    }

    /// One stored key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let id = honeycomb.seed_keys(1).remove(0);
    /// honeycomb.client().api_keys().update(&id, ApiKeyUpdate::new().disable()).await?;
    /// assert!(honeycomb.key(&id).expect("still stored").disabled);
    /// # Ok(()) }
    /// ```
    pub fn key(&self, id: &str) -> Option<MockKey> {
        let mut state = self.lock();
        state.store_deferred();
        state.index.get(id).and_then(|seq| state.keys.get(seq)).cloned()
    }

    /// The clock the fake and the clients of [`client_builder`](Self::client_builder)
    /// share (see [`MockHoneycombBuilder::clock`]): advancing it moves them all.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use std::time::Duration;
    /// use honeycomb_api_keys::Clock;
    ///
    /// let client = honeycomb.client();
    /// let before = client.clock().utc_now();
    /// honeycomb.clock().advance(Duration::from_secs(86_400));
    /// assert!(client.clock().utc_now() - before >= chrono::Duration::days(1));
    /// # Ok(()) }
    /// ```
    pub fn clock(&self) -> ManualClock {
        self.lock().clock.clone()
    }

    /// Moves the fake's clock forward, and with it its clients' (see
    /// [`clock`](Self::clock)): rate-limit windows, timestamps, and what plans, applies
    /// and audits take for "now" see the jump.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// use std::time::Duration;
    ///
    /// let before = honeycomb.seed_keys(1).remove(0);
    /// honeycomb.advance_clock(Duration::from_secs(3 * 86_400));
    /// let after = honeycomb.seed_keys(1).remove(0);
    /// let age = honeycomb.key(&after).unwrap().created - honeycomb.key(&before).unwrap().created;
    /// assert!(age >= chrono::Duration::days(3));
    /// # Ok(()) }
    /// ```
    pub fn advance_clock(&self, by: Duration) {
        self.clock().advance(by);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}
