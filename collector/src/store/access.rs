//! Persistence of who may use the privileged API (API keys) and of what they did (the audit
//! log): the second aggregate of the store, beside the receipt log.

use async_trait::async_trait;
use samtycke_shared::jose::sha256_hex;

use super::StoreError;

/// An API key as stored: never its secret, only the secret's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// The token's public part.
    pub id: String,
    /// Who it is for.
    pub name: String,
    /// `admin`, `marketer` or `dpo`.
    pub role: String,
    /// Hex SHA-256 of the secret.
    pub secret_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds, once revoked.
    pub revoked_at: Option<i64>,
}

/// An entry to add to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Unix seconds.
    pub at: i64,
    /// `key:<id>`, `cli` or `anonymous`.
    pub actor: String,
    /// What was done, e.g. `apikey.create`.
    pub action: String,
    /// JSON with ids and counts only, never an identifier in clear.
    pub detail: String,
}

/// An entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its place in the log, from 1.
    pub sequence: i64,
    /// What was recorded.
    pub entry: NewAuditEntry,
    /// The entry hash of the one before.
    pub prev_hash: Option<String>,
    /// [`audit_hash`] of this entry.
    pub entry_hash: String,
}

/// The hash an audit entry is chained by: SHA-256 over a JSON array of the previous hash and
/// every field, so that no two entries encode alike.
pub fn audit_hash(prev: Option<&str>, sequence: i64, entry: &NewAuditEntry) -> String {
    let fields = serde_json::json!([
        prev,
        sequence,
        entry.at,
        entry.actor,
        entry.action,
        entry.detail
    ]);
    sha256_hex(fields.to_string())
}

/// API keys and the audit log.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Stores a new key.
    async fn insert_api_key(&self, key: &StoredApiKey) -> Result<(), StoreError>;

    /// A key by id, revoked or not.
    async fn api_key(&self, id: &str) -> Result<Option<StoredApiKey>, StoreError>;

    /// Every key, oldest first.
    async fn api_keys(&self) -> Result<Vec<StoredApiKey>, StoreError>;

    /// Revokes a key; whether it existed and was not revoked yet.
    async fn revoke_api_key(&self, id: &str, at: i64) -> Result<bool, StoreError>;

    /// Appends an entry chained to the last one, one writer at a time across collectors.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError>;

    /// Up to `limit` entries after sequence `after`, in order.
    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}
