//! What Honeycomb says about the team: the management key in use and its team
//! (`/2/auth`), and the team's environments.

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
