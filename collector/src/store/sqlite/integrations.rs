//! CRM events and webhooks on SQLite (`store/integrations_sql.rs`).

use sqlx::Sqlite;

use super::SqliteStore;

crate::store::integrations_sql::integrations_sql!(SqliteStore, Sqlite);
