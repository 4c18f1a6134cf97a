-- People who sign in to the console (`/console`): the same roles as API keys, a password hashed
-- with Argon2id (a PHC string, never the password), and their sessions. A session's token is
-- kept as its SHA-256 only, as an API key's secret is; its CSRF token is derived from it.
CREATE TABLE users (
    id             TEXT     PRIMARY KEY,   -- random UUID
    email          TEXT     NOT NULL UNIQUE,  -- lower-cased; the name the audit log gives them
    role           TEXT     NOT NULL CHECK (role IN ('admin', 'marketer', 'dpo')),
    password_hash  TEXT     NOT NULL,      -- $argon2id$…
    created_at     BIGINT  NOT NULL,
    disabled_at    BIGINT                 -- no sign-in, every session ended
);

CREATE TABLE sessions (
    token_hash  TEXT     PRIMARY KEY,      -- hex SHA-256 of the cookie's token
    user_id     TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,         -- absolute: a session ends this long after sign-in
    last_seen   BIGINT  NOT NULL,         -- idle sessions end sooner
    revoked_at  BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-ins, per address, to throttle guessing; rows older than the window are removed.
-- The address typed (anyone's, user or not) is kept only as its SHA-256; never the password.
CREATE TABLE sign_in_failures (
    email_hash  TEXT     NOT NULL,
    at     BIGINT  NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email_hash, at);
