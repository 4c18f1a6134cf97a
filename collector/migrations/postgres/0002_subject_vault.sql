-- The subject vault: the identifiers a form opt-in sends (e-mail addresses), encrypted at rest.
-- No identifier is stored in clear: a subject's identifiers are sealed with its own random vault
-- key, and that key is stored only wrapped by a data-encryption key from the key directory (never
-- in the database). Deleting a subject's vault key leaves its identifiers unreadable while its
-- receipts stay verifiable (crypto-shredding, DESIGN.md §3).

-- (The same tables, constraints and comments as migrations/sqlite/0002_subject_vault.sql.)
-- One vault key per subject (the receipts' device-key pseudonym).
CREATE TABLE subject_vaults (
    subject      TEXT    PRIMARY KEY,
    key_id       TEXT    NOT NULL,  -- the data-encryption key that wrapped it (its file name)
    wrapped_key  BYTEA   NOT NULL,  -- nonce (24) || XChaCha20-Poly1305(vault key); AAD: subject, key_id
    created_at   BIGINT  NOT NULL   -- Unix seconds
);

-- Each identifier a receipt commits to, with the salt that opens the commitment: the salt lives
-- only here, sealed, so it dies with the vault key. Rows go with their vault on erasure.
CREATE TABLE subject_identifiers (
    subject           TEXT    NOT NULL REFERENCES subject_vaults (subject) ON DELETE CASCADE,
    commitment        TEXT    NOT NULL,  -- as in the receipt's request
    kind              TEXT    NOT NULL CHECK (kind IN ('email')),
    lookup            TEXT    NOT NULL,  -- blind index: hex HMAC-SHA256(lookup key, kind ':' value)
    sealed            BYTEA   NOT NULL,  -- nonce (24) || XChaCha20-Poly1305({value, salt}) under the
                                         -- vault key; AAD: subject, kind
    receipt_sequence  BIGINT  NOT NULL REFERENCES receipts (sequence),  -- first receipt to cite it
    PRIMARY KEY (subject, commitment)
);
-- Later features find a contact by e-mail through the blind index, without opening every vault.
CREATE INDEX subject_identifiers_by_lookup ON subject_identifiers (lookup);
