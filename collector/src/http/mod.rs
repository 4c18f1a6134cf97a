//! Routes: one module per resource, each with its own `router()`, merged here with the layers
//! that apply to all of them.

pub mod audit;
pub mod auth;
pub mod compressed;
pub mod console;
pub mod contacts;
pub mod cors;
pub mod crm;
pub mod download;
pub mod error;
pub mod health;
pub mod imports;
pub mod json;
pub mod jwks;
pub mod mail;
pub mod mailbox;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod path;
pub mod person_requests;
pub mod policies;
pub mod preferences;
pub mod problem_fallback;
pub mod query;
pub mod rate_limit;
pub mod receipts;
pub mod requests;
pub mod security_headers;
pub mod session;
pub mod sites;
pub mod uri_limits;
pub mod users;
pub mod webhooks;
pub mod widget;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
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
        .merge(policies::router())
        .merge(jwks::router())
        .merge(widget::router(&state))
        .merge(health::router())
        .merge(metrics::router())
        .merge(audit::router())
        .merge(contacts::router())
        .merge(imports::router())
        .merge(mail::router())
        .merge(download::router())
        .merge(mailbox::router())
        .merge(preferences::router())
        .merge(crm::router())
        .merge(requests::router())
        .merge(person_requests::router())
        .merge(webhooks::router())
        .merge(session::router())
        .merge(users::router())
        .merge(console::router(state.console.as_ref()))
        .merge(openapi::router());
    let router = match pages_dir {
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router,
    };
    // Outermost last: the trace sees everything; security headers go on every answer,
    // including the 414 and the problems made from other layers' bare errors.
    router
        .layer(RequestBodyDeadlineLayer::new(body_read_timeout))
        .layer(middleware::from_fn(session::guard))
        .layer(middleware::from_fn(problem_fallback::errors_as_problems))
        .layer(middleware::from_fn(uri_limits::refuse_long_targets))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.rate_limits),
            rate_limit::limit_clients,
        ))
        .layer(middleware::from_fn(security_headers::set_security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .layer(middleware::from_fn(drop_client_request_id))
        .with_state(state)
}

/// The header that carries each request's id, in the logs and in the answer.
static REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

/// Every request gets an id of ours (a random UUID): one sent by the client is dropped, since a
/// client could put anything there, and it would reach the logs.
async fn drop_client_request_id(
    mut request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    request.headers_mut().remove(&REQUEST_ID);
    next.run(request).await
}

/// The span each request's log lines carry: method, path (never the query, which pages may fill
/// with anything) and request id. No client address.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}
