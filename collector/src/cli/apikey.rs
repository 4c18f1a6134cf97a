//! `samtycke apikey create|list|revoke`: the privileged API's keys. A new key's token is printed
//! once and never stored; every change is audited (actor `cli`).

use clap::Subcommand;

use super::database::DatabaseArgs;
use crate::domain::access::{Access, Role};

#[derive(Debug, Subcommand)]
pub enum ApiKeyAction {
    /// Make a key; its token is shown only now.
    Create {
        /// What the key may do.
        #[arg(long, value_enum)]
        role: Role,
        /// Who or what it is for.
        #[arg(long)]
        name: String,
    },
    /// List the keys (ids, names, roles; never secrets).
    List,
    /// Revoke a key by id.
    Revoke {
        /// The key's id (the part after `samtycke_` in its token).
        id: String,
    },
}

pub async fn run(database: &DatabaseArgs, action: &ApiKeyAction) -> anyhow::Result<()> {
    let access = Access::new(database.store().await?);
    match action {
        ApiKeyAction::Create { role, name } => {
            let created = access.create_key(name, *role, "cli").await?;
            println!("{}", created.token);
            eprintln!(
                "key {} ({}) for {name:?}: the token above is shown only once",
                created.key.id,
                role.as_str()
            );
        }
        ApiKeyAction::List => {
            for key in access.keys().await? {
                let state = match key.revoked_at {
                    Some(at) => format!("revoked at {at}"),
                    None => "active".to_owned(),
                };
                println!("{}  {:<8}  {}  ({state})", key.id, key.role, key.name);
            }
        }
        ApiKeyAction::Revoke { id } => {
            if !access.revoke_key(id, "cli").await? {
                anyhow::bail!("no active key {id}");
            }
            println!("key {id} revoked");
        }
    }
    Ok(())
}
