//! `samtycke verify-store`: re-verifies every stored receipt and every subject's chain
//! (`domain::log_check`) and prints the first break. Exits non-zero on a break.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::domain::log_check::{LogCheckError, check_log};
use crate::keys::KeyRing;
use crate::{Config, store};

/// The database and key directory: the config file's, overridden by flag or environment.
#[derive(Debug, Args)]
pub struct VerifyStoreArgs {
    /// Config file (TOML).
    #[arg(long, short, env = "SAMTYCKE_CONFIG")]
    config: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The key directory (its receipt-signing keys make the JWKS checked against).
    #[arg(long, env = "SAMTYCKE_KEY_DIR")]
    key_dir: Option<PathBuf>,
}

pub async fn run(args: VerifyStoreArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => Config::from_file(path)?,
        None => Config::empty(),
    };
    let url = args.database_url.unwrap_or(config.database_url);
    let key_dir = args.key_dir.unwrap_or(config.key_dir);
    let jwks = KeyRing::load(&key_dir)
        .with_context(|| format!("cannot read the keys in {}", key_dir.display()))?
        .jwks();
    let store = store::connect(&url)
        .await
        .context("cannot open the database")?;
    let checked = check_log(&*store, &jwks, |done| {
        if done % 100_000 == 0 {
            eprintln!("{done} receipts checked");
        }
    })
    .await;
    match checked {
        Ok(summary) => {
            println!(
                "{} receipts of {} subjects verify; the log has no gap and every chain is unbroken",
                summary.receipts, summary.subjects
            );
            Ok(())
        }
        Err(LogCheckError::Broken(at)) => anyhow::bail!("{at}"),
        Err(LogCheckError::Store(error)) => Err(error).context("cannot read the receipt log"),
    }
}
