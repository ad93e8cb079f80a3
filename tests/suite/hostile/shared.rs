//! What the library's hostile tests and `hny-keys`'s share: a client and requests for the
//! raw-socket server, the servers' scenarios, and process helpers. (Included by path from
//! `hny-keys/tests/cli/hostile/mod.rs`.)
#![allow(dead_code)]

use std::sync::Mutex;

use crate::common::{CANARY, ENV_ID, MGMT_ID, TEAM, ingest_key, numbered_id};
use honeycomb_api_keys::{Client, ManualClock, PaginationFault};
use serde_json::{Value, json};

use super::server::{Hostile, Reply, Request};

pub(crate) fn client(server: &Hostile) -> Client {
    Client::builder()
        .management_key(MGMT_ID, CANARY)
        .endpoint(server.uri())
        .team(TEAM)
        .clock(ManualClock::new())
        .build()
        .unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn keys_path() -> String {
    format!("/2/teams/{TEAM}/api-keys")
}

pub(crate) fn envs_path() -> String {
    format!("/2/teams/{TEAM}/environments")
}

pub(crate) fn environment(id: &str, name: &str) -> Value {
    json!({
        "id": id,
        "type": "environments",
        "attributes": {"name": name, "slug": name.to_lowercase(), "description": null, "color": "blue",
                       "settings": {"delete_protected": true}},
        "links": {"self": format!("{}/{id}", envs_path())}
    })
}

/// The standard base64 of `bytes` (what a server echoing `Basic` credentials would send).
pub(crate) fn base64(bytes: &[u8]) -> String {
    pub(crate) const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// The ways a server can paginate forever.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Endless {
    /// An item, then an empty page, then an item, …, each under a fresh cursor.
    Alternating,
    /// Empty pages under fresh cursors.
    EmptyForever,
    /// The same items under fresh cursors.
    SameItemsNewCursors,
}

impl Endless {
    pub(crate) const ALL: [Endless; 3] = [Endless::Alternating, Endless::EmptyForever, Endless::SameItemsNewCursors];

    pub(crate) fn page(self, request: &Request, item: impl Fn(usize) -> Value) -> Reply {
        let n: usize = request.query("page[after]").and_then(|c| c.parse().ok()).unwrap_or(0);
        let items = match self {
            Endless::Alternating if n.is_multiple_of(2) => vec![item(n)],
            Endless::Alternating | Endless::EmptyForever => vec![],
            Endless::SameItemsNewCursors => vec![item(1), item(2)],
        };
        let next = format!("{}?page[after]={}&page[size]=100", request.path(), n + 1);
        Reply::json(200, json!({"data": items, "links": {"next": next}}))
    }

    pub(crate) fn fault(self) -> PaginationFault {
        match self {
            Endless::Alternating | Endless::EmptyForever => PaginationFault::EmptyPages { empty: 3 },
            Endless::SameItemsNewCursors => PaginationFault::RepeatedItem { id: String::new() },
        }
    }
}

/// A server whose key list (`keys: true`) or environment list paginates forever.
pub(crate) fn endless(shape: Endless, keys: bool) -> Hostile {
    Hostile::start(move |r| {
        if r.path() == keys_path() && keys {
            shape.page(r, |n| ingest_key(&numbered_id(n), &format!("key {n}")))
        } else if r.path() == envs_path() && !keys {
            shape.page(r, |n| environment(&format!("hcxen_{n:026}"), &format!("env{n}")))
        } else if r.path() == envs_path() {
            Reply::json(200, json!({"data": [environment(ENV_ID, "Production")], "links": {"next": null}}))
        } else {
            Reply::json(404, json!({"errors": [{"status": "404", "title": "not found"}]}))
        }
    })
}

/// A server that answers every key read with another key.
pub(crate) fn substituting() -> Hostile {
    Hostile::start(|r| match (r.method.as_str(), r.path()) {
        ("GET", p) if p.starts_with(&keys_path()) && p.len() > keys_path().len() => {
            Reply::json(200, json!({"data": ingest_key(crate::common::CONFIG_ID, "someone else's key")}))
        }
        ("GET", p) if p == keys_path() => Reply::json(200, json!({"data": [], "links": {"next": null}})),
        _ => Reply::json(500, json!({"errors": [{"status": "500", "title": "must not be called"}]})),
    })
}

/// A server that answers 401, echoing the Authorization header in `format`.
pub(crate) fn echoing(format: &'static str) -> Hostile {
    Hostile::start(move |r| {
        let auth = r.header("authorization").unwrap_or_default().to_string();
        let token = auth.trim_start_matches("Bearer ").to_string();
        let echoed = format!(
            "you sent {auth}; as a query: key={}; base64: {}; bare: {}",
            token.replace(':', "%3A"),
            base64(token.as_bytes()),
            token.split(':').nth(1).unwrap_or_default()
        );
        match format {
            "jsonapi" => Reply::json(
                401,
                json!({"errors": [{"status": "401", "title": "bad key", "detail": echoed, "source": {"header": auth}}]}),
            ),
            "legacy" => Reply::json(401, json!({"error": echoed})),
            _ => Reply::text(401, "text/html", &format!("<html><body><pre>{echoed}</pre></body></html>")),
        }
        .header("X-Request-Id", &auth)
    })
}

pub(crate) fn secret_forms() -> Vec<String> {
    let pair = format!("{MGMT_ID}:{CANARY}");
    vec![CANARY.to_string(), base64(pair.as_bytes()), base64(CANARY.as_bytes()), "Q0FOQVJZ".to_string()]
}

/// A gate that lets `creates_allowed` creates through, and changes or not.
pub(crate) struct Gate {
    pub(crate) creates_allowed: Mutex<usize>,
    pub(crate) changes: bool,
}

impl honeycomb_api_keys::WriteGate for Gate {
    fn before_create(&self, _: &str) -> bool {
        let mut left = self.creates_allowed.lock().unwrap();
        let allowed = *left > 0;
        *left = left.saturating_sub(1);
        allowed
    }

    fn before_change(&self) -> bool {
        self.changes
    }
}
