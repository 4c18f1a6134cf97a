//! `GET /v1/sites` (the sites served and their optional purposes, for the console's filters),
//! `GET /v1/sites/{site}/policy` (the current policy document, byte for byte, its SHA-256 as
//! ETag) and `GET /v1/sites/{site}/policies/{version}` (any version ever served, for proof).
//! Both are compressed once per version (`compressed.rs`): the bytes a receipt's hash covers are
//! the document's, whatever encoding carried them.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::get;
use samtycke_shared::SiteId;

use super::compressed::Compressed;
use super::error::Problem;
use super::path::Path;
use super::{Error, Result};
use crate::state::AppState;

/// Policy routes, readable by the configured sites' pages.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/v1/sites", get(sites))
        .route("/v1/sites/{site}/policy", get(current_policy))
        .route("/v1/sites/{site}/policies/{version}", get(policy_version))
        .layer(super::cors::for_sites(&state.sites, &[Method::GET]))
}

/// A site served, as listed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(super) struct SiteSummary {
    id: String,
    version: u32,
    purposes: Vec<PurposeSummary>,
}

/// An optional purpose and its names by language.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(super) struct PurposeSummary {
    id: String,
    name: std::collections::BTreeMap<String, String>,
}

#[utoipa::path(get, path = "/v1/sites", tag = "sites",
    responses((status = 200, description = "The sites served, their current policy versions and the purposes one may be asked for, with their names (what any page of theirs shows)", body = Vec<SiteSummary>)))]
async fn sites(State(state): State<AppState>) -> axum::Json<Vec<SiteSummary>> {
    axum::Json(
        state
            .sites
            .iter()
            .map(|site| {
                let current = site.policy();
                let policy = &current.policy;
                SiteSummary {
                    id: site.id.to_string(),
                    version: policy.version,
                    purposes: policy
                        .optional_purposes()
                        .map(|purpose| PurposeSummary {
                            id: purpose.id.to_string(),
                            name: purpose
                                .name
                                .0
                                .iter()
                                .map(|(lang, text)| (lang.to_string(), text.clone()))
                                .collect(),
                        })
                        .collect(),
                }
            })
            .collect(),
    )
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
    let policy = site.policy();
    let mut response = document_response(
        &state,
        &headers,
        &policy.sha256,
        || policy.document.to_vec(),
        "public, max-age=60",
    );
    super::widget::allow_timing(&mut response, &site.allowed_origins);
    Ok(response)
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
    let origins = match state.sites.get(&id) {
        Some(site) => site.allowed_origins.clone(),
        None => return Err(Error::SiteNotFound),
    };
    let stored = state.store.policy(&id, version).await?;
    let stored = stored.ok_or(Error::PolicyVersionNotFound { site: id, version })?;
    // A published version never changes, so it may be cached for good.
    let mut response = document_response(
        &state,
        &headers,
        &stored.sha256,
        || stored.document.clone(),
        "public, max-age=31536000, immutable",
    );
    super::widget::allow_timing(&mut response, &origins);
    Ok(response)
}

/// Every site's current policy, compressed before the collector serves (see `loader::warm`).
pub fn warm(state: &AppState) {
    for site in state.sites.iter() {
        let policy = site.policy();
        let key = policy_key(&policy.sha256);
        if state.compressed.get(&key).is_none() {
            let document = Compressed::new(policy.document.to_vec(), &policy.sha256);
            state.compressed.keep(key, document);
        }
    }
}

/// What is served from each site's current policy (its document and its loaders), compressed
/// and rendered ahead: at start, and when a newer version is adopted. Both caches are keyed
/// by the policy's SHA-256, so a new version never meets an old rendering; this only spares
/// the first visitors the wait.
pub async fn warm_all(state: &AppState) {
    warm(state);
    if let Err(error) = super::widget::loader::warm(state).await {
        // Served all the same: a request renders what is missing.
        tracing::warn!(%error, "cannot render the loaders ahead");
    }
}

fn policy_key(sha256: &str) -> String {
    ["policy ", sha256].concat()
}

/// A JSON document with its hex SHA-256 as strong ETag, answering `If-None-Match` with 304,
/// compressed as the browser accepts. `document` makes the bytes on the first request for this
/// hash; later ones are served from the compressed copy kept.
fn document_response(
    state: &AppState,
    headers: &HeaderMap,
    sha256: &str,
    document: impl FnOnce() -> Vec<u8>,
    cache: &'static str,
) -> Response {
    let key = policy_key(sha256);
    let compressed = match state.compressed.get(&key) {
        Some(compressed) => compressed,
        None => state
            .compressed
            .keep(key, Compressed::new(document(), sha256)),
    };
    compressed.respond(headers, "application/json", cache, "accept-encoding")
}
