//! `POST /v1/receipts`: a visitor's signed decision in, a countersigned receipt out.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::routing::post;
use axum::{Json as JsonResponse, Router};
use samtycke_shared::{ReceiptResponse, SubmitReceipt};

use std::time::Instant;

use super::{Error, Result, json::Json};
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
    body: std::result::Result<Json<SubmitReceipt>, Error>,
) -> Result<(StatusCode, JsonResponse<ReceiptResponse>)> {
    let started = Instant::now();
    let answer = ingest(&state, &headers, body).await;
    let (outcome, problem) = match &answer {
        Ok((StatusCode::CREATED, _)) => ("created", ""),
        Ok(_) => ("replayed", ""),
        Err(error) if error.is_server_error() => ("failed", error.slug()),
        Err(error) => ("refused", error.slug()),
    };
    state.metrics.count_receipt(outcome, problem);
    state
        .metrics
        .receipt_seconds
        .observe(started.elapsed().as_secs_f64());
    answer
}

async fn ingest(
    state: &AppState,
    headers: &HeaderMap,
    body: std::result::Result<Json<SubmitReceipt>, Error>,
) -> Result<(StatusCode, JsonResponse<ReceiptResponse>)> {
    let Json(body) = body?;
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let ingested = state.consent.ingest(&body, origin).await?;
    let status = if ingested.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, JsonResponse(ingested.response)))
}
