//! The subject vault's SQL for PostgreSQL: the vault key and the sealed identifiers, written inside
//! the receipt's append transaction (`batch.rs`), read back, and shredded on erasure.

use sqlx::{PgConnection, Row};

use crate::store::{SealedIdentifier, StoreError, StoredVault, StoredVaultKey};

async fn stored_key(
    conn: &mut PgConnection,
    subject: &str,
) -> Result<Option<StoredVaultKey>, StoreError> {
    let row = sqlx::query("SELECT key_id, wrapped_key FROM subject_vaults WHERE subject = $1")
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok(StoredVaultKey {
            key_id: row.try_get("key_id")?,
            wrapped: row.try_get("wrapped_key")?,
        })
    })
    .transpose()
}

/// A subject's vault, if any.
pub(super) async fn read(
    conn: &mut PgConnection,
    subject: &str,
) -> Result<Option<StoredVault>, StoreError> {
    let Some(key) = stored_key(conn, subject).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT kind, commitment, lookup, sealed FROM subject_identifiers
         WHERE subject = $1 ORDER BY receipt_sequence, commitment",
    )
    .bind(subject)
    .fetch_all(&mut *conn)
    .await?;
    let identifiers = rows
        .iter()
        .map(|row| {
            Ok(SealedIdentifier {
                kind: row.try_get("kind")?,
                commitment: row.try_get("commitment")?,
                lookup: row.try_get("lookup")?,
                sealed: row.try_get("sealed")?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(StoredVault { key, identifiers }))
}

/// Deletes the vault key and, with it, the sealed identifiers and their blind index: without
/// the key they are noise, and the index would still let the holder of the lookup key recognise
/// the address.
pub(super) async fn forget(conn: &mut PgConnection, subject: &str) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM subject_identifiers WHERE subject = $1")
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query("DELETE FROM subject_vaults WHERE subject = $1")
        .bind(subject)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}
