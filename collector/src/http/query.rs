//! A query-string extractor whose rejections are our 422 problem naming the parameter, not
//! axum's plain-text 400.

use axum::extract::{FromRequestParts, Query as AxumQuery};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::Error;

/// Like `axum::extract::Query`, with problem+json errors.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        AxumQuery::<T>::try_from_uri(&parts.uri)
            .map(|AxumQuery(value)| Query(value))
            .map_err(|rejection| {
                let text = rejection.body_text();
                let reason = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                Error::InvalidQuery(format!("query string: {reason}"))
            })
    }
}
