-- Running counts of contacts per site, purpose, decision and day of expiry, so that the
-- marketer's count ("how many may I e-mail for P now?") and the counts per state read a few
-- hundred rows instead of walking every contact in the selection's index. Triggers on
-- contact_consent_state keep them, so that every write that changes a contact's state (appends,
-- imports, adoption, deletion, and whatever comes later) counts it in the same transaction.
--
-- A count at time T: the buckets whose day is after T's day, plus the rows of T's own day that
-- expire after T (read from contact_consent_state_expiry), less the contacts on hold
-- (`store/contacts_sql.rs`, `count_contacts`).
CREATE TABLE contact_state_counts (
    site        TEXT     NOT NULL,
    purpose     TEXT     NOT NULL,
    decision    TEXT     NOT NULL,
    expiry_day  INTEGER  NOT NULL,  -- expires_at / 86400 (UTC days since 1970); -1: never expires
    contacts    INTEGER  NOT NULL,
    PRIMARY KEY (site, purpose, decision, expiry_day)
);

INSERT INTO contact_state_counts (site, purpose, decision, expiry_day, contacts)
SELECT site, purpose, decision, COALESCE(expires_at / 86400, -1), COUNT(*)
FROM contact_consent_state GROUP BY site, purpose, decision, COALESCE(expires_at / 86400, -1);

-- The rows of one day of expiry, for the day a count falls on.
CREATE INDEX contact_consent_state_expiry
    ON contact_consent_state (site, purpose, decision, expires_at);

CREATE TRIGGER contact_state_counted_on_insert AFTER INSERT ON contact_consent_state
BEGIN
    INSERT INTO contact_state_counts (site, purpose, decision, expiry_day, contacts)
    VALUES (NEW.site, NEW.purpose, NEW.decision, COALESCE(NEW.expires_at / 86400, -1), 1)
    ON CONFLICT (site, purpose, decision, expiry_day) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_state_counted_on_update AFTER UPDATE ON contact_consent_state
WHEN OLD.site IS NOT NEW.site OR OLD.purpose IS NOT NEW.purpose
    OR OLD.decision IS NOT NEW.decision
    OR COALESCE(OLD.expires_at / 86400, -1) IS NOT COALESCE(NEW.expires_at / 86400, -1)
BEGIN
    UPDATE contact_state_counts SET contacts = contacts - 1
    WHERE site = OLD.site AND purpose = OLD.purpose AND decision = OLD.decision
      AND expiry_day = COALESCE(OLD.expires_at / 86400, -1);
    INSERT INTO contact_state_counts (site, purpose, decision, expiry_day, contacts)
    VALUES (NEW.site, NEW.purpose, NEW.decision, COALESCE(NEW.expires_at / 86400, -1), 1)
    ON CONFLICT (site, purpose, decision, expiry_day) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER contact_state_counted_on_delete AFTER DELETE ON contact_consent_state
BEGIN
    UPDATE contact_state_counts SET contacts = contacts - 1
    WHERE site = OLD.site AND purpose = OLD.purpose AND decision = OLD.decision
      AND expiry_day = COALESCE(OLD.expires_at / 86400, -1);
END;
