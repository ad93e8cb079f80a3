//! What a rotation reports: the replacement, and what became of the old key.

use std::fmt;

use secrecy::SecretString;

use crate::{ApiKey, CreatedApiKey, Error, KeyId};

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
    /// [`RotateOptions::on_created`](crate::RotateOptions::on_created), or in that run's
    /// result); the old key is retired only with
    /// [`RotateOptions::resume`](crate::RotateOptions::resume).
    Resumed(ApiKey),
}

impl Replacement {
    /// The new key.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// let new = rotation.new_key.key();
    /// assert_eq!((&new.key_type, &new.permissions), (&rotation.old_key.key_type, &rotation.old_key.permissions));
    /// assert!(!new.disabled);
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn key(&self) -> &ApiKey {
        match self {
            Replacement::Created(created) => created.key(),
            Replacement::Resumed(key) => key,
        }
    }

    /// The new key's id.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// println!("deploy {}", rotation.new_key.id());
    /// assert_ne!(rotation.new_key.id(), old.id());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn id(&self) -> &KeyId {
        &self.key().id
    }

    /// The created key with its secret, if this rotation created it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// match rotation.new_key.created() {
    ///     Some(created) => println!("store the secret of {} now", created.id()),
    ///     None => println!("made by an earlier run: its secret was handed out then"),
    /// }
    /// assert!(rotation.new_key.created().is_some());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn created(&self) -> Option<&CreatedApiKey> {
        match self {
            Replacement::Created(created) => Some(created),
            Replacement::Resumed(_) => None,
        }
    }

    /// The new key's secret, if this rotation created it.
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// use honeycomb_api_keys::ExposeSecret;
    ///
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// let secret = rotation.new_key.secret().expect("created by this rotation");
    /// assert!(!secret.expose_secret().is_empty());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn secret(&self) -> Option<&SecretString> {
        self.created().map(CreatedApiKey::secret)
    }

    /// What a sender puts in `X-Honeycomb-Team`, if this rotation created the key (see
    /// [`CreatedApiKey::header_value`]).
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// use honeycomb_api_keys::ExposeSecret;
    ///
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// let header = rotation.new_key.header_value().expect("created by this rotation");
    /// assert!(header.expose_secret().starts_with(rotation.new_key.id().as_str())); // an ingest key
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
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
    ///
    /// ```
    /// # #[cfg(feature = "mock")]
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> honeycomb_api_keys::Result<()> {
    /// # let honeycomb = honeycomb_api_keys::mock::MockHoneycomb::start().await;
    /// # let keys = honeycomb.client().api_keys();
    /// # let env = honeycomb.environment_id("production").unwrap();
    /// # let old = keys.create(honeycomb_api_keys::NewApiKey::ingest("checkout", &env)).await?;
    /// # use honeycomb_api_keys::RotateOptions;
    /// let rotation = keys.rotate(old.id(), RotateOptions::new()).await?;
    /// if !rotation.is_complete() {
    ///     eprintln!("{rotation}"); // says why the old key is still enabled
    /// }
    /// assert!(rotation.is_complete());
    /// # Ok(()) }
    /// # #[cfg(not(feature = "mock"))]
    /// # fn main() {}
    /// ```
    pub fn is_complete(&self) -> bool {
        !matches!(self.old_key_outcome, OldKeyOutcome::StillEnabled { .. })
    }
}

/// A line a person can read; no secret.
impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::terminal_safe as safe;
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
