//! CRM events and webhooks on PostgreSQL (`store/integrations_sql.rs`).

use sqlx::Postgres;

use super::PostgresStore;

crate::store::integrations_sql::integrations_sql!(PostgresStore, Postgres);
