//! API keys between the generated types and the crate's: answers into [`ApiKey`] and
//! [`CreatedApiKey`] (the secret wrapped here, at the boundary), and the create and update
//! request bodies.

use secrecy::SecretString;

use super::{
    WirePermissions, invalid_wire_value,
    permissions::{permissions_from_wire, permissions_to_wire},
    types,
};
use crate::{
    error::{Error, Result},
    model::{ApiKey, ApiKeyUpdate, CreatedApiKey, EnvironmentId, KeyId, KeyType, NewApiKey},
};

/// A create's request body, built (and checked) before the first attempt.
pub(crate) struct CreateBody(pub(super) types::ApiKeyCreateRequest);

/// An update's request body, built (and checked) before the first attempt.
pub(crate) struct UpdateBody(pub(super) types::ApiKeyUpdateRequest);

/// A listing's `filter[type]`.
#[derive(Clone, Copy)]
pub(crate) struct KeyTypeFilter(pub(super) types::ListApiKeysFilterType);

impl KeyTypeFilter {
    /// The filter for `key_type`: a type the crate knows only. (Exhaustive, so that a new
    /// `KeyType` variant is mapped here, or fails to compile.)
    pub(crate) fn new(key_type: &KeyType) -> Result<KeyTypeFilter> {
        match key_type {
            KeyType::Ingest => Ok(KeyTypeFilter(types::ListApiKeysFilterType::Ingest)),
            KeyType::Configuration => Ok(KeyTypeFilter(types::ListApiKeysFilterType::Configuration)),
            KeyType::Other(_) => Err(unknown_key_type()),
        }
    }
}

/// The wire's key type for a create: a type the crate knows only.
fn known_key_type(key_type: &KeyType) -> Result<String> {
    match key_type {
        KeyType::Ingest | KeyType::Configuration => Ok(key_type.as_str().to_string()),
        KeyType::Other(_) => Err(unknown_key_type()),
    }
}

fn unknown_key_type() -> Error {
    Error::invalid("key_type", "must be `ingest` or `configuration`")
}

pub(crate) fn key_from_wire(obj: types::ApiKeyObject) -> ApiKey {
    let types::ApiKeyObject { attributes: a, id, relationships, .. } = obj;
    let relationships =
        relationships.map(|r| Relationships { environment: r.environment, creator: r.creator, editor: r.editor });
    key_from_parts(id, a.name, &a.key_type, a.disabled, a.permissions, a.timestamps, relationships)
}

pub(crate) fn created_from_wire(obj: types::ApiKeyCreateResponseData) -> CreatedApiKey {
    let types::ApiKeyCreateResponseData { attributes: a, id, relationships: r, .. } = obj;
    let relationships = Some(Relationships { environment: r.environment, creator: r.creator, editor: r.editor });
    let key = key_from_parts(id, a.name, &a.key_type, a.disabled, a.permissions, a.timestamps, relationships);
    CreatedApiKey::new(key, SecretString::from(a.secret))
}

/// The members the key object and the created-key object share.
fn key_from_parts(
    id: String,
    name: String,
    key_type: &str,
    disabled: bool,
    permissions: WirePermissions,
    timestamps: types::KeyTimestamps,
    relationships: Option<Relationships>,
) -> ApiKey {
    let (environment_id, creator_id, editor_id) = relationships_from_wire(relationships);
    ApiKey {
        id: KeyId::from_wire(id),
        name,
        key_type: KeyType::from_wire(key_type),
        disabled,
        permissions: permissions_from_wire(permissions),
        environment_id,
        creator_id,
        editor_id,
        created: timestamps.created,
        updated: timestamps.updated,
    }
}

/// A key's relationships: the generated types have one struct for a key and another,
/// of the same members, for a created key.
struct Relationships {
    environment: types::EnvironmentRelationship,
    creator: Option<types::CreatorRelationship>,
    editor: Option<types::EditorRelationship>,
}

fn relationships_from_wire(
    relationships: Option<Relationships>,
) -> (Option<EnvironmentId>, Option<String>, Option<String>) {
    let Some(r) = relationships else {
        return (None, None, None);
    };
    let user = |rel: Option<types::UserRelationship>| rel.and_then(|r| r.data).map(|d| d.id);
    let (creator, editor) = (r.creator.and_then(|c| c.0), r.editor.and_then(|e| e.0));
    (Some(EnvironmentId::from_wire(r.environment.data.id)), user(creator), user(editor))
}

/// The create body: only granted permissions are sent (an empty object when none), as
/// Honeycomb's own Go client does; the server defaults the rest to `false`.
pub(crate) fn create_request(new: NewApiKey) -> Result<CreateBody> {
    let key_type = known_key_type(&new.key_type)?;
    Ok(CreateBody(types::ApiKeyCreateRequest {
        data: types::ApiKeyCreateRequestData {
            type_: types::ApiKeyCreateRequestDataType::ApiKeys,
            attributes: types::ApiKeyCreateRequestDataAttributes {
                name: new.name.try_into().map_err(|e| invalid_wire_value("name", e))?,
                key_type,
                disabled: Some(new.disabled),
                permissions: Some(permissions_to_wire(new.permissions.to_wire().filter(|(_, granted)| *granted))),
            },
            relationships: types::ApiKeyCreateRequestDataRelationships {
                environment: types::EnvironmentRelationship {
                    data: types::EnvironmentRelationshipData { id: new.environment, type_: "environments".to_string() },
                },
            },
        },
    }))
}

pub(crate) fn update_request(id: &KeyId, update: ApiKeyUpdate) -> Result<UpdateBody> {
    let name = match update.name {
        Some(name) => Some(name.try_into().map_err(|e| invalid_wire_value("name", e))?),
        None => None,
    };
    let permissions = (!update.permissions.is_empty())
        .then(|| permissions_to_wire(update.permissions.iter().map(|(k, v)| (k.as_str(), *v))));
    Ok(UpdateBody(types::ApiKeyUpdateRequest {
        data: types::ApiKeyUpdateRequestData {
            id: id.as_str().to_string(),
            type_: types::ApiKeyUpdateRequestDataType::ApiKeys,
            attributes: types::ApiKeyUpdateRequestDataAttributes { name, disabled: update.disabled, permissions },
        },
    }))
}
