//! People who sign in to the console, and their sessions, in the store. The SQL is the same on
//! both backends (`users_sql.rs`).

use async_trait::async_trait;

use super::StoreError;

/// A user as stored: never a password, only its Argon2id PHC string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    /// Random UUID.
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    /// `admin`, `marketer` or `dpo`.
    pub role: String,
    /// `$argon2id$…`.
    pub password_hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Once disabled: no sign-in, no session.
    pub disabled_at: Option<i64>,
}

/// A session as stored: its token only as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// Hex SHA-256 of the cookie's token.
    pub token_hash: String,
    /// Whose.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The absolute end.
    pub expires_at: i64,
    /// The last request it made.
    pub last_seen: i64,
    /// Once signed out or revoked.
    pub revoked_at: Option<i64>,
}

/// Users and sessions.
#[async_trait]
pub trait UserStore {
    /// Stores a new user; `StoreError::IdentifierTaken("email")` when the address has one.
    async fn insert_user(&self, user: &StoredUser) -> Result<(), StoreError>;

    /// A user by id.
    async fn user(&self, id: &str) -> Result<Option<StoredUser>, StoreError>;

    /// A user by (lower-cased) address.
    async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError>;

    /// Every user, by address.
    async fn users(&self) -> Result<Vec<StoredUser>, StoreError>;

    /// Disables a user and ends every session of theirs; whether one was enabled.
    async fn disable_user(&self, id: &str, at: i64) -> Result<bool, StoreError>;

    /// Stores a new session.
    async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError>;

    /// A live session by token hash, with its user, touching `last_seen`: one not revoked,
    /// before its absolute end, seen since `idle_since`, of an enabled user.
    async fn live_session(
        &self,
        token_hash: &str,
        now: i64,
        idle_since: i64,
    ) -> Result<Option<(StoredSession, StoredUser)>, StoreError>;

    /// Ends a session (sign-out); whether it was live.
    async fn revoke_session(&self, token_hash: &str, at: i64) -> Result<bool, StoreError>;

    /// Ends every live session of a user; how many.
    async fn revoke_sessions_of(&self, user_id: &str, at: i64) -> Result<u64, StoreError>;

    /// Records a failed sign-in for an address (its hash), dropping rows older than
    /// `forget_before`; returns how many failures it has since `since`.
    async fn record_sign_in_failure(
        &self,
        email_hash: &str,
        at: i64,
        since: i64,
        forget_before: i64,
    ) -> Result<u64, StoreError>;

    /// Failures for an address since `since`.
    async fn sign_in_failures(&self, email_hash: &str, since: i64) -> Result<u64, StoreError>;

    /// Forgets an address's failures (a successful sign-in).
    async fn clear_sign_in_failures(&self, email_hash: &str) -> Result<(), StoreError>;
}
