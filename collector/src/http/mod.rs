//! Routes: one module per resource, each with its own `router()`, merged here with the layers
//! that apply to all of them.

pub mod cors;
pub mod error;
pub mod health;
pub mod json;
pub mod jwks;
pub mod path;
pub mod problem_fallback;
pub mod rate_limit;
pub mod receipts;
pub mod security_headers;
pub mod sites;
pub mod uri_limits;
pub mod widget;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use tower_http::services::ServeDir;
use tower_http::timeout::RequestBodyDeadlineLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

pub use error::{Error, Result};

/// The whole HTTP surface. A request body must arrive in full within `body_read_timeout` of
/// its head (`server.rs` says why).
pub fn app(state: AppState, pages_dir: Option<&Path>, body_read_timeout: Duration) -> Router {
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
    // Outermost last: the trace sees everything; security headers go on every answer,
    // including the 414 and the problems made from other layers' bare errors.
    router
        .layer(RequestBodyDeadlineLayer::new(body_read_timeout))
        .layer(middleware::from_fn(problem_fallback::errors_as_problems))
        .layer(middleware::from_fn(uri_limits::refuse_long_targets))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.rate_limits),
            rate_limit::limit_clients,
        ))
        .layer(middleware::from_fn(security_headers::set_security_headers))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
