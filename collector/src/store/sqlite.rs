//! The SQLite backend: one file, WAL mode, `synchronous = FULL` so that a committed receipt
//! survives a power cut before it is acknowledged. Writers take the lock up front
//! (`BEGIN IMMEDIATE`) so concurrent appends queue instead of failing on lock upgrade.
//! `secure_delete` overwrites deleted rows, so a shredded vault key does not linger in free pages.

mod access;
mod batch;
mod checkpoint;
mod contacts;
mod integrations;
mod mail;
mod requests;
mod users;
mod vault;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use samtycke_shared::{Decision, PurposeId, ReceiptId, SiteId};
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::batch_plan;
use super::group_commit::{AppendBatch, Writer};
use super::{
    AppendJob, Appended, LoggedReceipt, PolicyVersion, Store, StoreError, StoredPolicy,
    StoredReceipt, StoredVault,
};
use crate::metrics::StoreMetrics;

/// A store in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: Writer,
    /// Checkpoints the WAL while any handle of the store is alive.
    _checkpointer: Arc<checkpoint::Checkpointer>,
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
            // Reads through the OS page cache without copying (shared by every connection),
            // and a larger page cache per connection than SQLite's 2 MiB default: a million
            // contacts and their indexes are hundreds of MiB, and re-reading pages through
            // read(2) was most of an import's and an export's time.
            .pragma("mmap_size", "2147418112") // SQLite's ceiling (SQLITE_MAX_MMAP_SIZE)
            .pragma("cache_size", "-16384")
            // Rows cross from SQLite's worker thread in a channel; sqlx's 50 made a streamed
            // export wake the reader every 50 rows.
            .row_buffer_size(512)
            // Checkpoints run in a task of their own (`checkpoint.rs`); this is the backstop.
            .pragma("wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)
            // After a large write the WAL file shrinks back to 64 MiB once it is reused.
            .pragma("journal_size_limit", "67108864")
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
        let checkpointer = Arc::new(checkpoint::Checkpointer::spawn(pool.clone()));
        Ok(Self {
            pool,
            writer,
            _checkpointer: checkpointer,
        })
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

/// The writer's side of the store: batches of appends, each batch one `BEGIN IMMEDIATE`
/// transaction the reads and writes of `batch_plan::plan`.
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
        let reads = batch::read(&mut tx, jobs).await?;
        let (writes, results) = batch_plan::plan(jobs, reads);
        batch::write(&mut tx, &writes).await?;
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

    async fn publish_policy(
        &self,
        site: &SiteId,
        version: u32,
        policy: &StoredPolicy,
        now: i64,
    ) -> Result<bool, StoreError> {
        // One statement: the check that no version as high or higher exists and the insert
        // cannot be split by another collector's publish (the primary key settles a tie).
        let inserted = sqlx::query(
            "INSERT INTO policies (site, version, sha256, document, first_seen)
             SELECT ?, ?, ?, ?, ?
             WHERE NOT EXISTS (SELECT 1 FROM policies WHERE site = ? AND version >= ?)
             ON CONFLICT (site, version) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(version)
        .bind(&policy.sha256)
        .bind(&policy.document)
        .bind(now)
        .bind(site.as_str())
        .bind(version)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn policy_versions(&self, site: &SiteId) -> Result<Vec<PolicyVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, sha256, first_seen FROM policies WHERE site = ?
             ORDER BY version DESC",
        )
        .bind(site.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let version: i64 = row.try_get("version")?;
                Ok(PolicyVersion {
                    version: u32::try_from(version)
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    sha256: row.try_get("sha256")?,
                    first_seen: row.try_get("first_seen")?,
                })
            })
            .collect()
    }

    async fn newest_policy(
        &self,
        site: &SiteId,
    ) -> Result<Option<(u32, StoredPolicy)>, StoreError> {
        let row = sqlx::query(
            "SELECT version, sha256, document FROM policies WHERE site = ?
             ORDER BY version DESC LIMIT 1",
        )
        .bind(site.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let version: i64 = row.try_get("version")?;
            let version = u32::try_from(version).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok((
                version,
                StoredPolicy {
                    sha256: row.try_get("sha256")?,
                    document: row.try_get("document")?,
                },
            ))
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
