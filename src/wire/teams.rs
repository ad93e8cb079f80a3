//! Environments and `/2/auth` between the generated types and the crate's.

use super::types;
use crate::{
    error::{Error, Result},
    model::{AuthInfo, Environment, EnvironmentId, Team},
};

pub(crate) fn environment_from_wire(env: types::Environment) -> Environment {
    let types::Environment { id, attributes: a, .. } = env;
    Environment {
        id: EnvironmentId::from_wire(id),
        name: a.name,
        slug: a.slug,
        description: a.description,
        color: a.color,
        delete_protected: a.settings.and_then(|s| s.delete_protected),
    }
}

/// The team slug is only in `included`: the entry of type `teams` whose id is
/// `data.relationships.team.data.id`, or else the only team entry (Honeycomb's own
/// published example links a team id that differs from the included one's).
pub(crate) fn auth_from_wire(response: types::AuthResponse) -> Result<AuthInfo> {
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
