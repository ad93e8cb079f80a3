//! The documented key-management patterns, built in: [`rotate`](crate::ApiKeys::rotate) a
//! key, [`provision`](crate::ApiKeys::provision) one key per service, and
//! [`audit`](crate::ApiKeys::audit) a team's keys.
//!
//! They are built on the same calls as the public API (so they retry, pace and fail
//! exactly like it), print nothing, and report progress to an optional [`ProgressFn`] so
//! that a caller can show a bar.
//!
//! **Persisting secrets.** A workflow that creates keys hands each one, with its one-time
//! secret, to the `on_created` callback of its options
//! ([`RotateOptions::on_created`], [`ProvisionOptions::on_created`]) the moment it exists,
//! before its next request. Store secrets there, not from the final report: if the process
//! is interrupted, or a later step fails, the secret is already stored. A callback that
//! cannot store the secret returns `Err(reason)`, and the workflow takes no further step
//! that depends on it (a rotation leaves the old key in use; a provisioning creates no
//! more keys).

mod audit;
mod provision;
mod rotate;

use std::sync::Arc;

pub use audit::{AuditFinding, AuditOptions, AuditReason, AuditReport};
pub use provision::{ProvisionEntry, ProvisionOptions, ProvisionOutcome, ProvisionReport};
pub use rotate::{OldKeyAction, OldKeyOutcome, Replacement, RotateOptions, Rotation};

/// Where a workflow stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// `rotate`, `provision` or `audit`.
    pub workflow: &'static str,
    /// Steps (keys, services) done so far.
    pub done: usize,
    /// Steps in all, when known.
    pub total: Option<usize>,
    /// What is being done, in a few words.
    pub stage: String,
    /// The name of a key whose create is about to be sent: until its `on_created` call,
    /// whether it exists depends on an answer still to come (a caller that stops now
    /// should say so).
    pub creating: Option<String>,
}

/// A progress callback. It is called from the task running the workflow; it should
/// return quickly (send to a channel, tick a bar).
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Where a workflow hands each key it creates, with its one-time secret, before its next
/// request; `Err(reason)` when the secret could not be stored.
pub(crate) type CreatedFn = Arc<dyn Fn(&crate::CreatedApiKey) -> std::result::Result<(), String> + Send + Sync>;

pub(crate) fn report(
    progress: Option<&ProgressFn>,
    workflow: &'static str,
    done: usize,
    total: Option<usize>,
    stage: impl Into<String>,
) {
    if let Some(f) = progress {
        f(&Progress { workflow, done, total, stage: stage.into(), creating: None });
    }
}

/// Reports that the create of a key named `name` is about to be sent.
pub(crate) fn report_create(
    progress: Option<&ProgressFn>,
    workflow: &'static str,
    done: usize,
    total: Option<usize>,
    name: &str,
) {
    if let Some(f) = progress {
        f(&Progress { workflow, done, total, stage: format!("creating {name:?}"), creating: Some(name.to_string()) });
    }
}

/// Fills `{placeholders}` in a name template, then keeps it within Honeycomb's 100
/// characters.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut name = template.to_string();
    for (key, value) in values {
        name = name.replace(&format!("{{{key}}}"), value);
    }
    name.chars().take(crate::model::MAX_NAME_LEN).collect()
}
