//! `GET /2/auth`: who the management key is, and which team it belongs to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    client::Client,
    error::{Error, Result},
    generated::types,
    operation::Operation,
    transport::{CallOptions, call},
};

/// What `/2/auth` says about the management key in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// A Honeycomb team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Team {
    /// The team's id.
    pub id: String,
    /// Its display name.
    pub name: Option<String>,
    /// Its slug, as used in API paths.
    pub slug: String,
}

impl Client {
    /// Describes the management key in use and its team (`GET /2/auth`).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let me = client.auth().await?;
    /// println!("{} in team {} with scopes {:?}", me.key_id, me.team.slug, me.scopes);
    /// assert!(me.has_scope("api-keys:read"));
    /// # Ok(()) }
    /// ```
    pub async fn auth(&self) -> Result<AuthInfo> {
        let raw = self.raw();
        auth_from_wire(call(self, Operation::GetAuth, CallOptions::default(), || raw.get_auth()).await?)
    }
}

/// The team slug is only in `included`: the entry of type `teams` whose id is
/// `data.relationships.team.data.id`, or else the only team entry (Honeycomb's own
/// published example links a team id that differs from the included one's).
fn auth_from_wire(response: types::AuthResponse) -> Result<AuthInfo> {
    let types::AuthResponse { data, included } = response;
    let team_id = data.relationships.and_then(|r| r.team).and_then(|t| t.data).map(|d| d.id);
    let mut teams: Vec<_> = included.into_iter().filter(|r| r.type_ == "teams").collect();
    let linked = team_id.and_then(|id| teams.iter().position(|r| r.id == id));
    let team = match linked {
        Some(at) => teams.swap_remove(at),
        None if teams.len() == 1 => teams.remove(0),
        None => return Err(Error::TeamNotFound),
    };
    let attributes = team.attributes.unwrap_or_default();
    let slug = attributes.slug.filter(|s| !s.is_empty()).ok_or(Error::TeamNotFound)?;
    let a = data.attributes;
    Ok(AuthInfo {
        key_id: data.id,
        name: a.name,
        key_type: a.key_type,
        disabled: a.disabled.unwrap_or(false),
        scopes: a.scopes,
        team: Team { id: team.id, name: attributes.name, slug },
        created: a.timestamps.as_ref().map(|t| t.created),
        updated: a.timestamps.as_ref().map(|t| t.updated),
    })
}
