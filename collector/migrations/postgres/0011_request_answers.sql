-- A copy of a person's data (access, portability) is not mailed: the mail carries a link to it,
-- which works once and expires (a mailbox is read on many devices and kept for years). The row
-- is made when the mail is written, with the outbox row's id; it goes with its contact.
CREATE TABLE data_downloads (
    id          TEXT     PRIMARY KEY,   -- the data-copy mail's outbox id
    person_id   TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    site        TEXT     NOT NULL,
    language    TEXT     NOT NULL,
    created_at  BIGINT   NOT NULL,      -- Unix seconds
    expires_at  BIGINT   NOT NULL,
    used_at     BIGINT                  -- set once, by the download
);
CREATE INDEX data_downloads_by_person ON data_downloads (person_id);

-- Completing or refusing a request tells the person by mail (`request-done`).
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check CHECK (kind IN ('confirmation',
    'data-copy', 'request-verification', 'request-done'));

-- The language the person asked in (their page's), for the answer; the site's default when
-- the DPO entered the request.
ALTER TABLE requests ADD COLUMN language TEXT;

-- Children (Art 8): below the site's age of digital consent, a form opt-in waits for a parent's
-- or guardian's confirmation, mailed to the address the form gave. That address is no one's
-- identifier: it is kept sealed on the confirmation only, and cleared when it settles.
ALTER TABLE optin_confirmations ADD COLUMN guardian_key_id TEXT;
ALTER TABLE optin_confirmations ADD COLUMN guardian_sealed BYTEA;
