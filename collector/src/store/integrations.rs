//! What the store keeps for integrations: the events a CRM reported (idempotency by its id),
//! and webhooks with their outbox of deliveries and the delivery log. Deliveries are written
//! in the append transaction of the receipt that makes the event (`batch_sql.rs`). The SQL is
//! the same on both backends (`integrations_sql.rs`).

use async_trait::async_trait;

use super::{StoreError, StoredVaultKey};

/// A webhook receiver as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredWebhook {
    /// Its id.
    pub id: String,
    /// The site whose events it gets.
    pub site: String,
    /// Where they are posted.
    pub url: String,
    /// The signing secret, sealed (the key id names the data-encryption key).
    pub sealed_secret: StoredVaultKey,
    /// Unix seconds.
    pub created_at: i64,
    /// When removed, if it was.
    pub removed_at: Option<i64>,
}

/// A delivery due to be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// Its id.
    pub id: String,
    /// The receiver.
    pub webhook: StoredWebhook,
    /// The event's id (the receipt's).
    pub event_id: String,
    /// The contact it is about.
    pub person_id: String,
    /// The event, without identifiers.
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i64,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A 2xx.
    Delivered,
    /// Anything else, or no answer: again at `due_at`.
    Deferred {
        /// The next attempt.
        due_at: i64,
    },
    /// Given up.
    Failed,
}

impl DeliveryOutcome {
    /// The log's name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Deferred { .. } => "deferred",
            DeliveryOutcome::Failed => "failed",
        }
    }
}

/// One line of a receiver's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLogEntry {
    /// The event.
    pub event_id: String,
    /// Unix seconds.
    pub at: i64,
    /// `delivered`, `deferred` or `failed`.
    pub outcome: String,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<i64>,
    /// What happened, in a few words.
    pub detail: String,
}

/// Integrations in the store.
#[async_trait]
pub trait IntegrationStore {
    /// A CRM event recorded before: the hash of what was reported and the outcome (JSON).
    async fn crm_event(&self, key: &str) -> Result<Option<(String, String)>, StoreError>;

    /// Records a CRM event's outcome (the first record of a key stands).
    async fn record_crm_event(
        &self,
        key: &str,
        request_sha256: &str,
        outcome: &str,
        now: i64,
    ) -> Result<(), StoreError>;

    /// Adds a webhook receiver.
    async fn insert_webhook(&self, webhook: &StoredWebhook) -> Result<(), StoreError>;

    /// A site's receivers (removed ones too, marked).
    async fn webhooks(&self, site: &str) -> Result<Vec<StoredWebhook>, StoreError>;

    /// Removes a receiver: it gets no more events, and its queued ones are not delivered.
    /// Whether there was one to remove.
    async fn remove_webhook(&self, id: &str, now: i64) -> Result<bool, StoreError>;

    /// Claims up to `limit` deliveries due at `now` until `lease_until` (as the mail outbox).
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    /// Records how a delivery attempt ended, in the row and the log, in one transaction, only
    /// while this deliverer's claim (`lease_until`) still holds the row (as the mail outbox).
    async fn record_delivery(
        &self,
        id: &str,
        lease_until: i64,
        now: i64,
        outcome: DeliveryOutcome,
        status: Option<i64>,
        detail: &str,
    ) -> Result<bool, StoreError>;

    /// A receiver's delivery log, newest first, at most `limit` lines.
    async fn delivery_log(
        &self,
        webhook_id: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryLogEntry>, StoreError>;
}
