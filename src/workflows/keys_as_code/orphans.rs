//! After a create whose outcome is unknown: the key this run may have made, found by its
//! pending name and deleted (nobody has its secret); no other key is touched.

use super::{change::Change, plan::Plan};
use crate::{ApiKeys, Error, KeyId, terminal_safe};

impl ApiKeys {
    /// After a create whose outcome is unknown: a key with this run's pending name is one
    /// it made (as is the id an unreadable answer showed, unless the plan knew it), and
    /// nobody has its secret, so it is deleted. No other key is touched: another run's
    /// keys have other names.
    pub(super) async fn remove_orphans(&self, plan: &Plan, pending: &str, change: &Change, cause: Error) -> Error {
        let (made, shown) = match &cause {
            // Never a key the plan knew, whatever a server says.
            Error::CreatedKeyUnreadable { key_id, .. } => {
                (true, key_id.as_ref().and_then(|id| KeyId::parse(id).ok()).filter(|id| !plan.known.contains(id)))
            }
            _ => (false, None),
        };
        let mut found: Vec<KeyId> = shown.into_iter().collect();
        let mut keys = self.list().key_type(change.key_type.clone()).items();
        loop {
            match keys.try_next().await {
                Ok(Some(key)) => {
                    if key.name == pending
                        && key.environment_id.as_ref() == Some(&change.environment_id)
                        && !plan.known.contains(&key.id)
                        && !found.contains(&key.id)
                    {
                        found.push(key.id);
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let message = format!(
                        "{cause}; looking for the key to delete it failed too ({e}): a key named {:?} has no delivered secret; a plan retires it",
                        terminal_safe(pending)
                    );
                    return Error::StepFailed { message, source: Some(Box::new(cause)), resumable: false };
                }
            }
        }
        let mut removed = Vec::new();
        for id in found {
            if let Err(e) = self.delete_if_present(&id).await {
                let message = format!(
                    "{cause}; it made {id}, whose secret is lost, and deleting it failed ({e}): delete it by hand before applying again"
                );
                return Error::StepFailed { message, source: Some(Box::new(cause)), resumable: false };
            }
            removed.push(id.to_string());
        }
        if removed.is_empty() {
            // Made and not found, or not known to be made: Honeycomb may still store it.
            let said = if made { "the answer said a key was made, but" } else { "Honeycomb may still store it:" };
            let message = format!(
                "{cause}; {said} no key named {:?} is there yet. Check the team's keys for it: it has no delivered secret and never takes the name {:?}; a plan made {} min after it appeared retires it, and applying again makes the key anew",
                terminal_safe(pending),
                terminal_safe(&change.name),
                Plan::PENDING_GRACE.as_secs() / 60
            );
            Error::StepFailed { message, source: Some(Box::new(cause)), resumable: false }
        } else {
            let message = format!(
                "{cause}; it had made {}, whose secret was lost: deleted again, apply again to create it",
                removed.join(", ")
            );
            Error::StepFailed { message, source: Some(Box::new(cause)), resumable: true }
        }
    }
}
