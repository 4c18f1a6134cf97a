-- A copy of a person's data (access, portability) is not mailed: the mail carries a link to it,
-- which works once and expires (a mailbox is read on many devices and kept for years). The row
-- is made when the mail is written, with the outbox row's id; it goes with its contact.
CREATE TABLE data_downloads (
    id          TEXT     PRIMARY KEY,   -- the data-copy mail's outbox id
    person_id   TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    site        TEXT     NOT NULL,
    language    TEXT     NOT NULL,
    created_at  INTEGER  NOT NULL,      -- Unix seconds
    expires_at  INTEGER  NOT NULL,
    used_at     INTEGER                 -- set once, by the download
);
CREATE INDEX data_downloads_by_person ON data_downloads (person_id);

-- Completing or refusing a request tells the person by mail (`request-done`). SQLite cannot
-- change a CHECK constraint in place: the outbox is rebuilt, its send log with it (the log
-- first out and last in, so that no cascade touches it).
CREATE TABLE mail_outbox_new (
    id             TEXT     PRIMARY KEY,
    site           TEXT     NOT NULL,
    person_id      TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    kind           TEXT     NOT NULL CHECK (kind IN ('confirmation', 'data-copy',
                       'request-verification', 'request-done')),
    reference      TEXT     NOT NULL,
    language       TEXT     NOT NULL,
    state          TEXT     NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts       INTEGER  NOT NULL DEFAULT 0,
    created_at     INTEGER  NOT NULL,
    due_at         INTEGER  NOT NULL,
    claimed_until  INTEGER  NOT NULL DEFAULT 0,
    sent_at        INTEGER
);
INSERT INTO mail_outbox_new SELECT id, site, person_id, kind, reference, language, state,
    attempts, created_at, due_at, claimed_until, sent_at FROM mail_outbox;
CREATE TABLE mail_log_new (
    sequence  INTEGER  PRIMARY KEY AUTOINCREMENT,
    mail_id   TEXT     NOT NULL REFERENCES mail_outbox_new (id) ON DELETE CASCADE,
    at        INTEGER  NOT NULL,
    outcome   TEXT     NOT NULL CHECK (outcome IN ('sent', 'deferred', 'failed')),
    detail    TEXT     NOT NULL
);
INSERT INTO mail_log_new SELECT sequence, mail_id, at, outcome, detail FROM mail_log;
DROP TABLE mail_log;
DROP TABLE mail_outbox;
ALTER TABLE mail_outbox_new RENAME TO mail_outbox;
ALTER TABLE mail_log_new RENAME TO mail_log;
CREATE INDEX mail_outbox_due ON mail_outbox (state, due_at);
CREATE INDEX mail_outbox_by_person ON mail_outbox (person_id);
CREATE INDEX mail_log_by_mail ON mail_log (mail_id, sequence);

-- The language the person asked in (their page's), for the answer; the site's default when
-- the DPO entered the request.
ALTER TABLE requests ADD COLUMN language TEXT;

-- Children (Art 8): below the site's age of digital consent, a form opt-in waits for a parent's
-- or guardian's confirmation, mailed to the address the form gave. That address is no one's
-- identifier: it is kept sealed on the confirmation only, and cleared when it settles.
ALTER TABLE optin_confirmations ADD COLUMN guardian_key_id TEXT;
ALTER TABLE optin_confirmations ADD COLUMN guardian_sealed BLOB;
