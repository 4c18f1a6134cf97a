//! `samtycke keys`: list and rotate the collector's keys, the receipt-signing keys and the
//! data-encryption keys of the subject vaults. Only ids are ever printed, never key bytes.

use std::path::Path;

use clap::Subcommand;

use crate::keys::{DataKeys, KeyRing, KeyStoreError};

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// List key ids of both kinds, oldest first; the last of each kind is the one in use.
    List,
    /// Create a new receipt-signing key (or, with --data-encryption, a new data-encryption key).
    /// Old keys stay: signing keys in the JWKS, data-encryption keys to open older vaults.
    /// Restart the collectors to use the new key.
    Rotate {
        /// Rotate the data-encryption key, which wraps new subject-vault keys, instead of the
        /// receipt-signing key.
        #[arg(long)]
        data_encryption: bool,
    },
}

pub fn run(key_dir: &Path, action: &KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::List => {
            let ring = KeyRing::load(key_dir)?;
            println!("receipt-signing:");
            print_ids(&ring.kids(), "signing");
            // A key directory from before the subject vault has no data-encryption key yet.
            match DataKeys::load(key_dir) {
                Ok(data) => {
                    println!("data-encryption:");
                    print_ids(&data.ids(), "encrypting");
                }
                Err(KeyStoreError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    println!("data-encryption: none yet; `samtycke serve` creates one");
                }
                Err(KeyStoreError::NoDataKeys(_)) => {
                    println!("data-encryption: none yet; `samtycke serve` creates one");
                }
                Err(error) => return Err(error.into()),
            }
        }
        KeysAction::Rotate {
            data_encryption: false,
        } => {
            let kid = KeyRing::rotate(key_dir)?;
            println!("new signing key {kid}; restart the collectors to sign with it");
        }
        KeysAction::Rotate {
            data_encryption: true,
        } => {
            let id = DataKeys::rotate(key_dir)?;
            println!(
                "new data-encryption key {id}; restart the collectors to wrap new vault keys with it"
            );
        }
    }
    Ok(())
}

/// One id a line; the newest, the one in use, marked.
fn print_ids(ids: &[String], marker: &str) {
    for (n, id) in ids.iter().enumerate() {
        let current = if n + 1 == ids.len() {
            format!(" ({marker})")
        } else {
            String::new()
        };
        println!("  {id}{current}");
    }
}
