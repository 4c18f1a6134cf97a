//! The `samtycke` command line: argument definitions and dispatch. Each command lives in its
//! own module.

mod apikey;
mod audit;
mod contacts;
mod database;
mod import;
mod keys;
mod migrate;
mod retention;
mod serve;
mod user;
mod verify;
mod verify_store;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Samtycke: verifiable consent receipts.
#[derive(Debug, Parser)]
#[command(name = "samtycke", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the collector.
    Serve(serve::ServeArgs),
    /// Create (PostgreSQL) and migrate the database, then exit.
    Migrate(migrate::MigrateArgs),
    /// Verify a receipt offline: the collector's signature and the visitor's signed request.
    Verify(verify::VerifyArgs),
    /// Re-verify every stored receipt and every subject's chain; print the first break.
    VerifyStore(verify_store::VerifyStoreArgs),
    /// Manage the privileged API's keys (roles admin, marketer, dpo).
    Apikey {
        #[command(flatten)]
        database: database::DatabaseArgs,
        #[command(subcommand)]
        action: apikey::ApiKeyAction,
    },
    /// The console's users.
    User {
        #[command(flatten)]
        database: database::DatabaseArgs,
        #[command(subcommand)]
        action: user::UserAction,
    },
    /// The audit log of privileged reads and writes.
    Audit {
        #[command(flatten)]
        database: database::DatabaseArgs,
        #[command(subcommand)]
        action: audit::AuditAction,
    },
    /// Contacts: query, count, show, export, edit cards, delete (as the API, audited as cli).
    Contacts {
        #[command(flatten)]
        database: database::DatabaseArgs,
        #[command(subcommand)]
        action: contacts::ContactsAction,
    },
    /// Retention: hold contacts that stopped engaging, erase them after the grace period.
    Retention {
        #[command(flatten)]
        database: database::DatabaseArgs,
        #[command(subcommand)]
        action: retention::RetentionAction,
    },
    /// Import contacts from a CSV file (consent rows become collector-signed receipts).
    Import(import::ImportArgs),
    /// Manage the receipt-signing and data-encryption keys.
    Keys {
        /// The key directory.
        #[arg(long, env = "SAMTYCKE_KEY_DIR", default_value = "data/keys")]
        key_dir: PathBuf,
        #[command(subcommand)]
        action: keys::KeysAction,
    },
}

impl Cli {
    /// Runs the chosen command; the exit code is the caller's to set from the result.
    pub async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Migrate(args) => migrate::run(args).await,
            Command::Apikey { database, action } => apikey::run(&database, &action).await,
            Command::User { database, action } => user::run(&database, &action).await,
            Command::Audit { database, action } => audit::run(&database, &action).await,
            Command::Verify(args) => verify::run(&args),
            Command::VerifyStore(args) => verify_store::run(args).await,
            Command::Keys { key_dir, action } => keys::run(&key_dir, &action),
            Command::Import(args) => import::run(args).await,
            Command::Contacts { database, action } => contacts::run(&database, action).await,
            Command::Retention { database, action } => retention::run(&database, &action).await,
        }
    }
}
