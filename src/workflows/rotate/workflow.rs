//! The rotation itself: [`ApiKeys::rotate`].

use super::{OldKeyAction, OldKeyOutcome, Replacement, RotateOptions, Rotation};
use crate::workflows::{ProgressFn, key_to_create, may_create, names::NamePattern, names::base_name, report, verify};
use crate::{ApiKey, ApiKeyUpdate, ApiKeys, CreatedApiKey, Error, KeyType, Result};

impl ApiKeys {
    /// Rotates a key: creates a replacement with the same type, environment and
    /// permissions, verifies it (its secret must authenticate at `/1/auth`, as a data
    /// client's would: the built-in readiness check, retried for up to 60 s on the client's
    /// clock while Honeycomb takes the new key in), hands it to
    /// [`on_created`](RotateOptions::on_created), then (after the grace period and the
    /// readiness check, if any) disables or deletes the old key.
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
    ///
    /// # Errors
    ///
    /// Only before the new key exists; the old key is then untouched:
    ///
    /// - [`Error::InvalidArgument`] (`id`): a malformed id; a key that is neither an ingest
    ///   nor a configuration key, or is in no environment; two keys that both look like the
    ///   replacement an earlier run made; a disabled key with no such replacement, unless
    ///   [`RotateOptions::allow_disabled`].
    /// - [`Error::Cancelled`]: the [`gate`](RotateOptions::gate) held back the create.
    /// - [`Error::OutcomeUnknown`] or [`Error::CreatedKeyUnreadable`]: the create may have
    ///   made a key, or made one whose secret could not be read; it is not sent again.
    /// - [`Error::StepFailed`]: the new key never authenticated within the 60 s (or
    ///   authenticated as another key); it was deleted again and never handed to
    ///   `on_created`, and the old key is untouched (the message says if the delete failed:
    ///   `is_resumable()` is then false).
    /// - [`Error::IdMismatch`]: Honeycomb answered the read of the old key with another
    ///   key; nothing is created or retired.
    /// - Any error of reading the old key, listing the keys of its type, or creating the new
    ///   one: [`Error::Api`] (a 404 for a key that does not exist), a transport failure or
    ///   timeout, [`Error::PaginationLoop`] or [`Error::UnsafeNextLink`] from the listing,
    ///   or the errors of detecting the team.
    ///
    /// What fails after the create (the readiness check, retiring the old key, an
    /// `on_created` error) is not an error: see [`Rotation::old_key_outcome`].
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
        let date = self.client().clock().utc_now().format("%Y-%m-%d").to_string();
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
                // Built before the gate is asked: once it allows the create, `after_create`
                // must follow.
                let replacement =
                    key_to_create(name.clone(), &old.key_type, environment.as_str(), old.permissions.clone())?;
                if !may_create(options.gate.as_ref(), &name) {
                    return Err(Error::Cancelled { operation: crate::Operation::CreateApiKey });
                }
                let created = self.create(replacement).await;
                // Proven to work (its secret authenticates at `/1/auth`) before it is
                // handed to anyone, and before the old key is touched.
                let proven = match &created {
                    Ok(key) => self.prove(key, &name, progress).await,
                    Err(_) => Ok(()),
                };
                if let (Ok(created), Ok(()), Some(store)) = (&created, &proven, &options.on_created) {
                    stored = store(created);
                }
                if let Some(gate) = &options.gate {
                    gate.after_create(&name);
                }
                proven?;
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

    /// Verifies a replacement just made (the built-in readiness check); one that never
    /// authenticates is deleted again, and the error says so.
    async fn prove(&self, key: &CreatedApiKey, name: &str, progress: Option<&ProgressFn>) -> Result<()> {
        report(progress, "rotate", 2, Some(4), "verifying the replacement at /1/auth");
        let Err(why) = verify::new_key(self, key).await else { return Ok(()) };
        let mut error = self.undo_create(key.id(), name, why, "the old key is untouched; rotate again later").await;
        // The server's answer must not quote the secret just made.
        error.redact_secret_of(key);
        Err(error)
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
                    e.redact_secret_of(created);
                }
                OldKeyOutcome::StillEnabled { reason: format!("could not {done} it: {e}"), error: Some(e) }
            }
        }
    }
}
