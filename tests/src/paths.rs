//! Where the repository's files are, and the built widget.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The built widget (`cargo xtask dist`): `SAMTYCKE_ASSETS_DIR` (relative to the repository
/// root, since cargo runs each test in its own package folder), else `target/dist`.
pub fn assets_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("SAMTYCKE_ASSETS_DIR")
        .map(|dir| root().join(dir))
        .unwrap_or_else(|| root().join("target/dist"));
    if !dir.join("manifest.json").is_file() {
        anyhow::bail!(
            "no built widget in {} — run `cargo xtask test` (or `cargo xtask dist` first)",
            dir.display()
        );
    }
    Ok(dir)
}

/// axe-core's browser bundle, which the accessibility tests inject: `SAMTYCKE_AXE_JS` (relative
/// to the repository root), else where `cargo xtask test` installs it.
pub fn axe_js() -> anyhow::Result<PathBuf> {
    let file = std::env::var_os("SAMTYCKE_AXE_JS")
        .map(|file| root().join(file))
        .unwrap_or_else(|| root().join("target/tools/node_modules/axe-core/axe.min.js"));
    if !file.is_file() {
        anyhow::bail!(
            "no axe-core at {} — run `cargo xtask test`, which installs it",
            file.display()
        );
    }
    Ok(file)
}
