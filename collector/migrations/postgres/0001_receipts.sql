-- Receipts, the policy versions they cite, and the current-state table marketers read.
-- No IP address, user agent or identifier in clear is stored anywhere.
-- (The same tables, constraints and comments as migrations/sqlite/0001_receipts.sql.)

-- Every policy version ever served, byte for byte, so that a receipt's `policySha256` can be
-- proved against the document the visitor saw long after the site owner changed the file.
CREATE TABLE policies (
    site        TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    sha256      TEXT    NOT NULL,
    document    BYTEA   NOT NULL,
    first_seen  BIGINT  NOT NULL,  -- Unix seconds
    PRIMARY KEY (site, version)
);

-- The receipt log. `sequence` is the log sequence number cited in each receipt.
CREATE TABLE receipts (
    sequence             BIGINT  PRIMARY KEY,
    receipt_id           TEXT    NOT NULL,
    site                 TEXT    NOT NULL,
    subject              TEXT    NOT NULL,  -- device-key thumbprint (pseudonym)
    request_sha256       TEXT    NOT NULL,  -- same id + other request = 409
    receipt              TEXT    NOT NULL,  -- the countersigned JWT, verbatim
    receipt_sha256       TEXT    NOT NULL,  -- what the subject's next receipt chains to
    prev_receipt_sha256  TEXT,
    policy_version       BIGINT  NOT NULL,
    collection_method    TEXT    NOT NULL,
    consent_timestamp    BIGINT  NOT NULL,  -- when the visitor decided
    issued_at            BIGINT  NOT NULL,  -- when the collector countersigned
    CONSTRAINT receipts_receipt_id_key UNIQUE (receipt_id)
);
CREATE INDEX receipts_by_subject ON receipts (subject, sequence);

-- Latest decision per subject and purpose, written in the same transaction as the receipt so
-- that "whom may I process for P now?" never scans receipts.
CREATE TABLE consent_state (
    site               TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    purpose            TEXT    NOT NULL,
    decision           TEXT    NOT NULL CHECK (decision IN ('granted', 'denied', 'withdrawn')),
    consent_timestamp  BIGINT  NOT NULL,
    receipt_sequence   BIGINT  NOT NULL REFERENCES receipts (sequence),
    PRIMARY KEY (site, subject, purpose)
);
CREATE INDEX consent_state_by_purpose ON consent_state (site, purpose, decision);
