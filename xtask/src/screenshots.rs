//! `cargo xtask screenshots`: the console's pages as a user sees them, in English and Swedish,
//! into `docs/` (the README shows them). They are taken by the console's browser test, in
//! headless Chromium against a real collector, so they show what the tests check.

use std::path::Path;

use crate::{chromium, dist, tools};

/// Builds the console and writes `docs/console-*.png`.
pub fn run(root: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    chromium::ensure()?;
    let dist_dir = crate::target_dir().join("dist");
    dist::run(&dist::Args::writing_to(dist_dir.clone()))?;
    let axe = tools::axe_core(&crate::target_dir().join("tools"))?;
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args([
                "test",
                "-p",
                "samtycke-e2e",
                "--test",
                "browser",
                "--",
                "console::",
            ])
            .env("SAMTYCKE_ASSETS_DIR", &dist_dir)
            .env("SAMTYCKE_AXE_JS", &axe)
            .env("SAMTYCKE_SCREENSHOTS", root.join("docs")),
    )
}
