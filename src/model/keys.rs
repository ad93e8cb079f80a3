//! Keys as the crate hands them out (`ApiKey`, `CreatedApiKey`) and takes them in
//! (`NewApiKey`, `ApiKeyUpdate`).

use std::{collections::BTreeMap, fmt};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{EnvironmentId, KeyId, KeyType, Segment, check_name, check_path_segment};
use crate::{
    error::{Error, Result},
    permissions::{Permission, Permissions},
};

/// An API key as Honeycomb describes it (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key's id.
    pub id: KeyId,
    /// Its name.
    pub name: String,
    /// Ingest, configuration, or a type this crate does not know.
    pub key_type: KeyType,
    /// Whether the key is disabled.
    pub disabled: bool,
    /// What it may do (ingest keys: only `create_datasets`).
    pub permissions: Permissions,
    /// The environment it belongs to.
    pub environment_id: Option<EnvironmentId>,
    /// The user who created it, where Honeycomb says.
    pub creator_id: Option<String>,
    /// The user who last changed it, where Honeycomb says.
    pub editor_id: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
}

/// A key that was just created, with its secret: the only time Honeycomb returns it.
///
/// The secret is a [`SecretString`]: it is not printed by `Debug`, and this type has no
/// `Display` or `Serialize`. Call [`header_value`](Self::header_value) for the value a
/// data API expects in `X-Honeycomb-Team`.
#[derive(Clone)]
pub struct CreatedApiKey {
    key: ApiKey,
    secret: SecretString,
}

impl CreatedApiKey {
    pub(crate) fn new(key: ApiKey, secret: SecretString) -> Self {
        CreatedApiKey { key, secret }
    }

    /// The key, as [`get`](crate::ApiKeys::get) would return it.
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// The key's id.
    pub fn id(&self) -> &KeyId {
        &self.key.id
    }

    /// The key's secret, alone.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// For an ingest key, the full key that ingest clients send: id and secret joined
    /// with no separator. `None` for other key types.
    pub fn ingest_key(&self) -> Option<SecretString> {
        (self.key.key_type == KeyType::Ingest)
            .then(|| SecretString::from(format!("{}{}", self.key.id, self.secret.expose_secret())))
    }

    /// The value of the `X-Honeycomb-Team` header for this key: the id and secret joined
    /// for an ingest key, the secret alone for a configuration key.
    pub fn header_value(&self) -> SecretString {
        self.ingest_key().unwrap_or_else(|| self.secret.clone())
    }

    /// Splits into the key and its secret.
    pub fn into_parts(self) -> (ApiKey, SecretString) {
        (self.key, self.secret)
    }
}

impl fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedApiKey").field("key", &self.key).field("secret", &"[REDACTED]").finish()
    }
}

/// A key to create: [`NewApiKey::ingest`] or [`NewApiKey::configuration`].
///
/// ```
/// use honeycomb_api_keys::{NewApiKey, Permissions};
/// let ingest = NewApiKey::ingest("checkout-service", "hcxen_01hznmeqrcq8rz533xrvtc6mk0").create_datasets(true);
/// let ci = NewApiKey::configuration(
///     "CI boards",
///     "hcxen_01hznmeqrcq8rz533xrvtc6mk0",
///     Permissions::builder().run_queries().manage_boards().build(),
/// )
/// .disabled(true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct NewApiKey {
    pub(crate) name: String,
    pub(crate) key_type: KeyType,
    pub(crate) environment: String,
    pub(crate) disabled: bool,
    pub(crate) permissions: Permissions,
}

impl NewApiKey {
    /// An ingest key in `environment`. It may only carry `create_datasets`.
    pub fn ingest(name: impl Into<String>, environment: impl AsRef<str>) -> Self {
        NewApiKey::new(name.into(), KeyType::Ingest, environment.as_ref(), Permissions::none())
    }

    /// A configuration key in `environment` with `permissions`.
    pub fn configuration(name: impl Into<String>, environment: impl AsRef<str>, permissions: Permissions) -> Self {
        NewApiKey::new(name.into(), KeyType::Configuration, environment.as_ref(), permissions)
    }

    /// A key of `key_type` (no check that the permissions suit it: see `validate`).
    pub(crate) fn new(name: String, key_type: KeyType, environment: &str, permissions: Permissions) -> Self {
        NewApiKey { name, key_type, environment: environment.to_string(), disabled: false, permissions }
    }

    /// Creates the key disabled (default: enabled).
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Whether the key may create datasets (ingest and configuration keys).
    pub fn create_datasets(mut self, allowed: bool) -> Self {
        if allowed {
            self.permissions.insert(Permission::CreateDatasets);
        } else {
            self.permissions.remove(Permission::CreateDatasets);
        }
        self
    }

    /// Replaces the permissions.
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key type.
    pub fn key_type(&self) -> &KeyType {
        &self.key_type
    }

    /// Checks everything that can be checked without asking Honeycomb.
    pub(crate) fn validate(&self) -> Result<()> {
        check_name(&self.name)?;
        check_path_segment("environment_id", &self.environment, Segment::Id)?;
        self.permissions.check_for(&self.key_type)
    }
}

/// Changes to make to a key. Only what is set is sent; everything else is unchanged.
///
/// Permission changes apply to configuration keys only, and merge: permissions not named
/// keep their values.
///
/// ```
/// use honeycomb_api_keys::{ApiKeyUpdate, Permission};
/// let rename = ApiKeyUpdate::new().name("checkout (old)").disable();
/// let widen = ApiKeyUpdate::new().grant(Permission::ManageTriggers).revoke(Permission::ManageBoards);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct ApiKeyUpdate {
    pub(crate) name: Option<String>,
    pub(crate) disabled: Option<bool>,
    pub(crate) permissions: BTreeMap<String, bool>,
}

impl ApiKeyUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        ApiKeyUpdate::default()
    }

    /// Renames the key.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `disabled`.
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Disables the key.
    pub fn disable(self) -> Self {
        self.disabled(true)
    }

    /// Enables the key again.
    pub fn enable(self) -> Self {
        self.disabled(false)
    }

    /// Grants `permission` (configuration keys), leaving the others as they are.
    pub fn grant(mut self, permission: Permission) -> Self {
        self.permissions.insert(permission.wire_name().to_string(), true);
        self
    }

    /// Revokes `permission` (configuration keys), leaving the others as they are.
    pub fn revoke(mut self, permission: Permission) -> Self {
        self.permissions.insert(permission.wire_name().to_string(), false);
        self
    }

    /// Sets every permission to exactly `permissions` (configuration keys): each known
    /// permission is sent as `true` or `false`, and unknown names with their values.
    pub fn set_permissions(mut self, permissions: &Permissions) -> Self {
        self.permissions = permissions.to_wire().map(|(k, v)| (k.to_string(), v)).collect();
        self
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.disabled.is_none() && self.permissions.is_empty()
    }

    pub(crate) fn validate(&self, id: &KeyId) -> Result<()> {
        if let Some(name) = &self.name {
            check_name(name)?;
        }
        if !self.permissions.is_empty() && id.key_type() == Some(KeyType::Ingest) {
            return Err(Error::invalid(
                "permissions",
                "ingest keys' permissions cannot be changed (only `name` and `disabled`); create a new key instead",
            ));
        }
        Ok(())
    }
}
