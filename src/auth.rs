//! `GET /2/auth`: who the management key is, and which team it belongs to; the team a
//! call uses (given, or detected here once per client).

use crate::{
    client::Client,
    error::{Error, Result},
    model::{AuthInfo, Segment, check_path_segment},
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
}
