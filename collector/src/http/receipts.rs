//! `POST /v1/receipts`: a visitor's signed decision in, a countersigned receipt out.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::routing::post;
use axum::{Json as JsonResponse, Router};
use samtycke_shared::{ReceiptResponse, SubmitReceipt};

use std::time::Instant;

use super::error::Problem;
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

#[utoipa::path(post, path = "/v1/receipts", tag = "receipts",
    request_body(content = Object, description = "`{request: JWS, identifiers?: [{type, value, salt}]}`: the visitor's signed consent request (DESIGN.md §7)", content_type = "application/json"),
    responses((status = 201, description = "A new receipt: `{receiptId, receipt (JWT), sequence}`", body = Object),
              (status = 200, description = "The same request again: the first receipt", body = Object),
              (status = 400, description = "urn:samtycke:problem:malformed-jws, malformed-body", body = Problem, content_type = "application/problem+json"),
              (status = 401, description = "urn:samtycke:problem:bad-signature", body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "urn:samtycke:problem:origin-not-allowed", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "urn:samtycke:problem:receipt-id-conflict", body = Problem, content_type = "application/problem+json"),
              (status = 413, description = "urn:samtycke:problem:too-large", body = Problem, content_type = "application/problem+json"),
              (status = 415, description = "urn:samtycke:problem:not-json", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "urn:samtycke:problem:consent-refused, invalid-request, invalid-body, identifier-required, identifiers-not-allowed, invalid-email, invalid-identifier, commitment-mismatch", body = Problem, content_type = "application/problem+json")))]
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
