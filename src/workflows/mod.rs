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
mod keys_as_code;
mod names;
mod provision;
mod rotate;
mod verify;

use std::sync::Arc;

use crate::{Error, KeyType, NewApiKey, Permissions, Result};

pub use audit::{AuditFinding, AuditOptions, AuditReason, AuditReport, RetirementStage};
pub use keys_as_code::{
    Action, ApplyOptions, ApplyReport, Change, DeclaredKey, Delivery, DotenvFile, JsonFile, KeySet, Plan, PlanOptions,
    SecretCheck, SecretLookup, SecretSink, SecretSource, SecretState, Step, StepOutcome,
};
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
        f(&Progress { workflow, done, total, stage: stage.into() });
    }
}

/// Lets a caller hold back a workflow's writes, for example while it stops on a signal:
/// the workflow asks before each create and before it changes an existing key, and says
/// when each create was answered. A process that exits on Ctrl-C uses it to let creates
/// in flight finish (their secrets handed to `on_created`) while no new write starts.
///
/// ```
/// use std::sync::Mutex;
/// use honeycomb_api_keys::WriteGate;
///
/// /// Stops writes once `stop` is called; knows which creates are in flight.
/// #[derive(Default)]
/// struct Stopper(Mutex<(bool, Vec<String>)>);
///
/// impl WriteGate for Stopper {
///     fn before_create(&self, name: &str) -> bool {
///         let mut state = self.0.lock().unwrap();
///         if state.0 { return false; } // checked and registered under one lock
///         state.1.push(name.to_string());
///         true
///     }
///     fn after_create(&self, name: &str) {
///         self.0.lock().unwrap().1.retain(|n| n != name);
///     }
///     fn before_change(&self) -> bool {
///         !self.0.lock().unwrap().0
///     }
/// }
/// ```
pub trait WriteGate: Send + Sync {
    /// Whether the create of a key named `name` may be sent now. `false`: it is not, and
    /// the workflow creates nothing more (a rotation fails with [`Error::Cancelled`], a
    /// provisioning marks the services left as skipped).
    ///
    /// ```
    /// use honeycomb_api_keys::WriteGate;
    ///
    /// /// Lets only the checkout team's keys be created.
    /// struct CheckoutOnly;
    /// impl WriteGate for CheckoutOnly {
    ///     fn before_create(&self, name: &str) -> bool { name.starts_with("checkout") }
    /// }
    /// assert!(CheckoutOnly.before_create("checkout-ingest") && !CheckoutOnly.before_create("search"));
    /// ```
    ///
    /// [`Error::Cancelled`]: crate::Error::Cancelled
    fn before_create(&self, name: &str) -> bool;

    /// The create of `name` was answered, whether the key was made or not (after
    /// `on_created` when it was).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
    /// use honeycomb_api_keys::WriteGate;
    ///
    /// /// Counts the creates answered so far.
    /// struct Answered(AtomicUsize);
    /// impl WriteGate for Answered {
    ///     fn before_create(&self, _name: &str) -> bool { true }
    ///     fn after_create(&self, _name: &str) { self.0.fetch_add(1, Relaxed); }
    /// }
    /// ```
    fn after_create(&self, name: &str) {
        let _ = name;
    }

    /// Where a create of `name` stands, between [`before_create`](Self::before_create) and
    /// [`after_create`](Self::after_create), for a caller that reports an interrupt
    /// truthfully: `key` was made and its secret is being verified and delivered
    /// (`delivered: None`), or was delivered (`Some(true)`) or not (`Some(false)`: the key
    /// is deleted again).
    /// Called by [`ApiKeys::apply`](crate::ApiKeys::apply).
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use honeycomb_api_keys::{KeyId, WriteGate};
    ///
    /// /// Remembers the keys whose secrets were delivered.
    /// struct Delivered(Mutex<Vec<KeyId>>);
    /// impl WriteGate for Delivered {
    ///     fn before_create(&self, _name: &str) -> bool { true }
    ///     fn create_stage(&self, _name: &str, key: &KeyId, delivered: Option<bool>) {
    ///         if delivered == Some(true) { self.0.lock().unwrap().push(key.clone()); }
    ///     }
    /// }
    /// ```
    fn create_stage(&self, name: &str, key: &crate::KeyId, delivered: Option<bool>) {
        let _ = (name, key, delivered);
    }

    /// Whether the workflow may change or delete an existing key now (a rotation
    /// retiring the old key). `false`: it leaves it as it is, and says so.
    ///
    /// ```
    /// use honeycomb_api_keys::WriteGate;
    ///
    /// /// New keys may be made, but old ones are never disabled or deleted.
    /// struct KeepOldKeys;
    /// impl WriteGate for KeepOldKeys {
    ///     fn before_create(&self, _name: &str) -> bool { true }
    ///     fn before_change(&self) -> bool { false }
    /// }
    /// assert!(KeepOldKeys.before_create("checkout") && !KeepOldKeys.before_change());
    /// ```
    fn before_change(&self) -> bool {
        true
    }
}

/// Asks `gate`, if any, whether a create of `name` may be sent.
pub(crate) fn may_create(gate: Option<&Arc<dyn WriteGate>>, name: &str) -> bool {
    gate.is_none_or(|g| g.before_create(name))
}

/// The key a workflow creates, through the public constructors: ingest or configuration.
pub(crate) fn key_to_create(
    name: String,
    key_type: &KeyType,
    environment: &str,
    permissions: Permissions,
) -> Result<NewApiKey> {
    match key_type {
        KeyType::Ingest => Ok(NewApiKey::ingest(name, environment).permissions(permissions)),
        KeyType::Configuration => Ok(NewApiKey::configuration(name, environment, permissions)),
        other => Err(Error::invalid("key_type", format!("a {other} key cannot be created by this crate"))),
    }
}

/// Fills `{placeholders}` in a name template, then keeps it within Honeycomb's 100
/// characters.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut name = template.to_string();
    for (key, value) in values {
        name = name.replace(&format!("{{{key}}}"), value);
    }
    name.chars().take(crate::MAX_NAME_LEN).collect()
}

/// Serializes an error as its text (for reports that carry errors).
pub(crate) fn error_text<S: serde::Serializer>(error: &Error, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(error)
}
