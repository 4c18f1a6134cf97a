//! A group-commit batch on SQLite, in the writer's `BEGIN IMMEDIATE` transaction
//! (`store/batch_sql.rs`).

use sqlx::{Sqlite, SqliteConnection};

crate::store::batch_sql::batch_sql!(Sqlite, SqliteConnection);
