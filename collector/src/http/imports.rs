//! `POST /v1/imports`: a CSV file of contacts, checked in full before anything is written (a
//! 422 lists the bad rows), then imported in the background; `GET /v1/imports/{id}` tells how
//! far it has come, from the store, so any collector can answer.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::authorize;
use super::error::Problem;
use super::path::Path;
use super::query::Query;
use super::{Error, Result};
use crate::domain::access::Role;
use crate::domain::contacts::card::{Basis, Source};
use crate::domain::contacts::import::{ColumnMapping, ImportOptions, RowError, new_record};
use crate::state::AppState;
use crate::store::contacts::ImportRecord;

/// The largest file one import takes: about 500,000 rows of a full export.
pub const MAX_IMPORT_BYTES: usize = 128 * 1024 * 1024;

const IMPORTERS: &[Role] = &[Role::Dpo, Role::Admin];

/// The import routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/imports",
            post(start).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)),
        )
        .route("/v1/imports/{id}", get(progress))
}

/// The site, every row's basis and source, and whether to skip bad rows.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartQuery {
    site: String,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    basis_other: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    source_other: Option<String>,
    #[serde(default)]
    skip_invalid: bool,
    /// Check the file and show what the import would do, writing nothing.
    #[serde(default)]
    dry_run: bool,
}

/// What an import would do: how each column is read, the rows it would write (updating
/// contacts already held, or making new ones), and every bad row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    file_sha256: String,
    mapping: Vec<ColumnMapping>,
    /// Good rows.
    rows: usize,
    /// Good rows that update a contact already held.
    updates: usize,
    /// Good rows that make a new contact.
    creates: usize,
    /// Bad rows (the first 1000).
    errors: Vec<RowError>,
    /// How many rows are bad.
    error_count: usize,
}

/// An import as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportView {
    id: String,
    site: String,
    state: String,
    file_sha256: String,
    rows: i64,
    rows_done: i64,
    created: i64,
    updated: i64,
    receipts: i64,
    skipped: i64,
    errors: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    started_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<i64>,
}

impl From<ImportRecord> for ImportView {
    fn from(record: ImportRecord) -> Self {
        Self {
            id: record.id,
            site: record.site,
            state: record.state,
            file_sha256: record.file_sha256,
            rows: record.rows_total,
            rows_done: record.rows_done,
            created: record.created,
            updated: record.updated,
            receipts: record.receipts,
            skipped: record.skipped,
            errors: serde_json::from_str(&record.errors).unwrap_or_default(),
            failure: record.failure,
            started_at: record.started_at,
            finished_at: record.finished_at,
        }
    }
}

fn options_of(query: StartQuery, operator: String) -> Result<ImportOptions> {
    let site = samtycke_shared::SiteId::parse(&query.site).map_err(|_| Error::SiteNotFound)?;
    let basis = query
        .basis
        .as_deref()
        .map(|text| {
            Basis::parse(text)
                .ok_or_else(|| Error::InvalidQuery("basis: not a lawful basis".into()))
        })
        .transpose()?;
    let source = match query.source.as_deref() {
        None => Source::Import,
        Some(text) => {
            Source::parse(text).ok_or_else(|| Error::InvalidQuery("source: not a source".into()))?
        }
    };
    Ok(ImportOptions {
        site,
        basis,
        basis_other: query.basis_other,
        source,
        source_other: query.source_other,
        skip_invalid: query.skip_invalid,
        operator,
    })
}

#[utoipa::path(post, path = "/v1/imports", tag = "contacts", security(("bearer" = [])),
    params(StartQuery),
    request_body(content = String, description = "The CSV file: a header row (the export's columns in English or Swedish, plus Consent date and Consent purpose), then one contact per row", content_type = "text/csv"),
    responses((status = 200, description = "With dryRun=true: what the import would do (the column mapping, rows to update and to make, every bad row); nothing written", body = ImportPreview),
              (status = 202, description = "Every row checked; the import runs. Follow Location for its progress", body = ImportView),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json"),
              (status = 415, description = "urn:samtycke:problem:unsupported-media-type", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "urn:samtycke:problem:import-refused: the bad rows (`errors`: line, column, reason; `count`); nothing was written", body = Problem, content_type = "application/problem+json")))]
async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StartQuery>,
    body: Bytes,
) -> Result<Response> {
    let caller = authorize(&state, &headers, IMPORTERS, "/v1/imports").await?;
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
    if !is_csv {
        return Err(Error::UnsupportedMediaType(
            "expected Content-Type: text/csv",
        ));
    }
    let dry_run = query.dry_run;
    let options = options_of(query, caller.actor())?;
    if dry_run {
        let plan = state.importer.preview(&body, &options).await?;
        let updates = plan.updates();
        return Ok(Json(ImportPreview {
            rows: plan.rows.len(),
            creates: plan.rows.len() - updates,
            updates,
            file_sha256: plan.file_sha256,
            mapping: plan.mapping,
            errors: plan.errors,
            error_count: plan.error_count,
        })
        .into_response());
    }
    let plan = state.importer.plan(&body, &options).await?;
    let record = new_record(&options.site, &options.operator, &plan);
    state.store.save_import(&record).await?;
    let location = format!("/v1/imports/{}", record.id);
    let view = ImportView::from(record.clone());
    let importer = state.importer.clone();
    // The import outlives the request; its progress is in the store.
    tokio::spawn(async move {
        if let Err(error) = importer.run(plan, &options, record, &|_| {}).await {
            tracing::error!(%error, "import failed");
        }
    });
    let mut response = (StatusCode::ACCEPTED, Json(view)).into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[utoipa::path(get, path = "/v1/imports/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Import id")),
    responses((status = 200, description = "How far the import has come", body = ImportView),
              (status = 404, description = "urn:samtycke:problem:not-found", body = Problem, content_type = "application/problem+json")))]
async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<Json<ImportView>> {
    authorize(&state, &headers, IMPORTERS, "/v1/imports/{id}").await?;
    let record = state
        .store
        .import(&id.to_string())
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(record.into()))
}
