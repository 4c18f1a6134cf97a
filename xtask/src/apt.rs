//! Debian packages the project's commands install when missing, with apt-get (through sudo
//! when not root).

use std::process::Command;

use anyhow::{Context as _, bail};

/// Installs Debian `packages` unless `installed` says they are there, and checks after.
pub fn ensure(what: &str, packages: &[&str], installed: impl Fn() -> bool) -> anyhow::Result<()> {
    if installed() {
        return Ok(());
    }
    eprintln!(
        "xtask: installing Debian's {} ({what})",
        packages.join(", ")
    );
    let root = is_root();
    apt(root, &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend_from_slice(packages);
    apt(root, &args)?;
    if !installed() {
        bail!(
            "{what} is still missing after installing {}",
            packages.join(", ")
        );
    }
    Ok(())
}

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
