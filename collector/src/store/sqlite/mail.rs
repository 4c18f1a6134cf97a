//! Confirmations and the mail outbox on SQLite (`store/mail_sql.rs`).

use sqlx::Sqlite;

use super::SqliteStore;

crate::store::mail_sql::mail_sql!(SqliteStore, Sqlite);
