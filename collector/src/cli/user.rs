//! `samtycke user create|list|disable|end-sessions`: the console's users. A password is read
//! from `SAMTYCKE_USER_PASSWORD` or, without it, from the first line of standard input, never
//! from the command line (where `ps` and the shell's history would keep it). Every change is
//! audited (actor `cli`).

use std::io::BufRead as _;

use clap::Subcommand;

use super::database::DatabaseArgs;
use crate::domain::access::{Access, Role};
use crate::domain::users::Users;

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Make a user who signs in to the console at /console.
    Create {
        /// What the user may do: admin, marketer or dpo (as API keys' roles).
        #[arg(long, value_enum)]
        role: Role,
        /// The address they sign in with.
        #[arg(long)]
        email: String,
    },
    /// List the users (addresses, roles; never a password).
    List,
    /// Disable a user: no sign-in, every session ended.
    Disable {
        /// The user's id.
        id: String,
    },
    /// End every session of a user (they sign in again).
    EndSessions {
        /// The user's id.
        id: String,
    },
}

/// The new user's password: `SAMTYCKE_USER_PASSWORD`, else standard input's first line.
fn password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("SAMTYCKE_USER_PASSWORD") {
        return Ok(password);
    }
    eprintln!("password (12 to 256 characters), then Enter:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn run(database: &DatabaseArgs, action: &UserAction) -> anyhow::Result<()> {
    let store = database.store().await?;
    let users = Users::new(store.clone(), Access::new(store));
    match action {
        UserAction::Create { role, email } => {
            let user = users.create("cli", email, *role, &password()?).await?;
            println!("{}", user.id);
            eprintln!("user {} ({}) made", user.email, user.role);
        }
        UserAction::List => {
            for user in users.list().await? {
                let state = match user.disabled_at {
                    Some(at) => format!("disabled at {at}"),
                    None => "active".to_owned(),
                };
                println!("{}  {:<8}  {}  ({state})", user.id, user.role, user.email);
            }
        }
        UserAction::Disable { id } => {
            users.disable("cli", id).await?;
            println!("user {id} disabled");
        }
        UserAction::EndSessions { id } => {
            let ended = users.revoke_sessions("cli", id).await?;
            println!("{ended} sessions of user {id} ended");
        }
    }
    Ok(())
}
