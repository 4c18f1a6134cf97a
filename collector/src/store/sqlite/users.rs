//! Console users and sessions on Sqlite (`store/users_sql.rs`).

use sqlx::Sqlite;

use super::SqliteStore;

crate::store::users_sql::users_sql!(SqliteStore, Sqlite);
