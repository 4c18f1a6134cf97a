//! Console users and sessions on Postgres (`store/users_sql.rs`).

use sqlx::Postgres;

use super::PostgresStore;

crate::store::users_sql::users_sql!(PostgresStore, Postgres);
