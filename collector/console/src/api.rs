//! The collector's API, as the console uses it: the same routes any API client has (nothing
//! here is the console's alone), authenticated by the session cookie, every change carrying the
//! session's CSRF token.

use gloo_net::http::{Request, Response};
use serde::Deserialize;

/// Why a call did not give what was asked.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No session, or it ended: sign in.
    SignedOut,
    /// Wrong address or password.
    WrongCredentials,
    /// Too many failed sign-ins for the address.
    Throttled,
    /// Any other answer, with its status.
    Failed(u16),
    /// No answer.
    Network(String),
}

impl From<gloo_net::Error> for ApiError {
    fn from(error: gloo_net::Error) -> Self {
        ApiError::Network(error.to_string())
    }
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The user.
    pub user: User,
    /// Sent with every change.
    pub csrf_token: String,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Their address.
    pub email: String,
    /// `admin`, `marketer` or `dpo`.
    pub role: String,
}

/// A site and its current policy version.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Site {
    /// Its id.
    pub id: String,
    /// Its current policy version.
    #[serde(default)]
    pub version: i64,
    /// Its purposes one may be asked for, with their names by language.
    pub purposes: Vec<Purpose>,
}

/// A purpose and its names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Purpose {
    /// Its id.
    pub id: String,
    /// Its name by language tag.
    pub name: std::collections::BTreeMap<String, String>,
}

/// One page of the marketer's query.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContactPage {
    /// The contacts.
    pub contacts: Vec<Contact>,
    /// The next page's cursor.
    #[serde(default)]
    pub next: Option<String>,
}

/// A contact as the query shows it (masked for a marketer).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Its id.
    pub person_id: String,
    /// Whether the values are masked.
    pub masked: bool,
    /// Identifiers.
    pub identifiers: Identifiers,
    /// Profile.
    #[serde(default)]
    pub profile: Profile,
    /// The compliance card.
    #[serde(default)]
    pub card: Card,
    /// Per site and purpose.
    #[serde(default)]
    pub consents: Vec<Consent>,
}

/// Identifiers as shown.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifiers {
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
}

/// The profile's name fields.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
}

/// The compliance card: the legal basis and where the data came from, each with what it
/// requires (consent: its date and purpose; other: a text).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// The legal basis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// With `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis_other: Option<String>,
    /// With consent: `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_date: Option<String>,
    /// With consent: its purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_purpose: Option<String>,
    /// Where the contact came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// With `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_other: Option<String>,
}

/// A refusal's words (an RFC 9457 problem's `detail`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Problem {
    /// What is wrong.
    #[serde(default)]
    pub detail: String,
}

/// One consent state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Consent {
    /// Site.
    pub site: String,
    /// Purpose.
    pub purpose: String,
    /// granted, denied, withdrawn, expired, held.
    pub state: String,
}

async fn checked(response: Response) -> Result<Response, ApiError> {
    match response.status() {
        200..=299 => Ok(response),
        401 => Err(ApiError::SignedOut),
        429 => Err(ApiError::Throttled),
        status => Err(ApiError::Failed(status)),
    }
}

/// One contact (masked for a marketer).
pub async fn contact(person_id: &str) -> Result<Contact, ApiError> {
    let response = Request::get(&format!("/v1/contacts/{person_id}"))
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}

/// Replaces a contact's compliance card; a refusal's detail says which rule.
pub async fn put_card(
    person_id: &str,
    card: &Card,
    csrf: &str,
) -> Result<Result<Contact, String>, ApiError> {
    let response = Request::put(&format!("/v1/contacts/{person_id}/card"))
        .header("X-CSRF-Token", csrf)
        .json(card)?
        .send()
        .await?;
    answer_or_refusal(response).await
}

/// A contact in clear (the DPO, with a reason the audit log keeps); a refusal's detail says why.
pub async fn reveal(
    person_id: &str,
    reason: &str,
    csrf: &str,
) -> Result<Result<Contact, String>, ApiError> {
    let response = Request::post(&format!("/v1/contacts/{person_id}/reveal"))
        .header("X-CSRF-Token", csrf)
        .json(&serde_json::json!({ "reason": reason }))?
        .send()
        .await?;
    if response.status() == 422 {
        let problem: Problem = response.json().await?;
        return Ok(Err(problem.detail));
    }
    Ok(Ok(checked(response).await?.json().await?))
}

/// One subscribe or unsubscribe, read from the person's receipts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionEvent {
    /// RFC 3339.
    pub at: String,
    /// Site.
    pub site: String,
    /// Purpose.
    pub purpose: String,
    /// `subscribe` or `unsubscribe`.
    pub event: String,
    /// How (the receipt's collection method).
    pub source: String,
}

#[derive(Deserialize)]
struct Subscriptions {
    subscriptions: Vec<SubscriptionEvent>,
}

/// A person's subscribe and unsubscribe history, oldest first.
pub async fn subscriptions(person_id: &str) -> Result<Vec<SubscriptionEvent>, ApiError> {
    let response = Request::get(&format!("/v1/contacts/{person_id}/subscriptions"))
        .send()
        .await?;
    let found: Subscriptions = checked(response).await?.json().await?;
    Ok(found.subscriptions)
}

/// Deletes a contact (the DPO): its receipts stay, anonymous.
pub async fn delete_contact(person_id: &str, csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("/v1/contacts/{person_id}"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await?;
    checked(response).await.map(|_| ())
}

/// A site's counts per purpose and state (`GET /v1/contacts/counts`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Counts {
    /// Per purpose: state → number of contacts.
    pub purposes: std::collections::BTreeMap<String, std::collections::BTreeMap<String, u64>>,
}

/// A site's decisions per day and purpose (`GET /v1/contacts/daily`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Daily {
    /// The first day.
    pub from: String,
    /// The last day.
    pub to: String,
    /// Per purpose, one point per day.
    pub purposes: std::collections::BTreeMap<String, Vec<Day>>,
}

/// One day's decisions.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Grants.
    pub granted: u64,
    /// Refusals.
    pub denied: u64,
    /// Withdrawals.
    pub withdrawn: u64,
}

/// Open data-subject requests' counts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCounts {
    /// Open.
    pub open: u64,
    /// Past due.
    pub overdue: u64,
    /// Due within a week.
    pub due_within_7_days: u64,
}

/// A data-subject request, as listed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataRequest {
    /// Its id.
    pub id: String,
    /// What was asked.
    pub kind: String,
    /// Where it stands.
    pub state: String,
    /// When it must be answered (RFC 3339).
    pub due_at: String,
    /// Past due.
    pub overdue: bool,
}

#[derive(Deserialize)]
struct RequestList {
    requests: Vec<DataRequest>,
}

/// A site's counts.
pub async fn counts(site: &str) -> Result<Counts, ApiError> {
    let response = Request::get("/v1/contacts/counts")
        .query([("site", site)])
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}

/// A site's last 30 days.
pub async fn daily(site: &str) -> Result<Daily, ApiError> {
    let response = Request::get("/v1/contacts/daily")
        .query([("site", site)])
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}

/// The open requests' counts (the DPO's and admins').
pub async fn request_counts() -> Result<RequestCounts, ApiError> {
    Ok(checked(Request::get("/v1/requests/counts").send().await?)
        .await?
        .json()
        .await?)
}

/// The open requests, the soonest due first.
pub async fn open_requests() -> Result<Vec<DataRequest>, ApiError> {
    let response = Request::get("/v1/requests")
        .query([("state", "open")])
        .send()
        .await?;
    let list: RequestList = checked(response).await?.json().await?;
    Ok(list.requests)
}

/// What a bulk update did.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BulkAnswer {
    /// Contacts changed.
    pub updated: u64,
    /// Contacts already so.
    pub unchanged: u64,
}

/// Whom a bulk change is for.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkTarget {
    /// These people.
    People(Vec<String>),
    /// Everyone a selection holds (the API's query fields), about `count` of them.
    Matching {
        /// The selection.
        selection: Vec<(&'static str, String)>,
        /// How many it held when counted.
        count: u64,
    },
}

impl BulkTarget {
    /// How many it is for (as last counted).
    pub fn count(&self) -> u64 {
        match self {
            BulkTarget::People(ids) => ids.len() as u64,
            BulkTarget::Matching { count, .. } => *count,
        }
    }
}

/// Changes the card of many contacts, all or none: `basis` (with `basisOther`, `consentDate`,
/// `consentPurpose`) and/or `source` (with `sourceOther`), as `POST /v1/contacts/bulk-update`
/// takes them. A refusal's detail says why.
pub async fn bulk_update(
    target: &BulkTarget,
    basis: Option<serde_json::Value>,
    source: Option<serde_json::Value>,
    csrf: &str,
) -> Result<Result<BulkAnswer, String>, ApiError> {
    let mut body = match target {
        BulkTarget::People(ids) => serde_json::json!({ "personIds": ids }),
        BulkTarget::Matching { selection, .. } => {
            let fields: serde_json::Map<String, serde_json::Value> = selection
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::json!({ "selection": fields })
        }
    };
    if let Some(basis) = basis {
        body["basis"] = basis;
    }
    if let Some(source) = source {
        body["source"] = source;
    }
    let response = Request::post("/v1/contacts/bulk-update")
        .header("X-CSRF-Token", csrf)
        .json(&body)?
        .send()
        .await?;
    answer_or_refusal(response).await
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditEntry {
    /// Its place in the chain.
    pub sequence: i64,
    /// Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Ids and counts.
    pub detail: serde_json::Value,
}

/// A page of the audit log.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditPage {
    /// The entries, in order.
    pub entries: Vec<AuditEntry>,
    /// The next page's cursor.
    #[serde(default)]
    pub next: Option<i64>,
}

/// Whether the audit log's chain is whole.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditCheck {
    /// Whole.
    pub intact: bool,
    /// Entries checked.
    pub entries: u64,
    /// Where it breaks.
    #[serde(default)]
    pub broken_at: Option<i64>,
}

/// The audit log after an entry.
pub async fn audit(after: i64) -> Result<AuditPage, ApiError> {
    let after = after.to_string();
    let response = Request::get("/v1/audit")
        .query([("after", after.as_str()), ("limit", "50")])
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}

/// The audit log's chain, checked.
pub async fn audit_check() -> Result<AuditCheck, ApiError> {
    Ok(checked(Request::get("/v1/audit/verify").send().await?)
        .await?
        .json()
        .await?)
}

/// Who is signed in, if anyone.
pub async fn current() -> Result<Option<Session>, ApiError> {
    match checked(Request::get("/v1/session").send().await?).await {
        Ok(response) => Ok(Some(response.json().await?)),
        Err(ApiError::SignedOut) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Signs in; the collector sets the session cookie.
pub async fn sign_in(email: &str, password: &str) -> Result<Session, ApiError> {
    let body = serde_json::json!({ "email": email, "password": password });
    let response = Request::post("/v1/session").json(&body)?.send().await?;
    match checked(response).await {
        Ok(response) => Ok(response.json().await?),
        Err(ApiError::SignedOut) => Err(ApiError::WrongCredentials),
        Err(error) => Err(error),
    }
}

/// Signs out.
pub async fn sign_out(csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete("/v1/session")
        .header("X-CSRF-Token", csrf)
        .send()
        .await?;
    checked(response).await.map(|_| ())
}

/// The sites served, with their purposes.
pub async fn sites() -> Result<Vec<Site>, ApiError> {
    Ok(checked(Request::get("/v1/sites").send().await?)
        .await?
        .json()
        .await?)
}

/// A page of a selection (the API's query fields, as `route::PeopleQuery::selection` gives
/// them), after the cursor.
pub async fn contacts(
    selection: &[(&'static str, String)],
    after: Option<&str>,
) -> Result<ContactPage, ApiError> {
    let mut query: Vec<(&str, &str)> = selection.iter().map(|(k, v)| (*k, v.as_str())).collect();
    query.push(("limit", "50"));
    if let Some(after) = after {
        query.push(("after", after));
    }
    let response = Request::get("/v1/contacts").query(query).send().await?;
    Ok(checked(response).await?.json().await?)
}

/// How many a selection holds (`GET /v1/contacts/count`).
pub async fn count(selection: &[(&'static str, String)]) -> Result<u64, ApiError> {
    #[derive(Deserialize)]
    struct Count {
        count: u64,
    }
    let query = selection.iter().map(|(k, v)| (*k, v.as_str()));
    let response = Request::get("/v1/contacts/count")
        .query(query)
        .send()
        .await?;
    let answer: Count = checked(response).await?.json().await?;
    Ok(answer.count)
}

/// A receipt as the collector stored it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredReceipt {
    /// Its place in the log.
    pub sequence: i64,
    /// Site.
    pub site: String,
    /// The policy version it cites.
    pub policy_version: i64,
    /// The countersigned JWT.
    pub receipt: String,
}

/// A contact's receipts, oldest first.
pub async fn receipts(person_id: &str) -> Result<Vec<StoredReceipt>, ApiError> {
    #[derive(Deserialize)]
    struct Receipts {
        receipts: Vec<StoredReceipt>,
    }
    let response = Request::get(&format!("/v1/contacts/{person_id}/receipts"))
        .send()
        .await?;
    let answer: Receipts = checked(response).await?.json().await?;
    Ok(answer.receipts)
}

/// The collector's published keys (`/.well-known/jwks.json`), as text.
pub async fn jwks() -> Result<String, ApiError> {
    let response = Request::get("/.well-known/jwks.json").send().await?;
    Ok(checked(response).await?.text().await?)
}

/// A policy version's document, byte for byte (what receipts hash).
pub async fn policy_version(site: &str, version: i64) -> Result<Vec<u8>, ApiError> {
    let response = Request::get(&format!("/v1/sites/{site}/policies/{version}"))
        .send()
        .await?;
    Ok(checked(response).await?.binary().await?)
}

/// A 409 or 422's detail as the refusal, any other failure as an error, else the JSON body.
async fn answer_or_refusal<T: serde::de::DeserializeOwned>(
    response: Response,
) -> Result<Result<T, String>, ApiError> {
    if matches!(response.status(), 409 | 422) {
        let problem: Problem = response.json().await?;
        return Ok(Err(problem.detail));
    }
    Ok(Ok(checked(response).await?.json().await?))
}

/// A console user as listed.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedUser {
    /// Id.
    pub id: String,
    /// Address.
    pub email: String,
    /// `admin`, `marketer` or `dpo`.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once disabled.
    #[serde(default)]
    pub disabled_at: Option<String>,
}

/// Every console user (admins only).
pub async fn users() -> Result<Vec<ListedUser>, ApiError> {
    Ok(checked(Request::get("/v1/users").send().await?)
        .await?
        .json()
        .await?)
}

/// Makes a user; a refusal's detail says which field.
pub async fn create_user(
    email: &str,
    role: &str,
    password: &str,
    csrf: &str,
) -> Result<Result<ListedUser, String>, ApiError> {
    let body = serde_json::json!({ "email": email, "role": role, "password": password });
    let response = Request::post("/v1/users")
        .header("X-CSRF-Token", csrf)
        .json(&body)?
        .send()
        .await?;
    answer_or_refusal(response).await
}

/// Disables a user (no sign-in, every session ended).
pub async fn disable_user(id: &str, csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("/v1/users/{id}"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await?;
    checked(response).await.map(|_| ())
}

/// Ends every session of a user.
pub async fn end_sessions(id: &str, csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("/v1/users/{id}/sessions"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await?;
    checked(response).await.map(|_| ())
}

/// A bad row of an import: where, and why (never the value).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RowError {
    /// Line in the file (1 is the header).
    pub line: u64,
    /// The column at fault.
    #[serde(default)]
    pub column: Option<String>,
    /// Why.
    pub reason: String,
}

/// How a column is read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ColumnMapping {
    /// The header as in the file.
    pub column: String,
    /// What it fills (`profile.firstName`, `identifier.email`, …).
    pub field: String,
}

/// What an import would do.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPreview {
    /// How each column is read.
    pub mapping: Vec<ColumnMapping>,
    /// Good rows.
    pub rows: u64,
    /// Good rows updating a contact already held.
    pub updates: u64,
    /// Good rows making a new contact.
    pub creates: u64,
    /// Bad rows (the first 1000).
    pub errors: Vec<RowError>,
    /// How many rows are bad.
    pub error_count: u64,
}

/// An import's progress.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportRun {
    /// Its id.
    pub id: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Rows to import.
    pub rows: u64,
    /// Rows imported so far.
    pub rows_done: u64,
    /// Contacts made.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Bad rows left out.
    pub skipped: u64,
    /// Why it failed.
    #[serde(default)]
    pub failure: Option<String>,
}

/// A refused file: the problem's words, and its bad rows when it names them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FileRefusal {
    /// What is wrong.
    #[serde(default)]
    pub detail: String,
    /// The rows (or the header) at fault.
    #[serde(default)]
    pub errors: Vec<RowError>,
}

/// Sends a CSV file to `/v1/imports` with the options (`site`, `basis`, …).
async fn send_import(
    options: &[(&'static str, String)],
    file: &web_sys::File,
    csrf: &str,
) -> Result<Response, ApiError> {
    let query = options.iter().map(|(k, v)| (*k, v.as_str()));
    Ok(Request::post("/v1/imports")
        .query(query)
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "text/csv")
        .body(file.clone())?
        .send()
        .await?)
}

/// What importing `file` would do, writing nothing; or why the file is refused.
pub async fn preview_import(
    options: &[(&'static str, String)],
    file: &web_sys::File,
    csrf: &str,
) -> Result<Result<ImportPreview, FileRefusal>, ApiError> {
    let mut options = options.to_vec();
    options.push(("dryRun", "true".to_owned()));
    let response = send_import(&options, file, csrf).await?;
    if matches!(response.status(), 409 | 413 | 415 | 422) {
        return Ok(Err(response.json().await?));
    }
    Ok(Ok(checked(response).await?.json().await?))
}

/// Starts importing `file`; or why the file is refused.
pub async fn start_import(
    options: &[(&'static str, String)],
    file: &web_sys::File,
    csrf: &str,
) -> Result<Result<ImportRun, FileRefusal>, ApiError> {
    let response = send_import(options, file, csrf).await?;
    if matches!(response.status(), 409 | 413 | 415 | 422) {
        return Ok(Err(response.json().await?));
    }
    Ok(Ok(checked(response).await?.json().await?))
}

/// How far an import has come.
pub async fn import_progress(id: &str) -> Result<ImportRun, ApiError> {
    let response = Request::get(&format!("/v1/imports/{id}")).send().await?;
    Ok(checked(response).await?.json().await?)
}

/// A policy version as recorded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyVersion {
    /// Its number.
    pub version: i64,
    /// Hex SHA-256 of its document: what receipts cite.
    pub sha256: String,
    /// When it was first served (RFC 3339).
    #[serde(default)]
    pub first_served: Option<String>,
    /// When a later version replaced it (RFC 3339).
    #[serde(default)]
    pub superseded_at: Option<String>,
}

/// A site's policy versions, newest first.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolicyVersions {
    /// The version served now.
    pub current: i64,
    /// Every version ever served.
    pub versions: Vec<PolicyVersion>,
}

/// What a policy document is wrong about: where (a JSON pointer) and why.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolicyProblem {
    /// JSON pointer into the document.
    #[serde(default)]
    pub path: String,
    /// Why.
    pub reason: String,
}

/// A document checked (or published).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAccepted {
    /// Its version.
    pub version: i64,
    /// Its SHA-256.
    pub sha256: String,
    /// Whether visitors will be asked again (what the banner discloses changed).
    #[serde(default)]
    pub disclosure_changed: bool,
}

/// A refused document: the problem's words and every problem found.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PolicyRefusal {
    /// What is wrong, in short.
    #[serde(default)]
    pub detail: String,
    /// Each problem.
    #[serde(default)]
    pub problems: Vec<PolicyProblem>,
}

/// A site's policy versions.
pub async fn policy_versions(site: &str) -> Result<PolicyVersions, ApiError> {
    let response = Request::get(&format!("/v1/sites/{site}/policies"))
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}

/// The site's current policy document, as text: asked of the collector each time (pages may
/// keep it a minute), so that a version just published is the one shown.
pub async fn current_policy(site: &str) -> Result<String, ApiError> {
    let response = Request::get(&format!("/v1/sites/{site}/policy"))
        .cache(web_sys::RequestCache::NoCache)
        .send()
        .await?;
    Ok(checked(response).await?.text().await?)
}

/// Checks (`publish: false`) or publishes a new policy document for a site.
pub async fn submit_policy(
    site: &str,
    document: &str,
    publish: bool,
    csrf: &str,
) -> Result<Result<PolicyAccepted, PolicyRefusal>, ApiError> {
    let mut request = Request::post(&format!("/v1/sites/{site}/policies"));
    if !publish {
        request = request.query([("dryRun", "true")]);
    }
    let response = request
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", "application/json")
        .body(document)?
        .send()
        .await?;
    if matches!(response.status(), 400 | 409 | 413 | 415 | 422) {
        return Ok(Err(response.json().await?));
    }
    Ok(Ok(checked(response).await?.json().await?))
}

/// One form purpose's sign-ups asked to confirm, and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Funnel {
    /// Asked to confirm.
    pub asked: u64,
    /// Confirmed.
    pub confirmed: u64,
    /// Not confirmed in time.
    pub expired: u64,
    /// Still waiting.
    pub pending: u64,
}

/// A site's form opt-ins over the last 30 days (`GET /v1/contacts/opt-ins`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OptIns {
    /// Per double-opt-in form purpose.
    pub purposes: std::collections::BTreeMap<String, Funnel>,
}

/// A site's form opt-ins over the last 30 days.
pub async fn opt_ins(site: &str) -> Result<OptIns, ApiError> {
    let response = Request::get("/v1/contacts/opt-ins")
        .query([("site", site)])
        .send()
        .await?;
    Ok(checked(response).await?.json().await?)
}
