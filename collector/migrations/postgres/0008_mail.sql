-- Mail: double opt-in confirmations, and the durable outbox every message Samtycke sends goes
-- through (DESIGN.md §5: background work runs from durable tables, so a crash loses nothing).
-- No address, name or message text is stored here: the sender opens the contact's vault and
-- renders the message when it sends, and a deleted contact's rows go with it.

-- A form opt-in for a purpose that asks for double opt-in, or a grant asked for in the
-- preference centre, waits here for the click in the person's own mailbox. The link names
-- the row by id inside a token sealed under a key derived from the data-encryption key
-- (`domain::mail::links`): nothing in this table makes a link.
CREATE TABLE optin_confirmations (
    id            TEXT     PRIMARY KEY,  -- random UUID
    person_id     TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    site          TEXT     NOT NULL,
    purpose       TEXT     NOT NULL,
    form_receipt  TEXT,                  -- the form opt-in it confirms; NULL: asked in the preference centre
    language      TEXT     NOT NULL,     -- of the form, for the mail and the pages
    state         TEXT     NOT NULL CHECK (state IN ('pending', 'confirmed', 'expired')),
    created_at    BIGINT    NOT NULL,     -- Unix seconds
    expires_at    BIGINT    NOT NULL,
    settled_at    BIGINT,               -- when confirmed or expired
    receipt_id    TEXT                   -- the double-opt-in receipt, once confirmed
);
CREATE INDEX optin_confirmations_by_contact
    ON optin_confirmations (person_id, site, purpose, created_at);
CREATE INDEX optin_confirmations_by_state ON optin_confirmations (state, expires_at);

-- Messages to send. A sender claims due rows for a lease (`claimed_until`), so that collectors
-- sharing one database never send a row at the same time, and a crashed sender's rows come due
-- again when its lease ends.
CREATE TABLE mail_outbox (
    id             TEXT     PRIMARY KEY,  -- random UUID; the Message-ID is made from it
    site           TEXT     NOT NULL,
    person_id      TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    kind           TEXT     NOT NULL CHECK (kind IN ('confirmation', 'data-copy', 'request-verification')),
    reference      TEXT     NOT NULL,     -- what it is about: a confirmation's or a request's id
    language       TEXT     NOT NULL,
    state          TEXT     NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
    attempts       BIGINT    NOT NULL DEFAULT 0,
    created_at     BIGINT    NOT NULL,
    due_at         BIGINT    NOT NULL,     -- the next attempt
    claimed_until  BIGINT    NOT NULL DEFAULT 0,
    sent_at        BIGINT 
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, due_at);
CREATE INDEX mail_outbox_by_person ON mail_outbox (person_id);

-- The send log: every attempt to hand a message to the mail server, with the server's answer
-- (an address in it is replaced before it is written).
CREATE TABLE mail_log (
    sequence  BIGSERIAL PRIMARY KEY,
    mail_id   TEXT     NOT NULL REFERENCES mail_outbox (id) ON DELETE CASCADE,
    at        BIGINT    NOT NULL,
    outcome   TEXT     NOT NULL CHECK (outcome IN ('sent', 'deferred', 'failed')),
    detail    TEXT     NOT NULL
);
CREATE INDEX mail_log_by_mail ON mail_log (mail_id, sequence);
