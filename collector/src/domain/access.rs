//! Who may use the privileged API: API keys with a role, and the audit log every privileged read
//! and write (and every refused attempt) goes to.
//!
//! A token is `samtycke_<id>_<secret>`: the id finds the key, the secret (32 random bytes) is
//! checked against its stored SHA-256 in constant time. It is shown once, at creation.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use samtycke_shared::jose::sha256_hex;
use subtle::ConstantTimeEq as _;

use crate::store::access::{AuditEntry, NewAuditEntry, StoredApiKey, audit_hash};
use crate::store::{Store, StoreError};
use crate::time::now_unix;

const TOKEN_PREFIX: &str = "samtycke_";

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Role {
    /// Keys, sites, everything.
    Admin,
    /// Queries, counts, exports with masked identifiers, compliance-card edits.
    Marketer,
    /// Everything about contacts: reveal, delete, the audit log.
    Dpo,
    /// A CRM: reports its unsubscribes and consent changes (`POST /v1/crm/events`), nothing else.
    Integration,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Marketer => "marketer",
            Role::Dpo => "dpo",
            Role::Integration => "integration",
        }
    }

    /// The role a stored name names.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Role::Admin),
            "marketer" => Some(Role::Marketer),
            "dpo" => Some(Role::Dpo),
            "integration" => Some(Role::Integration),
            _ => None,
        }
    }
}

/// An authenticated caller: an API key, or a user signed in to the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// How the audit log names it: `key:<id>` or `user:<address>`.
    actor: String,
    /// Its role.
    pub role: Role,
}

impl Caller {
    /// A caller named `actor` in the audit log, acting as `role`.
    pub fn new(actor: String, role: Role) -> Self {
        Self { actor, role }
    }

    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        self.actor.clone()
    }
}

/// Why a token is not let in. The messages never repeat the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer …`.
    #[error("an API key is required: Authorization: Bearer samtycke_…")]
    Missing,
    /// Not a key of this collector, a wrong secret, or a revoked key.
    #[error("the API key is not valid")]
    Invalid,
    /// A valid key whose role may not do this.
    #[error("this API key's role may not do this")]
    Forbidden,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// API keys and the audit log, over the store.
#[derive(Debug, Clone)]
pub struct Access {
    store: Arc<dyn Store>,
}

/// A key just made: its token, to show once, and what is stored.
#[derive(Debug)]
pub struct CreatedKey {
    /// `samtycke_<id>_<secret>`.
    pub token: String,
    /// What the store keeps.
    pub key: StoredApiKey,
}

impl Access {
    /// Access control over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Makes a key for `name` with `role`; `actor` is audited as its maker.
    pub async fn create_key(
        &self,
        name: &str,
        role: Role,
        actor: &str,
    ) -> Result<CreatedKey, StoreError> {
        let id = hex::encode(random::<8>()?);
        let secret = URL_SAFE_NO_PAD.encode(random::<32>()?);
        let key = StoredApiKey {
            id: id.clone(),
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            secret_hash: sha256_hex(&secret),
            created_at: now_unix(),
            revoked_at: None,
        };
        self.store.insert_api_key(&key).await?;
        let detail = serde_json::json!({ "key": id, "role": role.as_str() });
        self.record(actor, "apikey.create", detail).await?;
        Ok(CreatedKey {
            token: format!("{TOKEN_PREFIX}{id}_{secret}"),
            key,
        })
    }

    /// Every key (never a secret).
    pub async fn keys(&self) -> Result<Vec<StoredApiKey>, StoreError> {
        self.store.api_keys().await
    }

    /// Revokes a key; whether there was one to revoke.
    pub async fn revoke_key(&self, id: &str, actor: &str) -> Result<bool, StoreError> {
        let revoked = self.store.revoke_api_key(id, now_unix()).await?;
        let detail = serde_json::json!({ "key": id, "revoked": revoked });
        self.record(actor, "apikey.revoke", detail).await?;
        Ok(revoked)
    }

    /// The caller a bearer token stands for, if it may act as one of `roles`. Every refusal is
    /// audited, with the path it was for.
    pub async fn authorize(
        &self,
        token: Option<&str>,
        roles: &[Role],
        path: &str,
    ) -> Result<Caller, AuthError> {
        let refused = |reason: &str, actor: String| {
            let detail = serde_json::json!({ "reason": reason, "path": path });
            (actor, detail)
        };
        let caller = match token {
            None => Err(AuthError::Missing),
            Some(token) => self.authenticate(token).await,
        };
        let (actor, detail, error) = match caller {
            Ok(caller) if roles.contains(&caller.role) => return Ok(caller),
            Ok(caller) => {
                let (actor, detail) = refused("role", caller.actor());
                (actor, detail, AuthError::Forbidden)
            }
            Err(AuthError::Store(error)) => return Err(AuthError::Store(error)),
            Err(error) => {
                let (actor, detail) = refused("key", "anonymous".to_owned());
                (actor, detail, error)
            }
        };
        self.record(&actor, "auth.refused", detail).await?;
        Err(error)
    }

    async fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        let (id, secret) = token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|rest| rest.split_once('_'))
            .ok_or(AuthError::Invalid)?;
        let key = self.store.api_key(id).await?.ok_or(AuthError::Invalid)?;
        let matches: bool = sha256_hex(secret)
            .as_bytes()
            .ct_eq(key.secret_hash.as_bytes())
            .into();
        if !matches || key.revoked_at.is_some() {
            return Err(AuthError::Invalid);
        }
        let role = Role::parse(&key.role).ok_or(AuthError::Invalid)?;
        Ok(Caller::new(format!("key:{}", key.id), role))
    }

    /// Adds an entry to the audit log. `detail` holds ids and counts only.
    pub async fn record(
        &self,
        actor: &str,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<AuditEntry, StoreError> {
        self.store
            .append_audit(&NewAuditEntry {
                at: now_unix(),
                actor: actor.to_owned(),
                action: action.to_owned(),
                detail: detail.to_string(),
            })
            .await
    }

    /// Checks the whole audit log's chain; the number of entries, or the first that breaks it.
    pub async fn verify_audit(&self) -> Result<u64, AuditBreak> {
        let mut prev: Option<String> = None;
        let mut expected = 1;
        loop {
            let page = self
                .store
                .audit_after(expected - 1, 1000)
                .await
                .map_err(|e| AuditBreak::at(expected, e.to_string()))?;
            if page.is_empty() {
                return Ok(u64::try_from(expected - 1).unwrap_or(0));
            }
            for entry in page {
                if entry.sequence != expected {
                    return Err(AuditBreak::at(expected, "the entry is missing".into()));
                }
                if entry.prev_hash != prev {
                    return Err(AuditBreak::at(
                        expected,
                        "it does not chain to the entry before".into(),
                    ));
                }
                if audit_hash(prev.as_deref(), entry.sequence, &entry.entry) != entry.entry_hash {
                    return Err(AuditBreak::at(expected, "its content was changed".into()));
                }
                prev = Some(entry.entry_hash);
                expected += 1;
            }
        }
    }
}

/// Where the audit log's chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit log breaks at entry {sequence}: {reason}")]
pub struct AuditBreak {
    /// The first entry that does not check.
    pub sequence: i64,
    /// Why.
    pub reason: String,
}

impl AuditBreak {
    fn at(sequence: i64, reason: String) -> Self {
        Self { sequence, reason }
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Seal(format!("no randomness: {e}")))?;
    Ok(bytes)
}
