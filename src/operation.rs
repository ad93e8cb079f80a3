//! The operations of the API, as the retry policy, the rate limiter, errors and traces
//! name them.

use std::fmt;

/// One operation of the API Keys v2 management API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /2/auth`
    GetAuth,
    /// `GET /1/auth`: a data key's identity, asked with that key (not the management key)
    VerifyKey,
    /// `GET /2/teams/{teamSlug}/api-keys`
    ListApiKeys,
    /// `POST /2/teams/{teamSlug}/api-keys`
    CreateApiKey,
    /// `GET /2/teams/{teamSlug}/api-keys/{ID}`
    GetApiKey,
    /// `PATCH /2/teams/{teamSlug}/api-keys/{ID}`
    UpdateApiKey,
    /// `DELETE /2/teams/{teamSlug}/api-keys/{ID}`
    DeleteApiKey,
    /// `GET /2/teams/{teamSlug}/environments`
    ListEnvironments,
    /// `POST /2/teams/{teamSlug}/environments`
    CreateEnvironment,
    /// `GET /2/teams/{teamSlug}/environments/{ID}`
    GetEnvironment,
    /// `PATCH /2/teams/{teamSlug}/environments/{ID}`
    UpdateEnvironment,
    /// `DELETE /2/teams/{teamSlug}/environments/{ID}`
    DeleteEnvironment,
}

impl Operation {
    /// Every operation.
    pub const ALL: &'static [Operation] = &[
        Operation::GetAuth,
        Operation::VerifyKey,
        Operation::ListApiKeys,
        Operation::CreateApiKey,
        Operation::GetApiKey,
        Operation::UpdateApiKey,
        Operation::DeleteApiKey,
        Operation::ListEnvironments,
        Operation::CreateEnvironment,
        Operation::GetEnvironment,
        Operation::UpdateEnvironment,
        Operation::DeleteEnvironment,
    ];

    /// The operation's name in snake case, such as `create_api_key`.
    ///
    /// ```
    /// use honeycomb_api_keys::Operation;
    ///
    /// assert_eq!(Operation::CreateApiKey.name(), "create_api_key");
    /// assert_eq!(Operation::GetAuth.to_string(), "get_auth"); // Display is the name
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Operation::GetAuth => "get_auth",
            Operation::VerifyKey => "verify_key",
            Operation::ListApiKeys => "list_api_keys",
            Operation::CreateApiKey => "create_api_key",
            Operation::GetApiKey => "get_api_key",
            Operation::UpdateApiKey => "update_api_key",
            Operation::DeleteApiKey => "delete_api_key",
            Operation::ListEnvironments => "list_environments",
            Operation::CreateEnvironment => "create_environment",
            Operation::GetEnvironment => "get_environment",
            Operation::UpdateEnvironment => "update_environment",
            Operation::DeleteEnvironment => "delete_environment",
        }
    }

    /// The HTTP method.
    ///
    /// ```
    /// use honeycomb_api_keys::Operation;
    ///
    /// assert_eq!(Operation::UpdateApiKey.method(), "PATCH");
    /// assert_eq!(Operation::ListEnvironments.method(), "GET");
    /// ```
    pub const fn method(self) -> &'static str {
        match self {
            Operation::CreateApiKey | Operation::CreateEnvironment => "POST",
            Operation::UpdateApiKey | Operation::UpdateEnvironment => "PATCH",
            Operation::DeleteApiKey | Operation::DeleteEnvironment => "DELETE",
            _ => "GET",
        }
    }

    /// The path template, as Honeycomb's published spec writes it, such as
    /// `/2/teams/{teamSlug}/api-keys/{ID}`.
    ///
    /// ```
    /// use honeycomb_api_keys::Operation;
    ///
    /// assert_eq!(Operation::DeleteApiKey.path(), "/2/teams/{teamSlug}/api-keys/{ID}");
    /// assert_eq!(Operation::GetAuth.path(), "/2/auth");
    /// ```
    pub const fn path(self) -> &'static str {
        match self {
            Operation::GetAuth => "/2/auth",
            Operation::VerifyKey => "/1/auth",
            Operation::ListApiKeys | Operation::CreateApiKey => "/2/teams/{teamSlug}/api-keys",
            Operation::GetApiKey | Operation::UpdateApiKey | Operation::DeleteApiKey => {
                "/2/teams/{teamSlug}/api-keys/{ID}"
            }
            Operation::ListEnvironments | Operation::CreateEnvironment => "/2/teams/{teamSlug}/environments",
            Operation::GetEnvironment | Operation::UpdateEnvironment | Operation::DeleteEnvironment => {
                "/2/teams/{teamSlug}/environments/{ID}"
            }
        }
    }

    /// Whether sending it twice has the same effect as once. Only the creates are not: a
    /// second create makes a second key (or, for an environment, is refused as a
    /// conflict). An update sends absolute values, so repeating it changes nothing more.
    ///
    /// ```
    /// use honeycomb_api_keys::Operation;
    ///
    /// assert!(!Operation::CreateApiKey.is_idempotent());
    /// assert!(!Operation::CreateEnvironment.is_idempotent());
    /// assert!(Operation::UpdateEnvironment.is_idempotent());
    /// ```
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Operation::CreateApiKey | Operation::CreateEnvironment)
    }

    /// The scope a management key needs for it: none for `/2/auth`, and none for
    /// [`VerifyKey`](Operation::VerifyKey), which is asked with the data key it checks.
    ///
    /// ```
    /// use honeycomb_api_keys::Operation;
    ///
    /// assert_eq!(Operation::CreateApiKey.scope(), Some("api-keys:write"));
    /// assert_eq!(Operation::GetEnvironment.scope(), Some("environments:read"));
    /// assert_eq!(Operation::GetAuth.scope(), None);
    /// assert_eq!(Operation::VerifyKey.scope(), None);
    /// ```
    pub const fn scope(self) -> Option<&'static str> {
        match self {
            Operation::GetAuth | Operation::VerifyKey => None,
            Operation::ListApiKeys | Operation::GetApiKey => Some("api-keys:read"),
            Operation::CreateApiKey | Operation::UpdateApiKey | Operation::DeleteApiKey => Some("api-keys:write"),
            Operation::ListEnvironments | Operation::GetEnvironment => Some("environments:read"),
            Operation::CreateEnvironment | Operation::UpdateEnvironment | Operation::DeleteEnvironment => {
                Some("environments:write")
            }
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
