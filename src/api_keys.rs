//! The team's API keys: list, get, create, update, delete.
//!
//! Every call checks its input before sending anything, resolves the team (explicit, or
//! detected once through `/2/auth`), calls the generated client, and converts the wire
//! types into the crate's [`model`](crate::model) types here, at the boundary.

use futures::stream::BoxStream;
use secrecy::SecretString;

use crate::{
    client::Client,
    environments::Environments,
    error::{Error, Result},
    generated::types,
    model::{ApiKey, ApiKeyUpdate, CreatedApiKey, EnvironmentId, KeyId, KeyType, NewApiKey},
    operation::Operation,
    pagination::{self, ListOptions, Page, RawPage},
    permissions::{Permission, Permissions},
    retry::RetryConfig,
    transport::{CallOptions, call, call_delete},
};

impl Client {
    /// The team's API keys.
    pub fn api_keys(&self) -> ApiKeys {
        ApiKeys { client: self.clone(), team: None, retry: None }
    }
}

/// The API keys of a team: `client.api_keys()`.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// use futures::TryStreamExt;
/// use honeycomb_api_keys::{ApiKeyUpdate, KeyType, NewApiKey, Permissions};
///
/// let keys = client.api_keys();
///
/// // every ingest key, page by page behind the scenes
/// let mut ingest = keys.list().key_type(KeyType::Ingest).items();
/// while let Some(key) = ingest.try_next().await? {
///     println!("{} {} disabled={}", key.id, key.name, key.disabled);
/// }
///
/// let created = keys.create(NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0")).await?;
/// let for_the_service = created.header_value(); // SecretString: id + secret
///
/// let ci = NewApiKey::configuration("CI", "hcxen_01hznmeqrcq8rz533xrvtc6mk0", Permissions::board_management());
/// let ci = keys.create(ci).await?;
///
/// keys.update(created.id(), ApiKeyUpdate::new().name("checkout (old)").disable()).await?;
/// keys.delete(ci.id()).await?;
/// assert!(keys.get_opt(ci.id()).await?.is_none());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct ApiKeys {
    client: Client,
    team: Option<String>,
    retry: Option<RetryConfig>,
}

impl ApiKeys {
    /// The same calls for another team (for tools that manage several teams with one
    /// management key); the slug is checked when a call is made.
    pub fn for_team(mut self, slug: impl Into<String>) -> Self {
        self.team = Some(slug.into());
        self
    }

    /// The same calls with another retry policy (for example [`RetryConfig::disabled`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    async fn team(&self) -> Result<String> {
        self.client.team_for(self.team.as_deref()).await
    }

    /// The environments of the same team, with the same retry policy.
    pub(crate) fn environments(&self) -> Environments {
        Environments::new(self.client.clone(), self.team.clone(), self.retry.clone())
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    fn options(&self) -> CallOptions<'_> {
        CallOptions { retry: self.retry.as_ref(), subject: None }
    }

    /// Lists keys: a builder for a stream of keys ([`ListApiKeys::items`]), of pages
    /// ([`ListApiKeys::pages`]), or a `Vec` ([`ListApiKeys::collect`]).
    pub fn list(&self) -> ListApiKeys {
        ListApiKeys { keys: self.clone(), key_type: None, options: ListOptions::default() }
    }

    /// Gets one key. A key that does not exist is an error with
    /// [`is_not_found`](Error::is_not_found); see [`get_opt`](Self::get_opt).
    pub async fn get(&self, id: impl AsRef<str>) -> Result<ApiKey> {
        let id = KeyId::parse(id.as_ref())?;
        let team = self.team().await?;
        let raw = self.client.raw();
        let key = call(&self.client, Operation::GetApiKey, self.options(), || raw.get_api_key(&team, id.as_str()))
            .await
            .map(|r| key_from_wire(r.data))?;
        same_id(Operation::GetApiKey, id.as_str(), key)
    }

    /// Gets one key, or `None` when Honeycomb answers 404.
    ///
    /// Honeycomb answers 404 for an unknown team too: with a mistyped team slug every
    /// key is "missing". Check the team once (with [`Client::resolve_team`] or a `get`)
    /// before relying on `None` for anything destructive.
    pub async fn get_opt(&self, id: impl AsRef<str>) -> Result<Option<ApiKey>> {
        match self.get(id).await {
            Ok(key) => Ok(Some(key)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a key. The result holds its secret, which Honeycomb never returns again.
    pub async fn create(&self, new: NewApiKey) -> Result<CreatedApiKey> {
        new.validate()?;
        let name = new.name.clone();
        let body = create_request(new)?;
        let team = self.team().await?;
        let raw = self.client.raw_for_create();
        let options = CallOptions { subject: Some(&name), ..self.options() };
        call(&self.client, Operation::CreateApiKey, options, || raw.create_api_key(&team, &body))
            .await
            .map(|r| created_from_wire(r.data))
    }

    /// Changes a key's name, `disabled` flag or (configuration keys) permissions. Only
    /// what `update` sets is sent; permissions merge.
    pub async fn update(&self, id: impl AsRef<str>, update: ApiKeyUpdate) -> Result<ApiKey> {
        let id = KeyId::parse(id.as_ref())?;
        update.validate(&id)?;
        let body = update_request(&id, update)?;
        let team = self.team().await?;
        let raw = self.client.raw();
        let key = call(&self.client, Operation::UpdateApiKey, self.options(), || {
            raw.update_api_key(&team, id.as_str(), &body)
        })
        .await
        .map(|r| key_from_wire(r.data))?;
        same_id(Operation::UpdateApiKey, id.as_str(), key)
    }

    /// Deletes a key. Honeycomb answers 404 for a key that does not exist (anymore); a 404
    /// to a retry, after an attempt whose answer was lost, means that attempt deleted it,
    /// and the delete succeeds.
    pub async fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        let id = KeyId::parse(id.as_ref())?;
        let team = self.team().await?;
        let raw = self.client.raw();
        call_delete(&self.client, self.options(), || raw.delete_api_key(&team, id.as_str())).await
    }
}

/// A listing of keys, from [`ApiKeys::list`].
///
/// Nothing is sent until the stream is polled. Pages are fetched one at a time, as the
/// stream is consumed, following `links.next`.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListApiKeys {
    keys: ApiKeys,
    key_type: Option<KeyType>,
    options: ListOptions,
}

impl ListApiKeys {
    /// Only keys of this type (`filter[type]`): [`KeyType::Ingest`] or
    /// [`KeyType::Configuration`].
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = Some(key_type);
        self
    }

    pagination::list_builder_methods!(ApiKey);

    /// The pages, as Honeycomb returns them.
    pub fn pages(self) -> BoxStream<'static, Result<Page<ApiKey>>> {
        let filter = match self.key_type.as_ref().map(known_key_type).transpose() {
            Ok(filter) => filter,
            Err(e) => return pagination::failed(e),
        };
        let retry = self.keys.retry;
        pagination::team_list(
            self.keys.client,
            self.keys.team,
            Operation::ListApiKeys,
            self.options,
            move |client, team, cursor, size| {
                let retry = retry.clone();
                async move {
                    let options = CallOptions { retry: retry.as_ref(), subject: None };
                    let raw = client.raw();
                    let page = call(&client, Operation::ListApiKeys, options, || {
                        raw.list_api_keys(&team, filter, cursor.as_deref(), Some(size))
                    })
                    .await?;
                    Ok(RawPage {
                        items: page.data.into_iter().map(key_from_wire).collect(),
                        next_link: page.links.and_then(|l| l.next),
                    })
                }
            },
        )
    }
}

/// The key Honeycomb answered with, if it is the one asked for: an answer about another
/// key must not be acted on (a rotation would retire the wrong one).
fn same_id(operation: Operation, requested: &str, key: ApiKey) -> Result<ApiKey> {
    if key.id.as_str() == requested {
        Ok(key)
    } else {
        Err(Error::IdMismatch {
            operation,
            requested: requested.to_string(),
            answered: crate::text::terminal_safe(key.id.as_str()).into_owned(),
        })
    }
}

impl pagination::Listed for ApiKey {
    fn listing_id(&self) -> &str {
        self.id.as_str()
    }
}

/// The wire's key type for a create or a filter: `ingest` or `configuration` only.
fn known_key_type(key_type: &KeyType) -> Result<types::KnownKeyType> {
    match key_type {
        KeyType::Ingest => Ok(types::KnownKeyType::Ingest),
        KeyType::Configuration => Ok(types::KnownKeyType::Configuration),
        KeyType::Other(_) => Err(Error::invalid("key_type", "must be `ingest` or `configuration`")),
    }
}

pub(crate) fn key_from_wire(obj: types::ApiKeyObject) -> ApiKey {
    let types::ApiKeyObject { attributes: a, id, relationships, .. } = obj;
    key_from_parts(id, a.name, &a.key_type, a.disabled, a.permissions, a.timestamps, relationships)
}

fn created_from_wire(obj: types::CreatedApiKeyObject) -> CreatedApiKey {
    let types::CreatedApiKeyObject { attributes: a, id, relationships, .. } = obj;
    let key = key_from_parts(id, a.name, &a.key_type, a.disabled, a.permissions, a.timestamps, Some(relationships));
    CreatedApiKey::new(key, SecretString::from(a.secret))
}

/// The members the key object and the created-key object share.
fn key_from_parts(
    id: String,
    name: String,
    key_type: &str,
    disabled: bool,
    permissions: WirePermissions,
    timestamps: types::Timestamps,
    relationships: Option<types::ApiKeyRelationships>,
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

fn relationships_from_wire(
    relationships: Option<types::ApiKeyRelationships>,
) -> (Option<EnvironmentId>, Option<String>, Option<String>) {
    let Some(r) = relationships else {
        return (None, None, None);
    };
    let user = |rel: Option<types::UserRelationship>| rel.and_then(|r| r.data).map(|d| d.id);
    (Some(EnvironmentId::from_wire(r.environment.data.id)), user(r.creator), user(r.editor))
}

/// The wire's `permissions` object, in the generated types (build.rs puts it in place
/// of the `KeyPermissions` schema): the members in the order received or to be sent, each
/// a known [`Permission`] or a name this crate does not know. It decodes straight from
/// the body, without serde's buffering of a flattened map, and keeps unknown names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WirePermissions(Vec<(Member, bool)>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Member {
    Known(Permission),
    Unknown(String),
}

impl Member {
    fn name(&self) -> &str {
        match self {
            Member::Known(p) => p.wire_name(),
            Member::Unknown(name) => name,
        }
    }
}

impl serde::Serialize for WirePermissions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(member, granted)| (member.name(), granted)))
    }
}

impl<'de> serde::Deserialize<'de> for WirePermissions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = WirePermissions;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of permissions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(13));
                while let Some(name) = map.next_key::<MemberName>()? {
                    // A member that is not a boolean is skipped, not fatal.
                    if let serde_json::Value::Bool(granted) = map.next_value::<serde_json::Value>()? {
                        members.push((name.0, granted));
                    }
                }
                Ok(WirePermissions(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// A member name, matched against the known permissions without allocating.
struct MemberName(Member);

impl<'de> serde::Deserialize<'de> for MemberName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = MemberName;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a permission name")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> std::result::Result<MemberName, E> {
                Ok(MemberName(match Permission::from_wire_name(name) {
                    Some(known) => Member::Known(known),
                    None => Member::Unknown(name.to_string()),
                }))
            }
        }
        d.deserialize_str(Name)
    }
}

impl schemars::JsonSchema for WirePermissions {
    fn schema_name() -> String {
        "KeyPermissions".into()
    }

    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        <std::collections::BTreeMap<String, bool>>::json_schema(generator)
    }
}

fn permissions_from_wire(wire: WirePermissions) -> Permissions {
    let mut permissions = Permissions::none();
    for (member, granted) in wire.0 {
        match member {
            Member::Known(p) if granted => permissions.insert(p),
            Member::Known(_) => {}
            Member::Unknown(name) => permissions.insert_unknown(name, granted),
        }
    }
    permissions
}

/// Only the members given are set; the others are left out of the body.
fn permissions_to_wire<'a>(members: impl IntoIterator<Item = (&'a str, bool)>) -> WirePermissions {
    WirePermissions(
        members
            .into_iter()
            .map(|(name, granted)| {
                let member =
                    Permission::from_wire_name(name).map_or_else(|| Member::Unknown(name.to_string()), Member::Known);
                (member, granted)
            })
            .collect(),
    )
}

fn wire_name_error(field: &'static str, e: impl std::fmt::Display) -> Error {
    Error::invalid(field, e.to_string())
}

/// The create body: only granted permissions are sent (an empty object when none), as
/// Honeycomb's own Go client does; the server defaults the rest to `false`.
fn create_request(new: NewApiKey) -> Result<types::ApiKeyCreateRequest> {
    let key_type = known_key_type(&new.key_type)?;
    Ok(types::ApiKeyCreateRequest {
        data: types::ApiKeyCreateRequestData {
            type_: types::ApiKeyCreateRequestDataType::ApiKeys,
            attributes: types::NewApiKeyAttributes {
                name: new.name.try_into().map_err(|e| wire_name_error("name", e))?,
                key_type,
                disabled: new.disabled,
                permissions: Some(permissions_to_wire(new.permissions.to_wire().filter(|(_, granted)| *granted))),
            },
            relationships: types::ApiKeyCreateRequestDataRelationships {
                environment: types::EnvironmentRelationship {
                    data: types::EnvironmentIdentifier { id: new.environment, type_: "environments".to_string() },
                },
            },
        },
    })
}

fn update_request(id: &KeyId, update: ApiKeyUpdate) -> Result<types::ApiKeyUpdateRequest> {
    let name = match update.name {
        Some(name) => Some(name.try_into().map_err(|e| wire_name_error("name", e))?),
        None => None,
    };
    let permissions = (!update.permissions.is_empty())
        .then(|| permissions_to_wire(update.permissions.iter().map(|(k, v)| (k.as_str(), *v))));
    Ok(types::ApiKeyUpdateRequest {
        data: types::ApiKeyUpdateRequestData {
            id: id.as_str().to_string(),
            type_: types::ApiKeyUpdateRequestDataType::ApiKeys,
            attributes: types::ApiKeyUpdateAttributes { name, disabled: update.disabled, permissions },
        },
    })
}

/// Request building and response decoding without I/O, for the benchmarks. Not part of
/// the API: it may change at any time.
#[doc(hidden)]
pub mod bench_support {
    use super::*;
    use crate::operation::Operation;

    /// What `create` does around the request: check, build and serialize the body, then
    /// decode and convert the 201's body.
    pub fn create_cycle(new: NewApiKey, response: &[u8]) -> Result<(usize, CreatedApiKey)> {
        new.validate()?;
        let body = serde_json::to_vec(&create_request(new)?).map_err(|e| Error::decode(Operation::CreateApiKey, &e))?;
        let decoded: types::ApiKeyCreateResponse =
            serde_json::from_slice(response).map_err(|e| Error::decode(Operation::CreateApiKey, &e))?;
        Ok((body.len(), created_from_wire(decoded.data)))
    }

    /// What listing does with one page's body: decode it and convert every key.
    pub fn decode_list_page(body: &[u8]) -> Result<Vec<ApiKey>> {
        let page: types::ApiKeyListResponse =
            serde_json::from_slice(body).map_err(|e| Error::decode(Operation::ListApiKeys, &e))?;
        Ok(page.data.into_iter().map(key_from_wire).collect())
    }

    /// What `update` does around the request.
    pub fn update_cycle(id: &str, update: ApiKeyUpdate, response: &[u8]) -> Result<(usize, ApiKey)> {
        let id = KeyId::parse(id)?;
        update.validate(&id)?;
        let body = serde_json::to_vec(&update_request(&id, update)?)
            .map_err(|e| Error::decode(Operation::UpdateApiKey, &e))?;
        let decoded: types::ApiKeyResponse =
            serde_json::from_slice(response).map_err(|e| Error::decode(Operation::UpdateApiKey, &e))?;
        Ok((body.len(), key_from_wire(decoded.data)))
    }
}
