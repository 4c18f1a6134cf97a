//! Data-subject requests in the store: the request, its history, and the holds that carrying
//! out a restriction or an objection adds to (and a DPO lifts from) `contact_holds`. The SQL is
//! the same on both backends (`requests_sql.rs`).

use async_trait::async_trait;

use super::StoreError;

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRequest {
    /// Its id.
    pub id: String,
    /// `access`, `portability`, `rectification`, `erasure`, `restriction`, `objection`,
    /// `objection-automated`.
    pub kind: String,
    /// The contact (`None` once erased).
    pub person_id: Option<String>,
    /// The site, for an objection to one purpose.
    pub site: Option<String>,
    /// The purpose, for an objection to one purpose.
    pub purpose: Option<String>,
    /// How it arrived.
    pub channel: String,
    /// `received`, `verified`, `in-progress`, `done`, `refused`.
    pub state: String,
    /// Unix seconds.
    pub received_at: i64,
    /// When it must be answered.
    pub due_at: i64,
    /// Why it was extended, if it was (once).
    pub extension_reason: Option<String>,
    /// What was done, or why refused (JSON).
    pub outcome: Option<String>,
    /// When it was done or refused.
    pub settled_at: Option<i64>,
    /// The language the person asked in (`None`: entered by the DPO).
    pub language: Option<String>,
}

/// A change to a request, with its history entry, written in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestChange {
    /// The request.
    pub id: String,
    /// The state it must be in now, for the change to apply (`None`: any open state).
    pub from: Vec<&'static str>,
    /// The new state, if it changes.
    pub state: Option<&'static str>,
    /// A new due date and the reason (an extension).
    pub extend: Option<(i64, String)>,
    /// The outcome, when settled.
    pub outcome: Option<String>,
    /// When.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What, for the history.
    pub action: String,
    /// Details, for the history (JSON).
    pub detail: String,
    /// The mail that tells the person, queued with the change.
    pub tell: Option<super::mail::NewMail>,
}

/// A hold to put on or lift from a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldChange {
    /// The contact.
    pub person_id: String,
    /// `restricted` or `objected`.
    pub reason: &'static str,
    /// The site (`None`: every site).
    pub site: Option<String>,
    /// The purpose (`None`: every purpose).
    pub purpose: Option<String>,
    /// Put on (`true`) or lifted.
    pub on: bool,
}

/// A single-use, expiring link to a copy of a person's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDownload {
    /// The data-copy mail's outbox id.
    pub id: String,
    /// Whose data.
    pub person_id: String,
    /// The site whose controller answers.
    pub site: String,
    /// The mail's language, for the page.
    pub language: String,
    /// Unix seconds.
    pub created_at: i64,
    /// After this the link gives nothing.
    pub expires_at: i64,
    /// When it was used (once).
    pub used_at: Option<i64>,
}

/// Requests in the store.
#[async_trait]
pub trait RequestStore {
    /// Records a new request and its first history entry.
    async fn insert_request(
        &self,
        request: &StoredRequest,
        actor: &str,
        detail: &str,
    ) -> Result<(), StoreError>;

    /// A request by id.
    async fn request(&self, id: &str) -> Result<Option<StoredRequest>, StoreError>;

    /// Requests in `states` (all when empty) due before `due_before` (any when `None`), the
    /// soonest due first, at most `limit`.
    async fn requests(
        &self,
        states: &[&str],
        due_before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredRequest>, StoreError>;

    /// A request's history: at, actor, action, detail; oldest first.
    async fn request_history(
        &self,
        id: &str,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError>;

    /// Adds the blind indexes of an erased person's identifiers to the suppression list.
    async fn suppress(
        &self,
        lookups: &[String],
        request_id: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Which of `lookups` are suppressed.
    async fn suppressed(
        &self,
        lookups: &[String],
    ) -> Result<std::collections::HashSet<String>, StoreError>;

    /// The contacts with a decision on `site` whose last receipt there (their creation, when
    /// they have none) is before `before`: person id and that time, oldest first.
    async fn inactive_contacts(
        &self,
        site: &str,
        before: i64,
    ) -> Result<Vec<(String, i64)>, StoreError>;

    /// Holds these contacts `inactive` on `site` (those not held so already, nor engaged on
    /// it since `before`), and lifts the holds of contacts that engaged since `before`;
    /// returns how many were newly held.
    async fn hold_inactive(
        &self,
        site: &str,
        person_ids: &[String],
        before: i64,
        now: i64,
    ) -> Result<u64, StoreError>;

    /// Applies `change` with `holds`, in one transaction; `false` (and nothing written) when
    /// the request is not in one of `change.from`.
    async fn change_request(
        &self,
        change: &RequestChange,
        holds: &[HoldChange],
    ) -> Result<bool, StoreError>;

    /// Records a download link (nothing when one with its id exists: a mail written again
    /// after a crash keeps the first link's expiry).
    async fn issue_download(&self, download: &DataDownload) -> Result<(), StoreError>;

    /// A download link by id.
    async fn download(&self, id: &str) -> Result<Option<DataDownload>, StoreError>;

    /// Uses a download link: marks it used and returns it, when it is unused and unexpired at
    /// `now`; `None` otherwise (and nothing written). Atomic: of two clicks, one wins.
    async fn take_download(&self, id: &str, now: i64) -> Result<Option<DataDownload>, StoreError>;
}
