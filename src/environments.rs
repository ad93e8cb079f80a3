//! The team's environments: to find the environment id a key is created in, and to
//! create, change (delete protection included) and delete environments.

use crate::{
    client::Client,
    error::{Error, Result},
    model::{Environment, EnvironmentId, EnvironmentUpdate, NewEnvironment},
    operation::Operation,
    pagination::{self, ListOptions, Pages},
    retry::RetryConfig,
    scope::TeamScope,
    transport::{CallOptions, call, call_delete},
    wire::teams::{environment_create_request, environment_update_request},
};

impl Client {
    /// The team's environments.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// for env in client.environments().list().collect().await? {
    ///     println!("{} {} ({})", env.id, env.name, env.slug);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn environments(&self) -> Environments {
        Environments::scoped(TeamScope::new(self.clone()))
    }
}

/// The environments of a team: `client.environments()`.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// use honeycomb_api_keys::NewApiKey;
///
/// let production = client.environments().find("Production").await?.expect("no such environment");
/// let key = NewApiKey::ingest("checkout", &production.id);
/// let all = client.environments().list().collect().await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Environments {
    scope: TeamScope,
}

impl Environments {
    /// The environments of `scope`'s team, with its retry policy.
    pub(crate) fn scoped(scope: TeamScope) -> Self {
        Environments { scope }
    }

    /// The same calls for another team.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let staging = client.environments().for_team("other-team").find("staging").await?;
    /// println!("{:?}", staging.map(|env| env.id));
    /// # Ok(()) }
    /// ```
    pub fn for_team(mut self, slug: impl Into<String>) -> Self {
        self.scope.team = Some(slug.into());
        self
    }

    /// The same calls with another retry policy.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::RetryConfig;
    ///
    /// let environments = client.environments().retry(RetryConfig::standard().max_attempts(5));
    /// let all = environments.list().collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.scope.retry = Some(retry);
        self
    }

    /// Lists environments: a builder for a stream of environments, of pages, or a `Vec`,
    /// like [`ApiKeys::list`](crate::ApiKeys::list).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let mut environments = client.environments().list().items();
    /// while let Some(env) = environments.try_next().await? {
    ///     println!("{} {}", env.id, env.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListEnvironments {
        ListEnvironments { environments: self.clone(), options: ListOptions::default() }
    }

    /// Gets one environment by id.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let env = client.environments().get("hcxen_01hznmeqrcq8rz533xrvtc6mk0").await?;
    /// println!("{} ({})", env.name, env.slug);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request if `id` is not an environment id (or
    ///   the slug given to [`for_team`](Self::for_team) is malformed).
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_not_found`](Error::is_not_found) for an unknown environment or team,
    ///   [`is_auth`](Error::is_auth) for a management key without `environments:read`.
    /// - [`Error::IdMismatch`] if Honeycomb answered with another environment.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn get(&self, id: impl AsRef<str>) -> Result<Environment> {
        let id = EnvironmentId::parse(id.as_ref())?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        let env = call(&self.scope.client, Operation::GetEnvironment, self.scope.options(), || {
            api.get_environment(&team, &id)
        })
        .await?;
        self.scope.same_id(Operation::GetEnvironment, id.as_str(), env)
    }

    /// Creates an environment. Honeycomb refuses a name the team already uses (409).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::{EnvironmentColor, NewEnvironment};
    ///
    /// let new = NewEnvironment::new("Load test").description("k6 runs").color(EnvironmentColor::Purple);
    /// let env = client.environments().create(new).await?;
    /// println!("{} ({})", env.id, env.slug);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request: the name is blank, longer than
    ///   [`MAX_ENVIRONMENT_NAME_LEN`](crate::MAX_ENVIRONMENT_NAME_LEN) characters or has a
    ///   control or invisible character; the description is too long
    ///   ([`MAX_ENVIRONMENT_DESCRIPTION_LEN`](crate::MAX_ENVIRONMENT_DESCRIPTION_LEN)) or has such a character; or
    ///   the slug given to [`for_team`](Self::for_team) is malformed.
    /// - [`Error::OutcomeUnknown`] when the request was sent but the answer was a 5xx, the
    ///   connection broke, the call timed out, or a success could not be read: the
    ///   environment may exist; it is not sent again (look for it by name).
    /// - [`Error::Api`] for another error status: [`is_conflict`](Error::is_conflict) when
    ///   the name is taken, [`is_auth`](Error::is_auth) for a management key without
    ///   `environments:write`, [`is_rate_limited`](Error::is_rate_limited) for a 429 that
    ///   outlasted the retries.
    /// - [`Error::Transport`] when no connection could be opened (after the retries),
    ///   [`Error::Timeout`] when the call's deadline passed before it was sent,
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn create(&self, new: NewEnvironment) -> Result<Environment> {
        new.validate()?;
        let name = new.name.clone();
        let body = environment_create_request(new)?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api_for_create();
        let options = CallOptions { subject: Some(&name), ..self.scope.options() };
        call(&self.scope.client, Operation::CreateEnvironment, options, || api.create_environment(&team, &body)).await
    }

    /// Changes an environment's description, colour or delete protection. Only what
    /// `update` sets is sent.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::EnvironmentUpdate;
    ///
    /// let env = client
    ///     .environments()
    ///     .update("hcxen_01hznmeqrcq8rz533xrvtc6mk0", EnvironmentUpdate::new().delete_protected(true))
    ///     .await?;
    /// assert_eq!(env.delete_protected, Some(true));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request: `id` is not an environment id, the
    ///   update changes nothing, the description is one [`create`](Self::create) would
    ///   refuse, or the slug given to [`for_team`](Self::for_team) is malformed.
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_not_found`](Error::is_not_found) for an unknown environment or team,
    ///   [`is_auth`](Error::is_auth) for a management key without `environments:write`.
    /// - [`Error::IdMismatch`] if Honeycomb answered with another environment.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn update(&self, id: impl AsRef<str>, update: EnvironmentUpdate) -> Result<Environment> {
        let id = EnvironmentId::parse(id.as_ref())?;
        update.validate()?;
        let body = environment_update_request(&id, update)?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        let env = call(&self.scope.client, Operation::UpdateEnvironment, self.scope.options(), || {
            api.update_environment(&team, &id, &body)
        })
        .await?;
        self.scope.same_id(Operation::UpdateEnvironment, id.as_str(), env)
    }

    /// Deletes an environment: Honeycomb deletes and deactivates it at once, and it cannot
    /// be undone. Honeycomb refuses to delete one with delete protection on (409), which
    /// new environments have: turn it off first with [`update`](Self::update).
    /// A 404 to a retry, after an attempt whose answer was lost, means that attempt deleted
    /// it, and the delete succeeds.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// client.environments().delete("hcxen_01hznmeqrcq8rz533xrvtc6mk0").await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request if `id` is not an environment id (or
    ///   the slug given to [`for_team`](Self::for_team) is malformed).
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_conflict`](Error::is_conflict) for a delete-protected environment,
    ///   [`is_not_found`](Error::is_not_found) for one that does not exist (unless an
    ///   earlier attempt of this call may have deleted it), [`is_auth`](Error::is_auth) for a
    ///   management key without `environments:write`.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline.
    /// - Without a configured team, first the errors of [`Client::resolve_team`].
    pub async fn delete(&self, id: impl AsRef<str>) -> Result<()> {
        let id = EnvironmentId::parse(id.as_ref())?;
        let team = self.scope.team().await?;
        let api = self.scope.client.api();
        call_delete(&self.scope.client, Operation::DeleteEnvironment, self.scope.options(), || {
            api.delete_environment(&team, &id)
        })
        .await
    }

    /// The environment whose id, slug or name (case-insensitively) is `wanted`, if any:
    /// how to get from the name people know to the id keys need. Something shaped like an
    /// id is read by id (one request); a name or slug, or an id-shaped word that is no
    /// environment's id, is looked for in the list, page by page until found.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::NewApiKey;
    ///
    /// let Some(production) = client.environments().find("Production").await? else {
    ///     return Ok(()); // no such environment
    /// };
    /// let created = client.api_keys().create(NewApiKey::ingest("checkout", &production.id)).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] before any request if `wanted` is empty or blank.
    /// - For an id-shaped `wanted`, the errors of [`get`](Self::get) other than a 404.
    /// - The errors of the listing, as [`Items::try_next`](crate::Items::try_next) says.
    pub async fn find(&self, wanted: &str) -> Result<Option<Environment>> {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            return Err(Error::invalid("environment", "id, name or slug must not be empty"));
        }
        if EnvironmentId::parse(wanted).is_ok() {
            match self.get(wanted).await {
                Ok(env) => return Ok(Some(env)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        let mut all = self.list().items();
        while let Some(env) = all.try_next().await? {
            if env.matches(wanted) {
                return Ok(Some(env));
            }
        }
        Ok(None)
    }
}

/// A listing of environments, from [`Environments::list`]. Nothing is sent until the
/// stream is polled.
#[derive(Clone, Debug)]
#[must_use = "a listing does nothing until its stream is polled"]
pub struct ListEnvironments {
    environments: Environments,
    options: ListOptions,
}

impl ListEnvironments {
    pagination::list_builder_methods!(Environment);

    /// The pages, as Honeycomb returns them.
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let mut pages = client.environments().list().pages();
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} environments, next cursor {:?}", page.items.len(), page.next_cursor);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages(self) -> Pages<Environment> {
        let TeamScope { client, team, retry } = self.environments.scope;
        pagination::team_list(
            client,
            team,
            Operation::ListEnvironments,
            self.options,
            move |client, team, cursor, size| {
                let retry = retry.clone();
                async move {
                    let options = CallOptions { retry: retry.as_ref(), ..CallOptions::default() };
                    let api = client.api();
                    call(&client, Operation::ListEnvironments, options, || {
                        api.list_environments(&team, cursor.as_deref(), size)
                    })
                    .await
                }
            },
        )
    }
}

impl pagination::Listed for Environment {
    fn listing_id(&self) -> &str {
        self.id.as_str()
    }
}
