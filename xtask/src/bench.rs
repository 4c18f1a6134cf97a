//! `cargo xtask bench widget`: builds the widget as `cargo xtask dist` does, installs the two
//! peer consent banners from npm (Osano's cookieconsent 3.1.1, vanilla-cookieconsent 3.1.0), then
//! runs the widget benchmark (`tests/bench/widget/`, which reuses the browser tests' collector
//! and Chromium harness): the demo shop with Samtycke and with each peer, side by side,
//! unthrottled and on a phone profile: time to the banner being visible, bytes before it, first
//! and returning visits, long tasks, against Samtycke's targets; and Samtycke's bytes per file.
//!
//! `cargo xtask bench collector`: the release collector under load (`collector/benches/collector/`)
//! on SQLite and PostgreSQL: sustained receipts/s, latency at a fixed rate, peak RSS, and the
//! crypto ceiling.
//!
//! `cargo xtask bench contacts`: 1,000,000 seeded contacts on SQLite and PostgreSQL
//! (`collector/benches/contacts/`): the count of a selection, its first page, the CSV stream of
//! the granted selection with the collector's RSS, and a 100,000-row import.

use std::path::Path;

use clap::Subcommand;

use crate::{chromium, dist, tools};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    target: Target,
}

#[derive(Subcommand)]
enum Target {
    /// The widget beside Osano's cookieconsent 3 and vanilla-cookieconsent 3 (from npm) on the
    /// same demo shop page in headless Chromium, unthrottled and on a phone profile (CPU ×4,
    /// 150 ms, 1.6/0.75 Mbit/s): time to the banner being visible (median, p90, ratio to each
    /// peer), bytes received before it, on a first and a returning visit, main-thread long tasks,
    /// against Samtycke's targets; then Samtycke's files (raw, gzip, brotli).
    Widget {
        /// Measured page loads of each kind, per contender and condition (after two warm-up
        /// rounds).
        #[arg(long, default_value_t = 21)]
        loads: u32,
    },
    /// The collector, release build, as its own process: receipts/s at 64 connections, p50/p99
    /// at 2,000 receipts/s, peak RSS and the crypto ceiling, on SQLite and PostgreSQL.
    Collector {
        /// Seconds each load phase runs.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Backends to measure, comma-separated.
        #[arg(long, default_value = "sqlite,postgres")]
        backends: String,
    },
    /// Contacts at scale, release build: count, first page, CSV stream (rows/s, RSS) and a
    /// 100,000-row import, on SQLite and PostgreSQL.
    Contacts {
        /// Contacts to seed.
        #[arg(long, default_value_t = 1_000_000)]
        contacts: u64,
        /// Backends to measure, comma-separated.
        #[arg(long, default_value = "sqlite,postgres")]
        backends: String,
        /// Seed anew instead of copying the seed kept from an earlier run.
        #[arg(long)]
        fresh_seed: bool,
    },
}

pub fn run(root: &Path, args: &Args) -> anyhow::Result<()> {
    match args.target {
        Target::Widget { loads } => widget(root, loads),
        Target::Collector {
            seconds,
            ref backends,
        } => tools::run(
            tools::cargo()
                .current_dir(root)
                .args(["bench", "-p", "samtycke-collector", "--bench", "collector"])
                .env("SAMTYCKE_BENCH_SECONDS", seconds.to_string())
                .env("SAMTYCKE_BENCH_BACKENDS", backends),
        ),
        Target::Contacts {
            contacts,
            ref backends,
            fresh_seed,
        } => tools::run(
            tools::cargo()
                .current_dir(root)
                .args(["bench", "-p", "samtycke-collector", "--bench", "contacts"])
                .env("SAMTYCKE_BENCH_CONTACTS", contacts.to_string())
                .env("SAMTYCKE_BENCH_BACKENDS", backends)
                .env(
                    "SAMTYCKE_BENCH_FRESH_SEED",
                    if fresh_seed { "1" } else { "0" },
                ),
        ),
    }
}

fn widget(root: &Path, loads: u32) -> anyhow::Result<()> {
    chromium::ensure()?;
    // Its own output folder: a benchmark never replaces the build a demo or test is using.
    let out = crate::target_dir().join("bench/widget");
    dist::run(&dist::Args::writing_to(out.clone()))?;
    let peers = tools::peer_banners(&crate::target_dir().join("tools"))?;
    // The dev profile, like the browser tests: their compiled dependencies are reused, and the
    // browser's work, not the collector's, is what is measured.
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args([
                "bench",
                "--quiet",
                "-p",
                "samtycke-e2e",
                "--bench",
                "widget",
                "--profile",
                "dev",
            ])
            .env("SAMTYCKE_ASSETS_DIR", &out)
            .env("SAMTYCKE_BENCH_PEERS", &peers)
            .env("SAMTYCKE_BENCH_LOADS", loads.to_string()),
    )
}
