//! The console's users, for admins: list, make (`{email, role, password}`), disable, and end a
//! user's sessions. As `samtycke user create` does from the command line.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json as JsonResponse, Router};
use serde::Deserialize;
use uuid::Uuid;

use super::auth::authorize;
use super::json::Json;
use super::path::Path;
use super::{Error, Result};
use crate::domain::access::Role;
use crate::domain::users::{UserError, UserView};
use crate::state::AppState;

const ADMINS: &[Role] = &[Role::Admin];

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/users", get(list).post(create))
        .route("/v1/users/{id}", delete(disable))
        .route("/v1/users/{id}/sessions", delete(revoke_sessions))
}

/// A new user.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUser {
    email: String,
    /// `admin`, `marketer` or `dpo`.
    role: String,
    /// 12 to 256 characters; given to the person by a channel of the admin's choosing.
    password: String,
}

#[utoipa::path(get, path = "/v1/users", tag = "console", security(("bearer" = [])),
    responses((status = 200, description = "Every user (never a password or its hash)", body = Vec<UserView>)))]
pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<JsonResponse<Vec<UserView>>> {
    authorize(&state, &headers, ADMINS, "/v1/users").await?;
    let users = state.users.list().await?;
    Ok(JsonResponse(users.iter().map(UserView::from).collect()))
}

#[utoipa::path(post, path = "/v1/users", tag = "console", security(("bearer" = [])),
    request_body = NewUser,
    responses((status = 201, description = "Made", body = UserView),
              (status = 409, description = "urn:samtycke:problem:user-taken", body = super::error::Problem, content_type = "application/problem+json"),
              (status = 422, description = "urn:samtycke:problem:invalid-user: address, role or password", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(new): Json<NewUser>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, ADMINS, "/v1/users").await?;
    let role = Role::parse(&new.role).ok_or(Error::User(UserError::BadRole))?;
    let user = state
        .users
        .create(&caller.actor(), &new.email, role, &new.password)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&user))).into_response())
}

#[utoipa::path(delete, path = "/v1/users/{id}", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Disabled: no sign-in, every session ended"),
              (status = 404, description = "urn:samtycke:problem:not-found", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn disable(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let caller = authorize(&state, &headers, ADMINS, "/v1/users/{id}").await?;
    state
        .users
        .disable(&caller.actor(), &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/users/{id}/sessions", tag = "console", security(("bearer" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Every session of the user ended"),
              (status = 404, description = "urn:samtycke:problem:not-found", body = super::error::Problem, content_type = "application/problem+json")))]
pub(super) async fn revoke_sessions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let caller = authorize(&state, &headers, ADMINS, "/v1/users/{id}/sessions").await?;
    state
        .users
        .revoke_sessions(&caller.actor(), &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
