//! Rotating a key: create its replacement, then retire the old one.

use std::{fmt, future::Future, sync::Arc, time::Duration};

use chrono::Utc;
use futures::future::BoxFuture;

use secrecy::{ExposeSecret, SecretString};

use super::{
    CreatedFn, ProgressFn, WriteGate, may_create,
    names::{NamePattern, base_name},
    report,
};
use crate::{
    ApiKeyUpdate, ApiKeys,
    error::{Error, Result},
    model::{ApiKey, CreatedApiKey, KeyId, KeyType, NewApiKey},
    text::Redactor,
};

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

/// How to rotate: see [`ApiKeys::rotate`].
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
    pub fn new() -> Self {
        RotateOptions::default()
    }

    /// The new key's name: `{name}` is the old key's name, `{date}` today's date
    /// (`YYYY-MM-DD`, UTC). Cut to 100 characters.
    pub fn name_template(mut self, template: impl Into<String>) -> Self {
        self.name_template = template.into();
        self
    }

    /// What to do with the old key (default: disable it).
    pub fn old_key(mut self, action: OldKeyAction) -> Self {
        self.old_key = action;
        self
    }

    /// What will be done with the old key.
    pub fn old_key_action(&self) -> OldKeyAction {
        self.old_key
    }

    /// Wait this long between creating the new key and retiring the old one (on the
    /// client's clock).
    pub fn grace_period(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Retire the old key only once `check` says the new one is in use (for example,
    /// deployed and seen sending events). An `Err(reason)` leaves the old key as it is,
    /// and the rotation says why.
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
    pub fn resume(mut self, secret_was_stored: bool) -> Self {
        self.resume = secret_was_stored;
        self
    }

    /// Ask `gate` before the create and before retiring the old key (see [`WriteGate`]).
    pub fn gate(mut self, gate: Arc<dyn WriteGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// Rotate a key even if it is disabled (by default that is refused: a disabled key is
    /// usually one a rotation already retired, and rotating it again would make a second
    /// replacement).
    pub fn allow_disabled(mut self, allow: bool) -> Self {
        self.allow_disabled = allow;
        self
    }

    /// Report each step to `progress`.
    pub fn progress(mut self, progress: impl Fn(&super::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// The old key's replacement: made by this rotation (with its one-time secret), or found,
/// made by an earlier run of the same rotation that did not finish.
#[derive(Debug)]
#[non_exhaustive]
pub enum Replacement {
    /// Created now; this is the only time its secret is available.
    Created(CreatedApiKey),
    /// Found: the one enabled key in the same environment, of the same type and with the
    /// same permissions, named as this rotation names its replacement, created after the
    /// old key. Its secret was handed out when it was created (to
    /// [`RotateOptions::on_created`], or in that run's result); the old key is retired
    /// only with [`RotateOptions::resume`].
    Resumed(ApiKey),
}

impl Replacement {
    /// The new key.
    pub fn key(&self) -> &ApiKey {
        match self {
            Replacement::Created(created) => created.key(),
            Replacement::Resumed(key) => key,
        }
    }

    /// The new key's id.
    pub fn id(&self) -> &KeyId {
        &self.key().id
    }

    /// The created key with its secret, if this rotation created it.
    pub fn created(&self) -> Option<&CreatedApiKey> {
        match self {
            Replacement::Created(created) => Some(created),
            Replacement::Resumed(_) => None,
        }
    }

    /// The new key's secret, if this rotation created it.
    pub fn secret(&self) -> Option<&SecretString> {
        self.created().map(CreatedApiKey::secret)
    }

    /// What a sender puts in `X-Honeycomb-Team`, if this rotation created the key (see
    /// [`CreatedApiKey::header_value`]).
    pub fn header_value(&self) -> Option<SecretString> {
        self.created().map(CreatedApiKey::header_value)
    }
}

/// What became of the old key.
#[derive(Debug)]
#[non_exhaustive]
pub enum OldKeyOutcome {
    /// It is disabled now.
    Disabled(ApiKey),
    /// It is deleted.
    Deleted,
    /// It was left as it was, as asked.
    Kept,
    /// It was already gone (deleted in the meantime).
    AlreadyGone,
    /// It is still enabled, because retiring it failed or the readiness check said no.
    /// Retire it yourself once the new key is in use.
    StillEnabled {
        /// Why.
        reason: String,
        /// The error, if a call failed.
        error: Option<Error>,
    },
}

/// The result of a rotation: the new key (with its one-time secret) and what became of
/// the old one. A failure after the new key was created is reported here, never as an
/// error, so that the new secret is never lost.
#[derive(Debug)]
#[non_exhaustive]
pub struct Rotation {
    /// The replacement: created now, with its secret (the only time it is available), or
    /// found from an earlier run.
    pub new_key: Replacement,
    /// The old key, as it was before the rotation.
    pub old_key: ApiKey,
    /// What became of the old key.
    pub old_key_outcome: OldKeyOutcome,
}

impl Rotation {
    /// Whether the old key was retired as asked (or already gone).
    pub fn is_complete(&self) -> bool {
        !matches!(self.old_key_outcome, OldKeyOutcome::StillEnabled { .. })
    }
}

/// A line a person can read; no secret.
impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::terminal_safe as safe;
        let resumed = if matches!(self.new_key, Replacement::Resumed(_)) { ", made by an earlier run" } else { "" };
        write!(
            f,
            "{} replaced by {} (\"{}\"{resumed}): ",
            safe(self.old_key.id.as_str()),
            safe(self.new_key.id().as_str()),
            safe(&self.new_key.key().name)
        )?;
        match &self.old_key_outcome {
            OldKeyOutcome::Disabled(_) => write!(f, "the old key is disabled"),
            OldKeyOutcome::Deleted => write!(f, "the old key is deleted"),
            OldKeyOutcome::Kept => write!(f, "the old key was kept as it was"),
            OldKeyOutcome::AlreadyGone => write!(f, "the old key was already gone"),
            OldKeyOutcome::StillEnabled { reason, .. } => write!(f, "the old key is STILL ENABLED: {reason}"),
        }
    }
}

impl ApiKeys {
    /// Rotates a key: creates a replacement with the same type, environment and
    /// permissions, then (after the grace period and the readiness check, if any)
    /// disables or deletes the old key.
    ///
    /// Errors before the new key exists (the old key cannot be read, the create fails)
    /// are returned as errors, and the old key is untouched. A create whose outcome is
    /// unknown is never sent again, so a rotation never makes two replacements: the
    /// [`Error::OutcomeUnknown`] says how to find out. Everything after the create is
    /// reported in the [`Rotation`].
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{NewApiKey, RotateOptions, mock::MockHoneycomb};
    ///
    /// let honeycomb = MockHoneycomb::start().await;
    /// let keys = honeycomb.client().api_keys();
    /// let env = honeycomb.environment_id("production").unwrap();
    /// let old = keys.create(NewApiKey::ingest("checkout", &env)).await?;
    ///
    /// let rotation = keys
    ///     .rotate(old.id(), RotateOptions::new().wait_until(|new_key| {
    ///         let id = new_key.id().clone();
    ///         async move { /* deploy the new key, confirm it works */ Ok(()) }
    ///     }))
    ///     .await?;
    /// assert!(rotation.is_complete());
    /// println!("{rotation}"); // no secret in it
    /// let deploy_this = rotation.new_key.header_value();
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub async fn rotate(&self, id: impl AsRef<str>, options: RotateOptions) -> Result<Rotation> {
        const WORKFLOW: &str = "rotate";
        const STEPS: Option<usize> = Some(4);
        let progress = options.progress.as_ref();
        report(progress, WORKFLOW, 0, STEPS, "reading the old key");
        let old = self.get(id).await?;
        if !matches!(old.key_type, KeyType::Ingest | KeyType::Configuration) {
            return Err(Error::invalid("id", format!("a {} key cannot be rotated by this crate", old.key_type)));
        }
        let Some(environment) = old.environment_id.clone() else {
            return Err(Error::invalid("id", "Honeycomb did not say which environment the key is in"));
        };
        let date = Utc::now().format("%Y-%m-%d").to_string();
        let pattern = NamePattern::new(&options.name_template, base_name(&old.name));

        report(progress, WORKFLOW, 1, STEPS, "looking for a replacement from an earlier run");
        let mut earlier: Option<ApiKey> = None;
        let mut listing = self.list().key_type(old.key_type.clone()).items();
        while let Some(key) = listing.try_next().await? {
            if key.id != old.id
                && !key.disabled
                && key.environment_id.as_ref() == Some(&environment)
                && key.created >= old.created
                && key.permissions == old.permissions
                && pattern.matches(&key.name)
            {
                if let Some(first) = &earlier {
                    return Err(Error::invalid(
                        "id",
                        format!(
                            "both {} and {} look like the replacement an earlier rotation of {} made; delete the one whose secret was not stored, then rotate again",
                            first.id, key.id, old.id
                        ),
                    ));
                }
                earlier = Some(key);
            }
        }
        if old.disabled && earlier.is_none() && !options.allow_disabled {
            return Err(Error::invalid(
                "id",
                format!(
                    "{} is disabled, and no replacement from an earlier rotation was found; a disabled key is usually one a rotation already retired. Rotate it anyway with RotateOptions::allow_disabled (hny-keys rotate --allow-disabled)",
                    old.id
                ),
            ));
        }

        let mut stored = Ok(());
        let new_key = match earlier {
            Some(key) => Replacement::Resumed(key),
            None => {
                let name = pattern.fill(&date);
                report(progress, WORKFLOW, 2, STEPS, "creating the replacement");
                if !may_create(options.gate.as_ref(), &name) {
                    return Err(Error::Cancelled { operation: crate::Operation::CreateApiKey });
                }
                let replacement =
                    NewApiKey::new(name.clone(), old.key_type.clone(), environment.as_str(), old.permissions.clone());
                let created = self.create(replacement).await;
                if let (Ok(created), Some(store)) = (&created, &options.on_created) {
                    stored = store(created);
                }
                if let Some(gate) = &options.gate {
                    gate.after_create(&name);
                }
                Replacement::Created(created?)
            }
        };
        let outcome = match (&new_key, stored) {
            (_, Err(reason)) => OldKeyOutcome::StillEnabled {
                reason: format!("the new key's secret could not be stored ({reason}), so the old key was left in use"),
                error: None,
            },
            (Replacement::Resumed(_), Ok(())) if old.disabled => OldKeyOutcome::Disabled(old.clone()),
            (Replacement::Resumed(found), Ok(())) if !options.resume => OldKeyOutcome::StillEnabled {
                reason: format!(
                    "its replacement {} was made by an earlier run; if that run's secret was stored, rotate again with RotateOptions::resume (hny-keys rotate --resume) to retire the old key; if not, delete {} and rotate again",
                    found.id, found.id
                ),
                error: None,
            },
            _ => self.retire(&old, &new_key, &options).await,
        };
        report(progress, WORKFLOW, 4, STEPS, "done");
        Ok(Rotation { new_key, old_key: old, old_key_outcome: outcome })
    }

    async fn retire(&self, old: &ApiKey, new_key: &Replacement, options: &RotateOptions) -> OldKeyOutcome {
        let progress = options.progress.as_ref();
        if !options.grace.is_zero() {
            report(
                progress,
                "rotate",
                3,
                Some(4),
                format!("waiting {} s before retiring the old key", options.grace.as_secs()),
            );
            self.client().clock().sleep(options.grace).await;
        }
        if let Some(check) = &options.ready {
            report(progress, "rotate", 3, Some(4), "waiting for the new key to be in use");
            if let Err(reason) = check(new_key).await {
                return OldKeyOutcome::StillEnabled {
                    reason: format!("the readiness check said: {reason}"),
                    error: None,
                };
            }
        }
        report(progress, "rotate", 3, Some(4), "retiring the old key");
        if options.old_key != OldKeyAction::Keep && !options.gate.as_ref().is_none_or(|g| g.before_change()) {
            return OldKeyOutcome::StillEnabled {
                reason: "the rotation was stopped before the old key was retired".into(),
                error: None,
            };
        }
        let (result, done) = match options.old_key {
            OldKeyAction::Keep => return OldKeyOutcome::Kept,
            OldKeyAction::Disable if old.disabled => return OldKeyOutcome::Disabled(old.clone()),
            OldKeyAction::Disable => {
                (self.update(&old.id, ApiKeyUpdate::new().disable()).await.map(OldKeyOutcome::Disabled), "disable")
            }
            OldKeyAction::Delete => (self.delete(&old.id).await.map(|()| OldKeyOutcome::Deleted), "delete"),
        };
        match result {
            Ok(outcome) => outcome,
            Err(e) if e.is_not_found() => OldKeyOutcome::AlreadyGone,
            Err(mut e) => {
                // The server's answer must not quote the secret just handed out.
                if let Some(created) = new_key.created() {
                    e.redact(&Redactor::new(Some(created.id().as_str()), created.secret().expose_secret()));
                }
                OldKeyOutcome::StillEnabled { reason: format!("could not {done} it: {e}"), error: Some(e) }
            }
        }
    }
}
