//! Debian's Chromium and ChromeDriver, which the browser tests and the widget benchmark drive.
//! Installed with apt when missing, so a fresh machine needs no manual step.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

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

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn apt(root: bool, args: &[&str]) -> anyhow::Result<()> {
    let mut command = if root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    let status = command
        .status()
        .context("cannot run apt-get (is this Debian or Ubuntu?)")?;
    if !status.success() {
        bail!("apt-get {} failed with {status}", args.join(" "));
    }
    Ok(())
}
