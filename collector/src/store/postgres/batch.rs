//! A group-commit batch on PostgreSQL, in the writer's transaction under the append lock
//! (`store/batch_sql.rs`).

use sqlx::{PgConnection, Postgres};

crate::store::batch_sql::batch_sql!(Postgres, PgConnection);
