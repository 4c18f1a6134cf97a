//! `GET /v1/sites/{site}/policy` (the current policy document, byte for byte, its SHA-256 as
//! ETag) and `GET /v1/sites/{site}/policies/{version}` (any version ever served, for proof).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use samtycke_shared::SiteId;

use super::error::Problem;
use super::path::Path;
use super::{Error, Result};
use crate::state::AppState;

/// Policy routes, readable by the configured sites' pages.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/v1/sites/{site}/policy", get(current_policy))
        .route("/v1/sites/{site}/policies/{version}", get(policy_version))
        .layer(super::cors::for_sites(&state.sites, &[Method::GET]))
}

#[utoipa::path(get, path = "/v1/sites/{site}/policy", tag = "sites",
    params(("site" = String, Path, description = "Site id")),
    responses((status = 200, description = "The current policy document, byte for byte; its SHA-256 is the ETag", body = Object),
              (status = 304, description = "Not modified"),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
async fn current_policy(
    State(state): State<AppState>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let found = SiteId::parse(&site)
        .ok()
        .and_then(|id| state.sites.get(&id).cloned());
    let site = found.ok_or(Error::SiteNotFound)?;
    Ok(document_response(
        &headers,
        &site.policy.sha256,
        site.policy.document.to_vec(),
        "public, max-age=60",
    ))
}

#[utoipa::path(get, path = "/v1/sites/{site}/policies/{version}", tag = "sites",
    params(("site" = String, Path, description = "Site id"), ("version" = u32, Path, description = "Policy version")),
    responses((status = 200, description = "A policy version ever served, byte for byte", body = Object),
              (status = 304, description = "Not modified"),
              (status = 404, description = "No such site or version (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
async fn policy_version(
    State(state): State<AppState>,
    Path((site, version)): Path<(String, u32)>,
    headers: HeaderMap,
) -> Result<Response> {
    let id = SiteId::parse(&site).map_err(|_| Error::SiteNotFound)?;
    if state.sites.get(&id).is_none() {
        return Err(Error::SiteNotFound);
    }
    let stored = state.store.policy(&id, version).await?;
    let stored = stored.ok_or(Error::PolicyVersionNotFound { site: id, version })?;
    // A published version never changes, so it may be cached for good.
    Ok(document_response(
        &headers,
        &stored.sha256,
        stored.document,
        "public, max-age=31536000, immutable",
    ))
}

/// A JSON document with its hex SHA-256 as strong ETag, answering `If-None-Match` with 304.
pub(super) fn document_response(
    headers: &HeaderMap,
    sha256: &str,
    body: Vec<u8>,
    cache: &'static str,
) -> Response {
    let etag = format!("\"{sha256}\"");
    let cache = HeaderValue::from_static(cache);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let etag = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    let json = HeaderValue::from_static("application/json");
    (
        [
            (header::CONTENT_TYPE, json),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        body,
    )
        .into_response()
}
