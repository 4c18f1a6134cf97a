//! `cargo xtask test`: everything CI checks, in the order that fails fastest: formatting, lints
//! (native and wasm32), the widget build, then every test including the browser ones.

use std::path::Path;

use crate::{chromium, dist, tools};

/// Runs the whole check.
pub fn run(root: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    chromium::ensure()?;

    step("formatting");
    cargo(root, &["fmt", "--all", "--", "--check"])?;

    step("clippy (native)");
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--exclude",
            "samtycke-widget",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;

    step("clippy (wasm32)");
    cargo(
        root,
        &[
            "clippy",
            "-p",
            "samtycke-widget",
            "-p",
            "samtycke-shared",
            "--no-default-features",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;

    step("widget build");
    let dist_dir = crate::target_dir().join("dist");
    dist::run(&dist::Args::writing_to(dist_dir.clone()))?;

    let axe = tools::axe_core(&crate::target_dir().join("tools"))?;

    step("tests");
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args(["test", "--workspace"])
            .env("SAMTYCKE_ASSETS_DIR", &dist_dir)
            .env("SAMTYCKE_AXE_JS", &axe),
    )
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    tools::run(tools::cargo().current_dir(root).args(args))
}

fn step(name: &str) {
    eprintln!("\nxtask test: {name}");
}
