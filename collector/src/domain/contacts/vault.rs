//! A contact's vault: its own random key, wrapped by a data-encryption key, sealing its
//! identifiers and profile. Like a subject's vault, destroying the wrapped key destroys
//! everything it sealed (crypto-shredding), and each value is bound to its person and kind.

use std::sync::Arc;

use zeroize::Zeroizing;

use super::identifiers::{ContactIdentifier, IdentifierKind};
use super::profile::Profile;
use crate::domain::sealing::{self, VaultKey};
use crate::domain::vault::VaultError;
use crate::keys::DataKeys;
use crate::store::contacts::{StoredContact, StoredContactIdentifier};
use crate::store::{PreparedContact, StoredVaultKey};

/// The `kind` the profile is sealed as.
const PROFILE: &str = "profile";

/// Seals and opens contacts' values.
#[derive(Debug, Clone)]
pub struct ContactVault {
    keys: Arc<DataKeys>,
}

/// A contact's key, unwrapped, with the person it belongs to.
#[derive(Debug)]
pub struct OpenVault {
    person_id: String,
    key: VaultKey,
}

impl ContactVault {
    /// A vault over these data-encryption keys.
    pub fn new(keys: Arc<DataKeys>) -> Self {
        Self { keys }
    }

    /// A new person id with a new key, wrapped for storing.
    pub fn create(&self) -> Result<(OpenVault, StoredVaultKey), VaultError> {
        let person_id = uuid::Uuid::new_v4().to_string();
        let key = VaultKey::generate()?;
        let data_key = self.keys.current();
        let stored = StoredVaultKey {
            key_id: data_key.id().to_owned(),
            wrapped: sealing::wrap_contact_key(&key, data_key, &person_id)?,
        };
        Ok((OpenVault { person_id, key }, stored))
    }

    /// A contact for one identifier, ready for the append path to use if no contact has it.
    pub fn prepare(&self, identifier: &ContactIdentifier) -> Result<PreparedContact, VaultError> {
        let (vault, key) = self.create()?;
        let sealed = self.seal_identifier(&vault, identifier)?;
        Ok(PreparedContact {
            person_id: vault.person_id,
            kind: sealed.kind,
            lookup: sealed.lookup,
            key,
            sealed: sealed.sealed,
        })
    }

    /// Seals a guardian's address for the confirmation `confirmation_id` (Art 8): it is no one's
    /// identifier, and it goes when the confirmation settles.
    pub fn seal_guardian(
        &self,
        confirmation_id: &str,
        address: &str,
    ) -> Result<StoredVaultKey, VaultError> {
        let data_key = self.keys.current();
        Ok(StoredVaultKey {
            key_id: data_key.id().to_owned(),
            wrapped: sealing::seal_guardian_address(data_key, confirmation_id, address.as_bytes())?,
        })
    }

    /// Opens a guardian's address sealed by [`seal_guardian`](Self::seal_guardian).
    pub fn open_guardian(
        &self,
        confirmation_id: &str,
        sealed: &StoredVaultKey,
    ) -> Result<String, VaultError> {
        let data_key = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| VaultError::MissingDataKey(sealed.key_id.clone()))?;
        let bytes = sealing::open_guardian_address(data_key, confirmation_id, &sealed.wrapped)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| VaultError::from(sealing::SealError::Open))
    }

    /// Unwraps a stored contact's key.
    pub fn open(&self, person_id: &str, stored: &StoredVaultKey) -> Result<OpenVault, VaultError> {
        let data_key = self
            .keys
            .get(&stored.key_id)
            .ok_or_else(|| VaultError::MissingDataKey(stored.key_id.clone()))?;
        Ok(OpenVault {
            person_id: person_id.to_owned(),
            key: sealing::unwrap_contact_key(&stored.wrapped, data_key, person_id)?,
        })
    }

    /// An identifier's blind index: the same as a subject vault's for the same e-mail address,
    /// which is how a form opt-in finds its contact.
    pub fn lookup(&self, identifier: &ContactIdentifier) -> String {
        sealing::blind_index(
            self.keys.lookup(),
            identifier.kind().as_str(),
            identifier.value(),
        )
    }

    /// Seals an identifier for a contact.
    pub fn seal_identifier(
        &self,
        vault: &OpenVault,
        identifier: &ContactIdentifier,
    ) -> Result<StoredContactIdentifier, VaultError> {
        let kind = identifier.kind().as_str();
        Ok(StoredContactIdentifier {
            kind: kind.to_owned(),
            lookup: self.lookup(identifier),
            sealed: sealing::seal_contact_value(
                &vault.key,
                &vault.person_id,
                kind,
                identifier.value().as_bytes(),
            )?,
        })
    }

    /// Opens a contact's identifiers.
    pub fn identifiers(
        &self,
        vault: &OpenVault,
        contact: &StoredContact,
    ) -> Result<Vec<ContactIdentifier>, VaultError> {
        contact
            .identifiers
            .iter()
            .filter_map(|stored| {
                let kind = IdentifierKind::parse(&stored.kind)?;
                Some(
                    sealing::open_contact_value(
                        &vault.key,
                        &vault.person_id,
                        &stored.kind,
                        &stored.sealed,
                    )
                    .map_err(VaultError::from)
                    .and_then(|bytes| {
                        let value = String::from_utf8(bytes.to_vec())
                            .map_err(|_| VaultError::Seal(sealing::SealError::Open))?;
                        Ok(ContactIdentifier::from_vault(kind, value))
                    }),
                )
            })
            .collect()
    }

    /// Seals a profile.
    pub fn seal_profile(
        &self,
        vault: &OpenVault,
        profile: &Profile,
    ) -> Result<Vec<u8>, VaultError> {
        let json = Zeroizing::new(
            serde_json::to_vec(profile).map_err(|_| VaultError::Seal(sealing::SealError::Seal))?,
        );
        Ok(sealing::seal_contact_value(
            &vault.key,
            &vault.person_id,
            PROFILE,
            &json,
        )?)
    }

    /// Opens a contact's profile (empty when it has none).
    pub fn profile(
        &self,
        vault: &OpenVault,
        contact: &StoredContact,
    ) -> Result<Profile, VaultError> {
        let Some(sealed) = &contact.profile else {
            return Ok(Profile::default());
        };
        let json = sealing::open_contact_value(&vault.key, &vault.person_id, PROFILE, sealed)?;
        serde_json::from_slice(&json).map_err(|_| VaultError::Seal(sealing::SealError::Open))
    }
}

impl OpenVault {
    /// The person id the key belongs to.
    pub fn person_id(&self) -> &str {
        &self.person_id
    }
}
