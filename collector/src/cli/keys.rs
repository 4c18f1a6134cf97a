//! `samtycke keys`: list and rotate the receipt-signing keys.

use std::path::Path;

use clap::Subcommand;

use crate::keys::KeyRing;

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// List key ids, oldest first; the last one signs.
    List,
    /// Create a new signing key. Old keys stay in the JWKS; restart collectors to pick it up.
    Rotate,
}

pub fn run(key_dir: &Path, action: &KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::List => {
            let ring = KeyRing::load(key_dir)?;
            let current = ring.current().kid().to_owned();
            for kid in ring.kids() {
                let marker = if kid == current { " (signing)" } else { "" };
                println!("{kid}{marker}");
            }
        }
        KeysAction::Rotate => {
            let kid = KeyRing::rotate(key_dir)?;
            println!("new signing key {kid}; restart the collectors to sign with it");
        }
    }
    Ok(())
}
