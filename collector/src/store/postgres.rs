//! The PostgreSQL backend, for more than one machine: any number of collectors share one
//! database, and nothing that must agree between them lives in a process. Appends are serialised
//! across all of them by a transaction-scoped advisory lock ([`APPEND_LOCK`]), so the sequence
//! number (`MAX + 1`), the subject's previous receipt and the idempotency check read inside the
//! transaction are the ones that commit, exactly as `BEGIN IMMEDIATE` makes them on SQLite. A
//! commit returns only once it is durable (`synchronous_commit`, on by default).

mod access;
mod batch;
mod contacts;
mod integrations;
mod mail;
mod requests;
mod users;
mod vault;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use samtycke_shared::{Decision, PurposeId, ReceiptId, SiteId};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions as _, Connection as _, PgConnection, Row};

use super::batch_plan;
use super::group_commit::{AppendBatch, Writer};
use super::{
    AppendJob, Appended, LoggedReceipt, PolicyVersion, Store, StoreError, StoredPolicy,
    StoredReceipt, StoredVault,
};
use crate::metrics::StoreMetrics;

/// SQLSTATE `invalid_catalog_name`: the database does not exist.
const NO_SUCH_DATABASE: &str = "3D000";

/// The advisory-lock key every append (and erasure) takes for its transaction: "samt" in ASCII.
pub const APPEND_LOCK: i64 = 0x7361_6d74;

/// A store in one PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    writer: Writer,
}

impl PostgresStore {
    /// Opens `postgres://…`, creating the database if it does not exist (as a SQLite file is
    /// created on open; this needs the `CREATEDB` privilege, else create it beforehand), and
    /// migrates it.
    pub async fn connect(url: &str, metrics: StoreMetrics) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::Open)?;
        let pool_options = || {
            PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
        };
        let pool = match pool_options().connect_with(options.clone()).await {
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some(NO_SUCH_DATABASE) => {
                if create_database_if_missing(url).await? {
                    tracing::info!("created the PostgreSQL database");
                }
                pool_options().connect_with(options).await
            }
            other => other,
        }
        .map_err(StoreError::Open)?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let writer = Writer::spawn(Arc::new(Appender { pool: pool.clone() }), metrics);
        Ok(Self { pool, writer })
    }
}

/// Creates the database a `postgres://…` URL names, which does not exist, connecting to the
/// server's `postgres` database to do so. Returns whether it was created (`false`: another
/// collector was first).
async fn create_database_if_missing(url: &str) -> Result<bool, StoreError> {
    let options = PgConnectOptions::from_str(url).map_err(StoreError::Open)?;
    let name = options
        .get_database()
        .ok_or_else(|| StoreError::Open(sqlx::Error::Configuration("no database name".into())))?
        .to_owned();
    let mut admin = options
        .database("postgres")
        .connect()
        .await
        .map_err(StoreError::Open)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&mut admin)
            .await?;
    if exists {
        admin.close().await?;
        return Ok(false);
    }
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    // A database name cannot be a bind parameter; it is quoted as an identifier instead.
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
        .execute(&mut admin)
        .await;
    admin.close().await?;
    match created {
        Ok(_) => Ok(true),
        // Another collector created it in the meantime.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn stored_receipt(row: &PgRow) -> Result<StoredReceipt, StoreError> {
    let id: String = row.try_get("receipt_id")?;
    let receipt_id =
        ReceiptId::parse(&id).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))?;
    Ok(StoredReceipt {
        receipt_id,
        sequence: row.try_get("sequence")?,
        receipt: row.try_get("receipt")?,
    })
}

/// Begins a transaction that holds [`APPEND_LOCK`].
///
/// READ COMMITTED whatever the server's default: each statement after the lock then sees every
/// append committed before it, where REPEATABLE READ would keep the snapshot taken while waiting
/// and read a stale `MAX(sequence)`. A lock not had within `lock_timeout` fails the request (a 500
/// the page retries) instead of queueing it for ever behind a stuck collector, whose session the
/// server ends after `idle_in_transaction_session_timeout`.
async fn begin_append(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL READ COMMITTED")
        .await?;
    sqlx::query(
        "SELECT set_config('lock_timeout', '30s', true),
                set_config('idle_in_transaction_session_timeout', '60s', true)",
    )
    .execute(&mut *tx)
    .await?;
    lock_appends(&mut tx).await?;
    Ok(tx)
}

async fn lock_appends(conn: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(conn)
        .await?;
    Ok(())
}

/// The writer's side of the store: batches of appends, each batch one transaction under the
/// append lock the reads and writes of `batch_plan::plan`.
#[derive(Debug)]
struct Appender {
    pool: PgPool,
}

#[async_trait]
impl AppendBatch for Appender {
    async fn append_batch(
        &self,
        jobs: &[AppendJob],
    ) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let mut tx = begin_append(&self.pool).await?;
        let reads = batch::read(&mut tx, jobs).await?;
        let (writes, results) = batch_plan::plan(jobs, reads);
        batch::write(&mut tx, &writes).await?;
        tx.commit().await?;
        Ok(results)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn record_policy(
        &self,
        site: &SiteId,
        version: u32,
        policy: &StoredPolicy,
        now: i64,
    ) -> Result<StoredPolicy, StoreError> {
        sqlx::query(
            "INSERT INTO policies (site, version, sha256, document, first_seen) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (site, version) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(i64::from(version))
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
            sqlx::query("SELECT sha256, document FROM policies WHERE site = $1 AND version = $2")
                .bind(site.as_str())
                .bind(i64::from(version))
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
             SELECT $1, $2, $3, $4, $5
             WHERE NOT EXISTS (SELECT 1 FROM policies WHERE site = $6 AND version >= $7)
             ON CONFLICT (site, version) DO NOTHING",
        )
        .bind(site.as_str())
        .bind(i64::from(version))
        .bind(&policy.sha256)
        .bind(&policy.document)
        .bind(now)
        .bind(site.as_str())
        .bind(i64::from(version))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    async fn policy_versions(&self, site: &SiteId) -> Result<Vec<PolicyVersion>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, sha256, first_seen FROM policies WHERE site = $1
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
            "SELECT version, sha256, document FROM policies WHERE site = $1
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
            "SELECT MIN(first_seen) FROM policies WHERE site = $1 AND version > $2",
        )
        .bind(site.as_str())
        .bind(i64::from(version))
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    async fn append_receipt(&self, job: AppendJob) -> Result<Appended, StoreError> {
        self.writer.append(job).await
    }

    async fn receipt(&self, id: &ReceiptId) -> Result<Option<StoredReceipt>, StoreError> {
        let row =
            sqlx::query("SELECT receipt_id, sequence, receipt FROM receipts WHERE receipt_id = $1")
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
            "SELECT {} FROM receipts WHERE sequence > $1 ORDER BY sequence LIMIT $2",
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
            "SELECT purpose, decision FROM consent_state WHERE site = $1 AND subject = $2",
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
        let mut tx = begin_append(&self.pool).await?;
        let forgotten = vault::forget(&mut tx, subject).await?;
        tx.commit().await?;
        Ok(forgotten)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
