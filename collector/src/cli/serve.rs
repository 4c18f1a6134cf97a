//! `samtycke serve`: the collector, configured by file, flags and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::{Application, Config};

/// Flags and environment override the config file.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file (TOML).
    #[arg(long, short, env = "SAMTYCKE_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "SAMTYCKE_LISTEN")]
    listen: Option<SocketAddr>,
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Folder of the receipt-signing and data-encryption keys.
    #[arg(long, env = "SAMTYCKE_KEY_DIR")]
    key_dir: Option<PathBuf>,
    /// Folder of the built widget (`cargo xtask dist` output).
    #[arg(long, env = "SAMTYCKE_ASSETS_DIR")]
    assets_dir: Option<PathBuf>,
    /// The collector's public URL, the issuer of its receipts.
    #[arg(long, env = "SAMTYCKE_PUBLIC_URL")]
    public_url: Option<String>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    crate::telemetry::init();
    let mut config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::empty(),
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(url) = args.database_url {
        config.database_url = url;
    }
    if let Some(dir) = args.key_dir {
        config.key_dir = dir;
    }
    if let Some(dir) = args.assets_dir {
        config.assets_dir = Some(dir);
    }
    if let Some(url) = args.public_url {
        config.public_url = Some(url);
    }
    let app = Application::build(config)
        .await
        .context("cannot start the collector")?;
    app.run().await.context("the server failed")
}
