-- A CRM's own API keys (role `integration`: it reports its unsubscribes and consent changes),
-- the events it reported (idempotency by its event id), and webhooks that tell it ours.

ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
    CHECK (role IN ('admin', 'marketer', 'dpo', 'integration'));

-- A site's webhook receivers. The signing secret is kept sealed under a data-encryption key
-- (it must be read to sign; a database dump alone cannot forge a delivery).
CREATE TABLE webhooks (
    id             TEXT     PRIMARY KEY,  -- random UUID
    site           TEXT     NOT NULL,
    url            TEXT     NOT NULL,
    key_id         TEXT     NOT NULL,     -- the data-encryption key that sealed the secret
    sealed_secret  BYTEA    NOT NULL,     -- nonce || XChaCha20-Poly1305(secret)
    created_at     BIGINT   NOT NULL,
    removed_at     BIGINT                 -- no more events once removed; its log stays
);
CREATE INDEX webhooks_by_site ON webhooks (site);

-- Events to deliver, one row per receiver and event, written in the transaction of the receipt
-- that makes the event. The payload names the contact by person id only; the receiver's copy
-- gets the address, opened from the contact's vault, when it is delivered.
CREATE TABLE webhook_deliveries (
    id             TEXT     PRIMARY KEY,  -- random UUID
    webhook_id     TEXT     NOT NULL REFERENCES webhooks (id),
    event_id       TEXT     NOT NULL,     -- the receipt id: the receiver's idempotency key
    person_id      TEXT     NOT NULL,
    payload        TEXT     NOT NULL,     -- JSON, without identifiers
    state          TEXT     NOT NULL CHECK (state IN ('queued', 'delivered', 'failed')),
    attempts       BIGINT   NOT NULL DEFAULT 0,
    created_at     BIGINT   NOT NULL,
    due_at         BIGINT   NOT NULL,
    claimed_until  BIGINT   NOT NULL DEFAULT 0,
    delivered_at   BIGINT,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, due_at);
CREATE INDEX webhook_deliveries_by_person ON webhook_deliveries (person_id);

-- The delivery log: every attempt, with the receiver's status code.
CREATE TABLE webhook_log (
    sequence     BIGSERIAL PRIMARY KEY,
    delivery_id  TEXT     NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at           BIGINT   NOT NULL,
    outcome      TEXT     NOT NULL CHECK (outcome IN ('delivered', 'deferred', 'failed')),
    status       BIGINT,              -- the HTTP status, when there was an answer
    detail       TEXT     NOT NULL
);
CREATE INDEX webhook_log_by_delivery ON webhook_log (delivery_id, sequence);

-- Events a CRM reported, by its own event id: the same event again replays its outcome.
CREATE TABLE crm_events (
    event_id    TEXT     PRIMARY KEY,   -- the reporting key, the site and the CRM's own id
    request_sha256 TEXT  NOT NULL,      -- of the event as reported: the same id with other content is a conflict
    outcome     TEXT     NOT NULL,      -- JSON: what was done
    at          BIGINT   NOT NULL
);
