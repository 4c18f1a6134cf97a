//! Debian packages the project's commands install when missing, with apt-get (through sudo
//! when not root).

use std::process::Command;

use anyhow::{Context as _, bail};

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Runs `apt-get ARGS`, as root or through sudo.
pub fn apt(root: bool, args: &[&str]) -> anyhow::Result<()> {
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
