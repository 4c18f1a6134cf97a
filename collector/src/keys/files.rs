//! Key files on disk, shared by every kind of key the collector keeps: private folders (0700),
//! private files (0600, created once, never overwritten), names that sort by creation time, and
//! the refusal to use a file that other users can read.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::KeyStoreError;

/// Wraps an I/O failure with the path it happened on.
pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyStoreError + '_ {
    move |source| KeyStoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Files with this extension, sorted by name; names start with the creation time, so oldest
/// first.
pub(super) fn key_files(dir: &Path, extension: &str) -> Result<Vec<PathBuf>, KeyStoreError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
        let path = entry.map_err(io_error(dir))?.path();
        if path.extension().is_some_and(|e| e == extension) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Creates the folder (and its parents) readable by the owner only.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), KeyStoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_error(dir))
}

/// A new file name in `dir`: the creation time in nanoseconds, zero-padded so that names sort
/// in creation order.
pub(super) fn new_key_path(dir: &Path, extension: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    dir.join(format!("{nanos:024}.{extension}"))
}

/// 32 bytes from the system's random source.
pub(super) fn random_key() -> Result<[u8; 32], KeyStoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| KeyStoreError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Writes a new file with mode 0600 and syncs it; an existing file is never overwritten.
pub(super) fn write_private_file(path: &Path, bytes: &[u8]) -> Result<(), KeyStoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(bytes).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Reads a key file, refusing it if group or others may read or write it: such a key may have
/// been copied, and using it would hide that.
pub(super) fn read_private_file(path: &Path) -> Result<Vec<u8>, KeyStoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io_error(path))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyStoreError::Exposed {
                path: path.to_owned(),
                mode,
            });
        }
    }
    std::fs::read(path).map_err(io_error(path))
}

/// A file's name without extension: the id of the key it holds.
pub(super) fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}
