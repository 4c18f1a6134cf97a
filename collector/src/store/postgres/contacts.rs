//! Contacts on PostgreSQL (`store/contacts_sql.rs`). Contact writes take the append lock, as
//! appends do: an append may make a contact for an address at the same moment.

use sqlx::Postgres;

use super::PostgresStore;

impl PostgresStore {
    /// A write transaction that appends wait for, and that waits for them.
    pub(super) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, Postgres>, crate::store::StoreError> {
        super::begin_append(&self.pool).await
    }
}

crate::store::contacts_sql::contacts_sql!(PostgresStore, Postgres);
