//! Bearer-token access to the privileged API: the handlers ask for the roles they admit, and a
//! missing or wrong key (401) or a wrong role (403) is refused and audited (`domain::access`).

use axum::http::{HeaderMap, header};

use super::{Error, Result};
use crate::domain::access::{AuthError, Caller, Role};
use crate::state::AppState;

/// The caller, if its `Authorization: Bearer` key may act as one of `roles` at `path`.
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
