//! `GET /.well-known/jwks.json`: every receipt-signing public key, current and rotated, so any
//! stock JOSE library can verify any receipt ever issued.

use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tower_http::cors::{Any, CorsLayer};

use crate::state::AppState;

/// The JWKS route, readable from any origin: unlike everything else here it is not for sites'
/// pages but for whoever verifies a receipt, wherever their verifier runs.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET]),
        )
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "receipts",
    responses((status = 200, description = "The collector's receipt-signing keys (RFC 7517), rotated ones included", body = Object, content_type = "application/jwk-set+json")))]
async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        )],
        Json(state.keys.jwks()),
    )
}
