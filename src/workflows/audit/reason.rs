//! Why a key is in an audit's report: [`AuditReason`].

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::terminal_safe;

/// Why a key is in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditReason {
    /// Created more than the threshold ago.
    Old {
        /// Its age in whole days.
        age_days: i64,
    },
    /// Disabled (still there, still countable).
    Disabled,
    /// A configuration key with broad permissions.
    BroadPermissions {
        /// Which of the broad permissions it has.
        permissions: Vec<String>,
    },
    /// Never changed since it was created, and older than the threshold (a key made
    /// recently and not changed since is not a finding).
    NeverUpdated,
    /// It is granted permissions this crate does not know (a newer Honeycomb).
    UnknownPermissions {
        /// Their names.
        permissions: Vec<String>,
    },
    /// Keys as code is retiring it (a rotation's old key, an older second key of a
    /// declared name): its name says its stage and since when.
    Retiring {
        /// Where it stands.
        stage: RetirementStage,
        /// When that stage began.
        since: DateTime<Utc>,
        /// When its next step falls due (disabled once the overlap has passed, deleted
        /// once its time disabled has): by the hours of [`AuditOptions::key_set`](crate::AuditOptions::key_set), or the
        /// defaults. `None` while a retiring key waits for its successor to exist.
        due_at: Option<DateTime<Utc>>,
    },
}

/// Where a key on its way out stands (see [`AuditReason::Retiring`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RetirementStage {
    /// Still enabled (the overlap, while services move to its successor): to be disabled.
    Retiring,
    /// Disabled: to be deleted.
    Disabled,
}

/// How the audit writes a time.
const TIME: &str = "%Y-%m-%d %H:%M UTC";

/// One line, in words; a permission name the server sent is escaped.
///
/// ```
/// use honeycomb_api_keys::{AuditReason, RetirementStage};
///
/// assert_eq!(AuditReason::Old { age_days: 400 }.to_string(), "created 400 days ago");
/// let broad = AuditReason::BroadPermissions { permissions: vec!["manage_slos".into(), "manage_triggers".into()] };
/// assert_eq!(broad.to_string(), "broad permissions: manage_slos, manage_triggers");
/// let unknown = AuditReason::UnknownPermissions { permissions: vec!["x\u{1b}[2J".into()] };
/// assert_eq!(unknown.to_string(), "permissions this crate does not know: x\\u{1b}[2J");
/// let since = "2026-12-07T16:03:00Z".parse().unwrap();
/// let due_at = Some("2026-12-08T16:03:00Z".parse().unwrap());
/// let retiring = AuditReason::Retiring { stage: RetirementStage::Retiring, since, due_at };
/// assert_eq!(retiring.to_string(), "retiring (enabled) since 2026-12-07 16:03 UTC: to be disabled from 2026-12-08 16:03 UTC");
/// ```
impl fmt::Display for AuditReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditReason::Old { age_days } => write!(f, "created {age_days} days ago"),
            AuditReason::Disabled => f.write_str("disabled"),
            AuditReason::BroadPermissions { permissions } => {
                write!(f, "broad permissions: {}", terminal_safe(&permissions.join(", ")))
            }
            AuditReason::NeverUpdated => f.write_str("never updated since it was created"),
            AuditReason::UnknownPermissions { permissions } => {
                write!(f, "permissions this crate does not know: {}", terminal_safe(&permissions.join(", ")))
            }
            AuditReason::Retiring { stage, since, due_at } => {
                let (now, next) = match stage {
                    RetirementStage::Retiring => ("retiring (enabled)", "disabled"),
                    RetirementStage::Disabled => ("retiring (disabled)", "deleted"),
                };
                write!(f, "{now} since {}: ", since.format(TIME))?;
                match due_at {
                    Some(due) => write!(f, "to be {next} from {}", due.format(TIME)),
                    None => write!(f, "to be {next} once its successor exists"),
                }
            }
        }
    }
}
