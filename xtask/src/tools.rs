//! The programs the tasks run, found or installed: cargo, the wasm32 target, and binaryen's
//! `wasm-opt` from npm (Debian's binaryen is too old for what rustc emits today).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context as _, bail};

/// The binaryen release whose `wasm-opt` shrinks the widget. Pinned: a new optimiser changes
/// the output and its size, which should be a reviewed change.
const BINARYEN: &str = "132.0.0";

/// The cargo that runs us (`$CARGO`), so the same toolchain builds everything.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}

/// Runs a command to completion, its output going to ours.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

/// Runs a command and returns what it printed.
fn capture(command: &mut Command) -> anyhow::Result<Output> {
    let output = command
        .output()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output)
}

/// Makes sure rustc can build for `wasm32-unknown-unknown`, adding the target with rustup.
pub fn ensure_wasm_target() -> anyhow::Result<()> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out) if out.status.success() => {
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == TARGET)
            {
                return Ok(());
            }
            eprintln!("xtask: adding the {TARGET} target with rustup");
            run(Command::new("rustup").args(["target", "add", TARGET]))
        }
        // No rustup (a distribution's Rust): the target is there if its standard library is.
        _ => {
            let sysroot = capture(Command::new("rustc").args(["--print", "sysroot"]))?;
            let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
            let lib = Path::new(&sysroot).join("lib/rustlib").join(TARGET);
            if lib.is_dir() {
                Ok(())
            } else {
                bail!(
                    "the {TARGET} target is not installed and there is no rustup to add it: \
                     install rustup, or your distribution's wasm32 standard library"
                )
            }
        }
    }
}

/// binaryen's `wasm-opt`, installed with npm into `TOOLS/node_modules` on first use.
pub fn wasm_opt(tools: &Path) -> anyhow::Result<PathBuf> {
    let bin = tools.join("node_modules/.bin/wasm-opt");
    let manifest = tools.join("node_modules/binaryen/package.json");
    let pinned = std::fs::read_to_string(&manifest)
        .is_ok_and(|text| text.contains(&format!("\"version\": \"{BINARYEN}\"")));
    if bin.is_file() && pinned {
        return Ok(bin);
    }
    capture(Command::new("npm").arg("--version")).context(
        "npm is needed once, to install binaryen's wasm-opt: install Node.js 18 or later with npm",
    )?;
    std::fs::create_dir_all(tools).with_context(|| format!("cannot create {}", tools.display()))?;
    eprintln!(
        "xtask: installing binaryen {BINARYEN} (wasm-opt) into {}",
        tools.display()
    );
    run(Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(tools)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .arg(format!("binaryen@{BINARYEN}")))
    .context("cannot install binaryen from npm")?;
    if !bin.is_file() {
        bail!("npm installed binaryen but {} is missing", bin.display());
    }
    Ok(bin)
}
