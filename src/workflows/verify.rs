//! A new key proves itself before anything depends on it: its secret, as a data client
//! sends it, authenticates at `/1/auth` as that key.

use std::time::Duration;

use crate::{ApiKey, ApiKeys, CreatedApiKey, Error, KeyId, KeyIdentity, Result, terminal_safe};

/// How long a new key may take before Honeycomb accepts it: asked again, with waits of
/// 1, 2, 4, 8 then 10 s, on the client's clock, until this has passed.
pub(crate) const VERIFY_WINDOW: Duration = Duration::from_secs(60);

/// Whether `/1/auth`'s answer `me` is for `key`. A configuration key may answer with a
/// legacy id: its type says it is a key of that kind, the id where it is a v2 one.
pub(crate) fn answers_as(me: &KeyIdentity, key: &ApiKey) -> bool {
    me.key_type == key.key_type.as_str() && (me.id == key.id.as_str() || !me.id.starts_with("hcx"))
}

/// Verifies `key`, just made; `Err(why)` when Honeycomb never accepted it within
/// [`VERIFY_WINDOW`], or answered for another key.
pub(crate) async fn new_key(keys: &ApiKeys, key: &CreatedApiKey) -> Result<(), String> {
    let client = keys.client();
    let clock = client.clock();
    let started = clock.now();
    let mut wait = Duration::from_secs(1);
    loop {
        match client.verify_key(&key.header_value()).await {
            Ok(me) if answers_as(&me, key.key()) => return Ok(()),
            Ok(me) => {
                return Err(format!(
                    "its secret authenticates as another key ({} {}), not as {}",
                    me.key_type,
                    crate::terminal_safe(&me.id),
                    key.id()
                ));
            }
            Err(e) if e.is_auth() && clock.now() - started + wait <= VERIFY_WINDOW => {
                clock.sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(e) if e.is_auth() => {
                return Err(format!(
                    "Honeycomb did not accept its secret within {} s (/1/auth answered 401)",
                    VERIFY_WINDOW.as_secs()
                ));
            }
            Err(e) => return Err(format!("it could not be verified ({e})")),
        }
    }
}

impl ApiKeys {
    /// A key made but whose secret the sink refused (or that never authenticated):
    /// deleted, so that no key stays that nobody can use (and the next plan creates it
    /// again).
    pub(crate) async fn undo_create(&self, id: &KeyId, name: &str, reason: String, then: &str) -> Error {
        let (undone, resumable) = match self.delete_if_present(id).await {
            Ok(()) => (format!("the new key {id} was deleted again; {then}"), true),
            Err(e) => (
                format!(
                    "the new key {id} could not be deleted again ({e}): delete it by hand before trying again, nobody has its secret"
                ),
                false,
            ),
        };
        Error::StepFailed { message: format!("{:?}: {reason}; {undone}", terminal_safe(name)), source: None, resumable }
    }

    /// Deletes a key; one already gone is fine.
    pub(crate) async fn delete_if_present(&self, id: &KeyId) -> Result<()> {
        match self.delete(id).await {
            Err(e) if e.is_not_found() => Ok(()),
            other => other,
        }
    }
}
