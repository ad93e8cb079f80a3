//! What [`ApiKeys`](crate::ApiKeys) and [`Environments`](crate::Environments) share: the
//! client their calls go through, the team they go to and the retry policy they use.

use crate::{
    client::Client,
    error::{Error, Result},
    operation::Operation,
    pagination::Listed,
    retry::RetryConfig,
    transport::CallOptions,
};

/// A client scoped to a team (the client's own when none is given) and a retry policy
/// (the client's when none is given).
#[derive(Clone, Debug)]
pub(crate) struct TeamScope {
    pub(crate) client: Client,
    pub(crate) team: Option<String>,
    pub(crate) retry: Option<RetryConfig>,
}

impl TeamScope {
    pub(crate) fn new(client: Client) -> Self {
        TeamScope { client, team: None, retry: None }
    }

    /// The team a call goes to: the one given, else the client's (configured or detected).
    pub(crate) async fn team(&self) -> Result<String> {
        self.client.team_for(self.team.as_deref()).await
    }

    /// The retry policy of a call (and no subject).
    pub(crate) fn options(&self) -> CallOptions<'_> {
        CallOptions { retry: self.retry.as_ref(), ..CallOptions::default() }
    }

    /// What Honeycomb answered, if it is the item asked for: an answer about another must
    /// not be acted on (a rotation would retire the wrong key).
    pub(crate) fn same_id<T: Listed>(&self, operation: Operation, requested: &str, item: T) -> Result<T> {
        if item.listing_id() == requested {
            Ok(item)
        } else {
            Err(Error::id_mismatch(operation, requested, item.listing_id(), self.client.redactor()))
        }
    }
}
