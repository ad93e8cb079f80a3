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
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
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
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// let created = client.api_keys().create(new).await?;
    /// println!("{} created in {:?}", created.key().name, created.key().environment_id);
    /// # Ok(()) }
    /// ```
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// The key's id.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// let created = client.api_keys().create(new).await?;
    /// let again = client.api_keys().get(created.id()).await?; // never with the secret
    /// # Ok(()) }
    /// ```
    pub fn id(&self) -> &KeyId {
        &self.key.id
    }

    /// The key's secret, alone.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// use honeycomb_api_keys::ExposeSecret;
    ///
    /// let created = client.api_keys().create(new).await?;
    /// let secret: &str = created.secret().expose_secret(); // store it now: it is shown only once
    /// # Ok(()) }
    /// ```
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// For an ingest key, the full key that ingest clients send: id and secret joined
    /// with no separator. `None` for other key types.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// use honeycomb_api_keys::ExposeSecret;
    ///
    /// let created = client.api_keys().create(new).await?;
    /// let full_key = created.ingest_key().expect("an ingest key");
    /// assert!(full_key.expose_secret().starts_with(created.id().as_str()));
    /// # Ok(()) }
    /// ```
    pub fn ingest_key(&self) -> Option<SecretString> {
        (self.key.key_type == KeyType::Ingest)
            .then(|| SecretString::from(format!("{}{}", self.key.id, self.secret.expose_secret())))
    }

    /// The value of the `X-Honeycomb-Team` header for this key: the id and secret joined
    /// for an ingest key, the secret alone for a configuration key.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// use honeycomb_api_keys::ExposeSecret;
    ///
    /// let created = client.api_keys().create(new).await?; // an ingest key
    /// let value = created.header_value(); // what the service sends as `X-Honeycomb-Team`
    /// assert_eq!(value.expose_secret(), created.ingest_key().unwrap().expose_secret());
    /// # Ok(()) }
    /// ```
    pub fn header_value(&self) -> SecretString {
        self.ingest_key().unwrap_or_else(|| self.secret.clone())
    }

    /// Splits into the key and its secret.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// # let new = honeycomb_api_keys::NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// let (key, secret) = client.api_keys().create(new).await?.into_parts();
    /// println!("created {} ({})", key.id, key.name); // the secret goes to a vault, not a log
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyType, NewApiKey};
    ///
    /// let new = NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// assert_eq!((new.name(), new.key_type()), ("checkout", &KeyType::Ingest));
    /// ```
    pub fn ingest(name: impl Into<String>, environment: impl AsRef<str>) -> Self {
        NewApiKey::new(name.into(), KeyType::Ingest, environment.as_ref(), Permissions::none())
    }

    /// A configuration key in `environment` with `permissions`.
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyType, NewApiKey, Permissions};
    ///
    /// let env = "hcxen_01hznmeqrcq8rz533xrvtc6mk0";
    /// let ci = NewApiKey::configuration("CI", env, Permissions::board_management());
    /// assert_eq!(ci.key_type(), &KeyType::Configuration);
    /// ```
    pub fn configuration(name: impl Into<String>, environment: impl AsRef<str>, permissions: Permissions) -> Self {
        NewApiKey::new(name.into(), KeyType::Configuration, environment.as_ref(), permissions)
    }

    /// A key of `key_type` (no check that the permissions suit it: see `validate`).
    pub(crate) fn new(name: String, key_type: KeyType, environment: &str, permissions: Permissions) -> Self {
        NewApiKey { name, key_type, environment: environment.to_string(), disabled: false, permissions }
    }

    /// Creates the key disabled (default: enabled).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let staged = NewApiKey::ingest("checkout (next)", "hcxen_01hznmeqrcq8rz533xrvtc6mk0").disabled(true);
    /// let created = client.api_keys().create(staged).await?;
    /// assert!(created.key().disabled);
    /// # Ok(()) }
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Whether the key may create datasets (ingest and configuration keys).
    ///
    /// ```
    /// use honeycomb_api_keys::{NewApiKey, Permissions};
    ///
    /// let env = "hcxen_01hznmeqrcq8rz533xrvtc6mk0";
    /// let new = NewApiKey::ingest("checkout", env).create_datasets(true);
    /// let datasets = Permissions::builder().create_datasets().build();
    /// let same = NewApiKey::ingest("checkout", env).permissions(datasets);
    /// assert_eq!(new, same);
    /// ```
    pub fn create_datasets(mut self, allowed: bool) -> Self {
        self.permissions.set(Permission::CreateDatasets, allowed);
        self
    }

    /// Replaces the permissions.
    ///
    /// ```
    /// use honeycomb_api_keys::{NewApiKey, Permissions};
    ///
    /// let env = "hcxen_01hznmeqrcq8rz533xrvtc6mk0";
    /// let ci = NewApiKey::configuration("CI", env, Permissions::none());
    /// let querying = ci.permissions(Permissions::read_only_querying());
    /// assert_eq!(querying, NewApiKey::configuration("CI", env, Permissions::read_only_querying()));
    /// ```
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// The name.
    ///
    /// ```
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let new = NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// assert_eq!(new.name(), "checkout");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key type.
    ///
    /// ```
    /// use honeycomb_api_keys::{KeyType, NewApiKey};
    ///
    /// let new = NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// assert_eq!(new.key_type(), &KeyType::Ingest);
    /// ```
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
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// assert!(ApiKeyUpdate::new().is_empty());
    /// assert!(!ApiKeyUpdate::new().disable().is_empty());
    /// ```
    pub fn new() -> Self {
        ApiKeyUpdate::default()
    }

    /// Renames the key.
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let rename = ApiKeyUpdate::new().name("checkout (old)");
    /// assert!(!rename.is_empty());
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets `disabled`.
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let pause = true;
    /// assert_eq!(ApiKeyUpdate::new().disabled(pause), ApiKeyUpdate::new().disable());
    /// ```
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Disables the key.
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let retire = ApiKeyUpdate::new().name("checkout (retired)").disable();
    /// assert_eq!(retire, ApiKeyUpdate::new().name("checkout (retired)").disabled(true));
    /// ```
    pub fn disable(self) -> Self {
        self.disabled(true)
    }

    /// Enables the key again.
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// assert_eq!(ApiKeyUpdate::new().enable(), ApiKeyUpdate::new().disabled(false));
    /// ```
    pub fn enable(self) -> Self {
        self.disabled(false)
    }

    /// Grants `permission` (configuration keys), leaving the others as they are.
    ///
    /// ```
    /// use honeycomb_api_keys::{ApiKeyUpdate, Permission};
    ///
    /// let update = ApiKeyUpdate::new().grant(Permission::ManageTriggers);
    /// assert!(!update.is_empty());
    /// ```
    pub fn grant(mut self, permission: Permission) -> Self {
        self.permissions.insert(permission.wire_name().to_string(), true);
        self
    }

    /// Revokes `permission` (configuration keys), leaving the others as they are.
    ///
    /// ```
    /// use honeycomb_api_keys::{ApiKeyUpdate, Permission};
    ///
    /// // the last word on a permission wins
    /// let update = ApiKeyUpdate::new().grant(Permission::ManageBoards).revoke(Permission::ManageBoards);
    /// assert_eq!(update, ApiKeyUpdate::new().revoke(Permission::ManageBoards));
    /// ```
    pub fn revoke(mut self, permission: Permission) -> Self {
        self.permissions.insert(permission.wire_name().to_string(), false);
        self
    }

    /// Sets every permission to exactly `permissions` (configuration keys): each known
    /// permission is sent as `true` or `false`, and unknown names with their values.
    ///
    /// ```
    /// use honeycomb_api_keys::{ApiKeyUpdate, Permissions};
    ///
    /// // exactly querying, nothing else: every other permission is revoked
    /// let update = ApiKeyUpdate::new().set_permissions(&Permissions::read_only_querying());
    /// assert!(!update.is_empty());
    /// ```
    pub fn set_permissions(mut self, permissions: &Permissions) -> Self {
        self.permissions = permissions.to_wire().map(|(k, v)| (k.to_string(), v)).collect();
        self
    }

    /// Whether the update changes nothing.
    ///
    /// ```
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// assert!(ApiKeyUpdate::new().is_empty());
    /// assert!(!ApiKeyUpdate::new().enable().is_empty());
    /// ```
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
