//! Signing in to the console: `POST /v1/session` (address and password) sets the session
//! cookie, `GET /v1/session` says who is signed in and gives the session's CSRF token,
//! `DELETE /v1/session` signs out. The cookie is `HttpOnly` (no script reads it),
//! `SameSite=Strict` (no other site's request carries it), `Secure` when the collector is served
//! over https, and scoped to the whole collector; every unsafe request it authenticates must
//! also carry the CSRF token (`guard`). The rest of the API takes it wherever it takes a key.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

use super::json::Json;
use super::{Error, Result};
use crate::domain::users::{SESSION_SECS, UserView, csrf_matches};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "samtycke_session";
/// The header an unsafe request authenticated by the cookie carries the CSRF token in.
pub static CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");
/// Set by [`guard`] (and removed from what clients send) when a request's CSRF token is missing
/// or wrong: its cookie is dropped, and the API refuses it as such.
pub static CSRF_REFUSED: HeaderName = HeaderName::from_static("x-samtycke-csrf-refused");

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/session", get(current).post(sign_in).delete(sign_out))
}

/// The session cookie's token, if the request has one.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(std::result::Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
}

/// CSRF protection for the cookie (synchronizer token): an unsafe request that a session cookie
/// would authenticate must carry that session's token in `X-CSRF-Token`; one that does not
/// loses its cookie and is marked, so that a privileged route refuses it (403 `csrf`) and a
/// public one (a visitor's receipt on the collector's own demo page) is not disturbed.
pub async fn guard(mut request: Request, next: Next) -> Response {
    request.headers_mut().remove(&CSRF_REFUSED);
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method
        && !request.headers().contains_key(header::AUTHORIZATION)
        && let Some(token) = session_token(request.headers())
    {
        let sent = request
            .headers()
            .get(&CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !csrf_matches(&token, sent) {
            request.headers_mut().remove(header::COOKIE);
            request
                .headers_mut()
                .insert(CSRF_REFUSED.clone(), HeaderValue::from_static("1"));
        }
    }
    next.run(request).await
}

/// An address and a password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Credentials {
    email: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// Who is signed in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct SessionView {
    user: UserView,
    /// Send it as `X-CSRF-Token` with every change.
    csrf_token: String,
}

fn session_cookie(state: &AppState, value: String, max_age: i64) -> Option<HeaderValue> {
    let cookie = Cookie::build((COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .path("/")
        .max_age(cookie::time::Duration::seconds(max_age))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

#[utoipa::path(post, path = "/v1/session", tag = "console",
    request_body = Credentials,
    responses((status = 200, description = "Signed in: the session cookie is set (HttpOnly, SameSite=Strict)", body = SessionView),
              (status = 401, description = "urn:samtycke:problem:sign-in-failed (the same for an unknown address)", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 429, description = "urn:samtycke:problem:rate-limited: too many failures for the address", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn sign_in(
    State(state): State<AppState>,
    Json(credentials): Json<Credentials>,
) -> Result<Response> {
    let signed_in = state
        .users
        .sign_in(&credentials.email, &credentials.password)
        .await?;
    let view = SessionView {
        user: UserView::from(&signed_in.user),
        csrf_token: signed_in.csrf,
    };
    let mut response = axum::Json(view).into_response();
    if let Some(cookie) = session_cookie(&state, signed_in.token, SESSION_SECS) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[utoipa::path(get, path = "/v1/session", tag = "console",
    responses((status = 200, description = "Who is signed in, and the session's CSRF token", body = SessionView),
              (status = 401, description = "urn:samtycke:problem:unauthorized: no live session", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn current(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    let session = match session_token(&headers) {
        Some(token) => state.users.session(&token).await?,
        None => None,
    };
    let session = session
        .ok_or_else(|| Error::Unauthorized("no session: sign in (POST /v1/session)".to_owned()))?;
    let mut response = axum::Json(SessionView {
        user: UserView::from(&session.user),
        csrf_token: session.csrf,
    })
    .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[utoipa::path(delete, path = "/v1/session", tag = "console",
    params(("X-CSRF-Token" = String, Header, description = "The session's CSRF token")),
    responses((status = 204, description = "Signed out: the session ended and the cookie is cleared"),
              (status = 403, description = "urn:samtycke:problem:csrf", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response> {
    if headers.contains_key(&CSRF_REFUSED) {
        return Err(Error::CsrfRefused);
    }
    if let Some(token) = session_token(&headers) {
        state.users.sign_out(&token).await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(cookie) = session_cookie(&state, String::new(), 0) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}
