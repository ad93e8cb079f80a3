//! `GET /2/auth`: who the management key is, and which team it belongs to; the team a
//! call uses (given, or detected here once per client); `GET /1/auth`: which data key a
//! secret is.

use secrecy::{ExposeSecret, SecretString};

use crate::{
    client::Client,
    error::{Error, Result},
    model::{AuthInfo, KeyIdentity, Segment, check_path_segment},
    operation::Operation,
    transport::{CallOptions, call},
};

impl Client {
    /// The team slug calls use: the one configured, or the one `/2/auth` names (asked
    /// once per client and its clones; concurrent first calls share one request; a failure
    /// is not remembered, so the next call asks again).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let team = client.resolve_team().await?;
    /// println!("managing the keys of team {team}");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// None with a configured team (it was checked when the client was built). Otherwise
    /// the errors of [`auth`](Self::auth), and [`Error::InvalidArgument`] if the slug
    /// `/2/auth` names is not one this crate puts in a URL.
    pub async fn resolve_team(&self) -> Result<String> {
        self.team_for(None).await
    }

    /// The team for a call: `override_` if given (checked), else the client's team.
    pub(crate) async fn team_for(&self, override_: Option<&str>) -> Result<String> {
        if let Some(team) = override_.or(self.configured_team()) {
            check_path_segment("team", team, Segment::Slug)?;
            return Ok(team.to_string());
        }
        let detected = self
            .detected_team()
            .get_or_try_init(|| async {
                let slug = self.auth().await?.team.slug;
                check_path_segment("team", &slug, Segment::Slug)?;
                Ok::<_, Error>(slug)
            })
            .await?;
        Ok(detected.clone())
    }

    /// Describes the management key in use and its team (`GET /2/auth`).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// let me = client.auth().await?;
    /// println!("{} in team {} with scopes {:?}", me.key_id, me.team.slug, me.scopes);
    /// assert!(me.has_scope("api-keys:read"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::Api`] for an error status (also a 429 or 5xx that outlasted the retries):
    ///   [`is_auth`](Error::is_auth) for a wrong or disabled management key.
    /// - [`Error::TeamNotFound`] if the answer names no team.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read.
    pub async fn auth(&self) -> Result<AuthInfo> {
        let api = self.api();
        call(self, Operation::GetAuth, CallOptions::default(), || api.get_auth()).await?
    }

    /// Which data key `key` is (`GET /1/auth`): its id, type, environment, team and access
    /// flags, as Honeycomb answers. `key` is what a data client sends in
    /// `X-Honeycomb-Team`: for an ingest key its id and secret joined with nothing between
    /// (`hcxik_…` then the secret), for a configuration key its secret alone.
    ///
    /// The request carries that header alone: never the management key (it is sent on an
    /// HTTP client of its own, without `Authorization`). The key is hidden from HTTP logs
    /// and from the text of any error. Honeycomb paces this operation in a window of its
    /// own. A key just created may take a moment before Honeycomb accepts it: a caller
    /// that verifies a new key may ask again, a few times, on [`is_auth`](Error::is_auth).
    ///
    /// ```no_run
    /// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
    /// use honeycomb_api_keys::SecretString;
    ///
    /// let key = SecretString::from(std::env::var("HONEYCOMB_API_KEY").unwrap_or_default());
    /// match client.verify_key(&key).await {
    ///     Ok(me) => println!("{} ({}) in {:?} of team {:?}", me.id, me.key_type, me.environment_slug, me.team_slug),
    ///     Err(e) if e.is_auth() => eprintln!("Honeycomb refuses this key (unknown, disabled or deleted)"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`] (nothing sent) for an empty key or one with a character
    ///   other than visible ASCII (a header cannot carry it; whitespace is a copying slip).
    /// - [`Error::Api`] for an error status: [`is_auth`](Error::is_auth) (401) for a key
    ///   Honeycomb refuses (unknown, disabled or deleted); also a 429 or 5xx that outlasted
    ///   the retries.
    /// - [`Error::Transport`] or [`Error::Timeout`] when no answer came (after the retries),
    ///   [`Error::RateLimited`] when pacing would pass the call's deadline, [`Error::Decode`]
    ///   or [`Error::ResponseTooLarge`] for an answer that cannot be read, [`Error::Config`]
    ///   if the HTTP client without the management key cannot be built.
    pub async fn verify_key(&self, key: &SecretString) -> Result<KeyIdentity> {
        let secret = key.expose_secret();
        if secret.is_empty() {
            return Err(Error::invalid("key", "is empty"));
        }
        if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid(
                "key",
                "has a character other than visible ASCII (a space or a line break from a copy?)",
            ));
        }
        let mut redactor = self.redactor().clone();
        redactor.add(None, secret);
        let options = CallOptions { redactor: Some(&redactor), ..CallOptions::default() };
        let api = self.api_for_data_key()?;
        call(self, Operation::VerifyKey, options, || api.verify_key(secret)).await
    }
}
