//! The calls: one method per operation of the spec, each making one attempt with the
//! generated client and answering in the crate's types. How an attempt failed is told
//! here ([`Failed`]), where the generator's error type is known; what to do about it
//! (retry, wait, give up) is decided in `transport`, which never sees generated code.

use futures::StreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::HeaderMap;

use super::{
    RESPONSE_LIMIT, RawClient, errors,
    headers::requested_wait,
    is_too_large,
    keys::{CreateBody, KeyTypeFilter, UpdateBody, created_from_wire, key_from_wire},
    teams::{EnvironmentCreateBody, EnvironmentUpdateBody, auth_from_wire, environment_from_wire, identity_from_wire},
};
use crate::{
    error::{Error, Result},
    model::{ApiKey, AuthInfo, CreatedApiKey, Environment, EnvironmentId, KeyId, KeyIdentity},
    operation::Operation,
    text::Redactor,
};

/// How much of an error body is read to describe the error, and for how long.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
const ERROR_BODY_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Honeycomb's API, one attempt per call: the generated client behind the crate's types.
#[derive(Clone, Debug)]
pub(crate) struct Api(RawClient);

/// A successful answer: its value in the crate's types, and what the transport reads of
/// the response (the status for traces, the headers for the rate limiter).
pub(crate) struct Answer<T> {
    pub(crate) value: T,
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
}

/// What one attempt ended with.
pub(crate) type Attempt<T> = std::result::Result<Answer<T>, Failed>;

/// A page of a listing as it came: the items, and the raw `links.next`.
pub(crate) struct RawPage<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_link: Option<String>,
}

/// How one attempt failed.
pub(crate) enum Failed {
    /// The connection could not be opened: the request was never sent.
    Connect(reqwest::Error),
    /// The request was (perhaps) sent, then the exchange broke or timed out.
    Sent(reqwest::Error),
    /// Honeycomb answered an error status (or one the spec does not list), with the wait
    /// it asked for, if any (`Retry-After`, or a 429's `RateLimit` reset).
    Status { status: u16, wait: Option<std::time::Duration>, answer: ErrorAnswer },
    /// An answer over [`RESPONSE_LIMIT`].
    TooLarge,
    /// A success status whose body broke off while it was read.
    BodyBroken(reqwest::Error),
    /// A success status whose body does not decode (the same body would come again), with
    /// the key id at `/data/id` if the body shows one (a create's unreadable answer names
    /// the key that exists; nothing else of the body, which may hold its secret, is kept).
    Undecodable { key_id: Option<String>, error: serde_json::Error },
    /// A request the generated client could not build.
    Unbuilt(String),
    /// Another failure of the HTTP stack (a connection upgrade, which no operation of
    /// the spec asks for): neither retried nor ambiguous.
    Other(reqwest::Error),
}

/// An error answer, its body not read yet: it is read (bounded) only to describe the
/// error the call ends with.
pub(crate) struct ErrorAnswer(ResponseValue<ByteStream>);

impl ErrorAnswer {
    pub(crate) fn headers(&self) -> &HeaderMap {
        self.0.headers()
    }
}

impl Failed {
    fn classify(error: progenitor_client::Error<ByteStream>) -> Failed {
        use progenitor_client::Error as E;
        let status = |answer: ErrorAnswer| {
            let status = answer.0.status().as_u16();
            Failed::Status { status, wait: requested_wait(status, answer.headers()), answer }
        };
        match error {
            E::ResponseBodyError(e) | E::CommunicationError(e) if is_too_large(&e) => Failed::TooLarge,
            E::CommunicationError(e) if e.is_connect() => Failed::Connect(e),
            E::CommunicationError(e) => Failed::Sent(e),
            E::ErrorResponse(answer) => status(ErrorAnswer(answer)),
            E::UnexpectedResponse(response) => status(ErrorAnswer(ResponseValue::stream(response))),
            E::ResponseBodyError(e) => Failed::BodyBroken(e),
            E::InvalidResponsePayload(body, error) => Failed::Undecodable { key_id: key_id_in(&body), error },
            E::InvalidUpgrade(e) => Failed::Other(e),
            E::InvalidRequest(message) | E::Custom(message) => Failed::Unbuilt(message),
        }
    }

    /// The error a call ends with after this failure, reading (a bounded part of) the
    /// body of an error answer; bodies are redacted as they are read.
    pub(crate) async fn into_error(self, operation: Operation, redactor: &Redactor) -> Error {
        let response = match self {
            Failed::Status { answer, .. } => answer.0,
            Failed::Connect(e) | Failed::Sent(e) | Failed::BodyBroken(e) | Failed::Other(e) => {
                return Error::transport(operation, e);
            }
            Failed::Undecodable { error, .. } => return Error::decode(operation, &error),
            Failed::TooLarge => return Error::ResponseTooLarge { operation, limit: RESPONSE_LIMIT },
            Failed::Unbuilt(message) => {
                return Error::invalid("request", format!("{operation}: the request could not be built: {message}"));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let mut stream = response.into_inner().into_inner();
        let mut body = Vec::new();
        // A few seconds for an error body at most: it only describes the error.
        let read_until = tokio::time::Instant::now() + ERROR_BODY_TIME;
        while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(read_until, stream.next()).await {
            let room = ERROR_BODY_LIMIT - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= ERROR_BODY_LIMIT {
                break;
            }
        }
        errors::api_error(operation, status, &headers, &body, redactor).into()
    }

    /// The error for a create whose 201 could not be read: which key exists, if the body
    /// shows its id, without any other text of the body (it holds the secret).
    pub(crate) fn into_created_unreadable(self) -> Error {
        match self {
            Failed::Undecodable { key_id, error } => {
                let reason =
                    format!("it does not match the expected shape at line {}, column {}", error.line(), error.column());
                Error::CreatedKeyUnreadable { key_id, reason }
            }
            Failed::TooLarge => {
                Error::CreatedKeyUnreadable { key_id: None, reason: "the answer was too large to read".into() }
            }
            Failed::BodyBroken(_)
            | Failed::Connect(_)
            | Failed::Sent(_)
            | Failed::Status { .. }
            | Failed::Unbuilt(_)
            | Failed::Other(_) => Error::CreatedKeyUnreadable {
                key_id: None,
                reason: "the connection broke while it was being read".into(),
            },
        }
    }
}

/// The key id at `/data/id` of an answer's body, if it has one that is shaped like an id.
fn key_id_in(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|body| body.pointer("/data/id")?.as_str().map(str::to_string))
        .filter(|id| KeyId::parse(id.as_str()).is_ok())
}

/// One generated call's outcome, its value converted with `convert`.
async fn attempt<W, T>(
    pending: impl Future<Output = std::result::Result<ResponseValue<W>, progenitor_client::Error<ByteStream>>>,
    convert: impl FnOnce(W) -> T,
) -> Attempt<T> {
    match pending.await {
        Ok(response) => {
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            Ok(Answer { value: convert(response.into_inner()), status, headers })
        }
        Err(error) => Err(Failed::classify(error)),
    }
}

impl Api {
    /// The calls to `base`, sent with `http` (which carries the credentials).
    pub(crate) fn new(base: &str, http: reqwest::Client) -> Api {
        Api(RawClient::new_with_client(base, http))
    }

    /// `GET /2/auth`. A team that the answer does not show is an error of the value, not
    /// of the attempt (asking again would not help).
    pub(crate) async fn get_auth(&self) -> Attempt<Result<AuthInfo>> {
        attempt(self.0.get_auth(), auth_from_wire).await
    }

    /// `GET /1/auth` with `data_key` in `X-Honeycomb-Team` (the hooks mark it sensitive);
    /// `self` must be the client's keyless calls (`Client::api_for_data_key`), which carry
    /// no management key.
    pub(crate) async fn verify_key(&self, data_key: &str) -> Attempt<KeyIdentity> {
        attempt(self.0.verify_key(data_key), identity_from_wire).await
    }

    pub(crate) async fn list_api_keys(
        &self,
        team: &str,
        filter: Option<KeyTypeFilter>,
        after: Option<&str>,
        size: std::num::NonZeroU32,
    ) -> Attempt<RawPage<ApiKey>> {
        attempt(self.0.list_api_keys(team, filter.map(|f| f.0), after, Some(size)), |page| RawPage {
            items: page.data.into_iter().map(key_from_wire).collect(),
            next_link: page.links.and_then(|l| l.next),
        })
        .await
    }

    pub(crate) async fn create_api_key(&self, team: &str, body: &CreateBody) -> Attempt<CreatedApiKey> {
        attempt(self.0.create_api_key(team, &body.0), |answer| created_from_wire(answer.data)).await
    }

    pub(crate) async fn get_api_key(&self, team: &str, id: &KeyId) -> Attempt<ApiKey> {
        attempt(self.0.get_api_key(team, id.as_str()), |answer| key_from_wire(answer.data)).await
    }

    pub(crate) async fn update_api_key(&self, team: &str, id: &KeyId, body: &UpdateBody) -> Attempt<ApiKey> {
        attempt(self.0.update_api_key(team, id.as_str(), &body.0), |answer| key_from_wire(answer.data)).await
    }

    pub(crate) async fn delete_api_key(&self, team: &str, id: &KeyId) -> Attempt<()> {
        attempt(self.0.delete_api_key(team, id.as_str()), |()| ()).await
    }

    pub(crate) async fn list_environments(
        &self,
        team: &str,
        after: Option<&str>,
        size: std::num::NonZeroU32,
    ) -> Attempt<RawPage<Environment>> {
        attempt(self.0.list_environments(team, after, Some(size)), |page| RawPage {
            items: page.data.into_iter().map(environment_from_wire).collect(),
            next_link: page.links.and_then(|l| l.next),
        })
        .await
    }

    pub(crate) async fn create_environment(&self, team: &str, body: &EnvironmentCreateBody) -> Attempt<Environment> {
        attempt(self.0.create_environment(team, &body.0), |answer| environment_from_wire(answer.data)).await
    }

    pub(crate) async fn get_environment(&self, team: &str, id: &EnvironmentId) -> Attempt<Environment> {
        attempt(self.0.get_environment(team, id.as_str()), |answer| environment_from_wire(answer.data)).await
    }

    pub(crate) async fn update_environment(
        &self,
        team: &str,
        id: &EnvironmentId,
        body: &EnvironmentUpdateBody,
    ) -> Attempt<Environment> {
        attempt(self.0.update_environment(team, id.as_str(), &body.0), |answer| environment_from_wire(answer.data))
            .await
    }

    pub(crate) async fn delete_environment(&self, team: &str, id: &EnvironmentId) -> Attempt<()> {
        attempt(self.0.delete_environment(team, id.as_str()), |()| ()).await
    }
}
