-- Data-subject requests (GDPR Art 12–22): what was asked, by whom (the contact), how it arrived,
-- when it is due (one month, extendable once by up to two, Art 12(3)), where it stands, and
-- its history. A request outlives an erasure it carries out: its contact becomes NULL.
CREATE TABLE requests (
    id                TEXT     PRIMARY KEY,  -- random UUID
    kind              TEXT     NOT NULL CHECK (kind IN ('access', 'portability', 'rectification',
                          'erasure', 'restriction', 'objection', 'objection-automated')),
    person_id         TEXT     REFERENCES contacts (person_id) ON DELETE SET NULL,
    site              TEXT,                  -- for an objection to one purpose
    purpose           TEXT,
    channel           TEXT     NOT NULL CHECK (channel IN ('preference-centre', 'public-form',
                          'dpo', 'api')),
    state             TEXT     NOT NULL CHECK (state IN ('received', 'verified', 'in-progress',
                          'done', 'refused')),
    received_at       BIGINT   NOT NULL,     -- Unix seconds
    due_at            BIGINT   NOT NULL,
    extension_reason  TEXT,                  -- set once: the due date was extended
    outcome           TEXT,                  -- JSON: what was done, or why it was refused
    settled_at        BIGINT
);
CREATE INDEX requests_by_state ON requests (state, due_at);
CREATE INDEX requests_by_person ON requests (person_id);

-- Who did what to a request, when. Ids and reasons, never a value of the contact's.
CREATE TABLE request_history (
    sequence    BIGSERIAL PRIMARY KEY,
    request_id  TEXT     NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    at          BIGINT   NOT NULL,
    actor       TEXT     NOT NULL,
    action      TEXT     NOT NULL,
    detail      TEXT     NOT NULL   -- JSON
);
CREATE INDEX request_history_by_request ON request_history (request_id, sequence);

-- Erased people's addresses, as keyed hashes (the blind index: HMAC-SHA256 under the lookup
-- key, never the address), so that an import, a CRM or a hand-made contact does not bring the
-- person back. Only the person's own opt-in does, and it lifts the entry.
CREATE TABLE suppressions (
    lookup      TEXT     PRIMARY KEY,
    since       BIGINT  NOT NULL,
    request_id  TEXT                  -- the erasure request, when one led to it
);

-- Retention: a contact that has not engaged for the site's time (no receipt) is held
-- `inactive` until it engages again, and erased after a further grace period.
ALTER TABLE contact_holds DROP CONSTRAINT contact_holds_reason_check;
ALTER TABLE contact_holds ADD CONSTRAINT contact_holds_reason_check
    CHECK (reason IN ('restricted', 'objected', 'pending', 'inactive'));
