//! Security headers on everything the collector serves, and a cache policy for what has none.
//!
//! - `X-Content-Type-Options: nosniff` everywhere: a browser must not run a JSON document or a
//!   problem as a script or page.
//! - `Referrer-Policy: no-referrer`: links and requests from the collector's pages tell no one
//!   where the visitor came from.
//! - `Content-Security-Policy`: for HTML pages, the one in [`PAGE_CSP`] (unless the handler set
//!   its own); for everything else, `default-src 'none'`, so that nothing served here can act as
//!   a page if a browser is made to render it. Pages may be framed only by pages of the
//!   collector's own origin (the demo's embed); nothing else may be framed at all.
//! - `Cache-Control`, where the handler set none: `no-cache` for static files (they carry
//!   validators, so a browser revalidates), `no-store` for everything else: receipts, problems
//!   and health answers are not for caches.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of the collector's HTML pages (the demo shop today). Inline scripts are allowed
/// because the demo shows how a site blocks its own inline tags; the widget itself needs only
/// `'self'` and `'wasm-unsafe-eval'` (README: Content-Security-Policy).
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline' \
    'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The policy of everything that is not a page.
pub const RESOURCE_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Middleware: sets the headers above.
pub async fn set_security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_page = is_html(response.headers());
    let cacheable_file = response.headers().contains_key(header::ETAG)
        || response.headers().contains_key(header::LAST_MODIFIED);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    // A 304 carries no body and so no content type; the browser merges its headers into the
    // response it cached. A resource's policy there would land on a cached page, so a 304
    // adds nothing that depends on what is served.
    if response.status() == StatusCode::NOT_MODIFIED {
        return response;
    }
    let headers = response.headers_mut();
    let (csp, frames) = match is_page {
        true => (PAGE_CSP, "SAMEORIGIN"),
        false => (RESOURCE_CSP, "DENY"),
    };
    set_default(headers, header::CONTENT_SECURITY_POLICY, csp);
    set_default(headers, header::X_FRAME_OPTIONS, frames);
    let cache = match cacheable_file {
        true => "no-cache",
        false => "no-store",
    };
    set_default(headers, header::CACHE_CONTROL, cache);
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}
