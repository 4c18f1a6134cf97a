//! Data-subject requests for the DPO: enter one, list them by due date and state, count the open
//! and overdue, and move each along (verify, start, extend once, refuse, complete, lift).
//! `domain::rights` carries the rights out and audits every call.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json as JsonResponse, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::authorize;
use super::error::Problem;
use super::json::Json;
use super::path::Path;
use super::query::Query;
use super::{Error, Result};
use crate::domain::access::Role;
use crate::domain::rights::{Corrections, NewRequest, OPEN, RequestCounts, RequestView};
use crate::state::AppState;

/// The DPO and admins.
const STEWARDS: &[Role] = &[Role::Dpo, Role::Admin];

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/requests", get(list).post(create))
        .route("/v1/requests/counts", get(counts))
        .route("/v1/requests/{id}", get(read))
        .route("/v1/requests/{id}/verify", post(verify))
        .route("/v1/requests/{id}/start", post(start))
        .route("/v1/requests/{id}/extend", post(extend))
        .route("/v1/requests/{id}/refuse", post(refuse))
        .route("/v1/requests/{id}/complete", post(complete))
        .route("/v1/requests/{id}/lift", post(lift))
}

#[utoipa::path(post, path = "/v1/requests", tag = "requests", security(("bearer" = [])),
    request_body = NewRequest,
    responses((status = 201, description = "The request, received, due one month after it arrived", body = RequestView),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "A field names no kind, channel or purpose (urn:samtycke:problem:invalid-request)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(new): Json<NewRequest>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests").await?;
    let view = state.rights.create(&caller.actor(), new).await?;
    Ok((StatusCode::CREATED, JsonResponse(view)).into_response())
}

/// Which requests.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// States, comma-separated (`received,verified,in-progress,done,refused`, or `open`);
    /// every state when left out.
    #[serde(default)]
    state: Option<String>,
    /// Only those due before this day (`YYYY-MM-DD`, UTC midnight).
    #[serde(default)]
    due_before: Option<String>,
}

#[utoipa::path(get, path = "/v1/requests", tag = "requests", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "`{requests: [...]}`, the soonest due first", body = Object)))]
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<JsonResponse<serde_json::Value>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests").await?;
    let mut states: Vec<&str> = Vec::new();
    for name in query.state.as_deref().unwrap_or_default().split(',') {
        match name.trim() {
            "" => {}
            "open" => states.extend(OPEN),
            known @ ("received" | "verified" | "in-progress" | "done" | "refused") => {
                states.push(known)
            }
            _ => {
                return Err(Error::InvalidQuery(
                    "state: received, verified, in-progress, done, refused or open".into(),
                ));
            }
        }
    }
    let due_before = query
        .due_before
        .as_deref()
        .map(|day| {
            time::Date::parse(
                day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map(|d| d.midnight().assume_utc().unix_timestamp())
            .map_err(|_| Error::InvalidQuery("due_before: a day, YYYY-MM-DD".into()))
        })
        .transpose()?;
    let requests = state
        .rights
        .list(&caller.actor(), &states, due_before)
        .await?;
    Ok(JsonResponse(serde_json::json!({ "requests": requests })))
}

#[utoipa::path(get, path = "/v1/requests/counts", tag = "requests", security(("bearer" = [])),
    responses((status = 200, description = "Open requests, those overdue and those due within 7 days", body = RequestCounts)))]
pub(super) async fn counts(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<JsonResponse<RequestCounts>> {
    authorize(&state, &headers, STEWARDS, "/v1/requests/counts").await?;
    Ok(JsonResponse(state.rights.counts().await?))
}

#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request with its history", body = RequestView),
              (status = 404, description = "urn:samtycke:problem:not-found", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}").await?;
    Ok(JsonResponse(
        state.rights.get(&caller.actor(), &id.to_string()).await?,
    ))
}

#[utoipa::path(post, path = "/v1/requests/{id}/verify", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "Verified: the DPO checked who asked", body = RequestView),
              (status = 409, description = "Not received (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/verify").await?;
    Ok(JsonResponse(
        state
            .rights
            .verify(&caller.actor(), &id.to_string())
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/requests/{id}/start", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "In progress", body = RequestView),
              (status = 409, description = "Not verified (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/start").await?;
    Ok(JsonResponse(
        state.rights.start(&caller.actor(), &id.to_string()).await?,
    ))
}

/// An extension.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Extension {
    /// 1 or 2.
    months: u32,
    /// Why (the person is told).
    reason: String,
}

#[utoipa::path(post, path = "/v1/requests/{id}/extend", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = Extension,
    responses((status = 200, description = "Due one or two months later, with the reason recorded", body = RequestView),
              (status = 409, description = "Extended before, or closed (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn extend(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(extension): Json<Extension>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/extend").await?;
    Ok(JsonResponse(
        state
            .rights
            .extend(
                &caller.actor(),
                &id.to_string(),
                extension.months,
                &extension.reason,
            )
            .await?,
    ))
}

/// A reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Reason {
    /// Why.
    reason: String,
}

#[utoipa::path(post, path = "/v1/requests/{id}/refuse", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = Reason,
    responses((status = 200, description = "Refused, with the reason", body = RequestView),
              (status = 409, description = "Closed already (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn refuse(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(reason): Json<Reason>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/refuse").await?;
    Ok(JsonResponse(
        state
            .rights
            .refuse(&caller.actor(), &id.to_string(), &reason.reason)
            .await?,
    ))
}

/// What the DPO did, in a few words (optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Completion {
    /// A note kept with the outcome (never a value of the person's).
    #[serde(default)]
    note: Option<String>,
    /// For a rectification: the corrected identifiers and profile fields. Applied (even to a
    /// restricted contact: it is the request's own action) without keeping the old values;
    /// the outcome and the contact's history name the fields, never a value.
    #[serde(default)]
    corrections: Option<Corrections>,
}

#[utoipa::path(post, path = "/v1/requests/{id}/complete", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = Completion,
    responses((status = 200, description = "Done: the right carried out (restriction and objection become holds, access mails a copy, erasure deletes the contact), with whom to tell (`tellRecipients`)", body = RequestView),
              (status = 409, description = "Not verified, or closed (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn complete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(completion): Json<Completion>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/complete").await?;
    Ok(JsonResponse(
        state
            .rights
            .complete(
                &caller.actor(),
                &id.to_string(),
                completion.note.as_deref(),
                completion.corrections,
            )
            .await?,
    ))
}

#[utoipa::path(post, path = "/v1/requests/{id}/lift", tag = "requests", security(("bearer" = [])),
    params(("id" = String, Path, description = "Request id")),
    request_body = Reason,
    responses((status = 200, description = "The restriction or objection it put on is lifted (recorded)", body = RequestView),
              (status = 409, description = "Not done (urn:samtycke:problem:wrong-state)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn lift(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(reason): Json<Reason>,
) -> Result<JsonResponse<RequestView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/requests/{id}/lift").await?;
    Ok(JsonResponse(
        state
            .rights
            .lift(&caller.actor(), &id.to_string(), &reason.reason)
            .await?,
    ))
}
