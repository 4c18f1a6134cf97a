//! `cargo xtask`: Samtycke's build tasks, in Rust so that they need nothing but cargo.
//!
//! One module per subcommand; `tools` finds and installs what they run.

mod apt;
mod bench;
mod chromium;
mod demo;
mod dist;
mod screenshots;
mod smtp;
mod test;
mod tools;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Samtycke's build tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the widget for the web: wasm, JS glue and loader, content-addressed and
    /// precompressed, with a size report.
    Dist(dist::Args),
    /// Build everything and serve the demo shop at http://127.0.0.1:8080/.
    Demo,
    /// Everything CI checks: formatting, clippy (native and wasm32), the widget build, all tests
    /// including the browser tests in headless Chromium.
    Test,
    /// Benchmarks: `widget` measures how soon the banner shows and what visitors fetch, in
    /// headless Chromium on the demo shop, beside two peer consent banners; `collector` and
    /// `contacts` measure the collector.
    Bench(bench::Args),
    /// Screenshots of the console's pages in English and Swedish into `docs/`, taken by its
    /// browser test.
    Screenshots,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Dist(args) => dist::run(&args),
        Task::Demo => demo::run(&root()),
        Task::Test => test::run(&root()),
        Task::Screenshots => screenshots::run(&root()),
        Task::Bench(args) => bench::run(&root(), &args),
    }
}

/// The repository root: xtask lives one folder below it.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` if set (relative to the root), else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root().join(dir),
        None => root().join("target"),
    }
}
