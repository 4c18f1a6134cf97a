//! Data-subject requests on PostgreSQL (`store/requests_sql.rs`).

use sqlx::Postgres;

use super::PostgresStore;

crate::store::requests_sql::requests_sql!(PostgresStore, Postgres);
