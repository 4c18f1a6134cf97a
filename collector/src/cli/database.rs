//! The database a command works on: the same configuration `serve` reads (`--config`,
//! `SAMTYCKE_CONFIG`), with `--database-url` / `DATABASE_URL` over it, so that a command works
//! against the database a running collector uses.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;

use crate::Config;
use crate::store::{self, Store};

/// `--config` and `--database-url`.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// Config file (TOML).
    #[arg(long, short, env = "SAMTYCKE_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    database_url: Option<String>,
}

impl DatabaseArgs {
    /// The configuration, with the database URL overridden.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::from_file(path)?,
            None => Config::empty(),
        };
        if let Some(url) = &self.database_url {
            config.database_url.clone_from(url);
        }
        Ok(config)
    }

    /// The store, opened (and migrated).
    pub async fn store(&self) -> anyhow::Result<Arc<dyn Store>> {
        let config = self.config()?;
        store::connect(&config.database_url)
            .await
            .context("cannot open the database")
    }
}
