//! Debian's Chromium and ChromeDriver, which the browser tests and the widget benchmark drive.
//! Installed with apt when missing, so a fresh machine needs no manual step.

use std::path::Path;

const BINARIES: [&str; 2] = ["/usr/bin/chromium", "/usr/bin/chromedriver"];

/// Makes sure `chromium` and `chromium-driver` are installed.
pub fn ensure() -> anyhow::Result<()> {
    crate::apt::ensure(
        "Chromium and ChromeDriver",
        &["chromium", "chromium-driver"],
        || BINARIES.iter().all(|b| Path::new(b).exists()),
    )
}
