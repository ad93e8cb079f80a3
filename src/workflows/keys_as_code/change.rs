//! What a plan does: its steps ([`Change`]) and their kinds ([`Action`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::keyset::DeclaredKey;
use crate::{ApiKeyUpdate, EnvironmentId, KeyId, KeyType, terminal_safe};

/// What a [`Change`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Create a declared key that does not exist.
    Create,
    /// Enable or disable a key, or grant and revoke permissions (a partial merge: what the
    /// plan does not name is left as it is).
    Update,
    /// Replace a key (it is `rotate_after_days` old, its permissions cannot change in
    /// place, or [`PlanOptions::replace`](super::PlanOptions::replace) names it): give it a retiring name (still
    /// enabled), create its successor, hand over the secret, give the successor the name.
    /// The old key is disabled by a later plan once its overlap has passed, and deleted
    /// once its time disabled has.
    Rotate,
    /// Begin retiring a key of a declared name that is not the declared key (an older
    /// second key: two applies at once on two machines, or one made by hand): give it a
    /// retiring name; it stays enabled for the overlap, as a rotation's old key does.
    Retire,
    /// Disable a retiring key whose overlap has passed (its name says since when).
    Disable,
    /// Delete a key whose retirement is over (disabled for its time), or one an apply made
    /// whose secret was never delivered (it kept its pending name for
    /// [`Plan::PENDING_GRACE`](super::Plan::PENDING_GRACE)).
    Remove,
    /// Delete an unmanaged key (only when the plan was made with
    /// [`PlanOptions::prune`](super::PlanOptions::prune)).
    Delete,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Rotate => "rotate",
            Action::Retire => "retire",
            Action::Disable => "disable",
            Action::Remove => "remove",
            Action::Delete => "delete",
        })
    }
}

/// One step of a [`Plan`](super::Plan).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Change {
    /// What it does.
    #[cfg_attr(feature = "json-schema", schemars(with = "String"))]
    pub action: Action,
    /// The key's name.
    pub name: String,
    /// The key's type.
    #[serde(rename = "type")]
    pub key_type: KeyType,
    /// The environment's id.
    pub environment_id: EnvironmentId,
    /// The environment's name.
    pub environment: String,
    /// The existing key it changes (none for a create).
    pub key_id: Option<KeyId>,
    /// What changes, in words: `enable`, `grant manage_boards`, `revoke run_queries`,
    /// `120 days old (rotate_after_days = 90)`.
    pub details: Vec<String>,
    /// When a step of a retirement falls due (a [`Disable`](Action::Disable) or a
    /// [`Remove`](Action::Remove)): past for a step to take now, ahead for one of
    /// [`Plan::scheduled`](super::Plan::scheduled); none for the other steps.
    #[cfg_attr(feature = "json-schema", schemars(with = "Option<String>"))]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    pub(crate) declared: Option<DeclaredKey>,
    #[serde(skip)]
    pub(crate) update: Option<ApiKeyUpdate>,
}

impl fmt::Display for Change {
    /// `create ingest key "checkout" in Production`, then the details.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} key {:?} in {}",
            self.action,
            self.key_type,
            terminal_safe(&self.name),
            terminal_safe(&self.environment)
        )?;
        if let Some(id) = &self.key_id {
            write!(f, " ({id})")?;
        }
        if !self.details.is_empty() {
            write!(f, ": {}", terminal_safe(&self.details.join(", ")))?;
        }
        Ok(())
    }
}
