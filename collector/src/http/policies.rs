//! `GET /v1/sites/{site}/policies` (every version ever served, for the console's "Sites and
//! policies" page) and `POST /v1/sites/{site}/policies` (an admin publishes the next version;
//! `?dryRun=true` only checks it). The body is the policy document itself, kept byte for byte:
//! receipts hash those bytes. Checking lists every problem at once (`domain/policies.rs`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use samtycke_shared::SiteId;
use serde::{Deserialize, Serialize};

use super::auth::authorize;
use super::error::Problem;
use super::json::JsonBytes;
use super::path::Path;
use super::query::Query;
use super::{Error, Result};
use crate::domain::access::Role;
use crate::domain::contacts::export::rfc3339;
use crate::domain::policies::Publishable;
use crate::state::AppState;

/// Who may see the versions: everyone who works in the console.
const READERS: &[Role] = &[Role::Marketer, Role::Dpo, Role::Admin];
/// Who may publish one.
const PUBLISHERS: &[Role] = &[Role::Admin];

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sites/{site}/policies", get(list).post(publish))
}

/// A site's policy versions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct PolicyVersions {
    site: String,
    /// The version served now.
    current: u32,
    versions: Vec<PolicyVersionView>,
}

/// One version ever served.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct PolicyVersionView {
    version: u32,
    /// Hex SHA-256 of the document: what receipts citing it carry.
    sha256: String,
    /// RFC 3339: when it was first served (recorded at start, or published).
    first_served: String,
    /// RFC 3339: when a later version was first served; left out for the newest.
    #[serde(skip_serializing_if = "Option::is_none")]
    superseded_at: Option<String>,
}

/// `?dryRun=true`: check only, write nothing.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct PublishQuery {
    #[serde(default)]
    dry_run: bool,
}

/// A document that passed every check.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Published {
    ok: bool,
    version: u32,
    /// Hex SHA-256 of the document as sent.
    sha256: String,
    /// Whether visitors who decided under the current version will be asked again (the
    /// disclosure of the banner's purposes or the controller changed).
    disclosure_changed: bool,
}

impl From<&Publishable> for Published {
    fn from(checked: &Publishable) -> Self {
        Self {
            ok: true,
            version: checked.policy.policy.version,
            sha256: checked.policy.sha256.clone(),
            disclosure_changed: checked.disclosure_changed,
        }
    }
}

/// The site a path names; any id that is not a site's is the same 404.
fn site_of(site: &str) -> Result<SiteId> {
    SiteId::parse(site).map_err(|_| Error::SiteNotFound)
}

#[utoipa::path(get, path = "/v1/sites/{site}/policies", tag = "sites", security(("bearer" = [])),
    params(("site" = String, Path, description = "Site id")),
    responses((status = 200, description = "Every version ever served, newest first, and the one served now", body = PolicyVersions),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
) -> Result<Json<PolicyVersions>> {
    authorize(&state, &headers, READERS, "/v1/sites/{site}/policies").await?;
    let site = site_of(&site)?;
    let history = state.policies.history(&site).await?;
    Ok(Json(PolicyVersions {
        site: site.to_string(),
        current: history.current,
        versions: history
            .versions
            .into_iter()
            .map(|(version, superseded_at)| PolicyVersionView {
                version: version.version,
                sha256: version.sha256,
                first_served: rfc3339(version.first_seen),
                superseded_at: superseded_at.map(rfc3339),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/sites/{site}/policies", tag = "sites", security(("bearer" = [])),
    params(("site" = String, Path, description = "Site id"), PublishQuery),
    request_body(content = Object, content_type = "application/json",
        description = "The policy document, kept byte for byte as sent"),
    responses((status = 200, description = "Dry run: the document may be published", body = Published),
              (status = 201, description = "Published and served now; Location names the version", body = Published,
               headers(("Location" = String, description = "/v1/sites/{site}/policies/{version}"))),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Another admin published this version or a higher one meanwhile (urn:samtycke:problem:policy-version-taken)", body = Problem, content_type = "application/problem+json"),
              (status = 415, description = "Not declared as JSON (urn:samtycke:problem:not-json)", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "urn:samtycke:problem:policy-refused: `problems` lists every one, each `{path, reason}` (path a JSON Pointer); nothing was written", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
    Query(query): Query<PublishQuery>,
    JsonBytes(document): JsonBytes,
) -> Result<Response> {
    let caller = authorize(&state, &headers, PUBLISHERS, "/v1/sites/{site}/policies").await?;
    let site = site_of(&site)?;
    let document = document.to_vec();
    if query.dry_run {
        let checked = state.policies.check(&site, document).await?;
        return Ok(Json(Published::from(&checked)).into_response());
    }
    let published = state
        .policies
        .publish(&caller.actor(), &site, document)
        .await?;
    // Rendered now rather than for the first visitor; keyed by the new SHA-256.
    super::sites::warm_all(&state).await;
    let location = format!(
        "/v1/sites/{site}/policies/{}",
        published.policy.policy.version
    );
    let mut response = (StatusCode::CREATED, Json(Published::from(&published))).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
