//! The PostgreSQL backend, for more than one machine: any number of collectors share one
//! database, and nothing that must agree between them lives in a process. Appends are serialised
//! across all of them by a transaction-scoped advisory lock ([`APPEND_LOCK`]), so the sequence
//! number (`MAX + 1`), the subject's previous receipt and the idempotency check read inside the
//! transaction are the ones that commit, exactly as `BEGIN IMMEDIATE` makes them on SQLite. A
//! commit returns only once it is durable (`synchronous_commit`, on by default).

mod vault;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use samtycke_shared::jose::sha256_hex;
use samtycke_shared::{Decision, PurposeId, ReceiptId, SiteId};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions as _, Connection as _, PgConnection, Row};

use super::group_commit::{AppendBatch, Writer};
use super::{
    AppendJob, Appended, ChainLink, LoggedReceipt, Store, StoreError, StoredPolicy, StoredReceipt,
    StoredVault,
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

/// One append inside the batch's transaction (see `Store::append_receipt`).
async fn append_one(tx: &mut PgConnection, job: &AppendJob) -> Result<Appended, StoreError> {
    let draft = &job.draft;
    let existing = sqlx::query(
        "SELECT receipt_id, sequence, receipt, request_sha256 FROM receipts WHERE receipt_id = $1",
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
    // Under the append lock no other writer runs, so MAX + 1 is this receipt's number.
    let sequence: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) + 1 FROM receipts")
        .fetch_one(&mut *tx)
        .await?;
    let prev_receipt_sha256: Option<String> = sqlx::query_scalar(
        "SELECT receipt_sha256 FROM receipts WHERE subject = $1 ORDER BY sequence DESC LIMIT 1",
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(sequence)
    .bind(draft.receipt_id.to_string())
    .bind(draft.site.as_str())
    .bind(&draft.subject)
    .bind(&draft.request_sha256)
    .bind(&receipt)
    .bind(sha256_hex(&receipt))
    .bind(&link.prev_receipt_sha256)
    .bind(i64::from(draft.policy_version))
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
             VALUES ($1, $2, $3, $4, $5, $6, $7)
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

/// The writer's side of the store: batches of appends, each batch one transaction under the
/// append lock with a savepoint per append.
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
