-- Contact imports, so that any collector can answer how far one has come (none is kept in a
-- process) and the DPO can see what each import did. No personal data: counts, the file's
-- SHA-256 and row errors, which name lines and fields, never values.
CREATE TABLE imports (
    id           TEXT    PRIMARY KEY,  -- random UUID
    site         TEXT    NOT NULL,
    operator     TEXT    NOT NULL,     -- "key:<id>" or "cli"
    file_sha256  TEXT    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    rows_total   INTEGER  NOT NULL,
    rows_done    INTEGER  NOT NULL DEFAULT 0,
    created      INTEGER  NOT NULL DEFAULT 0,     -- contacts made
    updated      INTEGER  NOT NULL DEFAULT 0,     -- contacts changed
    receipts     INTEGER  NOT NULL DEFAULT 0,     -- consent receipts issued
    skipped      INTEGER  NOT NULL DEFAULT 0,     -- invalid rows left out (--skip-invalid)
    errors       TEXT    NOT NULL DEFAULT '[]',  -- JSON: [{line, field, reason}], the first 1000
    failure      TEXT,                       -- why a failed import stopped
    started_at   INTEGER  NOT NULL,
    finished_at  INTEGER
);
