//! Persistence: one trait, one module per database. SQL lives here and nowhere else; the domain
//! sees only these types.

pub mod access;
mod batch_plan;
mod batch_sql;
pub mod contacts;
pub(crate) mod contacts_sql;
mod group_commit;
pub mod integrations;
pub(crate) mod integrations_sql;
pub mod mail;
pub(crate) mod mail_sql;
pub mod postgres;
pub mod requests;
pub(crate) mod requests_sql;
mod sqlite;
pub(crate) mod state_counts_sql;
pub mod users;
pub(crate) mod users_sql;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::metrics::StoreMetrics;
pub use access::AccessStore;
pub use contacts::ContactStore;
pub use integrations::IntegrationStore;
pub use mail::MailStore;
pub use requests::RequestStore;
use samtycke_shared::{Decision, PurposeId, ReceiptId, SiteId};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Why the store failed. Constraint violations the domain can act on have their own variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL names no backend this build has (only the scheme is kept: URLs may
    /// carry passwords).
    #[error("unsupported database URL scheme {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// Connecting or migrating failed.
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    /// The schema migration failed.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Countersigning inside the append transaction failed; nothing was written.
    #[error("countersigning failed: {0}")]
    Countersign(String),
    /// Sealing identifiers into the subject's vault inside the append transaction failed;
    /// nothing was written.
    #[error("sealing identifiers failed: {0}")]
    Seal(String),
    /// The transaction a group of appends shared failed to commit; none of them was written.
    #[error("the append transaction failed: {0}")]
    Batch(String),
    /// The writer task is gone (the collector is shutting down).
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// No contact has this person id.
    #[error("no contact has person id {0}")]
    UnknownContact(String),
    /// Another contact has this identifier (of this kind) already.
    #[error("another contact has this {0} already")]
    IdentifierTaken(String),
}

/// A policy version as first served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    /// Hex SHA-256 of `document`.
    pub sha256: String,
    /// The exact bytes served.
    pub document: Vec<u8>,
}

/// A recorded policy version, as listed: which, its hash, and when it was first served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// The version.
    pub version: u32,
    /// Hex SHA-256 of its document.
    pub sha256: String,
    /// When it was first served (recorded at start or published), Unix seconds.
    pub first_seen: i64,
}

/// What the domain asks to append to the receipt log.
#[derive(Debug, Clone)]
pub struct ReceiptDraft {
    /// The widget's idempotency key.
    pub receipt_id: ReceiptId,
    /// The site.
    pub site: SiteId,
    /// The subject's pseudonym.
    pub subject: String,
    /// Hex SHA-256 of the visitor's JWS: same id with another request is a conflict.
    pub request_sha256: String,
    /// Policy version cited.
    pub policy_version: u32,
    /// How it was collected (wire name).
    pub collection_method: String,
    /// When the visitor decided.
    pub consent_timestamp: i64,
    /// When the decisions take effect in the current state (`consent::timing::decided_at`):
    /// among a subject's decisions on a purpose, the latest stands.
    pub decided_at: i64,
    /// When the collector countersigns.
    pub issued_at: i64,
    /// The decisions, for the current-state table.
    pub decisions: BTreeMap<PurposeId, Decision>,
    /// How long its decisions stand, from the cited policy.
    pub validity: DecisionValidity,
}

/// How long a decision stands from when it took effect (a policy's `consentValidityDays` and
/// `refusalValidityDays`); a withdrawal stands until the next decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionValidity {
    /// Seconds a grant stands.
    pub granted_secs: i64,
    /// Seconds a refusal stands.
    pub denied_secs: i64,
}

impl DecisionValidity {
    /// When a decision taken at `decided_at` expires; `None` for a withdrawal.
    pub fn expires_at(&self, decision: Decision, decided_at: i64) -> Option<i64> {
        match decision {
            Decision::Granted => Some(decided_at.saturating_add(self.granted_secs)),
            Decision::Denied => Some(decided_at.saturating_add(self.denied_secs)),
            Decision::Withdrawn => None,
        }
    }
}

/// Where a new receipt sits in the log, known only inside the append transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    /// Log sequence number.
    pub sequence: i64,
    /// Hex SHA-256 of the subject's previous receipt.
    pub prev_receipt_sha256: Option<String>,
}

/// A receipt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// Its id.
    pub receipt_id: ReceiptId,
    /// Log sequence number.
    pub sequence: i64,
    /// The countersigned JWT.
    pub receipt: String,
}

/// A receipt as the log holds it, for checking the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedReceipt {
    /// Log sequence number.
    pub sequence: i64,
    /// Its id.
    pub receipt_id: String,
    /// The subject's pseudonym.
    pub subject: String,
    /// The countersigned JWT.
    pub receipt: String,
    /// Hex SHA-256 of `receipt`, as stored.
    pub receipt_sha256: String,
    /// Hex SHA-256 of the subject's previous receipt, as stored.
    pub prev_receipt_sha256: Option<String>,
}

/// The outcome of an append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// A new receipt, durable.
    Created(StoredReceipt),
    /// The same request again: the first receipt.
    Replayed(StoredReceipt),
    /// The id exists with another request.
    Conflict,
}

/// Signs the receipt for a draft once its place in the log is known.
pub type Countersign = Box<dyn Fn(&ChainLink) -> Result<String, String> + Send + Sync>;

/// One receipt to append: the draft, how to countersign it, and, when it carries identifiers,
/// how to seal them. Owned, so that a writer task can take it (see `group_commit.rs`).
pub struct AppendJob {
    /// What to append.
    pub draft: ReceiptDraft,
    /// Signs the receipt once its sequence number and chain link are known.
    pub countersign: Countersign,
    /// Seals the identifiers into the subject's vault.
    pub seal: Option<Box<SealVault>>,
    /// A new contact for each identifier `seal` seals, used only where no contact has that
    /// identifier yet (the batch reads which do, by blind index).
    pub contacts: Vec<PreparedContact>,
    /// The double opt-ins this receipt starts, one per purpose: written in its transaction, so
    /// that no moment exists in which the opt-in counts without its hold.
    pub confirmations: Vec<PendingConfirmation>,
}

/// A form opt-in that counts only once confirmed from the person's mailbox: the append puts
/// the contact of the identifier `lookup` on hold (`pending`) for the site and purpose, notes it
/// in the contact's history and, unless `new` is `None` (a confirmation went out moments ago),
/// records the confirmation and queues its mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConfirmation {
    /// The purpose to confirm.
    pub purpose: String,
    /// The blind index of the address confirmed.
    pub lookup: String,
    /// The form's language, for the mail and the pages.
    pub language: String,
    /// The confirmation to record and mail.
    pub new: Option<NewConfirmation>,
    /// For a child's opt-in (Art 8): the guardian's address, sealed for `new`'s id; the mail
    /// goes to it rather than to the contact.
    pub guardian: Option<StoredVaultKey>,
}

/// A confirmation to record, and the mail that carries its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConfirmation {
    /// Its random id, which the link's token seals.
    pub id: String,
    /// The outbox row's random id.
    pub mail_id: String,
    /// When the link stops working.
    pub expires_at: i64,
}

/// A contact made ready before the append, with its own vault key and the identifier sealed
/// under it, so that nothing is encrypted inside the append transaction but what must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedContact {
    /// A new random person id.
    pub person_id: String,
    /// The identifier's kind.
    pub kind: String,
    /// The identifier's blind index.
    pub lookup: String,
    /// The contact's new vault key, wrapped.
    pub key: StoredVaultKey,
    /// The identifier sealed under that key.
    pub sealed: Vec<u8>,
}

impl std::fmt::Debug for AppendJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppendJob")
            .field("receipt_id", &self.draft.receipt_id)
            .finish_non_exhaustive()
    }
}

/// A subject's vault key as stored: wrapped by a data-encryption key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVaultKey {
    /// The id of the data-encryption key that wrapped it.
    pub key_id: String,
    /// `nonce || XChaCha20-Poly1305(vault key)`.
    pub wrapped: Vec<u8>,
}

/// One identifier as stored: sealed, never in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedIdentifier {
    /// `email`.
    pub kind: String,
    /// The commitment it opens, as in the receipt.
    pub commitment: String,
    /// Blind index: hex HMAC-SHA256 of kind and normalised value under the lookup key.
    pub lookup: String,
    /// `nonce || XChaCha20-Poly1305(value and salt)` under the subject's vault key.
    pub sealed: Vec<u8>,
}

/// What sealing a receipt's identifiers asks the store to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultWrite {
    /// A new vault key, when the subject had none.
    pub new_key: Option<StoredVaultKey>,
    /// The sealed identifiers.
    pub identifiers: Vec<SealedIdentifier>,
}

/// A subject's vault as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVault {
    /// The wrapped vault key.
    pub key: StoredVaultKey,
    /// Every identifier, oldest first.
    pub identifiers: Vec<SealedIdentifier>,
}

/// Seals a receipt's identifiers, inside the append transaction, under the subject's stored
/// vault key, or under a new one when it has none (then returned in [`VaultWrite::new_key`]).
/// Given a stored key it must not return a new one. It may be called twice when another writer
/// created the subject's vault first.
pub type SealVault = dyn Fn(Option<&StoredVaultKey>) -> Result<VaultWrite, String> + Send + Sync;

/// The collector's persistence: the receipt log here, API keys and the audit log in
/// [`AccessStore`], contacts in [`ContactStore`], confirmations and the mail outbox in
/// [`MailStore`], CRM events and webhooks in [`IntegrationStore`].
#[async_trait]
pub trait Store:
    AccessStore
    + ContactStore
    + MailStore
    + IntegrationStore
    + RequestStore
    + users::UserStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Records a policy version the first time it is served; returns what is stored for that
    /// version, which differs from `document` if the version was changed without a bump.
    async fn record_policy(
        &self,
        site: &SiteId,
        version: u32,
        policy: &StoredPolicy,
        now: i64,
    ) -> Result<StoredPolicy, StoreError>;

    /// A policy version recorded earlier.
    async fn policy(&self, site: &SiteId, version: u32)
    -> Result<Option<StoredPolicy>, StoreError>;

    /// Records a version published through the API, in one statement: only if the site has no
    /// version as high or higher, so that of two admins publishing at once one wins, and a
    /// published version's bytes never change. Returns whether it was recorded.
    async fn publish_policy(
        &self,
        site: &SiteId,
        version: u32,
        policy: &StoredPolicy,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// Every version recorded for a site, newest first.
    async fn policy_versions(&self, site: &SiteId) -> Result<Vec<PolicyVersion>, StoreError>;

    /// The highest version recorded for a site, with its document: what the site serves.
    async fn newest_policy(&self, site: &SiteId)
    -> Result<Option<(u32, StoredPolicy)>, StoreError>;

    /// When a version stopped being current: when a later version of the site was first
    /// served. `None` while no later version has been.
    async fn policy_superseded_at(
        &self,
        site: &SiteId,
        version: u32,
    ) -> Result<Option<i64>, StoreError>;

    /// Appends a receipt atomically: checks idempotency, takes the next sequence number and the
    /// subject's previous receipt, seals the identifiers into the subject's vault (when the job
    /// has a seal), countersigns, writes the receipt, the vault rows and the current-state rows,
    /// and commits durably before returning. A replay writes nothing. Appends that arrive
    /// together share one transaction (`group_commit.rs`); each still succeeds or fails alone.
    async fn append_receipt(&self, job: AppendJob) -> Result<Appended, StoreError>;

    /// A subject's vault: its wrapped key and sealed identifiers, if it has one.
    async fn vault(&self, subject: &str) -> Result<Option<StoredVault>, StoreError>;

    /// Deletes a subject's vault key and sealed identifiers (crypto-shredding); receipts stay.
    /// Returns whether there was a vault.
    async fn forget_subject(&self, subject: &str) -> Result<bool, StoreError>;

    /// A stored receipt by id.
    async fn receipt(&self, id: &ReceiptId) -> Result<Option<StoredReceipt>, StoreError>;

    /// Up to `limit` receipts of the log with a sequence number above `after`, in order.
    async fn receipts_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<LoggedReceipt>, StoreError>;

    /// A subject's current decisions on a site.
    async fn current_decisions(
        &self,
        site: &SiteId,
        subject: &str,
    ) -> Result<BTreeMap<PurposeId, Decision>, StoreError>;

    /// Whether the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
}

/// Opens (creating and migrating) the store a database URL names: `sqlite://PATH` (the file is
/// created) or `postgres://…` / `postgresql://…` (the database must exist; `samtycke migrate`
/// creates it).
pub async fn connect(database_url: &str) -> Result<Arc<dyn Store>, StoreError> {
    connect_observed(database_url, StoreMetrics::default()).await
}

/// Like [`connect`], reporting group commits to `metrics`.
pub async fn connect_observed(
    database_url: &str,
    metrics: StoreMetrics,
) -> Result<Arc<dyn Store>, StoreError> {
    match Backend::of(database_url)? {
        Backend::Sqlite => Ok(Arc::new(SqliteStore::connect(database_url, metrics).await?)),
        Backend::Postgres => Ok(Arc::new(
            PostgresStore::connect(database_url, metrics).await?,
        )),
    }
}

/// The databases the collector runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file; the embedded default.
    Sqlite,
    /// One server, any number of collectors.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme. The error keeps only the scheme: URLs
    /// may carry passwords.
    pub fn of(database_url: &str) -> Result<Self, StoreError> {
        let scheme = database_url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            other => Err(StoreError::UnsupportedUrl(other.to_owned())),
        }
    }
}

/// A claim of due rows of an outbox table (`mail_outbox`, `webhook_deliveries`: columns
/// `id`, `state`, `due_at`, `created_at`, `claimed_until`) for a lease, up to `RETURNING`,
/// which the caller adds. The lease condition stands outside the subquery too: under READ
/// COMMITTED a second sender that waited for a row re-checks it against the row as the first
/// left it, and skips the row.
fn claim_outbox<DB: sqlx::Database>(
    table: &str,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> sqlx::QueryBuilder<DB>
where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::QueryBuilder::new(format!("UPDATE {table} SET claimed_until = "));
    query
        .push_bind(lease_until)
        .push(" WHERE state = 'queued' AND due_at <= ")
        .push_bind(now)
        .push(" AND claimed_until <= ")
        .push_bind(now)
        .push(format!(
            " AND id IN (SELECT id FROM {table} WHERE state = 'queued' AND due_at <= "
        ))
        .push_bind(now)
        .push(" AND claimed_until <= ")
        .push_bind(now)
        .push(" ORDER BY due_at, created_at LIMIT ")
        .push_bind(i64::from(limit))
        .push(")");
    query
}

/// The insert of one message into the mail outbox, queued and due `now`: the same statement
/// for a journey's mail (`mail_sql.rs`) and a request's answer (`requests_sql.rs`).
fn queue_outbox_row<DB: sqlx::Database>(mail: &mail::NewMail, now: i64) -> sqlx::QueryBuilder<DB>
where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::QueryBuilder::new(
        "INSERT INTO mail_outbox (id, site, person_id, kind, reference, language, state, \
         created_at, due_at) ",
    );
    query.push_values([mail], |mut values, mail| {
        values
            .push_bind(mail.id.clone())
            .push_bind(mail.site.clone())
            .push_bind(mail.person_id.clone())
            .push_bind(mail.kind.clone())
            .push_bind(mail.reference.clone())
            .push_bind(mail.language.clone())
            .push_bind("queued".to_owned())
            .push_bind(now)
            .push_bind(now);
    });
    query
}

/// How an outbox row's attempt ended, for [`settle_outbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Done (sent, delivered): the row's final state.
    Done,
    /// Again at this time.
    Retry(i64),
    /// Given up.
    GiveUp,
}

/// The update that records an attempt on an outbox row (`table`, whose done state is
/// `done_state` stamped in `done_at`), only while the sender's claim (`lease_until`) still
/// holds it: the caller writes the log line when it touched a row.
fn settle_outbox<DB: sqlx::Database>(
    table: &str,
    (done_state, done_at): (&str, &str),
    id: &str,
    lease_until: i64,
    now: i64,
    attempt: Attempt,
) -> sqlx::QueryBuilder<DB>
where
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    let mut query = sqlx::QueryBuilder::new(format!(
        "UPDATE {table} SET attempts = attempts + 1, claimed_until = 0, "
    ));
    match attempt {
        Attempt::Done => {
            query
                .push(format!("state = '{done_state}', {done_at} = "))
                .push_bind(now);
        }
        Attempt::Retry(due_at) => {
            query.push("due_at = ").push_bind(due_at);
        }
        Attempt::GiveUp => {
            query.push("state = 'failed'");
        }
    }
    query
        .push(" WHERE id = ")
        .push_bind(id.to_owned())
        .push(" AND claimed_until = ")
        .push_bind(lease_until);
    query
}

/// The log row both backends select for `receipts_after`.
const LOGGED_RECEIPT_COLUMNS: &str =
    "sequence, receipt_id, subject, receipt, receipt_sha256, prev_receipt_sha256";

fn logged_receipt<R: sqlx::Row>(row: &R) -> Result<LoggedReceipt, StoreError>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LoggedReceipt {
        sequence: row.try_get("sequence")?,
        receipt_id: row.try_get("receipt_id")?,
        subject: row.try_get("subject")?,
        receipt: row.try_get("receipt")?,
        receipt_sha256: row.try_get("receipt_sha256")?,
        prev_receipt_sha256: row.try_get("prev_receipt_sha256")?,
    })
}

/// A current-state row, as both backends store it.
fn decision_row(purpose: &str, decision: &str) -> Result<(PurposeId, Decision), StoreError> {
    let decode = |e: String| StoreError::Database(sqlx::Error::Decode(e.into()));
    let purpose = PurposeId::parse(purpose).map_err(|e| decode(e.to_string()))?;
    let decision = serde_json::from_value(decision.into()).map_err(|e| decode(e.to_string()))?;
    Ok((purpose, decision))
}
