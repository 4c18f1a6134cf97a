//! The SQLite backend: one file, WAL mode, `synchronous = FULL` so that a committed receipt
//! survives a power cut before it is acknowledged. Writers take the lock up front
//! (`BEGIN IMMEDIATE`) so concurrent appends queue instead of failing on lock upgrade.
//! `secure_delete` overwrites deleted rows, so a shredded vault key does not linger in free pages.

mod vault;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use samtycke_shared::jose::sha256_hex;
use samtycke_shared::{Decision, PurposeId, ReceiptId, SiteId};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection};

use super::group_commit::{AppendBatch, Writer};
use super::{
    AppendJob, Appended, ChainLink, LoggedReceipt, Store, StoreError, StoredPolicy, StoredReceipt,
    StoredVault,
};
use crate::metrics::StoreMetrics;

/// A store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Writer,
}

impl SqliteStore {
    /// Opens `sqlite://PATH`, creating the file and its folder, and migrates it.
    pub async fn connect(url: &str, metrics: StoreMetrics) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Open)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(10));
        let file = options.get_filename().to_owned();
        if file != Path::new(":memory:") {
            private_database_file(&file).map_err(|e| StoreError::Open(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        let writer = Writer::spawn(Arc::new(Appender { pool: pool.clone() }), metrics);
        Ok(Self { pool, writer })
    }
}

/// Creates the database file (and its folder) readable by the owner only, before SQLite opens
/// it: SQLite gives its `-wal` and `-shm` files the database file's mode, so all three hold
/// receipts and sealed identifiers for the collector's user alone, like the key files. A file
/// created earlier with wider permissions is narrowed.
fn private_database_file(file: &Path) -> std::io::Result<()> {
    if let Some(folder) = file.parent()
        && !folder.as_os_str().is_empty()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(folder)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(file)?;
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", file.display()));
            match std::fs::metadata(&path) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    tracing::warn!(file = %path.display(), "database file was readable by others; narrowed to 0600");
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn stored_receipt(row: &sqlx::sqlite::SqliteRow) -> Result<StoredReceipt, StoreError> {
    let id: String = row.try_get("receipt_id")?;
    let receipt_id =
        ReceiptId::parse(&id).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))?;
    Ok(StoredReceipt {
        receipt_id,
        sequence: row.try_get("sequence")?,
        receipt: row.try_get("receipt")?,
    })
}

/// One append inside the batch's transaction (see `Store::append_receipt`).
async fn append_one(tx: &mut SqliteConnection, job: &AppendJob) -> Result<Appended, StoreError> {
    let draft = &job.draft;
    let existing = sqlx::query(
        "SELECT receipt_id, sequence, receipt, request_sha256 FROM receipts WHERE receipt_id = ?",
    )
    .bind(draft.receipt_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = existing {
        let same: String = row.try_get("request_sha256")?;
        return Ok(if same == draft.request_sha256 {
            Appended::Replayed(stored_receipt(&row)?)
        } else {
            Appended::Conflict
        });
    }
    // Under BEGIN IMMEDIATE no other writer runs, so MAX + 1 is this receipt's number.
    let sequence: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) + 1 FROM receipts")
        .fetch_one(&mut *tx)
        .await?;
    let prev_receipt_sha256: Option<String> = sqlx::query_scalar(
        "SELECT receipt_sha256 FROM receipts WHERE subject = ? ORDER BY sequence DESC LIMIT 1",
    )
    .bind(&draft.subject)
    .fetch_optional(&mut *tx)
    .await?;
    let link = ChainLink {
        sequence,
        prev_receipt_sha256,
    };
    let sealed = match &job.seal {
        Some(seal) => {
            Some(vault::seal_into_vault(&mut *tx, &draft.subject, seal, draft.issued_at).await?)
        }
        None => None,
    };
    let receipt = (job.countersign)(&link).map_err(StoreError::Countersign)?;
    sqlx::query(
        "INSERT INTO receipts (sequence, receipt_id, site, subject, request_sha256, receipt, receipt_sha256,
                               prev_receipt_sha256, policy_version, collection_method, consent_timestamp, issued_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(sequence)
    .bind(draft.receipt_id.to_string())
    .bind(draft.site.as_str())
    .bind(&draft.subject)
    .bind(&draft.request_sha256)
    .bind(&receipt)
    .bind(sha256_hex(&receipt))
    .bind(&link.prev_receipt_sha256)
    .bind(draft.policy_version)
    .bind(&draft.collection_method)
    .bind(draft.consent_timestamp)
    .bind(draft.issued_at)
    .execute(&mut *tx)
    .await?;
    if let Some(sealed) = sealed {
        vault::insert_identifiers(&mut *tx, &draft.subject, &sealed.identifiers, sequence).await?;
    }
    for (purpose, decision) in &draft.decisions {
        // The decision that took effect last stands: one delivered late (offline queue)
        // does not overwrite a later one, and a clock ahead cannot outrank what follows.
        sqlx::query(
            "INSERT INTO consent_state (site, subject, purpose, decision, consent_timestamp, receipt_sequence, decided_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (site, subject, purpose) DO UPDATE SET
                 decision = excluded.decision,
                 consent_timestamp = excluded.consent_timestamp,
                 receipt_sequence = excluded.receipt_sequence,
                 decided_at = excluded.decided_at
             WHERE excluded.decided_at >= consent_state.decided_at",
        )
        .bind(draft.site.as_str())
        .bind(&draft.subject)
        .bind(purpose.as_str())
        .bind(decision.as_str())
        .bind(draft.consent_timestamp)
        .bind(sequence)
        .bind(draft.decided_at)
        .execute(&mut *tx)
        .await?;
    }
    Ok(Appended::Created(StoredReceipt {
        receipt_id: draft.receipt_id,
        sequence,
        receipt,
    }))
}

/// The writer's side of the store: batches of appends, each batch one `BEGIN IMMEDIATE`
/// transaction with a savepoint per append.
#[derive(Debug)]
struct Appender {
    pool: SqlitePool,
}

#[async_trait]
impl AppendBatch for Appender {
    async fn append_batch(
        &self,
        jobs: &[AppendJob],
    ) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            sqlx::query("SAVEPOINT append").execute(&mut *tx).await?;
            let result = append_one(&mut tx, job).await;
            if result.is_err() {
                sqlx::query("ROLLBACK TO SAVEPOINT append")
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("RELEASE SAVEPOINT append")
                .execute(&mut *tx)
                .await?;
            results.push(result);
        }
        tx.commit().await?;
        Ok(results)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn record_policy(
        &self,
        site: &SiteId,
        version: u32,
        policy: &StoredPolicy,
        now: i64,
    ) -> Result<StoredPolicy, StoreError> {
        sqlx::query(
            "INSERT INTO policies (site, version, sha256, document, first_seen) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (site, version) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(version)
        .bind(&policy.sha256)
        .bind(&policy.document)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.policy(site, version)
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))
    }

    async fn policy(
        &self,
        site: &SiteId,
        version: u32,
    ) -> Result<Option<StoredPolicy>, StoreError> {
        let row =
            sqlx::query("SELECT sha256, document FROM policies WHERE site = ? AND version = ?")
                .bind(site.as_str())
                .bind(version)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            Ok(StoredPolicy {
                sha256: row.try_get("sha256")?,
                document: row.try_get("document")?,
            })
        })
        .transpose()
    }

    async fn policy_superseded_at(
        &self,
        site: &SiteId,
        version: u32,
    ) -> Result<Option<i64>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(first_seen) FROM policies WHERE site = ? AND version > ?",
        )
        .bind(site.as_str())
        .bind(version)
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    async fn append_receipt(&self, job: AppendJob) -> Result<Appended, StoreError> {
        self.writer.append(job).await
    }

    async fn receipt(&self, id: &ReceiptId) -> Result<Option<StoredReceipt>, StoreError> {
        let row =
            sqlx::query("SELECT receipt_id, sequence, receipt FROM receipts WHERE receipt_id = ?")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(stored_receipt).transpose()
    }

    async fn receipts_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<LoggedReceipt>, StoreError> {
        let sql = format!(
            "SELECT {} FROM receipts WHERE sequence > ? ORDER BY sequence LIMIT ?",
            super::LOGGED_RECEIPT_COLUMNS
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(super::logged_receipt).collect()
    }

    async fn current_decisions(
        &self,
        site: &SiteId,
        subject: &str,
    ) -> Result<BTreeMap<PurposeId, Decision>, StoreError> {
        let rows = sqlx::query(
            "SELECT purpose, decision FROM consent_state WHERE site = ? AND subject = ?",
        )
        .bind(site.as_str())
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let purpose: String = row.try_get("purpose")?;
                let decision: String = row.try_get("decision")?;
                super::decision_row(&purpose, &decision)
            })
            .collect()
    }

    async fn vault(&self, subject: &str) -> Result<Option<StoredVault>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        vault::read(&mut conn, subject).await
    }

    async fn forget_subject(&self, subject: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let forgotten = vault::forget(&mut tx, subject).await?;
        tx.commit().await?;
        Ok(forgotten)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
