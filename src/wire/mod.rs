//! The client generated from `spec/api-keys.yaml` by `build.rs`, and everything that
//! knows it: the only module that names generated code.
//!
//! Private: the public API is the handwritten layer. [`Api`] makes one attempt of each
//! operation and answers in the crate's types; the hooks here put the real JSON:API media
//! type on every request and cap the size of every answer. Retries, pacing and traces
//! wrap these attempts in `transport`.

use futures::StreamExt;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};

mod api;
mod errors;
pub(crate) mod headers;
pub(crate) mod keys;
mod permissions;
#[cfg(test)]
mod proptests;
pub(crate) mod teams;

pub(crate) use api::{Api, Attempt, Failed, RawPage};
use permissions::WirePermissions;

#[allow(missing_docs, unused_imports, dead_code, unreachable_pub, clippy::all, clippy::pedantic)]
mod inner {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

use inner::{Client as RawClient, types};
/// What the published spec accepts, for the fake: the permission names, the key types of
/// a create and of a listing's filter, the colours of an environment create (written by
/// `build.rs`). It follows the spec, not the crate's own lists (`tests/suite/spec.rs` and
/// `spec_requests.rs` check that the two agree).
#[cfg(feature = "mock")]
#[allow(unreachable_pub)]
mod spec_lists {
    include!(concat!(env!("OUT_DIR"), "/spec_lists.rs"));
}
#[cfg(feature = "mock")]
pub(crate) use spec_lists::{SPEC_ENVIRONMENT_COLORS, SPEC_KEY_TYPE_FILTERS, SPEC_KEY_TYPES, SPEC_PERMISSIONS};

/// A value a generated type refused (a length the spec limits), as the crate's error for
/// `field`. The crate checks these limits itself first; this is the generated types' own.
fn invalid_wire_value(field: &'static str, refused: impl std::fmt::Display) -> crate::error::Error {
    crate::error::Error::invalid(field, refused.to_string())
}

/// The media type of every JSON:API request and response body.
const JSON_API: &str = "application/vnd.api+json";

/// The media type of `/1/auth`'s answer (a v1 endpoint: plain JSON).
const PLAIN_JSON: &str = "application/json";

/// The header a data key travels in (`/1/auth`).
const DATA_KEY_HEADER: &str = "x-honeycomb-team";

/// The largest answer read at all. Honeycomb's pages are tens of kilobytes.
const RESPONSE_LIMIT: usize = 8 * 1024 * 1024;

/// The error a body stream ends with past [`RESPONSE_LIMIT`]; found again in the error
/// chain to report [`Error::ResponseTooLarge`].
#[derive(Debug)]
struct TooLarge;

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer is larger than {RESPONSE_LIMIT} bytes")
    }
}

impl std::error::Error for TooLarge {}

/// Whether `error` (or what caused it) is a [`TooLarge`].
fn is_too_large(error: &reqwest::Error) -> bool {
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
    /// `application/json`; `/1/auth` alone answers it), marks a data key's header
    /// sensitive, and drops the generator's `api-version` header.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let has_body = request.body().is_some();
        let headers = request.headers_mut();
        headers.remove("api-version");
        if let Some(data_key) = headers.get_mut(DATA_KEY_HEADER) {
            // A data key being checked (`/1/auth`): never shown by HTTP layers' logs.
            data_key.set_sensitive(true);
        }
        let accept = if info.operation_id == "verify_key" { PLAIN_JSON } else { JSON_API };
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
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

/// Request building and response decoding without I/O, for the benchmarks (which turn on
/// the `__bench` feature). Not part of the API: it may change at any time.
#[cfg(feature = "__bench")]
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
        let body =
            serde_json::to_vec(&create_request(new)?.0).map_err(|e| Error::decode(Operation::CreateApiKey, &e))?;
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
        let body = serde_json::to_vec(&update_request(&id, update)?.0)
            .map_err(|e| Error::decode(Operation::UpdateApiKey, &e))?;
        let decoded: types::ApiKeyResponse =
            serde_json::from_slice(response).map_err(|e| Error::decode(Operation::UpdateApiKey, &e))?;
        Ok((body.len(), key_from_wire(decoded.data)))
    }
}
