//! Whether a plan still holds: [`ApiKeys::apply`](crate::ApiKeys::apply) reads the keys
//! again before its first write.

use std::collections::HashSet;

use super::plan::Plan;
use crate::{ApiKey, ApiKeys, EnvironmentId, Error, KeyId, Result, terminal_safe};

impl ApiKeys {
    /// Lists the keys of the plan's environments again: an error if they are not as the
    /// plan saw them (another apply, or a person, changed them since).
    pub(super) async fn check_fresh(&self, plan: &Plan) -> Result<()> {
        let covered: HashSet<&EnvironmentId> = plan.environments.iter().map(|e| &e.id).collect();
        let mut now = Vec::new();
        let mut keys = self.list().items();
        while let Some(key) = keys.try_next().await? {
            if key.environment_id.as_ref().is_some_and(|id| covered.contains(id)) {
                now.push(key);
            }
        }
        now.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        if now == plan.snapshot {
            return Ok(());
        }
        let said = |key: &ApiKey, what: &str| format!("{} {:?} was {what}", key.id, terminal_safe(&key.name));
        // Both sorted by id: found by a binary search, not a scan a key.
        let find = |keys: &[ApiKey], id: &KeyId| keys.binary_search_by(|k| k.id.as_str().cmp(id.as_str())).ok();
        let what = now
            .iter()
            .find_map(|key| match find(&plan.snapshot, &key.id).map(|at| &plan.snapshot[at]) {
                None => Some(said(key, "made")),
                Some(old) if old != key => Some(said(key, "changed")),
                Some(_) => None,
            })
            .or_else(|| plan.snapshot.iter().find(|old| find(&now, &old.id).is_none()).map(|k| said(k, "deleted")))
            .unwrap_or_else(|| "the keys changed".into());
        Err(Error::Conflict {
            message: format!(
                "the plan is stale: {what} since it was made (another apply, or a person); plan again (nothing was written)"
            ),
        })
    }
}
