//! Secrets checked where they live: each declared key's secret read back from a sink that
//! can be read ([`SecretSource`]) and verified at `/1/auth`, as a data client would send it.

use std::{collections::HashSet, fmt, sync::Arc};

use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{classify::Stage, keyset::DeclaredKey};
use crate::{ApiKey, ApiKeys, Environment, KeyId, KeyType, Result, terminal_safe, workflows::verify};

/// What a [`SecretSource`] is asked for: the secret a declared key's services use, by the
/// name it was delivered under.
#[non_exhaustive]
pub struct SecretLookup<'a> {
    /// The declared key, as it is in Honeycomb.
    pub key: &'a ApiKey,
    /// Its environment.
    pub environment: &'a Environment,
    /// The name its secret is stored under (the declared `secret_name`, or
    /// [`DeclaredKey::default_secret_name`]).
    pub secret_name: &'a str,
}

impl fmt::Debug for SecretLookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretLookup")
            .field("key", &self.key.id)
            .field("environment", &self.environment.slug)
            .field("secret_name", &self.secret_name)
            .finish()
    }
}

/// A place secrets were delivered to that can be read back
/// ([`DotenvFile`](super::DotenvFile), [`JsonFile`](super::JsonFile), a closure, a type of
/// your own), so that [`PlanOptions::check_secrets`](super::PlanOptions::check_secrets) can
/// tell whether it still holds each key's working secret.
///
/// ```
/// use honeycomb_api_keys::{SecretLookup, SecretSource, SecretString};
///
/// /// Secrets in memory by name (a stand-in for a secret store's client).
/// struct Vault(Vec<(String, String)>);
///
/// impl SecretSource for Vault {
///     fn read(&self, lookup: &SecretLookup<'_>) -> Result<Option<SecretString>, String> {
///         let found = self.0.iter().find(|(name, _)| name == lookup.secret_name);
///         Ok(found.map(|(_, secret)| SecretString::from(secret.clone())))
///     }
/// }
/// ```
pub trait SecretSource: Send + Sync {
    /// The secret stored under `lookup.secret_name`, as a data client sends it in
    /// `X-Honeycomb-Team` (what [`Delivery::secret`](super::Delivery::secret) handed
    /// over); `Ok(None)` when there is none.
    ///
    /// # Errors
    ///
    /// `Err(reason)` when the place cannot be read at all (the plan then fails, naming
    /// it); the reason must not quote a secret.
    fn read(&self, lookup: &SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String>;
}

impl<F> SecretSource for F
where
    F: Fn(&SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String> + Send + Sync,
{
    fn read(&self, lookup: &SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String> {
        self(lookup)
    }
}

impl SecretSource for Box<dyn SecretSource> {
    fn read(&self, lookup: &SecretLookup<'_>) -> std::result::Result<Option<SecretString>, String> {
        (**self).read(lookup)
    }
}

/// What a declared key's secret in a [`SecretSource`] turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecretState {
    /// It authenticates as the declared key: the services that read it work.
    Current,
    /// There is none under its name.
    Missing,
    /// It is the secret of a key on its way out (retiring, disabled) or deleted: the
    /// services that read it stop working when that key goes, or have already.
    Stale,
    /// Honeycomb refuses it, and it names no key that was retired.
    Invalid,
    /// It authenticates as (or names) another key than the declared one.
    AnotherKey,
}

impl SecretState {
    /// Its name, as the JSON plan writes it: `current`, `missing`, `stale`, `invalid`,
    /// `another_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretState::Current => "current",
            SecretState::Missing => "missing",
            SecretState::Stale => "stale",
            SecretState::Invalid => "invalid",
            SecretState::AnotherKey => "another_key",
        }
    }
}

impl fmt::Display for SecretState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// One declared key's secret, read back and verified (see
/// [`PlanOptions::check_secrets`](super::PlanOptions::check_secrets)). Never the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct SecretCheck {
    /// The declared key's name.
    pub name: String,
    /// Its environment's name.
    pub environment: String,
    /// The declared key's id.
    pub key_id: KeyId,
    /// The name its secret was looked up under.
    pub secret_name: String,
    /// What the secret there is.
    pub state: SecretState,
    /// The key the secret authenticates as, or names (an ingest key's secret starts with
    /// its id), when that is not the declared key.
    pub found_key_id: Option<String>,
}

impl SecretCheck {
    /// Why a key whose secret is not [`Current`](SecretState::Current) is rotated: nobody
    /// can be handed a working secret but by making a new key.
    pub(super) fn why(&self) -> String {
        let found = self.found_key_id.as_deref().map(terminal_safe).unwrap_or_default();
        let name = terminal_safe(&self.secret_name);
        match self.state {
            SecretState::Current => format!("{name} holds its current secret"),
            SecretState::Missing => format!("no secret under {name}: nobody holds a working secret"),
            SecretState::Stale => format!("{name} holds the secret of {found}, a retired or deleted key"),
            SecretState::Invalid => format!("Honeycomb refuses the secret under {name}"),
            SecretState::AnotherKey => format!("the secret under {name} is another key's ({found})"),
        }
    }
}

/// `current  "checkout" in Production (hcxik_…): HONEYCOMB_PRODUCTION_CHECKOUT`, then
/// why, for a secret that is not current.
impl fmt::Display for SecretCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<11} {:?} in {} ({})",
            self.state,
            terminal_safe(&self.name),
            terminal_safe(&self.environment),
            self.key_id
        )?;
        match self.state {
            SecretState::Current => write!(f, ": {}", terminal_safe(&self.secret_name)),
            _ => write!(f, ": {}", self.why()),
        }
    }
}

/// The source a plan checks secrets in.
pub(super) type Source = Arc<dyn SecretSource>;

/// Reads `declared`'s secret from `source` and verifies it: `current` is the declared key
/// as it is, `going` the keys of its name on their way out, `known` every key id that
/// exists.
pub(super) async fn check(
    keys: &ApiKeys,
    source: &dyn SecretSource,
    (declared, environment): (&DeclaredKey, &Environment),
    current: &ApiKey,
    going: &[(ApiKey, Stage)],
    known: &HashSet<KeyId>,
) -> Result<SecretCheck> {
    let secret_name = declared.effective_secret_name();
    let lookup = SecretLookup { key: current, environment, secret_name: &secret_name };
    let read = source.read(&lookup).map_err(|why| {
        declared.error("secret_name", format!("its secret could not be read back from the sink: {why}"))
    })?;
    let retired =
        |id: &str| going.iter().any(|(k, _)| k.id.as_str() == id) || !known.contains(&KeyId::from_wire(id.to_string()));
    let (state, found) = match read {
        None => (SecretState::Missing, None),
        Some(secret) if secret.expose_secret().trim().is_empty() => (SecretState::Missing, None),
        Some(secret) => match keys.client().verify_key(&secret).await {
            Ok(me) if verify::answers_as(&me, current) => (SecretState::Current, None),
            Ok(me) if retired(&me.id) => (SecretState::Stale, Some(me.id)),
            Ok(me) => (SecretState::AnotherKey, Some(me.id)),
            Err(e) if e.is_auth() => match named_id(&secret, &current.key_type) {
                Some(id) if id == current.id.as_str() => (SecretState::Invalid, None),
                Some(id) if retired(&id) => (SecretState::Stale, Some(id)),
                Some(id) => (SecretState::AnotherKey, Some(id)),
                None => (SecretState::Invalid, None),
            },
            Err(e) => return Err(e),
        },
    };
    Ok(SecretCheck {
        name: declared.name.clone(),
        environment: environment.name.clone(),
        key_id: current.id.clone(),
        secret_name,
        state,
        found_key_id: found.map(|id| terminal_safe(&id).into_owned()),
    })
}

/// The key id an ingest key's secret starts with (`hcxik_` and 26 characters), if it
/// has that form: a refused one still says whose it was.
fn named_id(secret: &SecretString, key_type: &KeyType) -> Option<String> {
    let value = secret.expose_secret();
    let id = value.get(..32)?;
    let well_formed = id.starts_with("hcxik_") && id[6..].bytes().all(|b| b.is_ascii_alphanumeric());
    (*key_type == KeyType::Ingest && well_formed && value.len() > 32).then(|| id.to_string())
}
