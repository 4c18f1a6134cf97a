//! Webhooks per site, for admins: register a receiver (its secret shown once), list, remove,
//! and read a receiver's delivery log. `domain::webhooks` delivers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json as JsonResponse, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::Result;
use super::auth::authorize;
use super::error::Problem;
use super::json::Json;
use super::path::Path;
use crate::domain::access::Role;
use crate::domain::webhooks::{CreatedWebhook, WebhookView};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/sites/{site}/webhooks", get(list).post(register))
        .route("/v1/webhooks/{id}", delete(remove))
        .route("/v1/webhooks/{id}/deliveries", get(deliveries))
}

/// A receiver to register.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewWebhook {
    /// `https://…` (or `http://localhost…`): where events are posted.
    url: String,
}

#[utoipa::path(post, path = "/v1/sites/{site}/webhooks", tag = "crm", security(("bearer" = [])),
    params(("site" = String, Path, description = "Site id")),
    request_body = NewWebhook,
    responses((status = 201, description = "The receiver and its signing secret, shown this once", body = CreatedWebhook),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "Not an https URL (urn:samtycke:problem:invalid-webhook)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
    Json(webhook): Json<NewWebhook>,
) -> Result<Response> {
    let caller = authorize(
        &state,
        &headers,
        &[Role::Admin],
        "/v1/sites/{site}/webhooks",
    )
    .await?;
    let created = state
        .webhooks
        .register(&caller.actor(), &site, &webhook.url)
        .await?;
    Ok((StatusCode::CREATED, JsonResponse(created)).into_response())
}

#[utoipa::path(get, path = "/v1/sites/{site}/webhooks", tag = "crm", security(("bearer" = [])),
    params(("site" = String, Path, description = "Site id")),
    responses((status = 200, description = "`{webhooks: [...]}`, removed ones marked; never a secret", body = Object)))]
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(site): Path<String>,
) -> Result<JsonResponse<serde_json::Value>> {
    authorize(
        &state,
        &headers,
        &[Role::Admin],
        "/v1/sites/{site}/webhooks",
    )
    .await?;
    let webhooks: Vec<WebhookView> = state.webhooks.list(&site).await?;
    Ok(JsonResponse(serde_json::json!({ "webhooks": webhooks })))
}

#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "crm", security(("bearer" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Removed: no more events, and its queued ones are not delivered"),
              (status = 404, description = "No such webhook (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let caller = authorize(&state, &headers, &[Role::Admin], "/v1/webhooks/{id}").await?;
    state
        .webhooks
        .remove(&caller.actor(), &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/webhooks/{id}/deliveries", tag = "crm", security(("bearer" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, description = "`{deliveries: [...]}`: the delivery log, newest first (event id, time, outcome, the receiver's status)", body = Object)))]
pub(super) async fn deliveries(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<serde_json::Value>> {
    authorize(
        &state,
        &headers,
        &[Role::Admin],
        "/v1/webhooks/{id}/deliveries",
    )
    .await?;
    let log = state.webhooks.log(&id.to_string(), 1000).await?;
    Ok(JsonResponse(serde_json::json!({ "deliveries": log })))
}
