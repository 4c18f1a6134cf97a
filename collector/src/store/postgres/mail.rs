//! Confirmations and the mail outbox on PostgreSQL (`store/mail_sql.rs`).

use sqlx::Postgres;

use super::PostgresStore;

crate::store::mail_sql::mail_sql!(PostgresStore, Postgres);
