//! `GET /v1/audit?after=N&limit=M`: the audit log, for the DPO and admins, and
//! `GET /v1/audit/verify`: whether its hash chain is whole (as `samtycke audit verify` checks).
//! Reading and checking it are themselves audited.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::Result;
use super::auth::authorize;
use crate::domain::access::Role;
use crate::state::AppState;

/// The audit route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/audit", get(read))
        .route("/v1/audit/verify", get(verify))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    100
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    sequence: i64,
    at: i64,
    actor: String,
    action: String,
    detail: serde_json::Value,
    prev_hash: Option<String>,
    entry_hash: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entries {
    entries: Vec<Entry>,
    /// Pass as `after` for the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<i64>,
}

#[utoipa::path(get, path = "/v1/audit", tag = "access", security(("bearer" = [])),
    params(Page),
    responses((status = 200, description = "Audit entries in order, each with its chain hash; `next` is the cursor", body = Object)))]
async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(page): Query<Page>,
) -> Result<Json<Entries>> {
    let caller = authorize(&state, &headers, &[Role::Dpo, Role::Admin], "/v1/audit").await?;
    let limit = page.limit.clamp(1, 1000);
    let stored = state.store.audit_after(page.after, limit).await?;
    state
        .access
        .record(
            &caller.actor(),
            "audit.read",
            serde_json::json!({ "after": page.after, "entries": stored.len() }),
        )
        .await?;
    let next = (stored.len() == limit as usize)
        .then(|| stored.last().map(|e| e.sequence))
        .flatten();
    let entries = stored
        .into_iter()
        .map(|e| Entry {
            sequence: e.sequence,
            at: e.entry.at,
            actor: e.entry.actor,
            action: e.entry.action,
            detail: serde_json::from_str(&e.entry.detail).unwrap_or(serde_json::Value::Null),
            prev_hash: e.prev_hash,
            entry_hash: e.entry_hash,
        })
        .collect();
    Ok(Json(Entries { entries, next }))
}

/// Whether the chain is whole.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Verification {
    /// Every entry chains to the one before and hashes to what it says.
    intact: bool,
    /// Entries checked (up to the break).
    entries: u64,
    /// The first entry that does not check.
    #[serde(skip_serializing_if = "Option::is_none")]
    broken_at: Option<i64>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[utoipa::path(get, path = "/v1/audit/verify", tag = "access", security(("bearer" = [])),
    responses((status = 200, description = "Whether the audit log's hash chain is whole, and where it breaks if not", body = Verification)))]
pub(super) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Verification>> {
    let caller = authorize(
        &state,
        &headers,
        &[Role::Dpo, Role::Admin],
        "/v1/audit/verify",
    )
    .await?;
    let checked = state.access.verify_audit().await;
    let verification = match checked {
        Ok(entries) => Verification {
            intact: true,
            entries,
            broken_at: None,
            reason: None,
        },
        Err(broken) => Verification {
            intact: false,
            entries: u64::try_from(broken.sequence - 1).unwrap_or(0),
            broken_at: Some(broken.sequence),
            reason: Some(broken.reason),
        },
    };
    state
        .access
        .record(
            &caller.actor(),
            "audit.verify",
            serde_json::json!({ "intact": verification.intact, "entries": verification.entries }),
        )
        .await?;
    Ok(Json(verification))
}
