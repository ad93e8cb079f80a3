//! The fake's state: team, keys, environments, ids, its clock and its rate windows.

use super::*;

pub(crate) struct State {
    pub(crate) team_id: String,
    pub(crate) team_slug: String,
    pub(crate) team_name: String,
    pub(crate) key_id: String,
    pub(crate) key_secret: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) environments: Vec<MockEnvironment>,
    pub(crate) keys: BTreeMap<u64, MockKey>,
    pub(crate) index: HashMap<String, u64>,
    pub(crate) next_seq: u64,
    pub(crate) rng: u64,
    /// The fake's clock (real time plus whatever moved it), shared with the clients of
    /// [`MockHoneycomb::client_builder`]: one clock for the fake and its clients.
    pub(crate) clock: ManualClock,
    pub(crate) faults: HashMap<Operation, VecDeque<Fault>>,
    pub(crate) delays: HashMap<Operation, Duration>,
    pub(crate) limits: HashMap<Operation, (u32, Duration)>,
    pub(crate) windows: HashMap<Operation, (Duration, u32)>,
    pub(crate) log: Vec<RecordedRequest>,
    pub(crate) created_at: DateTime<Utc>,
    /// How much later than its create the next key created appears.
    pub(crate) store_late: Option<Duration>,
    /// How long after its create a key is refused by `/1/auth` (Honeycomb's propagation).
    pub(crate) verify_after: Duration,
    /// Keys created but not stored yet: when they appear (by `elapsed`), and the key.
    pub(crate) deferred: Vec<(Duration, u64, MockKey)>,
}

impl State {
    pub(crate) fn new(b: &MockHoneycombBuilder) -> Self {
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
            clock: b.clock.clone().with_real_time(),
            faults: HashMap::new(),
            delays: HashMap::new(),
            limits: HashMap::new(),
            windows: HashMap::new(),
            log: Vec::new(),
            created_at: b.clock.utc_now(),
            store_late: None,
            verify_after: Duration::ZERO,
            deferred: Vec::new(),
        };
        state.team_id = state.new_id("hcxtm_");
        state
    }

    pub(crate) fn environment(&self, name_or_slug_or_id: &str) -> Option<&MockEnvironment> {
        self.environments.iter().find(|e| [&e.name, &e.slug, &e.id].contains(&&name_or_slug_or_id.to_string()))
    }

    /// Stores the deferred keys whose time has come, made and updated then.
    pub(crate) fn store_deferred(&mut self) {
        let now = self.elapsed();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deferred).into_iter().partition(|d| d.0 <= now);
        self.deferred = later;
        let stamp = self.now();
        for (_, seq, mut key) in due {
            (key.created, key.updated) = (stamp, stamp);
            self.index.insert(key.id.clone(), seq);
            self.keys.insert(seq, key);
        }
    }

    /// Time since the fake started, by its clock.
    pub(crate) fn elapsed(&self) -> Duration {
        (self.now() - self.created_at).to_std().unwrap_or_default()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.utc_now()
    }

    pub(crate) fn next_random(&mut self) -> u64 {
        // xorshift64*: plenty for ids and secrets of a fake.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn random_chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| alphabet[(self.next_random() % alphabet.len() as u64) as usize] as char).collect()
    }

    /// `prefix` + 26 lowercase base32 characters, like Honeycomb's ids.
    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.random_chars(26, b"0123456789abcdefghjkmnpqrstvwxyz"))
    }

    pub(crate) fn insert(
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
            creator: Some(MOCK_USER.to_string()),
            editor: None,
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.index.insert(id, seq);
        self.keys.insert(seq, key.clone());
        key
    }

    /// Counts the request in its operation's window. For an operation with an enforced
    /// limit: the `RateLimit` headers to send, and `Some(wait)` when over the limit.
    pub(crate) fn rate_limit(&mut self, op: Operation) -> (Vec<(String, String)>, Option<Duration>) {
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
}
