//! A JSON extractor whose rejections are our problem documents, not axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};

use super::error::Error;

/// Like `axum::Json`, with problem+json errors: 415 without a JSON content type, 400 for bytes
/// that are not JSON, 422 for JSON of the wrong shape (serde's message names the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::NotJson),
            Err(JsonRejection::JsonDataError(e)) => Err(Error::InvalidBody(e.body_text())),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::TooLarge)
            }
            Err(e) => Err(Error::MalformedBody(e.body_text())),
        }
    }
}
