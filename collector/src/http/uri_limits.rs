//! Refuses request targets no client of the collector sends, before routing: a path segment
//! longer than a file name may be (255 bytes, `NAME_MAX`) made the static file services fail
//! with a 500 and an error in the log for every such request.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::error::problem_response;

/// The longest path segment answered; longer ones cannot name a file or an id here.
pub const MAX_SEGMENT_BYTES: usize = 255;
/// The longest request target (path and query) answered.
pub const MAX_TARGET_BYTES: usize = 2048;

/// Middleware: a 414 problem for an over-long target or path segment.
pub async fn refuse_long_targets(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let target = uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    let segment = uri.path().split('/').map(str::len).max().unwrap_or(0);
    if target > MAX_TARGET_BYTES || segment > MAX_SEGMENT_BYTES {
        return problem_response(
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            "The request target is too long",
            format!(
                "path segments are at most {MAX_SEGMENT_BYTES} bytes and the path with its \
                 query at most {MAX_TARGET_BYTES}"
            ),
        );
    }
    next.run(request).await
}
