//! The client generated from `spec/api-keys.yaml` by `build.rs`, and its transport hooks.
//!
//! Private: the public API is the handwritten layer. Everything here is about the wire:
//! the real JSON:API media type on every request, and turning the generator's errors into
//! the crate's [`Error`]. Retries, pacing and traces wrap these calls in `transport`.

use futures::StreamExt;
use progenitor_client::{ByteStream, ClientHooks, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

use crate::{error::Error, operation::Operation};

pub(crate) mod errors;
pub(crate) mod headers;
pub(crate) mod keys;
mod permissions;
mod teams;

pub(crate) use permissions::WirePermissions;
pub(crate) use teams::{auth_from_wire, environment_from_wire};

#[allow(missing_docs, unused_imports, dead_code, unreachable_pub, clippy::all, clippy::pedantic)]
mod inner {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

/// The permission names the spec lists, for the fake: it follows the spec, not the crate's
/// `Permission` list (`tests/spec.rs` checks that the two agree).
#[cfg(feature = "mock")]
pub(crate) use inner::SPEC_PERMISSIONS;
pub(crate) use inner::{Client as RawClient, types};

/// The media type of every JSON:API request and response body.
pub(crate) const JSON_API: &str = "application/vnd.api+json";

/// How much of an error body is read to describe the error, and for how long.
const ERROR_BODY_LIMIT: usize = 64 * 1024;
const ERROR_BODY_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// The largest answer read at all. Honeycomb's pages are tens of kilobytes.
pub(crate) const RESPONSE_LIMIT: usize = 8 * 1024 * 1024;

/// The error a body stream ends with past [`RESPONSE_LIMIT`]; found again in the error
/// chain to report [`Error::ResponseTooLarge`].
#[derive(Debug)]
pub(crate) struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer is larger than {RESPONSE_LIMIT} bytes")
    }
}

impl std::error::Error for TooLarge {}

/// Whether `error` (or what caused it) is a [`TooLarge`].
pub(crate) fn is_too_large(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<TooLarge>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// The response, with a body that fails past [`RESPONSE_LIMIT`] instead of being
/// buffered whole. A body whose declared length is within the limit is left as it is
/// (hyper enforces the length), which keeps the fast path and connection reuse intact.
fn limit_body(response: reqwest::Response) -> reqwest::Response {
    if response.content_length().is_some_and(|length| length <= RESPONSE_LIMIT as u64) {
        return response;
    }
    let mut limited = http::Response::builder().status(response.status()).version(response.version());
    if let Some(headers) = limited.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut read = 0usize;
    let body = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
        read += chunk.len();
        if read > RESPONSE_LIMIT {
            Err(Box::new(TooLarge) as Box<dyn std::error::Error + Send + Sync>)
        } else {
            Ok(chunk)
        }
    });
    match limited.body(reqwest::Body::wrap_stream(body)) {
        Ok(response) => reqwest::Response::from(response),
        Err(_) => unreachable!("status, version and headers come from a valid response"),
    }
}

impl ClientHooks for RawClient {
    /// Puts the wire's media type on the request (the generator only knows
    /// `application/json`) and drops the generator's `api-version` header.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let has_body = request.body().is_some();
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert(ACCEPT, HeaderValue::from_static(JSON_API));
        if has_body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_API));
        } else {
            headers.remove(CONTENT_TYPE);
        }
        Ok(())
    }

    /// Sends the request; the answer's body is read through [`limit_body`].
    async fn exec(&self, request: reqwest::Request, _info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        progenitor_client::ClientInfo::client(self).execute(request).await.map(limit_body)
    }
}

/// Turns a generated call's error into the crate's error, reading (a bounded part of)
/// the body of an error response.
pub(crate) async fn into_error(
    err: progenitor_client::Error<ByteStream>,
    operation: Operation,
    redactor: &crate::text::Redactor,
) -> Error {
    use progenitor_client::Error as E;
    let response = match err {
        E::ErrorResponse(response) => response,
        E::UnexpectedResponse(response) => ResponseValue::stream(response),
        E::InvalidResponsePayload(_, e) => return Error::decode(operation, &e),
        E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => {
            return Error::transport(operation, e);
        }
        E::InvalidRequest(message) | E::Custom(message) => {
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

/// Request building and response decoding without I/O, for the benchmarks. Not part of
/// the API: it may change at any time.
#[doc(hidden)]
pub mod bench_support {
    use super::{
        keys::{create_request, created_from_wire, key_from_wire, update_request},
        types,
    };
    use crate::{
        error::{Error, Result},
        model::{ApiKey, ApiKeyUpdate, CreatedApiKey, KeyId, NewApiKey},
        operation::Operation,
    };

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
