//! The collector's keys, kept as files in the key directory (never in the database, so a database
//! dump can neither forge receipts nor open the subject vaults). This module holds the
//! receipt-signing keys: the newest signs; every key stays in the JWKS so receipts signed before
//! a rotation keep verifying. [`DataKeys`] are the data-encryption keys of the subject vaults.

use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes};
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::ReceiptSigner;

mod data;
mod files;

pub use data::{DataKey, DataKeys, LinkKey, LookupKey};

/// Why the key directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// Reading or writing the key directory failed.
    #[error("key directory {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A key file is not a PKCS#8 Ed25519 private key.
    #[error("key file {path} is not a PKCS#8 Ed25519 private key: {reason}")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A key file others can read is a key others may have copied.
    #[error("key file {path} can be read by other users (mode {mode:o}); run chmod 600 on it")]
    Exposed {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// There is no key to sign with.
    #[error(
        "key directory {0} holds no receipt-signing key; `samtycke serve` creates one on first start"
    )]
    NoKeys(PathBuf),
    /// A data-encryption key file does not hold exactly 32 bytes.
    #[error("data-encryption key file {path} holds {len} bytes, not 32")]
    BadDataKey {
        /// The file.
        path: PathBuf,
        /// How many bytes it holds.
        len: usize,
    },
    /// There is no data-encryption key.
    #[error(
        "key directory {0} holds no data-encryption key; `samtycke serve` creates one on first start"
    )]
    NoDataKeys(PathBuf),
    /// The system's random source failed.
    #[error("cannot get random bytes for a new key: {0}")]
    Random(String),
}

/// All receipt-signing keys; the newest signs.
#[derive(Debug, Clone)]
pub struct KeyRing {
    signers: Vec<ReceiptSigner>,
}

const SIGNING_DIR: &str = "receipt-signing";

impl KeyRing {
    /// Loads the keys, creating the directory and a first key when there is none.
    pub fn load_or_create(key_dir: &Path) -> Result<Self, KeyStoreError> {
        let dir = key_dir.join(SIGNING_DIR);
        files::create_private_dir(&dir)?;
        if files::key_files(&dir, "pem")?.is_empty() {
            generate_key_file(&dir)?;
        }
        Self::load(key_dir)
    }

    /// Loads the existing keys, oldest first.
    pub fn load(key_dir: &Path) -> Result<Self, KeyStoreError> {
        let dir = key_dir.join(SIGNING_DIR);
        let signers = files::key_files(&dir, "pem")?
            .iter()
            .map(|path| load_key_file(path))
            .collect::<Result<Vec<_>, _>>()?;
        if signers.is_empty() {
            return Err(KeyStoreError::NoKeys(dir));
        }
        Ok(Self { signers })
    }

    /// Adds a new key, which signs from now on; returns its key id.
    pub fn rotate(key_dir: &Path) -> Result<String, KeyStoreError> {
        let dir = key_dir.join(SIGNING_DIR);
        files::create_private_dir(&dir)?;
        let path = generate_key_file(&dir)?;
        Ok(load_key_file(&path)?.kid().to_owned())
    }

    /// The key that signs new receipts.
    pub fn current(&self) -> &ReceiptSigner {
        // `load` refuses an empty folder, so a ring always holds a key.
        self.signers
            .last()
            .expect("a key ring holds at least one key")
    }

    /// Every key, as the public JWKS.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .signers
                .iter()
                .rev()
                .map(|s| s.public_jwk().clone())
                .collect(),
        }
    }

    /// Key ids, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.signers.iter().map(|s| s.kid().to_owned()).collect()
    }
}

fn generate_key_file(dir: &Path) -> Result<PathBuf, KeyStoreError> {
    let seed = files::random_key()?;
    let pem = KeypairBytes {
        secret_key: seed,
        public_key: None,
    }
    .to_pkcs8_pem(LineEnding::LF)
    .map_err(|e| KeyStoreError::BadKey {
        path: dir.to_owned(),
        reason: e.to_string(),
    })?;
    let path = files::new_key_path(dir, "pem");
    files::write_private_file(&path, pem.as_bytes())?;
    tracing::info!(path = %path.display(), "created a new receipt-signing key");
    Ok(path)
}

fn load_key_file(path: &Path) -> Result<ReceiptSigner, KeyStoreError> {
    let bad = |reason: String| KeyStoreError::BadKey {
        path: path.to_owned(),
        reason,
    };
    let pem = String::from_utf8(files::read_private_file(path)?).map_err(|e| bad(e.to_string()))?;
    let pair = KeypairBytes::from_pkcs8_pem(&pem).map_err(|e| bad(e.to_string()))?;
    // jsonwebtoken reads PKCS#8 v1, without the optional public key.
    let v1 = KeypairBytes {
        secret_key: pair.secret_key,
        public_key: None,
    }
    .to_pkcs8_der()
    .map_err(|e| bad(e.to_string()))?;
    ReceiptSigner::from_pkcs8_der(v1.as_bytes()).map_err(|e| bad(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_start_creates_one_private_key_and_a_second_start_reuses_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = KeyRing::load_or_create(dir.path()).expect("creates");
        let again = KeyRing::load_or_create(dir.path()).expect("loads");
        assert_eq!(first.kids(), again.kids());
        let paths = files::key_files(&dir.path().join(SIGNING_DIR), "pem").expect("lists");
        assert_eq!(paths.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths[0])
                .expect("stat")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_rotated_ring_signs_with_the_new_key_and_publishes_both() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = KeyRing::load_or_create(dir.path()).expect("creates");
        let new_kid = KeyRing::rotate(dir.path()).expect("rotates");
        let ring = KeyRing::load(dir.path()).expect("loads");
        assert_eq!(ring.current().kid(), new_kid);
        let published: Vec<_> = ring
            .jwks()
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.clone())
            .collect();
        assert!(published.contains(&new_kid));
        assert!(published.contains(&old.current().kid().to_owned()));
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        KeyRing::load_or_create(dir.path()).expect("creates");
        let file = &files::key_files(&dir.path().join(SIGNING_DIR), "pem").expect("lists")[0];
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = KeyRing::load(dir.path()).expect_err("must refuse");
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }
}
