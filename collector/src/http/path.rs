//! A path-parameter extractor whose rejections are our 404 problem, not axum's plain text: axum
//! quotes the segment it could not parse, and a URL is no value to reflect.

use axum::extract::{FromRequestParts, Path as AxumPath};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::Error;

/// Like `axum::extract::Path`; a segment that does not parse is "nothing here".
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        AxumPath::<T>::from_request_parts(parts, state)
            .await
            .map(|AxumPath(value)| Path(value))
            .map_err(|_| Error::NotFound)
    }
}
