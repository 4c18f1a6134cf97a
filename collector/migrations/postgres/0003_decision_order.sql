-- The current state follows the order in which decisions took effect: when the device says it
-- decided, but never later than the collector received it (`domain/consent/timing.rs`). Ordering
-- by the device's timestamp alone let a grant stamped ahead of the clock outrank the
-- withdrawal the same device made after it.
ALTER TABLE consent_state ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0;

UPDATE consent_state
SET decided_at = LEAST(
    consent_timestamp,
    (SELECT issued_at FROM receipts WHERE receipts.sequence = consent_state.receipt_sequence)
);
