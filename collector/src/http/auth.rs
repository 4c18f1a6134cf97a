//! Access to the privileged API: an API key (`Authorization: Bearer …`), or a console user's
//! session cookie (`http/session.rs`). The handlers ask for the roles they admit; a missing or
//! wrong key or an ended session (401), a wrong role (403) and a change without the session's
//! CSRF token (403 `csrf`) are refused and audited (`domain::access`).

use axum::http::{HeaderMap, header};

use super::session::{CSRF_REFUSED, session_token};
use super::{Error, Result};
use crate::domain::access::{AuthError, Caller, Role};
use crate::state::AppState;

/// The caller, if its key or session may act as one of `roles` at `path`.
pub async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
    path: &str,
) -> Result<Caller> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if token.is_none() {
        if headers.contains_key(&CSRF_REFUSED) {
            refused(state, "anonymous", "csrf", path).await?;
            return Err(Error::CsrfRefused);
        }
        if let Some(session) = session_token(headers) {
            let Some(session) = state.users.session(&session).await? else {
                refused(state, "anonymous", "session", path).await?;
                return Err(Error::Unauthorized(
                    "the session has ended: sign in again".to_owned(),
                ));
            };
            if !roles.contains(&session.caller.role) {
                refused(state, &session.caller.actor(), "role", path).await?;
                return Err(Error::Forbidden);
            }
            return Ok(session.caller);
        }
    }
    state
        .access
        .authorize(token, roles, path)
        .await
        .map_err(|error| match error {
            AuthError::Forbidden => Error::Forbidden,
            AuthError::Store(error) => Error::Store(error),
            other => Error::Unauthorized(other.to_string()),
        })
}

/// Audits a refusal, as `Access::authorize` does a key's.
async fn refused(state: &AppState, actor: &str, reason: &str, path: &str) -> Result<()> {
    state
        .access
        .record(
            actor,
            "auth.refused",
            serde_json::json!({ "reason": reason, "path": path }),
        )
        .await?;
    Ok(())
}
