//! `GET /metrics`: the collector's Prometheus metrics (`crate::metrics`). Counts only, no
//! personal data; still, route it to the monitoring network only, not to the public.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

/// The metrics route.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus metrics (OpenMetrics text)", body = String, content_type = "application/openmetrics-text")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // The requests' gauges are counted now (one indexed query), so a scrape is never stale;
    // a store that cannot answer leaves the last counts.
    match state.rights.counts().await {
        Ok(counts) => {
            state
                .metrics
                .set_requests(counts.open, counts.overdue, counts.due_within_7_days)
        }
        Err(error) => tracing::warn!(%error, "cannot count data-subject requests"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
