//! Data-subject requests on SQLite (`store/requests_sql.rs`).

use sqlx::Sqlite;

use super::SqliteStore;

crate::store::requests_sql::requests_sql!(SqliteStore, Sqlite);
