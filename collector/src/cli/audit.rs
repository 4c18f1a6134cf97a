//! `samtycke audit verify`: follows the audit log's hash chain and prints the first entry that
//! was changed, removed or moved. Exits non-zero on a break.

use clap::Subcommand;

use super::database::DatabaseArgs;
use crate::domain::access::Access;

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Check every entry's hash and its link to the one before.
    Verify,
}

pub async fn run(database: &DatabaseArgs, action: &AuditAction) -> anyhow::Result<()> {
    let AuditAction::Verify = action;
    let access = Access::new(database.store().await?);
    let entries = access.verify_audit().await?;
    println!("{entries} audit entries verify; the chain is unbroken");
    Ok(())
}
