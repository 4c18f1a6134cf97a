//! The subject vault's SQL for SQLite: the vault key and the sealed identifiers, written inside
//! the receipt's append transaction, read back, and shredded on erasure.

use sqlx::{Row, SqliteConnection};

use crate::store::{
    SealVault, SealedIdentifier, StoreError, StoredVault, StoredVaultKey, VaultWrite,
};

async fn stored_key(
    conn: &mut SqliteConnection,
    subject: &str,
) -> Result<Option<StoredVaultKey>, StoreError> {
    let row = sqlx::query("SELECT key_id, wrapped_key FROM subject_vaults WHERE subject = ?")
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

/// Seals under the subject's vault key, creating the vault when it has none.
///
/// Under `BEGIN IMMEDIATE` no other writer runs, so the key read here is the key that commits.
/// The insert still says `ON CONFLICT DO NOTHING` and, if another writer's vault won, seals once
/// more under that one: the same steps stay right on a backend where writers run concurrently.
pub(super) async fn seal_into_vault(
    conn: &mut SqliteConnection,
    subject: &str,
    seal: &SealVault,
    now: i64,
) -> Result<VaultWrite, StoreError> {
    let existing = stored_key(conn, subject).await?;
    let write = seal(existing.as_ref()).map_err(StoreError::Seal)?;
    let Some(new_key) = &write.new_key else {
        return Ok(write);
    };
    if existing.is_some() {
        return Err(StoreError::Seal(
            "a new vault key was made although the subject has one".into(),
        ));
    }
    let inserted = sqlx::query(
        "INSERT INTO subject_vaults (subject, key_id, wrapped_key, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (subject) DO NOTHING",
    )
    .bind(subject)
    .bind(&new_key.key_id)
    .bind(&new_key.wrapped)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(write);
    }
    let winner = stored_key(conn, subject)
        .await?
        .ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
    let write = seal(Some(&winner)).map_err(StoreError::Seal)?;
    if write.new_key.is_some() {
        return Err(StoreError::Seal(
            "a new vault key was made although the subject has one".into(),
        ));
    }
    Ok(write)
}

/// Writes the sealed identifiers of the receipt numbered `sequence`. An identifier the subject's
/// vault already holds (same commitment: same value and salt) is kept as first written.
pub(super) async fn insert_identifiers(
    conn: &mut SqliteConnection,
    subject: &str,
    identifiers: &[SealedIdentifier],
    sequence: i64,
) -> Result<(), StoreError> {
    for identifier in identifiers {
        sqlx::query(
            "INSERT INTO subject_identifiers (subject, commitment, kind, lookup, sealed, receipt_sequence)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (subject, commitment) DO NOTHING",
        )
        .bind(subject)
        .bind(&identifier.commitment)
        .bind(&identifier.kind)
        .bind(&identifier.lookup)
        .bind(&identifier.sealed)
        .bind(sequence)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A subject's vault, if any.
pub(super) async fn read(
    conn: &mut SqliteConnection,
    subject: &str,
) -> Result<Option<StoredVault>, StoreError> {
    let Some(key) = stored_key(conn, subject).await? else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT kind, commitment, lookup, sealed FROM subject_identifiers
         WHERE subject = ? ORDER BY receipt_sequence, commitment",
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
pub(super) async fn forget(conn: &mut SqliteConnection, subject: &str) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM subject_identifiers WHERE subject = ?")
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    let deleted = sqlx::query("DELETE FROM subject_vaults WHERE subject = ?")
        .bind(subject)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(deleted > 0)
}
