//! The team's API keys: list, get, create, update, delete.
//!
//! Every call checks its input before sending anything, resolves the team (explicit, or
//! detected once through `/2/auth`), calls the generated client, and has `wire` convert
//! the answer into the crate's [`model`](crate::model) types.

use crate::{
    client::Client,
    environments::Environments,
    error::Result,
    model::{ApiKey, ApiKeyUpdate, CreatedApiKey, KeyId, KeyType, NewApiKey},
    operation::Operation,
    pagination::{self, ListOptions, Pages},
    retry::RetryConfig,
    scope::TeamScope,
    transport::{CallOptions, call, call_delete},
    wire::keys::{KeyTypeFilter, create_request, update_request},
};
// Named by the docs of the calls (their `# Errors`).
#[cfg(doc)]
use crate::error::Error;

impl Client {
    /// The team's API keys.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let keys = client.api_keys();
    /// let key = keys.get("hcxik_01j1824es7n4evcmv81cn392jb").await?;
    /// println!("{} is {}", key.name, if key.disabled { "disabled" } else { "enabled" });
    /// # Ok(()) }
    /// ```
    pub fn api_keys(&self) -> ApiKeys {
        ApiKeys { scope: TeamScope::new(self.clone()) }
    }
}

/// The API keys of a team: `client.api_keys()`.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
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
    scope: TeamScope,
}

impl ApiKeys {
    /// The same calls for another team (for tools that manage several teams with one
    /// management key); the slug is checked when a call is made.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let other_team = client.api_keys().for_team("other-team");
    /// for key in other_team.list().collect().await? {
    ///     println!("{} {}", key.id, key.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn for_team(mut self, slug: impl Into<String>) -> Self {
        self.scope.team = Some(slug.into());
        self
    }

    /// The same calls with another retry policy (for example [`RetryConfig::disabled`]).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// // one attempt: fail fast instead of retrying
    /// let keys = client.api_keys().retry(RetryConfig::disabled());
    /// let key = keys.get_opt("hcxik_01j1824es7n4evcmv81cn392jb").await?;
    /// # Ok(()) }
    /// ```
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.scope.retry = Some(retry);
        self
    }

    /// The environments of the same team, with the same retry policy.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let keys = client.api_keys().for_team("acme-staging");
    /// let staging = keys.environments().find("Staging").await?; // in acme-staging too
    /// # Ok(()) }
    /// ```
    pub fn environments(&self) -> Environments {
        Environments::scoped(self.scope.clone())
    }

    /// The client these calls go through (its clock, its rate-limit status).
    ///
    /// ```no_run
    /// # fn run(keys: honeycomb_api_keys::ApiKeys) {
    /// use honeycomb_api_keys::Operation;
    ///
    /// let status = keys.client().rate_limit_status(Operation::CreateApiKey);
    /// # }
    /// ```
    pub fn client(&self) -> &Client {
        &self.scope.client
    }

    /// Lists keys: a builder for a stream of keys ([`ListApiKeys::items`]), of pages
    /// ([`ListApiKeys::pages`]), or a `Vec` ([`ListApiKeys::collect`]).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let all = client.api_keys().list().collect().await?;
    /// let disabled = all.iter().filter(|key| key.disabled).count();
    /// println!("{} keys, {disabled} of them disabled", all.len());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListApiKeys {
        ListApiKeys { keys: self.clone(), key_type: None, options: ListOptions::default() }
    }

    /// Gets one key. A key that does not exist is an error with
    /// [`is_not_found`](Error::is_not_found); see [`get_opt`](Self::get_opt).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let key = client.api_keys().get("hcxik_01j1824es7n4evcmv81cn392jb").await?;
    /// println!("{} ({}) in {:?}", key.name, key.key_type, key.environment_id);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request if `id` is not a key id (or the slug
    ///   given to [`for_team`](Self::for_team) is malformed).
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_not_found`](Error::is_not_found) for an unknown key or team,
    ///   [`is_auth`](Error::is_auth) for a management key without `api-keys:read`.
    /// - [`Error::IdMismatch`] if Honeycomb answered with another key.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn get(&self, id: impl AsRef<str>) -> Result<ApiKey> {
        let id = KeyId::parse(id.as_ref())?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        let key = call(&self.scope.client, Operation::GetApiKey, self.scope.options(), || api.get_api_key(&team, &id))
            .await?;
        self.scope.same_id(Operation::GetApiKey, id.as_str(), key)
    }

    /// Gets one key, or `None` when Honeycomb answers 404.
    ///
    /// Honeycomb answers 404 for an unknown team too: with a mistyped team slug every
    /// key is "missing". Check the team once (with [`Client::resolve_team`] or a `get`)
    /// before relying on `None` for anything destructive.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// match client.api_keys().get_opt("hcxik_01j1824es7n4evcmv81cn392jb").await? {
    ///     Some(key) => println!("{} exists", key.name),
    ///     None => println!("no such key"),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The errors of [`get`](Self::get), except a 404, which is `Ok(None)`.
    pub async fn get_opt(&self, id: impl AsRef<str>) -> Result<Option<ApiKey>> {
        match self.get(id).await {
            Ok(key) => Ok(Some(key)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a key. The result holds its secret, which Honeycomb never returns again.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let new = NewApiKey::ingest("checkout", "hcxen_01hznmeqrcq8rz533xrvtc6mk0");
    /// let created = client.api_keys().create(new).await?;
    /// // the only time the secret is shown: hand it to the service now
    /// let x_honeycomb_team = created.header_value();
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request: a name [`check_name`](crate::check_name)
    ///   refuses, an environment id that is not an id, or permissions other than
    ///   `create_datasets` on an ingest key (or the slug given to [`for_team`](Self::for_team)
    ///   is malformed).
    /// - [`Error::OutcomeUnknown`] when the request was sent but the answer was a 5xx, the
    ///   connection broke or the call timed out: the key may exist; it is not sent again.
    /// - [`Error::CreatedKeyUnreadable`] when Honeycomb created the key but its answer (with
    ///   the secret) could not be read.
    /// - [`Error::Api`] for another error status: [`is_auth`](Error::is_auth) for a management
    ///   key without `api-keys:write`, [`is_not_found`](Error::is_not_found) for an unknown
    ///   team, [`is_rate_limited`](Error::is_rate_limited) for a 429 that outlasted the retries.
    /// - [`Error::Transport`] when no connection could be opened (after the retries),
    ///   [`Error::Timeout`] when the call's deadline passed before it was sent,
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn create(&self, new: NewApiKey) -> Result<CreatedApiKey> {
        new.validate()?;
        let name = new.name.clone();
        let body = create_request(new)?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api_for_create();
        let options = CallOptions { subject: Some(&name), ..self.scope.options() };
        call(&self.scope.client, Operation::CreateApiKey, options, || api.create_api_key(&team, &body)).await
    }

    /// Changes a key's name, `disabled` flag or (configuration keys) permissions. Only
    /// what `update` sets is sent; permissions merge.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::ApiKeyUpdate;
    ///
    /// let update = ApiKeyUpdate::new().name("checkout (old)").disable();
    /// let key = client.api_keys().update("hcxik_01j1824es7n4evcmv81cn392jb", update).await?;
    /// assert!(key.disabled);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request: `id` is not a key id, the new name is
    ///   one [`check_name`](crate::check_name) refuses, permissions change on a key whose id
    ///   says it is an ingest key, or the slug given to [`for_team`](Self::for_team) is malformed.
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_not_found`](Error::is_not_found) for an unknown key or team,
    ///   [`is_auth`](Error::is_auth) for a management key without `api-keys:write`.
    /// - [`Error::IdMismatch`] if Honeycomb answered with another key.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn update(&self, id: impl AsRef<str>, update: ApiKeyUpdate) -> Result<ApiKey> {
        let id = KeyId::parse(id.as_ref())?;
        update.validate(&id)?;
        let body = update_request(&id, update)?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        let key = call(&self.scope.client, Operation::UpdateApiKey, self.scope.options(), || {
            api.update_api_key(&team, &id, &body)
        })
        .await?;
        self.scope.same_id(Operation::UpdateApiKey, id.as_str(), key)
    }

    /// Deletes a key. Honeycomb answers 404 for a key that does not exist (anymore); a 404
    /// to a retry, after an attempt whose answer was lost, means that attempt deleted it,
    /// and the delete succeeds.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let keys = client.api_keys();
    /// keys.delete("hcxik_01j1824es7n4evcmv81cn392jb").await?;
    /// assert!(keys.get_opt("hcxik_01j1824es7n4evcmv81cn392jb").await?.is_none());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request if `id` is not a key id (or the slug
    ///   given to [`for_team`](Self::for_team) is malformed).
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_not_found`](Error::is_not_found) for a key or team that does not exist (unless
    ///   an earlier attempt of this call may have deleted it), [`is_auth`](Error::is_auth) for
    ///   a management key without `api-keys:write`.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        let id = KeyId::parse(id.as_ref())?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        call_delete(&self.scope.client, Operation::DeleteApiKey, self.scope.options(), || {
            api.delete_api_key(&team, &id)
        })
        .await
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
    /// [`KeyType::Configuration`]. Another type fails the listing with
    /// [`Error::InvalidArgument`] before any request.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::KeyType;
    ///
    /// let ingest = client.api_keys().list().key_type(KeyType::Ingest).collect().await?;
    /// assert!(ingest.iter().all(|key| key.key_type == KeyType::Ingest));
    /// # Ok(()) }
    /// ```
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = Some(key_type);
        self
    }

    pagination::list_builder_methods!(ApiKey);

    /// The pages, as Honeycomb returns them.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let mut pages = client.api_keys().list().page_size(50).pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} keys, next cursor {:?}", page.items.len(), page.next_cursor);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> Pages<ApiKey> {
        let filter = match self.key_type.as_ref().map(KeyTypeFilter::new).transpose() {
            Ok(filter) => filter,
            Err(e) => return pagination::failed(e),
        };
        let TeamScope { client, team, retry } = self.keys.scope;
        pagination::team_list(client, team, Operation::ListApiKeys, self.options, move |client, team, cursor, size| {
            let retry = retry.clone();
            async move {
                let options = CallOptions { retry: retry.as_ref(), ..CallOptions::default() };
                let api = client.api();
                call(&client, Operation::ListApiKeys, options, || {
                    api.list_api_keys(&team, filter, cursor.as_deref(), size)
                })
                .await
            }
        })
    }
}

impl pagination::Listed for ApiKey {
    fn listing_id(&self) -> &str {
        self.id.as_str()
    }
}
