//! A JSON extractor whose rejections are our problem documents, not axum's plain text, and
//! whose details name fields and positions but never repeat what the body held (see
//! `samtycke_shared::wire_error`): a body of the wrong shape may carry an e-mail address in the
//! wrong place, or as a key.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use samtycke_shared::WireError;
use serde::de::DeserializeOwned;

use super::error::Error;

/// Like `axum::Json`, with problem+json errors: 415 without a JSON content type, 413 past the
/// route's body limit, 400 for bytes that are not JSON, 422 for JSON of the wrong shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let JsonBytes(bytes) = JsonBytes::from_request(req, state).await?;
        WireError::from_slice(&bytes)
            .map(Json)
            .map_err(|error| match error.is_syntax() {
                true => Error::MalformedBody(error.to_string()),
                false => Error::InvalidBody(error.to_string()),
            })
    }
}

/// A JSON body's exact bytes, unread: for a route that keeps the document as sent (a policy
/// version, whose bytes receipts hash) and reads it its own way. The same rejections as
/// [`Json`]'s for the content type and the body's size and arrival.
#[derive(Debug, Clone, Default)]
pub struct JsonBytes(pub Bytes);

impl<S> FromRequest<S> for JsonBytes
where
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !declares_json(req.headers()) {
            return Err(Error::NotJson);
        }
        Bytes::from_request(req, state)
            .await
            .map(JsonBytes)
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
                _ if timed_out(&rejection) => Error::BodyTimeout,
                _ => Error::MalformedBody("the body could not be read".to_owned()),
            })
    }
}

/// Whether reading the body stopped at the body-read deadline (`server.rs`).
fn timed_out(rejection: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(rejection);
    while let Some(error) = cause {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// `application/json`, or any `application/…+json`, parameters aside.
fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}
