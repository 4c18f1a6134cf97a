//! Debian's Chromium and ChromeDriver, which the browser tests and the widget benchmark drive.
//! Installed with apt when missing, so a fresh machine needs no manual step.

use std::path::Path;

use anyhow::bail;

use crate::apt::{apt, is_root};

const BINARIES: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromedriver"];

/// Makes sure `chromium` and `chromium-driver` are installed.
pub fn ensure() -> anyhow::Result<()> {
    if BINARIES.iter().all(|b| Path::new(b).exists()) {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's chromium and chromium-driver");
    let root = is_root();
    apt(root, &["update", "-qq"])?;
    apt(
        root,
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ],
    )?;
    if let Some(missing) = BINARIES.iter().find(|b| !Path::new(b).exists()) {
        bail!("{missing} is still missing after installing chromium and chromium-driver");
    }
    Ok(())
}
