//! The real SMTP server the collector's mail tests deliver to: Debian's `python3-aiosmtpd`, run
//! by Debian's own Python (`/usr/bin/python3`; the `python3` first on `PATH` may be another
//! interpreter without the package, DESIGN.md §8). Installed with apt when missing.

use std::process::Command;

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
    crate::apt::ensure(
        "the mail tests' SMTP server",
        &["python3-aiosmtpd"],
        installed,
    )
}
