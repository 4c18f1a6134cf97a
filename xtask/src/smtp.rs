//! The real SMTP server the collector's mail tests deliver to: Debian's `python3-aiosmtpd`, run
//! by Debian's own Python (`/usr/bin/python3`; the `python3` first on `PATH` may be another
//! interpreter without the package, DESIGN.md §8). Installed with apt when missing.

use std::process::Command;

use anyhow::bail;

use crate::apt::{apt, is_root};

/// The interpreter the tests run aiosmtpd with.
pub const PYTHON: &str = "/usr/bin/python3";

fn installed() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Makes sure `python3-aiosmtpd` is installed.
pub fn ensure() -> anyhow::Result<()> {
    if installed() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's python3-aiosmtpd (the mail tests' SMTP server)");
    let root = is_root();
    apt(root, &["update", "-qq"])?;
    apt(
        root,
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "python3-aiosmtpd",
        ],
    )?;
    if !installed() {
        bail!("{PYTHON} cannot import aiosmtpd after installing python3-aiosmtpd");
    }
    Ok(())
}
