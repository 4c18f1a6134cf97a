//! The subject vault's cryptography, all of it RustCrypto: XChaCha20-Poly1305 with random
//! 24-byte nonces (large enough that random nonces never repeat in practice, so no nonce counter
//! has to agree across collectors) and HMAC-SHA256 for the blind index.
//!
//! Two layers: a subject's random vault key seals its identifiers, and a data-encryption key from
//! the key directory wraps the vault key. Destroying the wrapped vault key destroys every
//! identifier of that subject at once (crypto-shredding), and rotating the data-encryption key
//! never touches the identifiers. Every ciphertext is bound by its associated data to the row it
//! belongs to, so a sealed value moved to another subject or kind does not open.

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{Key, KeyInit, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::keys::{DataKey, LinkKey, LookupKey};

const NONCE_LEN: usize = 24;

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The system's random source failed.
    #[error("cannot get random bytes: {0}")]
    Random(String),
    /// Wrong key, wrong associated data, or altered bytes: the AEAD refuses all three alike.
    #[error("sealed data does not open with this key in this context")]
    Open,
    /// The cipher refused to encrypt (only for inputs far beyond any identifier's size).
    #[error("cannot seal")]
    Seal,
}

/// A subject's vault key. Never stored as is: only wrapped by a data-encryption key.
pub struct VaultKey(Zeroizing<[u8; 32]>);

impl VaultKey {
    /// A new random key.
    pub fn generate() -> Result<Self, SealError> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut *key).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(Self(key))
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

/// What an identifier's ciphertext holds: the value and the salt that opens its commitment. The
/// salt lives only here, so it dies with the vault key (DESIGN.md §7).
#[derive(Serialize, Deserialize)]
pub struct IdentifierSecret {
    /// The normalised value.
    pub value: String,
    /// The commitment's salt.
    pub salt: String,
}

/// Associated data: a label naming the use, then each part length-prefixed so that no two
/// different contexts encode alike.
fn context(label: &str, parts: &[&str]) -> Vec<u8> {
    let mut aad = Vec::new();
    for part in std::iter::once(label).chain(parts.iter().copied()) {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// `nonce || ciphertext || tag`.
fn seal(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
    let nonce = XNonce::from(nonce);
    let cipher = XChaCha20Poly1305::new(&Key::from(*key));
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| SealError::Seal)?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open(key: &[u8; 32], sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let (nonce, ciphertext) = sealed.split_at_checked(NONCE_LEN).ok_or(SealError::Open)?;
    let nonce = XNonce::try_from(nonce).map_err(|_| SealError::Open)?;
    let cipher = XChaCha20Poly1305::new(&Key::from(*key));
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| SealError::Open)
}

/// Wraps a vault key with a data-encryption key, bound to the subject and the key's id.
pub fn wrap(vault_key: &VaultKey, data_key: &DataKey, subject: &str) -> Result<Vec<u8>, SealError> {
    let aad = context("samtycke/vault-key/v1", &[subject, data_key.id()]);
    seal(data_key.secret(), &*vault_key.0, &aad)
}

/// Unwraps what [`wrap`] sealed for this subject with this key.
pub fn unwrap(wrapped: &[u8], data_key: &DataKey, subject: &str) -> Result<VaultKey, SealError> {
    let aad = context("samtycke/vault-key/v1", &[subject, data_key.id()]);
    let bytes = open(data_key.secret(), wrapped, &aad)?;
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| SealError::Open)?;
    Ok(VaultKey(Zeroizing::new(key)))
}

/// Seals an identifier's value and salt with the subject's vault key, bound to subject and kind.
pub fn seal_identifier(
    vault_key: &VaultKey,
    subject: &str,
    kind: &str,
    secret: &IdentifierSecret,
) -> Result<Vec<u8>, SealError> {
    let plaintext = Zeroizing::new(serde_json::to_vec(secret).map_err(|_| SealError::Seal)?);
    seal(
        &vault_key.0,
        &plaintext,
        &context("samtycke/identifier/v1", &[subject, kind]),
    )
}

/// Opens what [`seal_identifier`] sealed.
pub fn open_identifier(
    vault_key: &VaultKey,
    subject: &str,
    kind: &str,
    sealed: &[u8],
) -> Result<IdentifierSecret, SealError> {
    let aad = context("samtycke/identifier/v1", &[subject, kind]);
    let plaintext = open(&vault_key.0, sealed, &aad)?;
    serde_json::from_slice(&plaintext).map_err(|_| SealError::Open)
}

/// Wraps a contact's vault key with a data-encryption key, bound to the person id and key id.
pub fn wrap_contact_key(
    vault_key: &VaultKey,
    data_key: &DataKey,
    person_id: &str,
) -> Result<Vec<u8>, SealError> {
    let aad = context("samtycke/contact-key/v1", &[person_id, data_key.id()]);
    seal(data_key.secret(), &*vault_key.0, &aad)
}

/// Unwraps what [`wrap_contact_key`] sealed.
pub fn unwrap_contact_key(
    wrapped: &[u8],
    data_key: &DataKey,
    person_id: &str,
) -> Result<VaultKey, SealError> {
    let aad = context("samtycke/contact-key/v1", &[person_id, data_key.id()]);
    let bytes = open(data_key.secret(), wrapped, &aad)?;
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| SealError::Open)?;
    Ok(VaultKey(Zeroizing::new(key)))
}

/// Seals one of a contact's values (an identifier of `kind`, or `profile` for the profile's
/// JSON) under the contact's vault key, bound to the person id and what it is.
pub fn seal_contact_value(
    vault_key: &VaultKey,
    person_id: &str,
    kind: &str,
    value: &[u8],
) -> Result<Vec<u8>, SealError> {
    let aad = context("samtycke/contact-value/v1", &[person_id, kind]);
    seal(&vault_key.0, value, &aad)
}

/// Opens what [`seal_contact_value`] sealed.
pub fn open_contact_value(
    vault_key: &VaultKey,
    person_id: &str,
    kind: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let aad = context("samtycke/contact-value/v1", &[person_id, kind]);
    open(&vault_key.0, sealed, &aad)
}

/// The blind index: hex HMAC-SHA256(lookup key, kind ":" normalised value). Equal identifiers
/// get equal indexes, so a contact can be found without opening every vault, while the index
/// alone reveals nothing to someone without the lookup key.
pub fn blind_index(lookup: &LookupKey, kind: &str, normalised: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(lookup.secret())
        .expect("HMAC takes keys of any length");
    mac.update(kind.as_bytes());
    mac.update(b":");
    mac.update(normalised.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Seals a webhook's signing secret under a data-encryption key, bound to the webhook's id.
pub fn seal_webhook_secret(
    data_key: &DataKey,
    webhook_id: &str,
    secret: &[u8],
) -> Result<Vec<u8>, SealError> {
    let aad = context("samtycke/webhook-secret/v1", &[webhook_id, data_key.id()]);
    seal(data_key.secret(), secret, &aad)
}

/// Opens what [`seal_webhook_secret`] sealed.
pub fn open_webhook_secret(
    data_key: &DataKey,
    webhook_id: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let aad = context("samtycke/webhook-secret/v1", &[webhook_id, data_key.id()]);
    open(data_key.secret(), sealed, &aad)
}

/// Seals a guardian's address under a data-encryption key, bound to the confirmation it is for
/// (it is kept only until that confirmation settles).
pub fn seal_guardian_address(
    data_key: &DataKey,
    confirmation_id: &str,
    address: &[u8],
) -> Result<Vec<u8>, SealError> {
    let aad = context(
        "samtycke/guardian-address/v1",
        &[confirmation_id, data_key.id()],
    );
    seal(data_key.secret(), address, &aad)
}

/// Opens what [`seal_guardian_address`] sealed.
pub fn open_guardian_address(
    data_key: &DataKey,
    confirmation_id: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let aad = context(
        "samtycke/guardian-address/v1",
        &[confirmation_id, data_key.id()],
    );
    open(data_key.secret(), sealed, &aad)
}

/// Seals a mail link's payload: only this collector (or one with its key directory) makes or
/// opens one, and an altered token does not open.
pub fn seal_link(key: &LinkKey, payload: &[u8]) -> Result<Vec<u8>, SealError> {
    seal(key.secret(), payload, b"samtycke/mail-link/v1")
}

/// Opens what [`seal_link`] sealed.
pub fn open_link(key: &LinkKey, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
    open(key.secret(), sealed, b"samtycke/mail-link/v1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::DataKeys;

    fn keys() -> (tempfile::TempDir, DataKeys) {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = DataKeys::load_or_create(dir.path()).expect("creates");
        (dir, keys)
    }

    fn anna() -> IdentifierSecret {
        IdentifierSecret {
            value: "anna@example.se".into(),
            salt: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        }
    }

    #[test]
    fn a_sealed_identifier_opens_with_its_key_subject_and_kind_only() {
        let vault = VaultKey::generate().expect("key");
        let sealed = seal_identifier(&vault, "subj", "email", &anna()).expect("seals");
        assert!(!sealed.windows(5).any(|w| w == b"anna@"));
        let opened = open_identifier(&vault, "subj", "email", &sealed).expect("opens");
        assert_eq!(opened.value, "anna@example.se");
        assert_eq!(opened.salt, anna().salt);
        let other = VaultKey::generate().expect("key");
        assert!(open_identifier(&other, "subj", "email", &sealed).is_err());
        assert!(open_identifier(&vault, "other", "email", &sealed).is_err());
        assert!(open_identifier(&vault, "subj", "phone", &sealed).is_err());
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert!(open_identifier(&vault, "subj", "email", &altered).is_err());
        assert!(open_identifier(&vault, "subj", "email", &sealed[..10]).is_err());
    }

    #[test]
    fn two_seals_of_one_value_differ_because_nonces_are_random() {
        let vault = VaultKey::generate().expect("key");
        let a = seal_identifier(&vault, "subj", "email", &anna()).expect("seals");
        let b = seal_identifier(&vault, "subj", "email", &anna()).expect("seals");
        assert_ne!(a, b);
    }

    #[test]
    fn a_wrapped_vault_key_unwraps_only_with_its_data_key_and_subject() {
        let (dir, keys) = keys();
        let vault = VaultKey::generate().expect("key");
        let sealed = seal_identifier(&vault, "subj", "email", &anna()).expect("seals");
        let wrapped = wrap(&vault, keys.current(), "subj").expect("wraps");
        let unwrapped = unwrap(&wrapped, keys.current(), "subj").expect("unwraps");
        assert!(open_identifier(&unwrapped, "subj", "email", &sealed).is_ok());
        assert!(unwrap(&wrapped, keys.current(), "other").is_err());
        DataKeys::rotate(dir.path()).expect("rotates");
        let rotated = DataKeys::load(dir.path()).expect("loads");
        assert!(unwrap(&wrapped, rotated.current(), "subj").is_err());
        let old = rotated.get(keys.current().id()).expect("old key kept");
        assert!(unwrap(&wrapped, old, "subj").is_ok());
    }

    #[test]
    fn a_contact_value_opens_only_for_its_person_and_kind_under_its_unwrapped_key() {
        let (_dir, keys) = keys();
        let key = VaultKey::generate().expect("key");
        let wrapped = wrap_contact_key(&key, keys.current(), "p1").expect("wraps");
        assert!(unwrap_contact_key(&wrapped, keys.current(), "p2").is_err());
        assert!(
            unwrap(&wrapped, keys.current(), "p1").is_err(),
            "not a subject's key"
        );
        let key = unwrap_contact_key(&wrapped, keys.current(), "p1").expect("unwraps");
        let sealed = seal_contact_value(&key, "p1", "email", b"anna@example.se").expect("seals");
        let opened = open_contact_value(&key, "p1", "email", &sealed).expect("opens");
        assert_eq!(opened.as_slice(), b"anna@example.se");
        assert!(open_contact_value(&key, "p2", "email", &sealed).is_err());
        assert!(open_contact_value(&key, "p1", "phone", &sealed).is_err());
    }

    #[test]
    fn the_blind_index_is_stable_keyed_and_hides_the_value() {
        let (_dir, keys) = keys();
        let (_other_dir, other) = self::keys();
        let index = blind_index(keys.lookup(), "email", "anna@example.se");
        assert_eq!(
            index,
            blind_index(keys.lookup(), "email", "anna@example.se")
        );
        assert_eq!(index.len(), 64);
        assert_ne!(index, blind_index(keys.lookup(), "email", "bo@example.se"));
        assert_ne!(
            index,
            blind_index(other.lookup(), "email", "anna@example.se")
        );
    }
}
