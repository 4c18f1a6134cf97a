//! People who sign in to the console: users with a role (the same roles as API keys, but for
//! `integration`), passwords hashed with Argon2id, sessions carried by an `HttpOnly` cookie and
//! kept only as hashes, failed sign-ins throttled per address. Every sign-in, sign-out and change
//! is in the audit log, and a user acts under their own name there (`user:<address>`).
//!
//! A session's CSRF token is derived from its cookie token (HMAC-free: SHA-256 of a labelled
//! token), so nothing more is stored and a page can only learn it by asking the API with the
//! cookie, which another site cannot read (`http/session.rs`).

use std::sync::Arc;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use samtycke_shared::jose::sha256_hex;
use subtle::ConstantTimeEq as _;

use crate::domain::access::{Access, Caller, Role};
use crate::domain::identifiers::Email;
use crate::store::users::{StoredSession, StoredUser};
use crate::store::{Store, StoreError};
use crate::time::now_unix;

/// A session ends this long after sign-in, however busy.
pub const SESSION_SECS: i64 = 12 * 3600;
/// A session unused this long ends.
pub const IDLE_SECS: i64 = 30 * 60;
/// Failed sign-ins counted per address within [`FAILURE_WINDOW_SECS`] before it is throttled.
pub const MAX_FAILURES: u64 = 5;
/// The throttle's window: after [`MAX_FAILURES`] failures, wait until the oldest leaves it.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The shortest password taken (NIST SP 800-63B asks for at least 8; passphrases are longer).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password taken (hashing is bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a user cannot be made or a sign-in is refused. Messages never repeat a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserError {
    /// Not a plausible address.
    #[error("email: not an e-mail address")]
    BadEmail,
    /// Too short or too long.
    #[error("password: {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    BadPassword,
    /// The console has no `integration` users.
    #[error("role: admin, marketer or dpo")]
    BadRole,
    /// Someone has that address.
    #[error("a user has this address already")]
    Taken,
    /// Wrong address or password (one answer for both).
    #[error("the address or the password is not right")]
    WrongCredentials,
    /// Too many failures for this address lately.
    #[error("too many failed sign-ins for this address; try again in {0} s")]
    Throttled(u64),
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user as shown: never a hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Address.
    pub email: String,
    /// `admin`, `marketer` or `dpo`.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, once disabled.
    pub disabled_at: Option<String>,
}

impl From<&StoredUser> for UserView {
    fn from(user: &StoredUser) -> Self {
        let at = crate::domain::contacts::export::rfc3339;
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            role: user.role.clone(),
            created_at: at(user.created_at),
            disabled_at: user.disabled_at.map(at),
        }
    }
}

/// A sign-in that worked: the cookie's token (shown once, to set the cookie) and the session's
/// CSRF token.
#[derive(Debug)]
pub struct SignedIn {
    /// The cookie's value.
    pub token: String,
    /// What unsafe requests carry in `X-CSRF-Token`.
    pub csrf: String,
    /// Who.
    pub user: StoredUser,
    /// When the session ends at the latest (Unix seconds).
    pub expires_at: i64,
}

/// A live session's caller.
#[derive(Debug, Clone)]
pub struct SessionCaller {
    /// The caller, as API keys' are.
    pub caller: Caller,
    /// The user.
    pub user: StoredUser,
    /// The session's CSRF token.
    pub csrf: String,
}

/// Users and sessions.
#[derive(Debug, Clone)]
pub struct Users {
    store: Arc<dyn Store>,
    access: Access,
}

impl Users {
    /// Over the store, auditing through `access`.
    pub fn new(store: Arc<dyn Store>, access: Access) -> Self {
        Self { store, access }
    }

    /// Makes a user; `actor` is audited as its maker.
    pub async fn create(
        &self,
        actor: &str,
        email: &str,
        role: Role,
        password: &str,
    ) -> Result<StoredUser, UserError> {
        let email = Email::parse(email).ok_or(UserError::BadEmail)?;
        if role == Role::Integration {
            return Err(UserError::BadRole);
        }
        let chars = password.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(UserError::BadPassword);
        }
        let password_hash = hash(password.to_owned()).await?;
        let user = StoredUser {
            id: uuid::Uuid::new_v4().to_string(),
            email: email.as_str().to_owned(),
            role: role.as_str().to_owned(),
            password_hash,
            created_at: now_unix(),
            disabled_at: None,
        };
        match self.store.insert_user(&user).await {
            Err(StoreError::IdentifierTaken(_)) => return Err(UserError::Taken),
            other => other?,
        }
        self.access
            .record(
                actor,
                "user.create",
                serde_json::json!({"user": user.id, "role": user.role}),
            )
            .await?;
        Ok(user)
    }

    /// Every user.
    pub async fn list(&self) -> Result<Vec<StoredUser>, UserError> {
        Ok(self.store.users().await?)
    }

    /// Disables a user and ends their sessions.
    pub async fn disable(&self, actor: &str, id: &str) -> Result<(), UserError> {
        if !self.store.disable_user(id, now_unix()).await? {
            return Err(UserError::NotFound);
        }
        self.access
            .record(actor, "user.disable", serde_json::json!({"user": id}))
            .await?;
        Ok(())
    }

    /// Ends every session of a user (they sign in again).
    pub async fn revoke_sessions(&self, actor: &str, id: &str) -> Result<u64, UserError> {
        if self.store.user(id).await?.is_none() {
            return Err(UserError::NotFound);
        }
        let ended = self.store.revoke_sessions_of(id, now_unix()).await?;
        self.access
            .record(
                actor,
                "session.revoke",
                serde_json::json!({"user": id, "sessions": ended}),
            )
            .await?;
        Ok(ended)
    }

    /// Checks an address and password; a new session when they match. The same answer, and
    /// about the same time, for an unknown address as for a wrong password.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SignedIn, UserError> {
        let typed = email.trim().to_lowercase();
        let email_hash = sha256_hex(&typed);
        let now = now_unix();
        let since = now - FAILURE_WINDOW_SECS;
        if self.store.sign_in_failures(&email_hash, since).await? >= MAX_FAILURES {
            return Err(UserError::Throttled(
                u64::try_from(FAILURE_WINDOW_SECS).unwrap_or(900),
            ));
        }
        let user = match Email::parse(&typed) {
            Some(address) => self.store.user_by_email(address.as_str()).await?,
            None => None,
        };
        let stored = user
            .as_ref()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| u.password_hash.clone());
        let matches = verify(password.to_owned(), stored).await?;
        let Some(user) = user.filter(|u| matches && u.disabled_at.is_none()) else {
            self.store
                .record_sign_in_failure(&email_hash, now, since, since)
                .await?;
            self.access
                .record(
                    "anonymous",
                    "session.refused",
                    serde_json::json!({"reason": "credentials"}),
                )
                .await?;
            return Err(UserError::WrongCredentials);
        };
        self.store.clear_sign_in_failures(&email_hash).await?;
        let token = URL_SAFE_NO_PAD.encode(random::<32>()?);
        let session = StoredSession {
            token_hash: sha256_hex(&token),
            user_id: user.id.clone(),
            created_at: now,
            expires_at: now + SESSION_SECS,
            last_seen: now,
            revoked_at: None,
        };
        self.store.insert_session(&session).await?;
        self.access
            .record(&actor_of(&user), "session.create", serde_json::json!({}))
            .await?;
        Ok(SignedIn {
            csrf: csrf_of(&token),
            token,
            expires_at: session.expires_at,
            user,
        })
    }

    /// The caller a session cookie's token stands for, if the session is live.
    pub async fn session(&self, token: &str) -> Result<Option<SessionCaller>, UserError> {
        let now = now_unix();
        let Some((_, user)) = self
            .store
            .live_session(&sha256_hex(token), now, now - IDLE_SECS)
            .await?
        else {
            return Ok(None);
        };
        let Some(role) = Role::parse(&user.role) else {
            return Ok(None);
        };
        Ok(Some(SessionCaller {
            caller: Caller::new(actor_of(&user), role),
            csrf: csrf_of(token),
            user,
        }))
    }

    /// Ends the session of this token (sign-out).
    pub async fn sign_out(&self, token: &str) -> Result<(), UserError> {
        if let Some(session) = self.session(token).await? {
            self.store
                .revoke_session(&sha256_hex(token), now_unix())
                .await?;
            self.access
                .record(
                    &session.caller.actor(),
                    "session.end",
                    serde_json::json!({}),
                )
                .await?;
        }
        Ok(())
    }
}

/// How the audit log names a user.
pub fn actor_of(user: &StoredUser) -> String {
    format!("user:{}", user.email)
}

/// A session's CSRF token, derived from its cookie token.
pub fn csrf_of(token: &str) -> String {
    sha256_hex(format!("samtycke/csrf/v1:{token}"))
}

/// Whether `sent` is the CSRF token of the session `token`, in constant time.
pub fn csrf_matches(token: &str, sent: &str) -> bool {
    csrf_of(token).as_bytes().ct_eq(sent.as_bytes()).into()
}

/// Argon2id with the crate's defaults (OWASP's m = 19 MiB, t = 2, p = 1), off the async
/// threads.
async fn hash(password: String) -> Result<String, UserError> {
    let salt = random::<16>()?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| UserError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| UserError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| UserError::Hash(e.to_string()))?
}

/// Whether `password` matches `stored`; without a stored hash (no such user), a dummy is
/// checked so that the answer takes as long.
async fn verify(password: String, stored: Option<String>) -> Result<bool, UserError> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let known = stored.is_some();
    let stored = match stored {
        Some(stored) => stored,
        None => match DUMMY.get() {
            Some(dummy) => dummy.clone(),
            None => {
                let dummy = hash("not a password of anyone's".to_owned()).await?;
                DUMMY.get_or_init(|| dummy).clone()
            }
        },
    };
    tokio::task::spawn_blocking(move || {
        let matches = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        matches && known
    })
    .await
    .map_err(|e| UserError::Hash(e.to_string()))
}

fn random<const N: usize>() -> Result<[u8; N], UserError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| UserError::Store(StoreError::Seal(format!("no randomness: {e}"))))?;
    Ok(bytes)
}
