//! The data-encryption keys of the subject vaults: 32 random bytes per file in
//! `KEY_DIR/data-encryption/<unix-nanos>.key` (0600). The newest wraps new vault keys; older ones
//! stay to unwrap the vaults they wrapped. The file name is the key's id and is stored beside
//! every vault key it wraps, so a key file must never be renamed.

use std::path::Path;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{KeyStoreError, files};

const DATA_DIR: &str = "data-encryption";
const EXTENSION: &str = "key";

/// HKDF `info` for the blind-index key. Changing it changes every blind index.
const LOOKUP_INFO: &[u8] = b"samtycke/blind-index/hmac-sha256/v1";

/// HKDF `info` for the key that seals the links in mail. Changing it breaks every link sent.
const LINK_INFO: &[u8] = b"samtycke/mail-links/xchacha20poly1305/v1";

/// One data-encryption key. Its bytes never leave this process: `Debug` shows the id only.
pub struct DataKey {
    id: String,
    secret: Zeroizing<[u8; 32]>,
}

impl DataKey {
    /// The key's id (its file name without extension).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The key itself, for the vault's wrapping cipher.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.secret
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey").field("id", &self.id).finish()
    }
}

/// Derives a 32-byte key from `root` for one use, named by `info`.
fn derive(root: &DataKey, info: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut okm = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, root.secret())
        .expand(info, &mut *okm)
        .expect("32 bytes is within HKDF-SHA256's output limit of 255 × 32");
    okm
}

/// The key that seals the tokens in the links Samtycke mails (confirm, unsubscribe, preference
/// centre). Derived from the oldest data-encryption key, as the blind-index key is and for the
/// same reasons; so an unsubscribe link, which never expires, keeps working across rotations.
pub struct LinkKey(Zeroizing<[u8; 32]>);

impl LinkKey {
    /// The key itself, for the AEAD.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// The HMAC key of the blind index (`lookup` = HMAC-SHA256(key, type ":" normalised value)).
///
/// It is derived with HKDF-SHA256 from the *oldest* data-encryption key rather than kept in a file
/// of its own: one secret fewer to create, back up and guard, and HKDF's `info` string makes it
/// independent of the key it comes from, which keeps wrapping vault keys. The oldest, not the
/// newest, so that rotating the data-encryption key leaves every blind index valid; retiring the
/// oldest key would therefore mean recomputing the index (not built: keys are never retired).
pub struct LookupKey(Zeroizing<[u8; 32]>);

impl LookupKey {
    fn derive(root: &DataKey) -> Self {
        Self(derive(root, LOOKUP_INFO))
    }

    /// The key itself, for the HMAC.
    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for LookupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LookupKey(..)")
    }
}

/// Every data-encryption key, oldest first, and the blind-index key derived from them.
#[derive(Debug)]
pub struct DataKeys {
    keys: Vec<DataKey>,
    lookup: LookupKey,
    link: LinkKey,
}

impl DataKeys {
    /// Loads the keys, creating the folder and a first key when there is none.
    pub fn load_or_create(key_dir: &Path) -> Result<Self, KeyStoreError> {
        let dir = key_dir.join(DATA_DIR);
        files::create_private_dir(&dir)?;
        if files::key_files(&dir, EXTENSION)?.is_empty() {
            generate_key_file(&dir)?;
        }
        Self::load(key_dir)
    }

    /// Loads the existing keys, oldest first; refuses an empty folder and exposed files.
    pub fn load(key_dir: &Path) -> Result<Self, KeyStoreError> {
        let dir = key_dir.join(DATA_DIR);
        let keys = files::key_files(&dir, EXTENSION)?
            .iter()
            .map(|path| load_key_file(path))
            .collect::<Result<Vec<_>, _>>()?;
        let oldest = keys.first().ok_or(KeyStoreError::NoDataKeys(dir))?;
        let lookup = LookupKey::derive(oldest);
        let link = LinkKey(derive(oldest, LINK_INFO));
        Ok(Self { keys, lookup, link })
    }

    /// Adds a new key, which wraps new vault keys from now on; returns its id.
    pub fn rotate(key_dir: &Path) -> Result<String, KeyStoreError> {
        let dir = key_dir.join(DATA_DIR);
        files::create_private_dir(&dir)?;
        let path = generate_key_file(&dir)?;
        Ok(files::file_stem(&path))
    }

    /// The key that wraps new vault keys.
    pub fn current(&self) -> &DataKey {
        // `load` refuses an empty folder, so there is always a key.
        self.keys.last().expect("data keys hold at least one key")
    }

    /// A key by id, to unwrap a vault key it wrapped.
    pub fn get(&self, id: &str) -> Option<&DataKey> {
        self.keys.iter().find(|k| k.id == id)
    }

    /// Key ids, oldest first.
    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    /// The blind-index key.
    pub fn lookup(&self) -> &LookupKey {
        &self.lookup
    }

    /// The mail links' key.
    pub fn link(&self) -> &LinkKey {
        &self.link
    }
}

fn generate_key_file(dir: &Path) -> Result<std::path::PathBuf, KeyStoreError> {
    let secret = Zeroizing::new(files::random_key()?);
    let path = files::new_key_path(dir, EXTENSION);
    files::write_private_file(&path, &*secret)?;
    tracing::info!(path = %path.display(), "created a new data-encryption key");
    Ok(path)
}

fn load_key_file(path: &Path) -> Result<DataKey, KeyStoreError> {
    let bytes = Zeroizing::new(files::read_private_file(path)?);
    let secret: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyStoreError::BadDataKey {
            path: path.to_owned(),
            len: bytes.len(),
        })?;
    Ok(DataKey {
        id: files::file_stem(path),
        secret: Zeroizing::new(secret),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_start_creates_one_private_key_and_a_second_start_reuses_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = DataKeys::load_or_create(dir.path()).expect("creates");
        let again = DataKeys::load_or_create(dir.path()).expect("loads");
        assert_eq!(first.ids(), again.ids());
        assert_eq!(first.ids().len(), 1);
        assert_eq!(first.lookup().secret(), again.lookup().secret());
        assert_ne!(first.lookup().secret(), first.current().secret());
    }

    #[test]
    fn rotation_adds_a_current_key_keeps_the_old_one_and_the_lookup_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = DataKeys::load_or_create(dir.path()).expect("creates");
        let new_id = DataKeys::rotate(dir.path()).expect("rotates");
        let keys = DataKeys::load(dir.path()).expect("loads");
        assert_eq!(keys.current().id(), new_id);
        assert!(keys.get(old.current().id()).is_some());
        assert_eq!(keys.lookup().secret(), old.lookup().secret());
    }

    #[test]
    fn debug_output_never_shows_key_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = DataKeys::load_or_create(dir.path()).expect("creates");
        let shown = format!("{keys:?}");
        assert!(shown.contains(keys.current().id()));
        for secret in [keys.current().secret(), keys.lookup().secret()] {
            assert!(!shown.contains(&format!("{secret:?}")[1..20]), "{shown}");
        }
    }

    #[test]
    fn a_key_file_of_the_wrong_length_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        DataKeys::load_or_create(dir.path()).expect("creates");
        let bad = files::new_key_path(&dir.path().join(DATA_DIR), EXTENSION);
        files::write_private_file(&bad, b"short").expect("writes");
        let err = DataKeys::load(dir.path()).expect_err("must refuse");
        assert!(
            matches!(err, KeyStoreError::BadDataKey { len: 5, .. }),
            "{err}"
        );
    }
}
