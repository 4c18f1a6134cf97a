//! Routes: one module per resource, each with its own `router()`, merged here with the layers
//! that apply to all of them.

pub mod cors;
pub mod error;
pub mod health;
pub mod json;
pub mod jwks;
pub mod receipts;
pub mod sites;
pub mod widget;

use std::path::Path;

use axum::Router;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

pub use error::{Error, Result};

/// The whole HTTP surface.
pub fn app(state: AppState, pages_dir: Option<&Path>) -> Router {
    let router = Router::new()
        .merge(receipts::router(&state))
        .merge(sites::router(&state))
        .merge(jwks::router())
        .merge(widget::router(&state))
        .merge(health::router());
    let router = match pages_dir {
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router,
    };
    router.layer(TraceLayer::new_for_http()).with_state(state)
}
