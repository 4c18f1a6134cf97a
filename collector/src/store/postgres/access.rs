//! API keys and the audit log, in SQL.

use async_trait::async_trait;
use sqlx::Row;

use super::PostgresStore;
use crate::store::StoreError;
use crate::store::access::{AccessStore, AuditEntry, NewAuditEntry, StoredApiKey, audit_hash};

/// The advisory-lock key audit appends take, so that collectors chain one at a time: "sama".
const AUDIT_LOCK: i64 = 0x7361_6d61;

fn api_key_row<R: Row>(row: &R) -> Result<StoredApiKey, StoreError>
where
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StoredApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: row.try_get("created_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const KEY_COLUMNS: &str =
    "SELECT id, name, role, secret_hash, created_at, revoked_at FROM api_keys";

#[async_trait]
impl AccessStore for PostgresStore {
    async fn insert_api_key(&self, key: &StoredApiKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (id, name, role, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&key.id)
        .bind(&key.name)
        .bind(&key.role)
        .bind(&key.secret_hash)
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn api_key(&self, id: &str) -> Result<Option<StoredApiKey>, StoreError> {
        let sql = format!("{KEY_COLUMNS} WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(api_key_row).transpose()
    }

    async fn api_keys(&self) -> Result<Vec<StoredApiKey>, StoreError> {
        let sql = format!("{KEY_COLUMNS} ORDER BY created_at, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(api_key_row).collect()
    }

    async fn revoke_api_key(&self, id: &str, at: i64) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(done == 1)
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry, StoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
            .await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut *tx)
            .await?;
        let last = sqlx::query(
            "SELECT sequence, entry_hash FROM audit_log ORDER BY sequence DESC LIMIT 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let (sequence, prev_hash) = match last {
            Some(row) => (
                row.try_get::<i64, _>("sequence")? + 1,
                Some(row.try_get::<String, _>("entry_hash")?),
            ),
            None => (1, None),
        };
        let entry_hash = audit_hash(prev_hash.as_deref(), sequence, entry);
        sqlx::query(
            "INSERT INTO audit_log (sequence, at, actor, action, detail, prev_hash, entry_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sequence)
        .bind(entry.at)
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.detail)
        .bind(&prev_hash)
        .bind(&entry_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AuditEntry {
            sequence,
            entry: entry.clone(),
            prev_hash,
            entry_hash,
        })
    }

    async fn audit_after(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT sequence, at, actor, action, detail, prev_hash, entry_hash FROM audit_log
             WHERE sequence > $1 ORDER BY sequence LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    sequence: row.try_get("sequence")?,
                    entry: NewAuditEntry {
                        at: row.try_get("at")?,
                        actor: row.try_get("actor")?,
                        action: row.try_get("action")?,
                        detail: row.try_get("detail")?,
                    },
                    prev_hash: row.try_get("prev_hash")?,
                    entry_hash: row.try_get("entry_hash")?,
                })
            })
            .collect()
    }
}
