//! `POST /v1/receipts`: a visitor's signed decision in, a countersigned receipt out.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::routing::post;
use axum::{Json as JsonResponse, Router};
use samtycke_shared::{ReceiptResponse, SubmitReceipt};

use super::{Result, json::Json};
use crate::state::AppState;

/// A request JWS with a handful of identifiers is a few KiB; anything near this is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Routes for receipts. CORS admits only the configured sites' origins; the handler then checks
/// that the origin belongs to the very site the request names.
pub fn router(state: &AppState) -> Router<AppState> {
    let cors = super::cors::for_sites(&state.sites, &[Method::POST]);
    Router::new()
        .route("/v1/receipts", post(submit))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors)
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<SubmitReceipt>,
) -> Result<(StatusCode, JsonResponse<ReceiptResponse>)> {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let ingested = state.consent.ingest(&body, origin).await?;
    let status = if ingested.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, JsonResponse(ingested.response)))
}
