//! The subject vault: where a subject's identifiers live, encrypted, beside receipts that hold
//! only commitments to them. This module decides what is sealed with which key; `sealing` does
//! the cryptography and the store the SQL.

use std::sync::Arc;

use samtycke_shared::commitment::commitment;

use crate::domain::contacts::vault::ContactVault;
use crate::domain::identifiers::CheckedIdentifier;
use crate::domain::sealing::{self, IdentifierSecret, SealError, VaultKey};
use crate::keys::DataKeys;
use crate::store::{SealedIdentifier, Store, StoreError, StoredVaultKey, VaultWrite};

/// Why a vault cannot be read or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A vault key or identifier does not open.
    #[error("subject vault: {0}")]
    Seal(#[from] SealError),
    /// The vault key was wrapped by a data-encryption key the key directory no longer holds.
    #[error("the vault key was wrapped by data-encryption key {0}, which the key directory lacks")]
    MissingDataKey(String),
    /// An identifier opened to a value and salt that do not make its commitment: the row was
    /// altered or moved.
    #[error("an identifier does not match its commitment")]
    CommitmentMismatch,
}

/// An identifier taken out of the vault.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenedIdentifier {
    /// `email`.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// The salt of its commitment.
    pub salt: String,
    /// The commitment, as in the receipt.
    pub commitment: String,
}

impl std::fmt::Debug for OpenedIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedIdentifier")
            .field("kind", &self.kind)
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

/// Seals identifiers into subjects' vaults and opens or shreds them.
#[derive(Debug, Clone)]
pub struct SubjectVault {
    store: Arc<dyn Store>,
    keys: Arc<DataKeys>,
}

impl SubjectVault {
    /// A vault over this store with these data-encryption keys.
    pub fn new(store: Arc<dyn Store>, keys: Arc<DataKeys>) -> Self {
        Self { store, keys }
    }

    /// What the store calls inside the append transaction (see [`crate::store::SealVault`]):
    /// unwraps the subject's stored vault key, or makes and wraps a new one, and seals each
    /// identifier with it. Sealing in the transaction, under the key that will commit, is what
    /// keeps two first receipts of one subject from sealing under two different keys.
    pub fn seal(
        &self,
        subject: &str,
        identifiers: &[CheckedIdentifier],
        stored: Option<&StoredVaultKey>,
    ) -> Result<VaultWrite, VaultError> {
        let (vault_key, new_key) = match stored {
            Some(stored) => (self.unwrap(subject, stored)?, None),
            None => {
                let key = VaultKey::generate()?;
                let data_key = self.keys.current();
                let wrapped = StoredVaultKey {
                    key_id: data_key.id().to_owned(),
                    wrapped: sealing::wrap(&key, data_key, subject)?,
                };
                (key, Some(wrapped))
            }
        };
        let identifiers = identifiers
            .iter()
            .map(|identifier| {
                let kind = identifier.kind.as_str();
                let secret = IdentifierSecret {
                    value: identifier.value.clone(),
                    salt: identifier.salt.clone(),
                };
                Ok(SealedIdentifier {
                    kind: kind.to_owned(),
                    commitment: identifier.commitment.clone(),
                    lookup: sealing::blind_index(self.keys.lookup(), kind, &identifier.value),
                    sealed: sealing::seal_identifier(&vault_key, subject, kind, &secret)?,
                })
            })
            .collect::<Result<_, VaultError>>()?;
        Ok(VaultWrite {
            new_key,
            identifiers,
        })
    }

    /// Contacts' vaults under the same data-encryption and lookup keys (so that an address's
    /// blind index is the same in both).
    pub fn contacts(&self) -> ContactVault {
        ContactVault::new(Arc::clone(&self.keys))
    }

    fn unwrap(&self, subject: &str, stored: &StoredVaultKey) -> Result<VaultKey, VaultError> {
        let data_key = self
            .keys
            .get(&stored.key_id)
            .ok_or_else(|| VaultError::MissingDataKey(stored.key_id.clone()))?;
        Ok(sealing::unwrap(&stored.wrapped, data_key, subject)?)
    }

    /// Every identifier in a subject's vault, opened and checked against its commitment; empty
    /// when the subject has no vault (never had one, or was forgotten).
    pub async fn identifiers(&self, subject: &str) -> Result<Vec<OpenedIdentifier>, VaultError> {
        let Some(vault) = self.store.vault(subject).await? else {
            return Ok(Vec::new());
        };
        let vault_key = self.unwrap(subject, &vault.key)?;
        vault
            .identifiers
            .iter()
            .map(|sealed| {
                let secret =
                    sealing::open_identifier(&vault_key, subject, &sealed.kind, &sealed.sealed)?;
                if commitment(&sealed.kind, &secret.value, &secret.salt) != sealed.commitment {
                    return Err(VaultError::CommitmentMismatch);
                }
                Ok(OpenedIdentifier {
                    kind: sealed.kind.clone(),
                    value: secret.value,
                    salt: secret.salt,
                    commitment: sealed.commitment.clone(),
                })
            })
            .collect()
    }

    /// Erasure's core (GDPR Art 17): destroys the subject's vault key and sealed identifiers.
    /// The receipts stay, still verifiable, but their commitments can no longer be opened, so
    /// they name no one. Returns whether the subject had a vault.
    pub async fn forget_subject(&self, subject: &str) -> Result<bool, VaultError> {
        let forgotten = self.store.forget_subject(subject).await?;
        if forgotten {
            tracing::info!(subject, "subject vault shredded");
        }
        Ok(forgotten)
    }
}
