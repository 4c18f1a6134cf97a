//! The contacts API, for marketers and the DPO: the selection ("who may I contact for P"),
//! counts and the daily series, one contact with its card, history, reveal, export and deletion,
//! and bulk card updates. Handlers check the caller's role and hand over to
//! `domain::contacts`, which audits every call.

pub(super) mod export;
pub(super) mod selection;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json as JsonResponse, Router};
use serde::{Deserialize, Serialize};
use tower_http::set_header::SetResponseHeaderLayer;
use uuid::Uuid;

use super::auth::authorize;
use super::error::Problem;
use super::json::Json;
use super::path::Path;
use super::query::Query;
use super::{Error, Result};
use crate::domain::access::{Caller, Role};
use crate::domain::contacts::card::Card;
use crate::domain::contacts::{
    BulkResult, CardChange, ContactError, ContactInput, ContactView, MAX_BULK, Visibility,
};
use crate::domain::mail::UnsubscribeHeaders;
use crate::domain::resubscribe::ResubscribeRequest;
use crate::state::AppState;
use selection::{SelectionQuery, selection_of};

/// Who may read contacts and edit their cards: every role.
const READERS: &[Role] = &[Role::Marketer, Role::Dpo, Role::Admin];
/// Who may see values in clear, change identifiers and profiles, and delete: the DPO and admins.
const STEWARDS: &[Role] = &[Role::Dpo, Role::Admin];

/// The contacts routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/contacts", get(selection::list).post(create))
        .route("/v1/contacts/count", get(selection::count))
        .route("/v1/contacts/counts", get(selection::counts))
        .route("/v1/contacts/daily", get(selection::daily))
        .route("/v1/contacts/opt-ins", get(selection::opt_ins))
        .route("/v1/contacts/export", get(export::export_selection))
        .route("/v1/contacts/bulk-update", post(bulk_update))
        .route("/v1/contacts/{id}", get(read).patch(update).delete(delete))
        .route("/v1/contacts/{id}/card", put(set_card))
        .route("/v1/contacts/{id}/history", get(history))
        .route("/v1/contacts/{id}/reveal", post(reveal))
        .route("/v1/contacts/{id}/export", get(export::export_one))
        .route("/v1/contacts/{id}/unsubscribe", get(unsubscribe_headers))
        .route("/v1/contacts/{id}/subscriptions", get(subscriptions))
        .route("/v1/contacts/{id}/receipts", get(receipts))
        .route("/v1/contacts/{id}/resubscribe", post(resubscribe))
        // Personal data, masked or not: never kept by a cache between the caller and us.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// What a caller of this role sees of values in lists and exports.
fn visibility(caller: &Caller) -> Visibility {
    match caller.role {
        // An integration key reads no contacts; masked, were it ever let in.
        Role::Marketer | Role::Integration => Visibility::Masked,
        Role::Dpo | Role::Admin => Visibility::Clear,
    }
}

#[utoipa::path(post, path = "/v1/contacts", tag = "contacts", security(("bearer" = [])),
    request_body = ContactInput,
    responses((status = 201, description = "The contact, masked", body = ContactView),
              (status = 409, description = "Another contact has one of these identifiers (urn:samtycke:problem:identifier-taken)", body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(input): Json<ContactInput>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/contacts").await?;
    let view = state.contacts.create(&caller.actor(), input).await?;
    Ok((StatusCode::CREATED, JsonResponse(view)).into_response())
}

#[utoipa::path(get, path = "/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "The contact, masked, with its decision per site and purpose", body = ContactView),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<ContactView>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}").await?;
    Ok(JsonResponse(
        state.contacts.get(&caller.actor(), &id.to_string()).await?,
    ))
}

#[utoipa::path(patch, path = "/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    request_body = ContactInput,
    responses((status = 200, description = "The contact, masked", body = ContactView),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "urn:samtycke:problem:identifier-taken", body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(input): Json<ContactInput>,
) -> Result<JsonResponse<ContactView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/contacts/{id}").await?;
    Ok(JsonResponse(
        state
            .contacts
            .update(&caller.actor(), &id.to_string(), input)
            .await?,
    ))
}

#[utoipa::path(put, path = "/v1/contacts/{id}/card", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    request_body = Card,
    responses((status = 200, description = "The contact with its new card (the change is in its history)", body = ContactView),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
async fn set_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(card): Json<Card>,
) -> Result<JsonResponse<ContactView>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/card").await?;
    let input = ContactInput {
        card: Some(card),
        ..ContactInput::default()
    };
    Ok(JsonResponse(
        state
            .contacts
            .update(&caller.actor(), &id.to_string(), input)
            .await?,
    ))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryEntry {
    at: i64,
    actor: String,
    action: String,
    detail: serde_json::Value,
}

#[utoipa::path(get, path = "/v1/contacts/{id}/history", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "`{history: [{at, actor, action, detail}]}`: who changed what, when (never a value of the profile)", body = Object),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<serde_json::Value>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/history").await?;
    let entries: Vec<HistoryEntry> = state
        .contacts
        .history(&caller.actor(), &id.to_string())
        .await?
        .into_iter()
        .map(|e| HistoryEntry {
            at: e.at,
            actor: e.actor,
            action: e.action,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(JsonResponse(serde_json::json!({ "history": entries })))
}

#[utoipa::path(get, path = "/v1/contacts/{id}/subscriptions", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "`{subscriptions: [...]}`: every subscribe and unsubscribe, oldest first, with when, site, purpose and source (the receipt's collection method)", body = Object),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn subscriptions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<serde_json::Value>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/subscriptions").await?;
    let events = state
        .contacts
        .subscriptions(&caller.actor(), &id.to_string())
        .await?;
    Ok(JsonResponse(serde_json::json!({ "subscriptions": events })))
}

#[utoipa::path(get, path = "/v1/contacts/{id}/receipts", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, description = "`{receipts: [{sequence, site, policyVersion, receipt}]}`: every receipt of the contact as issued, oldest first: JWTs that verify against /.well-known/jwks.json, each citing the policy version at /v1/sites/{site}/policies/{version} by its SHA-256", body = Object),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn receipts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<JsonResponse<serde_json::Value>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/receipts").await?;
    let receipts: Vec<serde_json::Value> = state
        .contacts
        .receipts(&caller.actor(), &id.to_string())
        .await?
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "sequence": r.sequence,
                "site": r.site,
                "policyVersion": r.policy_version,
                "receipt": r.receipt,
            })
        })
        .collect();
    Ok(JsonResponse(serde_json::json!({ "receipts": receipts })))
}

#[utoipa::path(post, path = "/v1/contacts/{id}/resubscribe", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    request_body = ResubscribeRequest,
    responses((status = 201, description = "`{receiptId}`: the purpose granted again by a collector-signed receipt citing the proof; audited", body = Object),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The contact has not withdrawn or refused the purpose (urn:samtycke:problem:not-unsubscribed)", body = Problem, content_type = "application/problem+json"),
              (status = 422, description = "No reason, no proof, or a proof that proves no new consent (urn:samtycke:problem:proof-required)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn resubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(request): Json<ResubscribeRequest>,
) -> Result<Response> {
    // Admins only: a marketer may never re-subscribe anyone (DESIGN.md §2).
    let caller = authorize(
        &state,
        &headers,
        &[Role::Admin],
        "/v1/contacts/{id}/resubscribe",
    )
    .await?;
    let receipt_id = state
        .resubscribe
        .resubscribe(&caller.actor(), &id.to_string(), &request)
        .await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(serde_json::json!({ "receiptId": receipt_id.to_string() })),
    )
        .into_response())
}

/// Which of the contact's subscriptions.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub(super) struct SubscriptionQuery {
    /// The site.
    site: String,
    /// The purpose (one the site's policy has).
    purpose: String,
}

#[utoipa::path(get, path = "/v1/contacts/{id}/unsubscribe", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id"), SubscriptionQuery),
    responses((status = 200, description = "The contact's unsubscribe URL for the purpose and the two RFC 8058 headers to put into every message sent for it", body = UnsubscribeHeaders),
              (status = 404, description = "urn:samtycke:problem:contact-not-found, or no such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn unsubscribe_headers(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Query(query): Query<SubscriptionQuery>,
) -> Result<JsonResponse<UnsubscribeHeaders>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/{id}/unsubscribe").await?;
    let site = samtycke_shared::SiteId::parse(&query.site)
        .ok()
        .and_then(|site| state.sites.get(&site))
        .ok_or(Error::SiteNotFound)?;
    let purpose = samtycke_shared::PurposeId::parse(&query.purpose)
        .ok()
        .filter(|p| site.policy().policy.purpose(p).is_some())
        .ok_or_else(|| {
            Error::InvalidQuery("purpose: not a purpose of the site's current policy".into())
        })?;
    let person_id = id.to_string();
    if state
        .store
        .contact(&person_id)
        .await
        .map_err(ContactError::from)?
        .is_none()
    {
        return Err(ContactError::NotFound(person_id).into());
    }
    let links = state
        .mail
        .unsubscribe_headers(&person_id, site.id.as_str(), purpose.as_str())?;
    state
        .contacts
        .audit(
            &caller.actor(),
            "contact.unsubscribe-link",
            serde_json::json!({"personId": person_id, "site": site.id.as_str(), "purpose": purpose.as_str()}),
        )
        .await?;
    Ok(JsonResponse(links))
}

/// Why the values are needed in clear (kept in the audit log).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    reason: String,
}

#[utoipa::path(post, path = "/v1/contacts/{id}/reveal", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    request_body = RevealRequest,
    responses((status = 200, description = "The contact in clear; the reveal and its reason are audited", body = ContactView),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
async fn reveal(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(request): Json<RevealRequest>,
) -> Result<JsonResponse<ContactView>> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/contacts/{id}/reveal").await?;
    Ok(JsonResponse(
        state
            .contacts
            .reveal(&caller.actor(), &id.to_string(), &request.reason)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/v1/contacts/{id}", tag = "contacts", security(("bearer" = [])),
    params(("id" = String, Path, description = "Person id")),
    responses((status = 204, description = "Deleted: identifiers, profile, keys and its devices' vaults destroyed; its receipts stay, verifying, anonymous"),
              (status = 404, description = "urn:samtycke:problem:contact-not-found", body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Result<StatusCode> {
    let caller = authorize(&state, &headers, STEWARDS, "/v1/contacts/{id}").await?;
    state
        .contacts
        .delete(&caller.actor(), &id.to_string())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A bulk card update: the contacts by id, or every contact of a selection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkUpdate {
    #[serde(default)]
    person_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    selection: Option<SelectionQuery>,
    #[serde(flatten)]
    change: CardChange,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkAnswer {
    updated: usize,
    unchanged: usize,
    results: Vec<BulkResult>,
}

#[utoipa::path(post, path = "/v1/contacts/bulk-update", tag = "contacts", security(("bearer" = [])),
    request_body = BulkUpdate,
    responses((status = 200, description = "Every contact changed (or unchanged), with a result each; one audit entry", body = BulkAnswer),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
async fn bulk_update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<BulkUpdate>,
) -> Result<JsonResponse<BulkAnswer>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/bulk-update").await?;
    if request.change.basis.is_none() && request.change.source.is_none() {
        return Err(Error::InvalidBody(
            "give basis and/or source to set".to_owned(),
        ));
    }
    let ids: Vec<String> = match (request.person_ids, request.selection) {
        (Some(ids), None) => ids.iter().map(Uuid::to_string).collect(),
        (None, Some(query)) => {
            let selection = selection_of(&state, &query)?;
            state.contacts.selection_ids(&selection, MAX_BULK).await?
        }
        _ => {
            return Err(Error::InvalidBody(
                "give either personIds or selection".to_owned(),
            ));
        }
    };
    if ids.is_empty() {
        return Err(Error::InvalidBody("no contacts to update".to_owned()));
    }
    if ids.len() > MAX_BULK {
        return Err(Error::InvalidBody(format!(
            "at most {MAX_BULK} contacts in one call; narrow the selection"
        )));
    }
    let results = state
        .contacts
        .bulk_update_cards(&caller.actor(), &ids, &request.change)
        .await
        .map_err(|error| match error {
            ContactError::BulkRefused { .. } => Error::Contact(error),
            other => other.into(),
        })?;
    let count = |what: &str| results.iter().filter(|r| r.result == what).count();
    Ok(JsonResponse(BulkAnswer {
        updated: count("updated"),
        unchanged: count("unchanged"),
        results,
    }))
}
