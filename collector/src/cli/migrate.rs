//! `samtycke migrate`: creates the database if it does not exist (PostgreSQL; a SQLite file is
//! created on open) and brings its schema up to date, without serving. `serve` migrates on start
//! too; this is for deployments that migrate once, before starting many collectors.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::Config;
use crate::store::{self, Backend};

/// Where the database is: the config file's `database_url`, overridden by flag or environment.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Config file (TOML).
    #[arg(long, short, env = "SAMTYCKE_CONFIG")]
    config: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::empty(),
    };
    let url = args.database_url.unwrap_or(config.database_url);
    let backend = Backend::of(&url)?;
    // Opening creates a missing database (PostgreSQL: with CREATEDB) and migrates.
    store::connect(&url)
        .await
        .context("cannot open and migrate the database")?;
    println!("the database schema is up to date ({backend:?})");
    Ok(())
}
