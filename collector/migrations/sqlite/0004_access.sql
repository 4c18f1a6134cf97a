-- Who may use the privileged API, and what they did. Neither table holds an identifier of a
-- data subject in clear.

-- API keys: the token is "samtycke_<id>_<secret>"; only the SHA-256 of the secret is kept (the
-- secret is 32 random bytes, so a fast hash is enough: nothing to brute-force).
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY,  -- the token's public part
    name         TEXT    NOT NULL,     -- who it is for, as the admin named it
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'marketer', 'dpo')),
    secret_hash  TEXT    NOT NULL,     -- hex SHA-256 of the secret
    created_at   INTEGER  NOT NULL,     -- Unix seconds
    revoked_at   INTEGER                -- Unix seconds, once revoked
);

-- The audit log of privileged reads and writes, hash-chained: each entry's hash covers the one
-- before it, so `samtycke audit verify` finds a changed, removed or reordered entry.
CREATE TABLE audit_log (
    sequence    INTEGER  PRIMARY KEY,
    at          INTEGER  NOT NULL,      -- Unix seconds
    actor       TEXT    NOT NULL,      -- "key:<id>", "cli" or "anonymous"
    action      TEXT    NOT NULL,      -- e.g. "apikey.create", "auth.refused"
    detail      TEXT    NOT NULL,      -- JSON; ids and counts only
    prev_hash   TEXT,                  -- entry_hash of the entry before
    entry_hash  TEXT    NOT NULL       -- hex SHA-256 over prev_hash and this entry
);
