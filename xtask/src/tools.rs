//! The programs the tasks run, found or installed: cargo, the wasm32 target, and from npm
//! binaryen's `wasm-opt` (Debian's binaryen is too old for what rustc emits today), terser,
//! axe-core, and the two consent banners the widget benchmark compares Samtycke with.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context as _, bail};

/// The binaryen release whose `wasm-opt` shrinks the widget. Pinned: a new optimiser changes
/// the output and its size, which should be a reviewed change.
const BINARYEN: &str = "132.0.0";

/// The terser release that minifies the loader, pinned for the same reason.
const TERSER: &str = "5.51.1";

/// The axe-core release the accessibility tests run: a new one brings new rules, which should
/// be a reviewed change.
const AXE_CORE: &str = "4.14.0";

/// The peer consent banners `cargo xtask bench widget` compares Samtycke with: Osano's
/// cookieconsent and vanilla-cookieconsent. Pinned, as the benchmark's page snippets are written
/// for these releases (`tests/bench/widget/contenders.rs` names the same versions).
const PEER_BANNERS: [(&str, &str, &str); 2] = [
    ("cookieconsent", "3.1.1", "build/cookieconsent.min.js"),
    (
        "vanilla-cookieconsent",
        "3.1.0",
        "dist/cookieconsent.umd.js",
    ),
];

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

/// binaryen's `wasm-opt`, which shrinks the widget's wasm.
pub fn wasm_opt(tools: &Path) -> anyhow::Result<PathBuf> {
    npm_package(tools, "binaryen", BINARYEN, "bin/wasm-opt")?;
    Ok(tools.join("node_modules/.bin/wasm-opt"))
}

/// terser, which minifies the loader.
pub fn terser(tools: &Path) -> anyhow::Result<PathBuf> {
    npm_package(tools, "terser", TERSER, "bin/terser")?;
    Ok(tools.join("node_modules/.bin/terser"))
}

/// axe-core's browser bundle, which the accessibility tests inject into pages.
pub fn axe_core(tools: &Path) -> anyhow::Result<PathBuf> {
    npm_package(tools, "axe-core", AXE_CORE, "axe.min.js")
}

/// The peer consent banners, installed into `TOOLS/node_modules`; returns that folder.
pub fn peer_banners(tools: &Path) -> anyhow::Result<PathBuf> {
    for (package, version, file) in PEER_BANNERS {
        npm_package(tools, package, version, file)?;
    }
    Ok(tools.join("node_modules"))
}

/// A file of an npm package at a pinned version, installed with npm into
/// `TOOLS/node_modules` on first use.
fn npm_package(tools: &Path, package: &str, version: &str, file: &str) -> anyhow::Result<PathBuf> {
    let dir = tools.join("node_modules").join(package);
    let wanted = dir.join(file);
    let pinned = std::fs::read_to_string(dir.join("package.json"))
        .is_ok_and(|text| text.contains(&format!("\"version\": \"{version}\"")));
    if wanted.is_file() && pinned {
        return Ok(wanted);
    }
    capture(Command::new("npm").arg("--version")).with_context(|| {
        format!("npm is needed once, to install {package}: install Node.js 18 or later with npm")
    })?;
    std::fs::create_dir_all(tools).with_context(|| format!("cannot create {}", tools.display()))?;
    eprintln!(
        "xtask: installing {package} {version} into {}",
        tools.display()
    );
    run(Command::new("npm")
        .arg("install")
        .arg("--prefix")
        .arg(tools)
        .args(["--no-audit", "--no-fund", "--loglevel=error"])
        .arg(format!("{package}@{version}")))
    .with_context(|| format!("cannot install {package} from npm"))?;
    if !wanted.is_file() {
        bail!(
            "npm installed {package} but {} is missing",
            wanted.display()
        );
    }
    Ok(wanted)
}
