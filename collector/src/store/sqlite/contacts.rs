//! Contacts on SQLite (`store/contacts_sql.rs`). Contact writes take the append lock, as
//! appends do: an append may make a contact for an address at the same moment.

use sqlx::Sqlite;

use super::SqliteStore;

impl SqliteStore {
    /// A write transaction that appends wait for, and that waits for them.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, Sqlite>, crate::store::StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }
}

crate::store::contacts_sql::contacts_sql!(SqliteStore, Sqlite);
