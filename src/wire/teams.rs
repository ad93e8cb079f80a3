//! Environments, `/2/auth` and `/1/auth` between the generated types and the crate's:
//! answers into [`Environment`], [`AuthInfo`] and [`KeyIdentity`], and the environment
//! create and update request bodies.

use super::{invalid_wire_value, types};
use crate::{
    error::{Error, Result},
    model::{
        AuthInfo, Environment, EnvironmentColor, EnvironmentId, EnvironmentUpdate, KeyIdentity, NewEnvironment, Team,
    },
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
pub(crate) fn auth_from_wire(response: types::AuthV2Response) -> Result<AuthInfo> {
    let types::AuthV2Response { data, included } = response;
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
        disabled: a.disabled,
        scopes: a.scopes,
        team: Team { id: team.id, name: attributes.name, slug },
        created: a.timestamps.as_ref().and_then(|t| t.created),
        updated: a.timestamps.as_ref().and_then(|t| t.updated),
    })
}

/// `/1/auth`'s answer: every member as it came, the unlisted ones kept.
pub(crate) fn identity_from_wire(auth: types::Auth) -> KeyIdentity {
    let types::Auth { api_key_access, environment, id, team, type_, extra } = auth;
    KeyIdentity {
        id,
        key_type: type_,
        environment_name: environment.name,
        environment_slug: environment.slug,
        team_name: team.name,
        team_slug: team.slug,
        access: api_key_access.into_iter().collect(),
        extra,
    }
}

/// An environment create's request body, built (and checked) before the first attempt.
pub(crate) struct EnvironmentCreateBody(pub(super) types::CreateEnvironmentRequest);

/// An environment update's request body, built (and checked) before the first attempt.
pub(crate) struct EnvironmentUpdateBody(pub(super) types::UpdateEnvironmentRequest);

fn color_to_wire(color: EnvironmentColor) -> types::EnvironmentColor {
    match color {
        EnvironmentColor::Blue => types::EnvironmentColor::Blue,
        EnvironmentColor::Green => types::EnvironmentColor::Green,
        EnvironmentColor::Gold => types::EnvironmentColor::Gold,
        EnvironmentColor::Red => types::EnvironmentColor::Red,
        EnvironmentColor::Purple => types::EnvironmentColor::Purple,
        EnvironmentColor::LightBlue => types::EnvironmentColor::LightBlue,
        EnvironmentColor::LightGreen => types::EnvironmentColor::LightGreen,
        EnvironmentColor::LightGold => types::EnvironmentColor::LightGold,
        EnvironmentColor::LightRed => types::EnvironmentColor::LightRed,
        EnvironmentColor::LightPurple => types::EnvironmentColor::LightPurple,
    }
}

pub(crate) fn environment_create_request(new: NewEnvironment) -> Result<EnvironmentCreateBody> {
    let description = match new.description {
        Some(d) => Some(d.try_into().map_err(|e| invalid_wire_value("description", e))?),
        None => None,
    };
    Ok(EnvironmentCreateBody(types::CreateEnvironmentRequest {
        data: types::CreateEnvironmentRequestData {
            type_: types::CreateEnvironmentRequestDataType::Environments,
            attributes: types::CreateEnvironmentRequestDataAttributes {
                name: new.name.try_into().map_err(|e| invalid_wire_value("name", e))?,
                description,
                color: new.color.map(color_to_wire),
            },
        },
    }))
}

pub(crate) fn environment_update_request(
    id: &EnvironmentId,
    update: EnvironmentUpdate,
) -> Result<EnvironmentUpdateBody> {
    let description = match update.description {
        Some(d) => Some(d.try_into().map_err(|e| invalid_wire_value("description", e))?),
        None => None,
    };
    let settings = update
        .delete_protected
        .map(|protected| types::UpdateEnvironmentRequestDataAttributesSettings { delete_protected: Some(protected) });
    Ok(EnvironmentUpdateBody(types::UpdateEnvironmentRequest {
        data: types::UpdateEnvironmentRequestData {
            id: id.as_str().to_string(),
            type_: types::UpdateEnvironmentRequestDataType::Environments,
            attributes: types::UpdateEnvironmentRequestDataAttributes {
                description,
                color: update.color.map(color_to_wire),
                settings,
            },
        },
    }))
}
