//! Rotating a key: create its replacement, then retire the old one.

mod outcome;
mod workflow;

use std::{fmt, future::Future, sync::Arc, time::Duration};

use futures::future::BoxFuture;

use super::{CreatedFn, ProgressFn, WriteGate};
use crate::CreatedApiKey;

pub use outcome::{OldKeyOutcome, Replacement, Rotation};

type ReadyCheck = Arc<dyn Fn(&Replacement) -> BoxFuture<'static, std::result::Result<(), String>> + Send + Sync>;

/// What to do with the old key once its replacement exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OldKeyAction {
    /// Disable it (it can be enabled again if something still needs it). The default.
    #[default]
    Disable,
    /// Delete it.
    Delete,
    /// Leave it as it is.
    Keep,
}

/// How to rotate: see [`ApiKeys::rotate`](crate::ApiKeys::rotate).
#[derive(Clone)]
#[must_use]
pub struct RotateOptions {
    name_template: String,
    old_key: OldKeyAction,
    grace: Duration,
    ready: Option<ReadyCheck>,
    progress: Option<ProgressFn>,
    on_created: Option<CreatedFn>,
    allow_disabled: bool,
    resume: bool,
    gate: Option<Arc<dyn WriteGate>>,
}

impl Default for RotateOptions {
    fn default() -> Self {
        RotateOptions {
            name_template: "{name} (rotated {date})".into(),
            old_key: OldKeyAction::Disable,
            grace: Duration::ZERO,
            ready: None,
            progress: None,
            on_created: None,
            allow_disabled: false,
            resume: false,
            gate: None,
        }
    }
}

impl fmt::Debug for RotateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RotateOptions")
            .field("name_template", &self.name_template)
            .field("old_key", &self.old_key)
            .field("grace", &self.grace)
            .field("ready_check", &self.ready.is_some())
            .field("on_created", &self.on_created.is_some())
            .field("allow_disabled", &self.allow_disabled)
            .field("resume", &self.resume)
            .field("gate", &self.gate.is_some())
            .finish_non_exhaustive()
    }
}

impl RotateOptions {
    /// Disable the old key, right after the new one exists, and name the new one
    /// `"<old name> (rotated YYYY-MM-DD)"`.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::{OldKeyOutcome, RotateOptions};
    ///
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// assert!(rotation.new_key.key().name.starts_with("checkout (rotated 20"));
    /// assert!(matches!(rotation.old_key_outcome, OldKeyOutcome::Disabled(_)));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn new() -> Self {
        RotateOptions::default()
    }

    /// The new key's name: `{name}` is the old key's name, `{date}` today's date
    /// (`YYYY-MM-DD`, UTC). Cut to 100 characters.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::RotateOptions;
    ///
    /// let options = RotateOptions::new().name_template("{name}, since {date}");
    /// let rotation = keys.rotate(old.id(), options).await?;
    /// assert!(rotation.new_key.key().name.starts_with("checkout, since 20"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn name_template(mut self, template: impl Into<String>) -> Self {
        self.name_template = template.into();
        self
    }

    /// What to do with the old key (default: disable it).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::{OldKeyAction, OldKeyOutcome, RotateOptions};
    ///
    /// let rotation = keys.rotate(old.id(), RotateOptions::new().old_key(OldKeyAction::Delete)).await?;
    /// assert!(matches!(rotation.old_key_outcome, OldKeyOutcome::Deleted));
    /// assert!(honeycomb.key(old.id().as_str()).is_none());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn old_key(mut self, action: OldKeyAction) -> Self {
        self.old_key = action;
        self
    }

    /// What will be done with the old key.
    ///
    /// ```
    /// use honeycomb_api_keys::{OldKeyAction, RotateOptions};
    ///
    /// let options = RotateOptions::new().old_key(OldKeyAction::Keep);
    /// assert_eq!(options.old_key_action(), OldKeyAction::Keep);
    /// assert_eq!(RotateOptions::new().old_key_action(), OldKeyAction::Disable);
    /// ```
    pub fn old_key_action(&self) -> OldKeyAction {
        self.old_key
    }

    /// Wait this long between creating the new key and retiring the old one (on the
    /// client's clock).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use std::time::Duration;
    /// use honeycomb_api_keys::RotateOptions;
    ///
    /// // An hour for the senders to pick up the new key (the fake's clock does not wait).
    /// let options = RotateOptions::new().grace_period(Duration::from_secs(3600));
    /// assert!(keys.rotate(old.id(), options).await?.is_complete());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Retire the old key only once `check` says the new one is in use (for example,
    /// deployed and seen sending events). An `Err(reason)` leaves the old key as it is,
    /// and the rotation says why.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::{OldKeyOutcome, RotateOptions};
    ///
    /// let options = RotateOptions::new().wait_until(|new_key| {
    ///     let id = new_key.id().clone();
    ///     async move { Err(format!("{id} has sent no event yet")) }
    /// });
    /// let rotation = keys.rotate(old.id(), options).await?;
    /// assert!(matches!(rotation.old_key_outcome, OldKeyOutcome::StillEnabled { .. }));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn wait_until<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn(&Replacement) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<(), String>> + Send + 'static,
    {
        self.ready = Some(Arc::new(move |key: &Replacement| -> BoxFuture<'static, _> { Box::pin(check(key)) }));
        self
    }

    /// Hand the new key, with its one-time secret, to `store` the moment it exists,
    /// before any other request: **the way to persist the secret** (write it to a secret
    /// store, a file, stdout). Whatever happens next (the old key cannot be retired, the
    /// process is interrupted), the secret is already where it belongs.
    ///
    /// An `Err(reason)` means the secret could not be stored: the old key is then left
    /// enabled (the service still works with it), and the rotation says why, so the new key
    /// can be deleted and the rotation run again.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::{ExposeSecret, RotateOptions};
    ///
    /// let (vault, stored) = std::sync::mpsc::channel();
    /// let options = RotateOptions::new().on_created(move |key| {
    ///     vault.send(key.header_value().expose_secret().to_string()).map_err(|e| e.to_string())
    /// });
    /// let rotation = keys.rotate(old.id(), options).await?;
    /// assert!(rotation.is_complete() && stored.try_recv().is_ok());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn on_created(
        mut self,
        store: impl Fn(&CreatedApiKey) -> std::result::Result<(), String> + Send + Sync + 'static,
    ) -> Self {
        self.on_created = Some(Arc::new(store));
        self
    }

    /// Retire the old key when the replacement was made by an earlier run (by default it
    /// is found and reported, but the old key is left in use): say so only if that run's
    /// secret was stored. A replacement whose secret was lost (an unknown outcome, a
    /// failed write, an `on_created` error) must be deleted instead, and the rotation run
    /// again.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::RotateOptions;
    ///
    /// let not_yet = RotateOptions::new().wait_until(|_| async { Err("not deployed yet".to_string()) });
    /// let first = keys.rotate(old.id(), not_yet).await?; // its new secret stored and deployed
    /// let second = keys.rotate(old.id(), RotateOptions::new().resume(true)).await?;
    /// assert!(second.is_complete() && second.new_key.created().is_none()); // found, not made again
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn resume(mut self, secret_was_stored: bool) -> Self {
        self.resume = secret_was_stored;
        self
    }

    /// Ask `gate` before the create and before retiring the old key (see [`WriteGate`]).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use std::sync::Arc;
    /// use honeycomb_api_keys::{Error, RotateOptions, WriteGate};
    ///
    /// struct ChangeFreeze;
    /// impl WriteGate for ChangeFreeze { fn before_create(&self, _name: &str) -> bool { false } }
    /// let result = keys.rotate(old.id(), RotateOptions::new().gate(Arc::new(ChangeFreeze))).await;
    /// assert!(matches!(result, Err(Error::Cancelled { .. })));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Rotate a key even if it is disabled (by default that is refused: a disabled key is
    /// usually one a rotation already retired, and rotating it again would make a second
    /// replacement).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use honeycomb_api_keys::{ApiKeyUpdate, RotateOptions};
    ///
    /// keys.update(old.id(), ApiKeyUpdate::new().disable()).await?;
    /// assert!(keys.rotate(old.id(), RotateOptions::new()).await.unwrap_err().is_invalid_argument());
    /// let rotation = keys.rotate(old.id(), RotateOptions::new().allow_disabled(true)).await?;
    /// assert!(!rotation.new_key.key().disabled);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn allow_disabled(mut self, allow: bool) -> Self {
        self.allow_disabled = allow;
        self
    }

    /// Report each step to `progress`.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// use std::sync::{Arc, Mutex};
    /// use honeycomb_api_keys::RotateOptions;
    ///
    /// let stages = Arc::new(Mutex::new(Vec::new()));
    /// let log = stages.clone();
    /// let options = RotateOptions::new().progress(move |p| log.lock().unwrap().push(p.stage.clone()));
    /// keys.rotate(old.id(), options).await?;
    /// assert_eq!(stages.lock().unwrap().last().map(String::as_str), Some("done"));
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn progress(mut self, progress: impl Fn(&super::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}
