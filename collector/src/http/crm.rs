//! `POST /v1/crm/events`: a CRM reports its own unsubscribes and consent changes (role
//! `integration`); `domain::crm` records them.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json as JsonResponse, Router};
use serde::Deserialize;

use super::Result;
use super::auth::authorize;
use super::error::Problem;
use super::json::Json;
use crate::domain::access::Role;
use crate::domain::crm::{CrmEvent, EventOutcome};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/crm/events", post(report))
}

/// A batch of events.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Events {
    /// 1 to 1,000 events, recorded in order.
    events: Vec<CrmEvent>,
}

#[utoipa::path(post, path = "/v1/crm/events", tag = "crm", security(("bearer" = [])),
    request_body = Events,
    responses((status = 200, description = "`{results: [...]}`: per event, in order: recorded (with its crm-sync receipt), unchanged, unknown-contact, refused (re-subscribing needs new proof) or conflict; a repeated event id answers as the first time (`replayed`)", body = Object),
              (status = 422, description = "Events that cannot be taken, each named by position and field (`errors`); nothing was recorded (urn:samtycke:problem:invalid-events)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(events): Json<Events>,
) -> Result<JsonResponse<serde_json::Value>> {
    let caller = authorize(&state, &headers, &[Role::Integration], "/v1/crm/events").await?;
    let count = events.events.len();
    let results: Vec<EventOutcome> = state.crm.report(&caller.actor(), events.events).await?;
    let recorded = results.iter().filter(|r| r.result == "recorded").count();
    state
        .access
        .record(
            &caller.actor(),
            "crm.events",
            serde_json::json!({"events": count, "recorded": recorded}),
        )
        .await
        .map_err(super::Error::Store)?;
    Ok(JsonResponse(serde_json::json!({ "results": results })))
}
