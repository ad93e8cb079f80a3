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
//! use honeycomb_api_keys::mock::{Fault, MockHoneycomb, Operation};
//! use honeycomb_api_keys::{ApiKeyUpdate, NewApiKey, Permissions};
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
    generated::SPEC_PERMISSIONS,
    model::KeyType,
    permissions::Permissions,
};

/// The media type of every JSON:API body.
const JSON_API: &str = "application/vnd.api+json";
/// Honeycomb's request body limit.
pub const BODY_LIMIT: usize = 100_000;
/// Default and largest page sizes.
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;
/// Honeycomb's default rate limit, per operation.
pub const DEFAULT_RATE_LIMIT: u32 = 100;
const WINDOW: Duration = Duration::from_secs(60);

/// The permissions a key of this type carries on the wire.
///
/// Like Honeycomb, the fake knows the permissions its spec lists (`spec/api-keys.yaml`,
/// read by `build.rs`); an ingest key carries only `create_datasets`.
fn permission_names(key_type: &str) -> &'static [&'static str] {
    if key_type == "ingest" { &["create_datasets"] } else { SPEC_PERMISSIONS }
}

/// The endpoints of the fake, for fault injection, rate limits and counters: the
/// crate's [`Operation`](crate::Operation).
pub use crate::operation::Operation;

/// A response to give instead of the real one, for [`MockHoneycomb::fail_next`].
#[derive(Clone, Debug)]
#[must_use]
pub struct Fault {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<(Vec<u8>, String)>,
    after_processing: bool,
}

impl Fault {
    /// Answer with `status` and a JSON:API error body fitting it.
    ///
    /// # Panics
    /// If `status` is not an HTTP status (100 to 599).
    #[track_caller]
    pub fn status(status: u16) -> Self {
        assert!((100..=599).contains(&status), "Fault::status: {status} is not an HTTP status (100 to 599)");
        Fault { status, headers: Vec::new(), body: None, after_processing: false }
    }

    /// A 429 like Honeycomb's: `Retry-After` an HTTP-date `wait` from now, and
    /// `RateLimit` saying the window is spent and resets in `wait`.
    pub fn rate_limited(wait: Duration) -> Self {
        Fault::status(429)
            .header("Retry-After", httpdate::fmt_http_date(SystemTime::now() + wait))
            .header("RateLimit", format!("limit={DEFAULT_RATE_LIMIT}, remaining=0, reset={}", wait.as_secs()))
    }

    /// Adds a response header (it wins over the fake's own of the same name).
    ///
    /// # Panics
    /// If the name or value is not a valid HTTP header.
    #[track_caller]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let (name, value) = (name.into(), value.into());
        assert!(HeaderName::from_bytes(name.as_bytes()).is_ok(), "Fault::header: {name:?} is not a header name");
        assert!(HeaderValue::from_str(&value).is_ok(), "Fault::header: the value of {name} is not a header value");
        self.headers.push((name, value));
        self
    }

    /// Replaces the body (any bytes, any media type: HTML from a proxy, say).
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        self.body = Some((body.into(), content_type.into()));
        self
    }

    /// Carry the request out first, then answer with the fault: a response lost after the
    /// server acted (a created key exists, but the client never saw its secret).
    pub fn after_processing(mut self) -> Self {
        self.after_processing = true;
        self
    }
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The endpoint, if the request matched one.
    pub operation: Option<Operation>,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The `Content-Type` it was sent with, if any.
    pub content_type: Option<String>,
    /// Its body (a create's body holds no secret; the management key is never kept).
    pub body: Vec<u8>,
    /// The status the fake answered with.
    pub status: u16,
}

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

struct State {
    team_id: String,
    team_slug: String,
    team_name: String,
    key_id: String,
    key_secret: String,
    scopes: Vec<String>,
    environments: Vec<MockEnvironment>,
    keys: BTreeMap<u64, MockKey>,
    index: HashMap<String, u64>,
    next_seq: u64,
    rng: u64,
    started: Instant,
    clock_offset: Duration,
    faults: HashMap<Operation, VecDeque<Fault>>,
    delays: HashMap<Operation, Duration>,
    limits: HashMap<Operation, (u32, Duration)>,
    windows: HashMap<Operation, (Duration, u32)>,
    log: Vec<RecordedRequest>,
    created_at: DateTime<Utc>,
}

/// What a handler answers: a status and a body (JSON:API unless `problem`).
struct Reply {
    status: u16,
    body: Option<Value>,
    problem: bool,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn ok(status: u16, body: Value) -> Self {
        Reply { status, body: Some(body), problem: false, headers: Vec::new() }
    }

    fn empty(status: u16) -> Self {
        Reply { status, body: None, problem: false, headers: Vec::new() }
    }

    /// The response: the rate-limit headers first, then the reply's own (which win).
    fn render(self, rate_headers: &[(String, String)]) -> ResponseTemplate {
        let mut template = ResponseTemplate::new(self.status);
        if let Some(body) = &self.body {
            let content_type = if self.problem { "application/json" } else { JSON_API };
            template = template.set_body_raw(serde_json::to_vec(body).unwrap_or_default(), content_type);
        }
        for (name, value) in rate_headers.iter().chain(&self.headers) {
            template = template.insert_header(name.as_str(), value.as_str());
        }
        template
    }
}

/// Where an invalid request's problem is.
enum Source<'a> {
    Pointer(&'a str),
    Parameter(&'a str),
    Header(&'a str),
    None,
}

/// A member name as a JSON pointer segment (RFC 6901: `~` is `~0`, `/` is `~1`).
fn pointer_segment(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

impl State {
    fn new(b: &MockHoneycombBuilder) -> Self {
        let rng = RandomState::new().hash_one(Instant::now()) | 1;
        let mut state = State {
            team_id: String::new(),
            team_slug: b.team_slug.clone(),
            team_name: b.team_name.clone(),
            key_id: b.key_id.clone(),
            key_secret: b.key_secret.clone(),
            scopes: b.scopes.clone(),
            environments: Vec::new(),
            keys: BTreeMap::new(),
            index: HashMap::new(),
            next_seq: 1,
            rng,
            started: Instant::now(),
            clock_offset: Duration::ZERO,
            faults: HashMap::new(),
            delays: HashMap::new(),
            limits: HashMap::new(),
            windows: HashMap::new(),
            log: Vec::new(),
            created_at: Utc::now(),
        };
        state.team_id = state.new_id("hcxtm_");
        state
    }

    fn environment(&self, name_or_slug_or_id: &str) -> Option<&MockEnvironment> {
        self.environments.iter().find(|e| [&e.name, &e.slug, &e.id].contains(&&name_or_slug_or_id.to_string()))
    }

    fn elapsed(&self) -> Duration {
        self.started.elapsed() + self.clock_offset
    }

    fn now(&self) -> DateTime<Utc> {
        self.created_at + chrono::Duration::from_std(self.elapsed()).unwrap_or_default()
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for ids and secrets of a fake.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn random_chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| alphabet[(self.next_random() % alphabet.len() as u64) as usize] as char).collect()
    }

    /// `prefix` + 26 lowercase base32 characters, like Honeycomb's ids.
    fn new_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.random_chars(26, b"0123456789abcdefghjkmnpqrstvwxyz"))
    }

    fn insert(
        &mut self,
        name: &str,
        key_type: &str,
        disabled: bool,
        environment_id: &str,
        granted: BTreeMap<String, bool>,
        created: DateTime<Utc>,
    ) -> MockKey {
        let id = self.new_id(if key_type == "ingest" { "hcxik_" } else { "hcxlk_" });
        let permissions = permission_names(key_type)
            .iter()
            .map(|p| (p.to_string(), granted.get(*p).copied().unwrap_or(false)))
            .collect();
        let key = MockKey {
            id: id.clone(),
            name: name.to_string(),
            key_type: key_type.to_string(),
            disabled,
            environment_id: environment_id.to_string(),
            permissions,
            secret: self.random_chars(32, b"abcdefghijklmnopqrstuvwxyz0123456789"),
            created,
            updated: created,
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index.insert(id, seq);
        self.keys.insert(seq, key.clone());
        key
    }

    /// Counts the request in its operation's window. For an operation with an enforced
    /// limit: the `RateLimit` headers to send, and `Some(wait)` when over the limit.
    fn rate_limit(&mut self, op: Operation) -> (Vec<(String, String)>, Option<Duration>) {
        let now = self.elapsed();
        let (limit, window) = self.limits.get(&op).copied().map_or((None, WINDOW), |(l, w)| (Some(l), w));
        let (start, count) = self.windows.entry(op).or_insert((now, 0));
        if now.saturating_sub(*start) >= window {
            *start = now;
            *count = 0;
        }
        *count += 1;
        let Some(limit) = limit else { return (Vec::new(), None) };
        let reset = (window.saturating_sub(now.saturating_sub(*start)).as_secs_f64().ceil() as u64).max(1);
        let headers = vec![
            (
                "RateLimit".to_string(),
                format!("limit={limit}, remaining={}, reset={reset}", limit.saturating_sub(*count)),
            ),
            ("RateLimit-Policy".to_string(), format!("{limit};w={}", window.as_secs())),
        ];
        (headers, (*count > limit).then(|| Duration::from_secs(reset)))
    }

    fn error(&mut self, status: u16, code: &str, title: &str, detail: Option<String>, source: Source<'_>) -> Reply {
        let mut e = Map::new();
        let id = format!("{:016x}{:016x}", self.next_random(), self.next_random());
        e.insert("id".into(), json!(id));
        e.insert("status".into(), json!(status.to_string()));
        e.insert("code".into(), json!(code));
        e.insert("title".into(), json!(title));
        if let Some(d) = detail {
            e.insert("detail".into(), json!(d));
        }
        match source {
            Source::Pointer(p) => e.insert("source".into(), json!({"pointer": p})),
            Source::Parameter(p) => e.insert("source".into(), json!({"parameter": p})),
            Source::Header(h) => e.insert("source".into(), json!({"header": h})),
            Source::None => None,
        };
        Reply::ok(status, json!({"errors": [Value::Object(e)]}))
    }

    fn invalid(&mut self, pointer: &str, detail: impl Into<String>) -> Reply {
        self.error(422, "validation-failed/invalid", "field is invalid", Some(detail.into()), Source::Pointer(pointer))
    }

    fn invalid_parameter(&mut self, parameter: &str, detail: impl Into<String>) -> Reply {
        self.error(
            422,
            "validation-failed/invalid",
            "parameter is invalid",
            Some(detail.into()),
            Source::Parameter(parameter),
        )
    }

    fn not_found(&mut self, what: &str) -> Reply {
        self.error(404, "not-found", &format!("{what} not found"), None, Source::None)
    }

    /// Honeycomb's 429: `rate-limited/may-retry`, with when to try again.
    fn rate_limited(&mut self, wait: Duration) -> Reply {
        let detail = format!("Please try again after {}.", State::timestamp(&(self.now() + wait)));
        let mut reply =
            self.error(429, "rate-limited/may-retry", "request rate limit exceeded", Some(detail), Source::None);
        reply.headers.push(("Retry-After".into(), httpdate::fmt_http_date(SystemTime::now() + wait)));
        reply
    }

    fn fault_reply(&mut self, fault: &Fault, rate_headers: &[(String, String)]) -> ResponseTemplate {
        let mut reply = match (fault.status, &fault.body) {
            (_, Some(_)) => Reply::empty(fault.status),
            (429, None) => self.rate_limited(Duration::from_secs(1)),
            (401, None) => {
                self.error(401, "unauthenticated/invalid-key", "invalid API key", None, Source::Header("Authorization"))
            }
            (403, None) => self.error(403, "forbidden", "forbidden", None, Source::None),
            (404, None) => self.error(404, "not-found", "not found", None, Source::None),
            (s, None) if s >= 500 => self.error(s, "internal-error", "something went wrong", None, Source::None),
            (s, None) => self.error(s, "error", "injected fault", None, Source::None),
        };
        // The fault's own headers win over the defaults of the reply.
        reply.headers.retain(|(name, _)| !fault.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        reply.headers.extend(fault.headers.iter().cloned());
        let mut template = reply.render(rate_headers);
        if let Some((bytes, content_type)) = &fault.body {
            template = template.set_body_raw(bytes.clone(), content_type);
        }
        template
    }

    fn timestamp(t: &DateTime<Utc>) -> String {
        t.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn key_json(&self, key: &MockKey, with_secret: bool) -> Value {
        let mut attributes = json!({
            "name": key.name,
            "key_type": key.key_type,
            "disabled": key.disabled,
            "permissions": key.permissions,
            "timestamps": {"created": State::timestamp(&key.created), "updated": State::timestamp(&key.updated)},
        });
        if with_secret {
            attributes["secret"] = json!(key.secret);
        }
        json!({
            "id": key.id,
            "type": "api-keys",
            "attributes": attributes,
            "relationships": {
                "environment": {"data": {"id": key.environment_id, "type": "environments"}},
                "creator": {"data": {"id": "hcxus_01jmockuser0000000000000000", "type": "users"}},
                "editor": {"data": null},
            },
            "links": {"self": format!("/2/teams/{}/api-keys/{}", self.team_slug, key.id)},
        })
    }

    fn environment_json(&self, env: &MockEnvironment) -> Value {
        json!({
            "id": env.id,
            "type": "environments",
            "attributes": {
                "name": env.name,
                "slug": env.slug,
                "description": format!("{} environment", env.name),
                "color": "blue",
                "settings": {"delete_protected": true},
            },
            "links": {"self": format!("/2/teams/{}/environments/{}", self.team_slug, env.id)},
        })
    }
}

struct Responder {
    state: Arc<Mutex<State>>,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
        let method = request.method.as_str();
        let route = route(method, &segments);
        let operation = route.as_ref().map(|(op, _, _)| *op);

        let mut delay = Duration::ZERO;
        let (status, template) = 'answer: {
            if !authorized(&state, request) {
                let reply = state.error(
                    401,
                    "unauthenticated/invalid-key",
                    "invalid API key",
                    None,
                    Source::Header("Authorization"),
                );
                break 'answer (401, reply.render(&[]));
            }
            let Some((op, team, id)) = route else {
                break 'answer (404, state.error(404, "not-found", "route not found", None, Source::None).render(&[]));
            };
            delay = state.delays.get(&op).copied().unwrap_or_default();
            let (rate_headers, over) = state.rate_limit(op);
            if let Some(wait) = over {
                break 'answer (429, state.rate_limited(wait).render(&rate_headers));
            }
            let fault = state.faults.get_mut(&op).and_then(VecDeque::pop_front);
            if let Some(fault) = &fault
                && !fault.after_processing
            {
                break 'answer (fault.status, state.fault_reply(fault, &rate_headers));
            }
            let reply = handle(&mut state, op, team, id, request);
            match &fault {
                Some(fault) => (fault.status, state.fault_reply(fault, &rate_headers)),
                None => (reply.status, reply.render(&rate_headers)),
            }
        };

        state.log.push(RecordedRequest {
            operation,
            method: method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            content_type: request.headers.get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string),
            body: request.body.clone(),
            status,
        });
        if delay.is_zero() { template } else { template.set_delay(delay) }
    }
}

fn authorized(state: &State, request: &Request) -> bool {
    let expected = format!("Bearer {}:{}", state.key_id, state.key_secret);
    request.headers.get("authorization").is_some_and(|v| v.as_bytes() == expected.as_bytes())
}

/// The operation a method and path name, with the team and id segments.
fn route<'a>(method: &str, segments: &[&'a str]) -> Option<(Operation, &'a str, Option<&'a str>)> {
    match (method, segments) {
        ("GET", ["2", "auth"]) => Some((Operation::GetAuth, "", None)),
        ("GET", ["2", "teams", team, "api-keys"]) => Some((Operation::ListApiKeys, team, None)),
        ("POST", ["2", "teams", team, "api-keys"]) => Some((Operation::CreateApiKey, team, None)),
        ("GET", ["2", "teams", team, "api-keys", id]) => Some((Operation::GetApiKey, team, Some(id))),
        ("PATCH", ["2", "teams", team, "api-keys", id]) => Some((Operation::UpdateApiKey, team, Some(id))),
        ("DELETE", ["2", "teams", team, "api-keys", id]) => Some((Operation::DeleteApiKey, team, Some(id))),
        ("GET", ["2", "teams", team, "environments"]) => Some((Operation::ListEnvironments, team, None)),
        ("GET", ["2", "teams", team, "environments", id]) => Some((Operation::GetEnvironment, team, Some(id))),
        _ => None,
    }
}

fn handle(state: &mut State, op: Operation, team: &str, id: Option<&str>, request: &Request) -> Reply {
    if op != Operation::GetAuth && team != state.team_slug {
        return state.not_found("team");
    }
    let id = id.unwrap_or_default();
    match op {
        Operation::GetAuth => auth(state),
        Operation::ListApiKeys => list_keys(state, request),
        Operation::CreateApiKey => match body(state, request) {
            Ok(body) => create_key(state, &body),
            Err(reply) => reply,
        },
        Operation::GetApiKey => match state.index.get(id).and_then(|seq| state.keys.get(seq)) {
            Some(key) => Reply::ok(200, json!({"data": state.key_json(key, false)})),
            None => state.not_found("API key"),
        },
        Operation::UpdateApiKey => {
            if !state.index.contains_key(id) {
                return state.not_found("API key");
            }
            match body(state, request) {
                Ok(body) => update_key(state, id, &body),
                Err(reply) => reply,
            }
        }
        Operation::DeleteApiKey => match state.index.remove(id) {
            Some(seq) => {
                state.keys.remove(&seq);
                Reply::empty(204)
            }
            None => state.not_found("API key"),
        },
        Operation::ListEnvironments => list_environments(state, request),
        Operation::GetEnvironment => match state.environments.iter().find(|e| e.id == id) {
            Some(env) => Reply::ok(200, json!({"data": state.environment_json(env)})),
            None => state.not_found("environment"),
        },
    }
}

fn auth(state: &State) -> Reply {
    let now = State::timestamp(&state.created_at);
    Reply::ok(
        200,
        json!({
            "data": {
                "id": state.key_id,
                "type": "api-keys",
                "attributes": {
                    "name": "mock management key",
                    "key_type": "management",
                    "disabled": false,
                    "scopes": state.scopes,
                    "timestamps": {"created": now, "updated": now},
                },
                "relationships": {"team": {"data": {"id": state.team_id, "type": "teams"}}},
            },
            "included": [
                {"id": state.team_id, "type": "teams", "attributes": {"name": state.team_name, "slug": state.team_slug}}
            ],
        }),
    )
}

/// The body of a POST or PATCH: the right media type, at most [`BODY_LIMIT`] bytes, JSON.
fn body(state: &mut State, request: &Request) -> Result<Value, Reply> {
    let content_type = request.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.trim() != JSON_API {
        return Err(state.error(
            415,
            "unsupported-media-type",
            "unsupported media type",
            Some(format!("request bodies must be sent as {JSON_API}")),
            Source::Header("Content-Type"),
        ));
    }
    if request.body.len() > BODY_LIMIT {
        let mut reply = Reply::ok(
            413,
            json!({
                "error": "request body is too large",
                "status": 413,
                "type": "https://api.honeycomb.io/problems/payload-too-large",
                "title": "The request body is too large",
                "detail": format!("the limit is {BODY_LIMIT} bytes"),
            }),
        );
        reply.problem = true;
        return Err(reply);
    }
    serde_json::from_slice(&request.body).map_err(|_| {
        state.error(
            400,
            "invalid",
            "request body could not be parsed",
            Some("the body is not JSON".into()),
            Source::None,
        )
    })
}

/// `data` of a request body: an object of type `api-keys`.
fn data_of<'a>(state: &mut State, body: &'a Value) -> Result<&'a Value, Reply> {
    let data = &body["data"];
    if !data.is_object() {
        return Err(state.invalid("/data", "data is required"));
    }
    if data["type"] != "api-keys" {
        return Err(state.invalid("/data/type", "type must be api-keys"));
    }
    Ok(data)
}

/// An optional boolean `disabled`.
fn disabled_of(state: &mut State, value: Option<&Value>) -> Result<Option<bool>, Reply> {
    match value {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(state.invalid("/data/attributes/disabled", "disabled must be a boolean")),
    }
}

/// `page[size]`, `page[after]` (a cursor this fake issued: a hexadecimal position) and
/// `filter[type]`.
struct PageParams {
    size: usize,
    after: u64,
    filter: Option<String>,
}

fn page_params(state: &mut State, request: &Request) -> Result<PageParams, Reply> {
    let mut params = PageParams { size: DEFAULT_PAGE, after: 0, filter: None };
    for (name, value) in request.url.query_pairs() {
        match name.as_ref() {
            "page[size]" => match value.parse::<usize>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => params.size = n,
                _ => {
                    return Err(
                        state.invalid_parameter("page[size]", format!("must be an integer from 1 to {MAX_PAGE}"))
                    );
                }
            },
            "page[after]" => match u64::from_str_radix(&value, 16) {
                Ok(position) => params.after = position,
                Err(_) => return Err(state.invalid_parameter("page[after]", "is not a cursor this server issued")),
            },
            "filter[type]" => params.filter = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok(params)
}

/// One page of `items` (by position, from 1) after the cursor, with a relative
/// `links.next` that repeats the size and the filter, null on the last page.
fn paginate(path: &str, params: &PageParams, items: impl Iterator<Item = (u64, Value)>) -> Reply {
    let mut after = items.skip_while(|(position, _)| *position <= params.after).peekable();
    let mut data = Vec::with_capacity(params.size);
    let mut last = 0;
    while data.len() < params.size {
        let Some((position, item)) = after.next() else { break };
        data.push(item);
        last = position;
    }
    let next = if after.peek().is_some() {
        let mut link = format!("{path}?page[after]={last:x}&page[size]={}", params.size);
        if let Some(f) = &params.filter {
            let _ = write!(link, "&filter[type]={f}");
        }
        Value::String(link)
    } else {
        Value::Null
    };
    Reply::ok(200, json!({"data": data, "links": {"next": next}}))
}

fn list_keys(state: &mut State, request: &Request) -> Reply {
    let params = match page_params(state, request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    if let Some(f) = params.filter.as_deref().filter(|f| !matches!(*f, "ingest" | "configuration")) {
        let detail = format!("`{f}` is not a key type; use ingest or configuration");
        return state.invalid_parameter("filter[type]", detail);
    }
    let path = format!("/2/teams/{}/api-keys", state.team_slug);
    let matching = state
        .keys
        .range(params.after.saturating_add(1)..)
        .filter(|(_, k)| params.filter.as_deref().is_none_or(|f| k.key_type == f))
        .map(|(seq, k)| (*seq, state.key_json(k, false)));
    paginate(&path, &params, matching)
}

fn list_environments(state: &mut State, request: &Request) -> Reply {
    let params = match page_params(state, request) {
        Ok(params) => params,
        Err(reply) => return reply,
    };
    let path = format!("/2/teams/{}/environments", state.team_slug);
    let all = state.environments.iter().zip(1..).map(|(e, position)| (position, state.environment_json(e)));
    paginate(&path, &params, all)
}

/// Checks a name: a non-blank string of at most 100 characters.
fn check_name(state: &mut State, value: Option<&Value>, required: bool) -> Result<Option<String>, Reply> {
    const POINTER: &str = "/data/attributes/name";
    match value {
        None if required => Err(state.invalid(POINTER, "name is required")),
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Err(state.invalid(POINTER, "name must not be blank")),
        Some(Value::String(s)) if s.chars().count() > 100 => {
            Err(state.invalid(POINTER, "name must be at most 100 characters"))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(state.invalid(POINTER, "name must be a string")),
    }
}

/// Checks a permissions object: booleans, known names, and only `create_datasets` on
/// ingest keys.
fn check_permissions(
    state: &mut State,
    value: Option<&Value>,
    key_type: &str,
) -> Result<BTreeMap<String, bool>, Reply> {
    const POINTER: &str = "/data/attributes/permissions";
    let Some(value) = value else { return Ok(BTreeMap::new()) };
    let Some(members) = value.as_object() else { return Err(state.invalid(POINTER, "permissions must be an object")) };
    let mut out = BTreeMap::new();
    for (name, granted) in members {
        let pointer = format!("{POINTER}/{}", pointer_segment(name));
        let Some(granted) = granted.as_bool() else {
            return Err(state.invalid(&pointer, "permissions must be booleans"));
        };
        if !permission_names(key_type).contains(&name.as_str()) {
            let detail = if SPEC_PERMISSIONS.contains(&name.as_str()) {
                format!("{name} is not a permission of {key_type} keys")
            } else {
                format!("{name} is not a permission")
            };
            return Err(state.invalid(&pointer, detail));
        }
        out.insert(name.clone(), granted);
    }
    Ok(out)
}

fn create_key(state: &mut State, body: &Value) -> Reply {
    let data = match data_of(state, body) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    let attributes = &data["attributes"];
    if !attributes.is_object() {
        return state.invalid("/data/attributes", "attributes are required");
    }
    let name = match check_name(state, attributes.get("name"), true) {
        Ok(name) => name.unwrap_or_default(),
        Err(reply) => return reply,
    };
    let key_type = match attributes.get("key_type").and_then(Value::as_str) {
        Some(t @ ("ingest" | "configuration")) => t.to_string(),
        _ => return state.invalid("/data/attributes/key_type", "key_type must be ingest or configuration"),
    };
    let disabled = match disabled_of(state, attributes.get("disabled")) {
        Ok(disabled) => disabled.unwrap_or(false),
        Err(reply) => return reply,
    };
    let permissions = match check_permissions(state, attributes.get("permissions"), &key_type) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let environment = &data["relationships"]["environment"]["data"];
    let Some(environment_id) = environment["id"].as_str() else {
        return state.invalid("/data/relationships/environment/data/id", "an environment is required");
    };
    if environment["type"] != "environments" {
        return state.invalid("/data/relationships/environment/data/type", "type must be environments");
    }
    if !state.environments.iter().any(|e| e.id == environment_id) {
        return state.invalid("/data/relationships/environment/data/id", "environment does not exist");
    }
    let environment_id = environment_id.to_string();
    let now = state.now();
    let key = state.insert(&name, &key_type, disabled, &environment_id, permissions, now);
    Reply::ok(201, json!({"data": state.key_json(&key, true)}))
}

fn update_key(state: &mut State, id: &str, body: &Value) -> Reply {
    let data = match data_of(state, body) {
        Ok(data) => data,
        Err(reply) => return reply,
    };
    if data["id"] != id {
        return state.invalid("/data/id", "id must be the id in the path");
    }
    let Some(seq) = state.index.get(id).copied() else { return state.not_found("API key") };
    let Some(current) = state.keys.get(&seq).cloned() else { return state.not_found("API key") };
    let attributes = match data.get("attributes") {
        Some(Value::Object(a)) => a.clone(),
        None => Map::new(),
        Some(_) => return state.invalid("/data/attributes", "attributes must be an object"),
    };
    let name = match check_name(state, attributes.get("name"), false) {
        Ok(name) => name,
        Err(reply) => return reply,
    };
    let disabled = match disabled_of(state, attributes.get("disabled")) {
        Ok(disabled) => disabled,
        Err(reply) => return reply,
    };
    if attributes.get("key_type").is_some_and(|t| t != current.key_type.as_str()) {
        return state.invalid("/data/attributes/key_type", "the key type cannot be changed");
    }
    if attributes.contains_key("permissions") && current.key_type == "ingest" {
        return state.invalid("/data/attributes/permissions", "ingest keys' permissions cannot be changed");
    }
    let permissions = match check_permissions(state, attributes.get("permissions"), &current.key_type) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    match data.pointer("/relationships/environment/data") {
        None | Some(Value::Null) => {}
        Some(env) if env["id"] == current.environment_id.as_str() => {}
        Some(_) => {
            return state.invalid("/data/relationships/environment/data/id", "the environment cannot be changed");
        }
    }
    let now = state.now();
    let Some(key) = state.keys.get_mut(&seq) else { return state.not_found("API key") };
    if let Some(name) = name {
        key.name = name;
    }
    if let Some(disabled) = disabled {
        key.disabled = disabled;
    }
    key.permissions.extend(permissions);
    // Timestamps have whole seconds on the wire; each change moves `updated` on by at least
    // a second, even within the second of the last one, so that a change is always visible.
    key.updated = now.max(key.updated + chrono::Duration::seconds(1));
    let key = key.clone();
    Reply::ok(200, json!({"data": state.key_json(&key, false)}))
}
