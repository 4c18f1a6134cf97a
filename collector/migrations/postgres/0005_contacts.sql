-- Contacts: the people behind the pseudonymous subjects, for the marketer and the DPO.
-- No identifier or profile value is stored in clear: identifiers are found through the blind
-- index and sealed under the contact's own vault key; the key is stored only wrapped by a
-- data-encryption key from the key directory. Deleting a contact deletes its key, identifiers,
-- profile, links and state; the receipts stay and verify but name no one (DESIGN.md §3).

-- Each decision's expiry, from the cited policy's validity (grants: consentValidityDays,
-- refusals: refusalValidityDays; a withdrawal does not expire). Rows written before this
-- migration get the default validity (365 and 183 days).
ALTER TABLE consent_state ADD COLUMN expires_at BIGINT;
UPDATE consent_state SET expires_at = CASE decision
    WHEN 'granted' THEN decided_at + 365 * 86400
    WHEN 'denied' THEN decided_at + 183 * 86400
END;

-- The append path brings contacts up to date from their subjects' current state: by subject.
CREATE INDEX consent_state_by_subject ON consent_state (subject);

-- A contact and its compliance card (GDPR Art 6 basis, and where the data came from).
CREATE TABLE contacts (
    person_id        TEXT    PRIMARY KEY,  -- a random UUID: stable, and names no one by itself
    created_at       BIGINT NOT NULL,     -- Unix seconds
    updated_at       BIGINT NOT NULL,
    basis            TEXT    CHECK (basis IN ('consent', 'legitimate_interest', 'contract',
                         'legal_obligation', 'vital_interests', 'public_task', 'other')),
    basis_other      TEXT,                 -- required when basis = 'other', refused otherwise
    consent_date     TEXT,                 -- YYYY-MM-DD; required when basis = 'consent' only
    consent_purpose  TEXT,                 -- the purpose of processing; with consent_date
    source           TEXT    CHECK (source IN ('widget', 'form', 'crm_sync', 'import', 'manual',
                         'browser_extension', 'api', 'other')),
    source_other     TEXT,
    key_id           TEXT    NOT NULL,     -- the data-encryption key that wrapped wrapped_key
    wrapped_key      BYTEA   NOT NULL,     -- nonce || XChaCha20-Poly1305(contact vault key)
    profile          BYTEA                  -- nonce || XChaCha20-Poly1305(profile JSON) under it
);

-- A contact's identifiers, each sealed under the contact's key (an address a form opt-in gave is
-- sealed in the subject's vault as well: each vault dies with its own key).
CREATE TABLE contact_identifiers (
    lookup     TEXT    PRIMARY KEY,  -- blind index (as subject_identifiers.lookup): one contact each
    person_id  TEXT    NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('email', 'phone', 'salesforce')),
    sealed     BYTEA   NOT NULL   -- nonce || XChaCha20-Poly1305(value) under the contact's key
);
CREATE INDEX contact_identifiers_by_person ON contact_identifiers (person_id, kind);

-- Which device-key subjects (and collector-issued subjects) belong to which contact.
CREATE TABLE contact_subjects (
    person_id  TEXT  NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    subject    TEXT  NOT NULL,
    PRIMARY KEY (person_id, subject)
);
CREATE INDEX contact_subjects_by_subject ON contact_subjects (subject);

-- The latest decision per contact, site and purpose among all its subjects' decisions, kept in
-- the append transaction so that the marketer's query never scans receipts.
CREATE TABLE contact_consent_state (
    person_id         TEXT    NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    site              TEXT    NOT NULL,
    purpose           TEXT    NOT NULL,
    decision          TEXT    NOT NULL CHECK (decision IN ('granted', 'denied', 'withdrawn')),
    decided_at        BIGINT NOT NULL,
    expires_at        BIGINT,
    receipt_sequence  BIGINT NOT NULL REFERENCES receipts (sequence),
    PRIMARY KEY (person_id, site, purpose)
);
CREATE INDEX contact_consent_state_selection
    ON contact_consent_state (site, purpose, decision, person_id, expires_at);

-- What keeps a contact out of processing besides its decisions: restriction (Art 18), an
-- objection (Art 21), a confirmation still pending. Later features add rows; the marketer's one
-- query already leaves out every contact with a row here for the site and purpose (NULL: all).
CREATE TABLE contact_holds (
    person_id  TEXT     NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    site       TEXT,
    purpose    TEXT,
    reason     TEXT     NOT NULL CHECK (reason IN ('restricted', 'objected', 'pending')),
    since      BIGINT  NOT NULL
);
CREATE INDEX contact_holds_by_person ON contact_holds (person_id);

-- The compliance card's history: who changed what, when. Card values only, never a profile
-- value or identifier.
CREATE TABLE contact_history (
    sequence   BIGSERIAL PRIMARY KEY,
    person_id  TEXT    NOT NULL REFERENCES contacts (person_id) ON DELETE CASCADE,
    at         BIGINT NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,  -- e.g. "created", "card.update", "profile.update"
    detail     TEXT    NOT NULL   -- JSON
);
CREATE INDEX contact_history_by_person ON contact_history (person_id, sequence);

-- Decisions per day, site and purpose, for charts: counted as receipts are appended. Days before
-- this migration count each subject's latest decision only (the log's older ones are inside the
-- signed receipts).
CREATE TABLE consent_daily (
    site       TEXT     NOT NULL,
    purpose    TEXT     NOT NULL,
    day        TEXT     NOT NULL,  -- YYYY-MM-DD, UTC
    granted    BIGINT  NOT NULL DEFAULT 0,
    denied     BIGINT  NOT NULL DEFAULT 0,
    withdrawn  BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (site, purpose, day)
);
INSERT INTO consent_daily (site, purpose, day, granted, denied, withdrawn)
SELECT site, purpose, to_char(to_timestamp(decided_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
       COUNT(*) FILTER (WHERE decision = 'granted'), COUNT(*) FILTER (WHERE decision = 'denied'),
       COUNT(*) FILTER (WHERE decision = 'withdrawn')
FROM consent_state GROUP BY site, purpose, day;

-- E-mail addresses opted in before this migration become contacts when the collector starts
-- (`ContactService::adopt_identifiers`): their values must be opened and sealed anew, in Rust.
