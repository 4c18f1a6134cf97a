-- Running counts of contacts per site, purpose, decision and day of expiry, so that the
-- marketer's count ("how many may I e-mail for P now?") and the counts per state read a few
-- hundred rows instead of walking every contact in the selection's index. Triggers on
-- contact_consent_state keep them, so that every write that changes a contact's state (appends,
-- imports, adoption, deletion, and whatever comes later) counts it in the same transaction.
-- Every such write holds the append lock, so no two transactions update a count at once.
--
-- A count at time T: the buckets whose day is after T's day, plus the rows of T's own day that
-- expire after T (read from contact_consent_state_expiry), less the contacts on hold
-- (`store/contacts_sql.rs`, `count_contacts`).
CREATE TABLE contact_state_counts (
    site        TEXT    NOT NULL,
    purpose     TEXT    NOT NULL,
    decision    TEXT    NOT NULL,
    expiry_day  BIGINT  NOT NULL,  -- expires_at / 86400 (UTC days since 1970); -1: never expires
    contacts    BIGINT  NOT NULL,
    PRIMARY KEY (site, purpose, decision, expiry_day)
);
COMMENT ON TABLE contact_state_counts IS
    'Contacts per site, purpose, decision and day of expiry, kept by triggers on contact_consent_state';

INSERT INTO contact_state_counts (site, purpose, decision, expiry_day, contacts)
SELECT site, purpose, decision, COALESCE(expires_at / 86400, -1), COUNT(*)
FROM contact_consent_state GROUP BY site, purpose, decision, COALESCE(expires_at / 86400, -1);

-- The rows of one day of expiry, for the day a count falls on.
CREATE INDEX contact_consent_state_expiry
    ON contact_consent_state (site, purpose, decision, expires_at);

-- Statement-level triggers with transition tables: one grouped upsert per statement. (A row
-- trigger would update one count row once per changed contact, and PostgreSQL cannot prune
-- the versions a still-open transaction leaves: a statement changing a million states would
-- walk an ever longer chain.)
CREATE FUNCTION contact_state_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE contact_state_counts c SET contacts = c.contacts - o.n
        FROM (SELECT site, purpose, decision, COALESCE(expires_at / 86400, -1) AS expiry_day,
                     COUNT(*) AS n
              FROM old_states GROUP BY 1, 2, 3, 4) o
        WHERE c.site = o.site AND c.purpose = o.purpose AND c.decision = o.decision
          AND c.expiry_day = o.expiry_day;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO contact_state_counts (site, purpose, decision, expiry_day, contacts)
        SELECT site, purpose, decision, COALESCE(expires_at / 86400, -1), COUNT(*)
        FROM new_states GROUP BY 1, 2, 3, 4
        ON CONFLICT (site, purpose, decision, expiry_day)
        DO UPDATE SET contacts = contact_state_counts.contacts + excluded.contacts;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contact_state_counted_on_insert AFTER INSERT ON contact_consent_state
    REFERENCING NEW TABLE AS new_states
    FOR EACH STATEMENT EXECUTE FUNCTION contact_state_count_rows();
CREATE TRIGGER contact_state_counted_on_update AFTER UPDATE ON contact_consent_state
    REFERENCING OLD TABLE AS old_states NEW TABLE AS new_states
    FOR EACH STATEMENT EXECUTE FUNCTION contact_state_count_rows();
CREATE TRIGGER contact_state_counted_on_delete AFTER DELETE ON contact_consent_state
    REFERENCING OLD TABLE AS old_states
    FOR EACH STATEMENT EXECUTE FUNCTION contact_state_count_rows();
