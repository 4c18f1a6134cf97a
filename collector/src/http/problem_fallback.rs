//! Every error leaves the collector as a problem document. Handlers make theirs in
//! `error.rs`; this middleware catches the rest, answers that no handler of ours wrote (the
//! router's 404 and 405, the static file services, timeouts, CORS), and replaces any error
//! response that is not already a problem with one that says only what its status says. Their
//! own bodies are dropped: empty at best, and axum's rejections quote what the request held.
//! The one exception is a page of ours shown to a person (`pages.rs`), whose error pages are
//! written for them.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::error::{PROBLEM_JSON, problem_response};

/// Middleware: error responses that are not problem documents become generic ones.
pub async fn errors_as_problems(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // A page of ours for a person who followed a link (`pages.rs`) says what went wrong in
    // their language; it stays a page.
    let is_own_page = response
        .extensions()
        .get::<super::pages::OwnPage>()
        .is_some();
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_own_page {
        return response;
    }
    let (slug, detail) = describe(status);
    let title = status.canonical_reason().unwrap_or("Error");
    let mut problem = problem_response(status, slug, title, detail.to_owned());
    // Keep what the status needs (`Allow` on a 405) and what the layers added (CORS, `Vary`);
    // the old body's own description, and any caching meant for a file, go with it.
    let (parts, _) = response.into_parts();
    let dropped = [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::CACHE_CONTROL,
        header::ETAG,
        header::LAST_MODIFIED,
    ];
    for (name, value) in &parts.headers {
        if !dropped.contains(name) {
            problem.headers_mut().append(name.clone(), value.clone());
        }
    }
    problem
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("not-found", "nothing is served at this path"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this path does not take that method; see Allow",
        ),
        StatusCode::REQUEST_TIMEOUT => (
            "request-timeout",
            "the request was not received in time; send it again",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "the body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "send JSON"),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "the collector cannot serve this now; try again later",
        ),
        s if s.is_server_error() => (
            "internal",
            "The collector could not complete the request; it has been logged.",
        ),
        _ => ("bad-request", "the request cannot be answered as it is"),
    }
}
