//! What Honeycomb says about the team: the management key in use and its team
//! (`/2/auth`), a data key's identity (`/1/auth`), and the team's environments.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::EnvironmentId;

/// What `/2/auth` says about the management key in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct AuthInfo {
    /// The management key's id.
    pub key_id: String,
    /// The key's name.
    pub name: Option<String>,
    /// The key's type (`management`).
    pub key_type: Option<String>,
    /// Whether the key is disabled.
    pub disabled: bool,
    /// Its scopes, such as `api-keys:write` or `environments:read`.
    pub scopes: Vec<String>,
    /// The team the key belongs to.
    pub team: Team,
    /// When the key was created.
    pub created: Option<DateTime<Utc>>,
    /// When the key was last changed.
    pub updated: Option<DateTime<Utc>>,
}

impl AuthInfo {
    /// Whether the key has `scope`, such as `api-keys:write`.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let me = client.auth().await?;
    /// if !me.has_scope("api-keys:write") {
    ///     eprintln!("{} can list keys but not create or change them", me.key_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// What `/1/auth` says about a data key (an ingest or a configuration key): which key it is,
/// where it belongs and what it may do. Returned by
/// [`Client::verify_key`](crate::Client::verify_key); it holds no secret.
///
/// Its members are the answer's, as Honeycomb gives them: the environment's name and slug
/// are empty strings for a Honeycomb Classic key, and the access flags are Honeycomb's v1
/// names (`events`, `markers`, `createDatasets`, …; an ingest key shows only
/// `createDatasets`), not [`Permission`](crate::Permission)s. Members the published
/// document does not list are kept in [`extra`](Self::extra).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct KeyIdentity {
    /// The key's id: its v2 id (`hcxik_…`) for an ingest key; for a configuration key,
    /// whatever id Honeycomb gives (its published example shows a short legacy form).
    pub id: String,
    /// The key's type as the answer gives it (`ingest` or `configuration`).
    pub key_type: String,
    /// The environment's name (empty for a Classic key), if the answer gives one.
    pub environment_name: Option<String>,
    /// The environment's slug (empty for a Classic key), if the answer gives one.
    pub environment_slug: Option<String>,
    /// The team's name, if the answer gives one.
    pub team_name: Option<String>,
    /// The team's slug, if the answer gives one.
    pub team_slug: Option<String>,
    /// The access flags (`api_key_access`), as the answer gives them: name to granted.
    pub access: BTreeMap<String, bool>,
    /// Members of the answer the published document does not list, kept as they came.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl KeyIdentity {
    /// Whether the answer grants the access flag `name` (such as `createDatasets`); a flag
    /// the answer leaves out is not granted.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client, secret: honeycomb_api_keys::SecretString) -> honeycomb_api_keys::Result<()> {
    /// let identity = client.verify_key(&secret).await?;
    /// if !identity.has_access("createDatasets") {
    ///     eprintln!("{} cannot create datasets", identity.id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn has_access(&self, name: &str) -> bool {
        self.access.get(name).copied().unwrap_or(false)
    }
}

/// A Honeycomb team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Team {
    /// The team's id.
    pub id: String,
    /// Its display name.
    pub name: Option<String>,
    /// Its slug, as used in API paths.
    pub slug: String,
}

/// An environment of the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[non_exhaustive]
pub struct Environment {
    /// Its id: what [`NewApiKey`](crate::NewApiKey) takes.
    pub id: EnvironmentId,
    /// Its display name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// Its description, if any.
    pub description: Option<String>,
    /// Its color in the UI (`blue`, `lightGreen`, …, or `classic`).
    pub color: Option<String>,
    /// Whether it is protected against deletion.
    pub delete_protected: Option<bool>,
}

impl Environment {
    /// Whether `wanted` is this environment's id, slug, or name (names compared without
    /// regard to ASCII case), as [`Environments::find`](crate::Environments::find) matches it.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let environments = client.environments().list().collect().await?;
    /// let production = environments.iter().find(|env| env.matches("production"));
    /// # Ok(()) }
    /// ```
    pub fn matches(&self, wanted: &str) -> bool {
        self.id.as_str() == wanted || self.slug == wanted || self.name.eq_ignore_ascii_case(wanted)
    }
}
