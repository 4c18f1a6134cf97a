//! `GET /v1/contacts?site=S&purpose=P&state=granted`: the marketer's question, in pages of JSON
//! or streamed as CSV (`Accept: text/csv`); its count; counts per purpose and state; and the
//! daily series of decisions per purpose for charts.

use std::collections::BTreeMap;

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::export::{csv_stream, wants_csv};
use super::{READERS, visibility};
use crate::domain::contacts::ContactPage;
use crate::domain::contacts::export::HeaderLanguage;
use crate::domain::contacts::selection::{self, SelectionError};
use crate::http::auth::authorize;
use crate::http::error::Problem;
use crate::http::query::Query;
use crate::http::{Error, Result};
use crate::state::AppState;
use crate::store::contacts::{Selection, SelectionState};
use crate::time::now_unix;

pub use crate::domain::contacts::selection::SelectionQuery;

/// The list's query string: a selection, a page, and the CSV header language.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    site: String,
    purpose: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    basis: Option<String>,
    #[serde(default)]
    source: Option<String>,
    /// Only the contact with this exact e-mail address.
    #[serde(default)]
    email: Option<String>,
    /// The cursor: the `next` of the page before.
    #[serde(default)]
    after: Option<String>,
    /// Contacts per page (1–1000, default 100).
    #[serde(default)]
    limit: Option<u32>,
    /// The CSV header's language: `en` (default) or `sv`.
    #[serde(default)]
    lang: Option<String>,
}

impl ListQuery {
    /// The selection part.
    pub fn selection(&self) -> SelectionQuery {
        SelectionQuery {
            site: self.site.clone(),
            purpose: self.purpose.clone(),
            state: self.state.clone(),
            basis: self.basis.clone(),
            source: self.source.clone(),
            email: self.email.clone(),
        }
    }

    /// The CSV header language.
    pub fn language(&self) -> Result<HeaderLanguage> {
        language(self.lang.as_deref())
    }
}

/// `en` (default) or `sv`.
pub fn language(lang: Option<&str>) -> Result<HeaderLanguage> {
    match lang {
        None => Ok(HeaderLanguage::En),
        Some(text) => HeaderLanguage::parse(text)
            .ok_or_else(|| Error::InvalidQuery("lang: must be en or sv".to_owned())),
    }
}

/// Checks a selection against the site's current policy.
pub fn selection_of(state: &AppState, query: &SelectionQuery) -> Result<Selection> {
    let vault = state.contacts.vault();
    selection::check(&state.sites, query, |identifier| vault.lookup(identifier)).map_err(|error| {
        match error {
            SelectionError::UnknownSite => Error::SiteNotFound,
            invalid => Error::InvalidQuery(invalid.to_string()),
        }
    })
}

fn site_of<'a>(state: &'a AppState, site: &str) -> Result<&'a crate::domain::sites::Site> {
    samtycke_shared::SiteId::parse(site)
        .ok()
        .and_then(|id| state.sites.get(&id))
        .ok_or(Error::SiteNotFound)
}

/// `GET /v1/contacts`.
#[utoipa::path(get, path = "/v1/contacts", tag = "contacts", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of the selection (`next` is the cursor of the next page); with `Accept: text/csv`, the whole selection streamed as CSV in the export's 16 columns. Marketers see masked values, the DPO and admins clear ones", body = ContactPage),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts").await?;
    let selection = selection_of(&state, &query.selection())?;
    if wants_csv(&headers)? {
        return csv_stream(&state, &caller, selection, query.language()?).await;
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let page = state
        .contacts
        .select(
            &caller.actor(),
            &selection,
            query.after.as_deref(),
            limit,
            visibility(&caller),
        )
        .await?;
    Ok(JsonResponse(page).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CountAnswer {
    site: String,
    purpose: String,
    state: &'static str,
    count: i64,
}

/// `GET /v1/contacts/count?site&purpose&state`.
#[utoipa::path(get, path = "/v1/contacts/count", tag = "contacts", security(("bearer" = [])),
    params(SelectionQuery),
    responses((status = 200, description = "How many contacts the selection holds", body = CountAnswer),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn count(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SelectionQuery>,
) -> Result<JsonResponse<CountAnswer>> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/count").await?;
    let selection = selection_of(&state, &query)?;
    let count = state.contacts.count(&caller.actor(), &selection).await?;
    Ok(JsonResponse(CountAnswer {
        site: selection.site,
        purpose: selection.purpose,
        state: selection.state.as_str(),
        count,
    }))
}

/// A site, and for the daily series a span of days (default: the last 30).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SiteQuery {
    site: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// `GET /v1/contacts/counts?site=S`: every purpose of the site's policy with its contacts per
/// state (zeros included).
#[utoipa::path(get, path = "/v1/contacts/counts", tag = "contacts", security(("bearer" = [])),
    params(("site" = String, Query, description = "Site id")),
    responses((status = 200, description = "`{site, purposes: {PURPOSE: {granted, expired, held, denied, withdrawn}}}`", body = Object),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn counts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SiteQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/counts").await?;
    if query.from.is_some() || query.to.is_some() {
        return Err(Error::InvalidQuery(
            "from and to are for /v1/contacts/daily".to_owned(),
        ));
    }
    let site = site_of(&state, &query.site)?;
    let stored = state
        .store
        .state_counts(site.id.as_str(), now_unix())
        .await?;
    let mut purposes: BTreeMap<String, BTreeMap<&'static str, i64>> = site
        .policy()
        .policy
        .purposes
        .iter()
        .map(|p| {
            let zeros = SelectionState::ALL.map(|s| (s.as_str(), 0)).into();
            (p.id.to_string(), zeros)
        })
        .collect();
    for row in stored {
        let Some(state_name) = SelectionState::parse(&row.state) else {
            continue;
        };
        *purposes
            .entry(row.purpose)
            .or_default()
            .entry(state_name.as_str())
            .or_default() += row.count;
    }
    state
        .contacts
        .audit(
            &caller.actor(),
            "contacts.counts",
            serde_json::json!({"site": site.id.as_str()}),
        )
        .await?;
    Ok(
        JsonResponse(serde_json::json!({ "site": site.id.as_str(), "purposes": purposes }))
            .into_response(),
    )
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DayPoint {
    day: String,
    granted: i64,
    denied: i64,
    withdrawn: i64,
}

/// The longest series one call answers, in days.
const MAX_DAYS: i64 = 366;

/// The days a query spans, both included (default: the last 30 days).
fn span_of(query: &SiteQuery) -> Result<(time::Date, time::Date)> {
    let to = match &query.to {
        Some(text) => parse_day("to", text)?,
        None => crate::domain::contacts::today(),
    };
    let from = match &query.from {
        Some(text) => parse_day("from", text)?,
        None => to - time::Duration::days(29),
    };
    if from > to {
        return Err(Error::InvalidQuery("from: is after to".to_owned()));
    }
    if (to - from).whole_days() >= MAX_DAYS {
        return Err(Error::InvalidQuery(format!(
            "from: at most {MAX_DAYS} days in one series"
        )));
    }
    Ok((from, to))
}

/// One form purpose's sign-ups asked to confirm, and what became of them.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OptInFunnel {
    /// Sign-ups asked to confirm (a confirmation mail queued).
    asked: i64,
    /// Confirmed: the purpose granted.
    confirmed: i64,
    /// Not confirmed in time (or declined): nothing granted.
    expired: i64,
    /// Still waiting.
    pending: i64,
}

/// `GET /v1/contacts/opt-ins?site=S&from&to`: each form purpose's double opt-in funnel over the
/// span: sign-ups asked to confirm, confirmed, expired, still pending. Read from the
/// confirmations themselves; the collector counts no form views (the widget reports nothing
/// about a form until its box is ticked and the form sent).
#[utoipa::path(get, path = "/v1/contacts/opt-ins", tag = "contacts", security(("bearer" = [])),
    params(SiteQuery),
    responses((status = 200, description = "`{site, from, to, purposes: {PURPOSE: {asked, confirmed, expired, pending}}}` for every purpose a form asks with double opt-in (zeros included)", body = Object),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn opt_ins(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SiteQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/opt-ins").await?;
    let site = site_of(&state, &query.site)?;
    let (from, to) = span_of(&query)?;
    let start = |day: time::Date| day.midnight().assume_utc().unix_timestamp();
    let until = to.next_day().map_or(i64::MAX, start);
    let mut purposes: BTreeMap<String, OptInFunnel> = site
        .policy()
        .policy
        .purposes
        .iter()
        .filter(|p| p.asked_in == samtycke_shared::AskedIn::Form && p.double_opt_in)
        .map(|p| (p.id.to_string(), OptInFunnel::default()))
        .collect();
    for (purpose, state, count) in state
        .store
        .confirmation_counts(site.id.as_str(), start(from), until)
        .await?
    {
        let funnel = purposes.entry(purpose).or_default();
        funnel.asked += count;
        match state.as_str() {
            "confirmed" => funnel.confirmed += count,
            "expired" => funnel.expired += count,
            _ => funnel.pending += count,
        }
    }
    // Audited as every privileged read is (counts only, no one named).
    state
        .contacts
        .audit(
            &caller.actor(),
            "contacts.opt-ins",
            serde_json::json!({"site": site.id.as_str(), "from": from.to_string(), "to": to.to_string()}),
        )
        .await?;
    Ok(JsonResponse(serde_json::json!({
        "site": site.id.as_str(),
        "from": from.to_string(),
        "to": to.to_string(),
        "purposes": purposes,
    }))
    .into_response())
}

/// `GET /v1/contacts/daily?site=S&from=YYYY-MM-DD&to=YYYY-MM-DD`: per purpose, one point per
/// day (zeros included) of grants, refusals and withdrawals. Defaults: the last 30 days.
#[utoipa::path(get, path = "/v1/contacts/daily", tag = "contacts", security(("bearer" = [])),
    params(SiteQuery),
    responses((status = 200, description = "`{site, from, to, purposes: {PURPOSE: [{day, granted, denied, withdrawn}]}}`, one point per day, zeros included", body = Object),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub async fn daily(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<SiteQuery>,
) -> Result<Response> {
    let caller = authorize(&state, &headers, READERS, "/v1/contacts/daily").await?;
    let site = site_of(&state, &query.site)?;
    let (from, to) = span_of(&query)?;
    let stored = state
        .store
        .daily_counts(site.id.as_str(), &from.to_string(), &to.to_string())
        .await?;
    let mut days = Vec::new();
    let mut day = from;
    while day <= to {
        days.push(day.to_string());
        day = day.next_day().unwrap_or(day);
        if days.len() as i64 > MAX_DAYS {
            break;
        }
    }
    let mut series: BTreeMap<String, BTreeMap<String, [i64; 3]>> = site
        .policy()
        .policy
        .purposes
        .iter()
        .map(|p| (p.id.to_string(), BTreeMap::new()))
        .collect();
    for row in stored {
        series
            .entry(row.purpose)
            .or_default()
            .insert(row.day, [row.granted, row.denied, row.withdrawn]);
    }
    let purposes: BTreeMap<String, Vec<DayPoint>> = series
        .into_iter()
        .map(|(purpose, counted)| {
            let points = days
                .iter()
                .map(|day| {
                    let [granted, denied, withdrawn] =
                        counted.get(day).copied().unwrap_or_default();
                    DayPoint {
                        day: day.clone(),
                        granted,
                        denied,
                        withdrawn,
                    }
                })
                .collect();
            (purpose, points)
        })
        .collect();
    state
        .contacts
        .audit(
            &caller.actor(),
            "contacts.daily",
            serde_json::json!({"site": site.id.as_str(), "from": from.to_string(), "to": to.to_string()}),
        )
        .await?;
    Ok(JsonResponse(serde_json::json!({
        "site": site.id.as_str(),
        "from": from.to_string(),
        "to": to.to_string(),
        "purposes": purposes,
    }))
    .into_response())
}

fn parse_day(field: &str, text: &str) -> Result<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map_err(|_| Error::InvalidQuery(format!("{field}: not a date (YYYY-MM-DD)")))
}
