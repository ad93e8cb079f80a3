//! The client generated from `spec/api-keys.yaml` by `build.rs`, and its transport hooks.
//!
//! Private: the public API is the handwritten layer. Everything here is about the wire:
//! the real JSON:API media type on every request, the per-request trace, and turning the
//! generator's errors into the crate's [`Error`].

use futures::StreamExt;
use progenitor_client::{ByteStream, ClientHooks, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use tracing::Instrument;

use crate::error::{ApiError, Error};

#[allow(missing_docs, unused_imports, dead_code, clippy::all, clippy::pedantic)]
mod inner {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

pub(crate) use inner::{Client as RawClient, types};

/// The media type of every JSON:API request and response body.
pub(crate) const JSON_API: &str = "application/vnd.api+json";

/// How much of an error body is read to describe the error.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

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

    /// Sends the request inside a tracing span (operation, method, path; never headers
    /// or bodies, so no secret is ever recorded).
    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        let span = tracing::debug_span!(
            "honeycomb.request",
            operation = info.operation_id,
            method = %request.method(),
            path = request.url().path(),
        );
        let started = std::time::Instant::now();
        let client = progenitor_client::ClientInfo::client(self);
        async move {
            let result = client.execute(request).await;
            match &result {
                Ok(response) => tracing::debug!(
                    status = response.status().as_u16(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "response"
                ),
                Err(e) => tracing::debug!(
                    connect = e.is_connect(),
                    timeout = e.is_timeout(),
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "request failed"
                ),
            }
            result
        }
        .instrument(span)
        .await
    }
}

/// Awaits a generated call: its decoded body, or the crate's error.
pub(crate) async fn call<T>(
    operation: &'static str,
    request: impl std::future::Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>,
) -> crate::error::Result<T> {
    match request.await {
        Ok(response) => Ok(response.into_inner()),
        Err(e) => Err(into_error(e, operation).await),
    }
}

/// Turns a generated call's error into the crate's error, reading (a bounded part of)
/// the body of an error response.
async fn into_error(err: progenitor_client::Error<ByteStream>, operation: &'static str) -> Error {
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
    while let Some(Ok(chunk)) = stream.next().await {
        let room = ERROR_BODY_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    ApiError::from_response(operation, status, &headers, &body).into()
}
