//! When a decision counts: how far a device's clock may be from the collector's, how old a
//! decision may arrive (an offline queue delivers late), which policy versions a late decision
//! may cite, and the order in which decisions take effect.

use samtycke_shared::Policy;

use super::IngestError;

/// How far ahead of the collector's clock a device's may run. Beyond it a timestamp is no
/// clock error but a wrong or made-up one. Within it no harm is done: a decision takes effect
/// at [`decided_at`], which never lies in the future.
pub const MAX_CLOCK_AHEAD_SECS: i64 = 60 * 60;

/// How long after a version stopped being current a decision citing it is still taken, for
/// the loader and policy a browser may still have cached (5 minutes and 1 minute) and for
/// device clocks that run behind.
pub const SUPERSEDED_GRACE_SECS: i64 = 60 * 60;

const DAY_SECS: i64 = 24 * 60 * 60;

/// Refuses a consent timestamp that is more than [`MAX_CLOCK_AHEAD_SECS`] ahead of `now`, or
/// older than the policy keeps any decision valid (`consentValidityDays` or
/// `refusalValidityDays`, the longer): such a decision would have expired before it arrived, and
/// the visitor has been asked again since. A device's queue that held it that long, or a clock
/// at 0, gets a 422 rather than a receipt with a date no one can trust.
pub fn check_timestamp(
    consent_timestamp: i64,
    now: i64,
    policy: &Policy,
) -> Result<(), IngestError> {
    if consent_timestamp > now.saturating_add(MAX_CLOCK_AHEAD_SECS) {
        return Err(IngestError::TimestampInFuture {
            allowed_secs: MAX_CLOCK_AHEAD_SECS,
        });
    }
    let days = policy
        .consent_validity_days
        .max(policy.refusal_validity_days);
    if consent_timestamp < now.saturating_sub(i64::from(days) * DAY_SECS) {
        return Err(IngestError::TimestampTooOld { days });
    }
    Ok(())
}

/// Whether a decision made at `consent_timestamp` may cite a version that stopped being
/// current at `superseded_at` (when the next version was first served): only if the visitor
/// could have been shown it, i.e. they decided before it was replaced (with
/// [`SUPERSEDED_GRACE_SECS`] for caches and clocks). A decision made offline under the old
/// version still arrives; a page that keeps an old version around for months does not mint
/// receipts under it.
pub fn version_was_current(consent_timestamp: i64, superseded_at: Option<i64>) -> bool {
    superseded_at.is_none_or(|at| consent_timestamp < at.saturating_add(SUPERSEDED_GRACE_SECS))
}

/// When a decision takes effect in the current state: when the device says it decided, but
/// never later than the collector received it. Among one subject's decisions on a purpose the
/// one with the latest such time stands (ties: the later receipt). So a queue delivered out of
/// order still ends in the visitor's last decision, and a timestamp ahead of the collector's
/// clock cannot outrank a decision the device makes after it.
pub fn decided_at(consent_timestamp: i64, received_at: i64) -> i64 {
    consent_timestamp.min(received_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/policies/demo.json");
        Policy::parse(&std::fs::read(path).expect("demo policy")).expect("valid")
    }

    #[test]
    fn timestamps_are_bounded_both_ways() {
        let now = 1_800_000_000;
        let policy = policy();
        let window = i64::from(
            policy
                .consent_validity_days
                .max(policy.refusal_validity_days),
        );
        assert!(check_timestamp(now, now, &policy).is_ok());
        assert!(check_timestamp(now + MAX_CLOCK_AHEAD_SECS, now, &policy).is_ok());
        assert!(check_timestamp(now - window * DAY_SECS + 1, now, &policy).is_ok());
        for refused in [
            now + MAX_CLOCK_AHEAD_SECS + 1,
            now - window * DAY_SECS - 1,
            0,
            -1,
            i64::MIN,
            i64::MAX,
        ] {
            assert!(check_timestamp(refused, now, &policy).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_version_is_cited_only_by_decisions_made_while_it_was_current() {
        assert!(version_was_current(100, None));
        assert!(version_was_current(100, Some(200)));
        assert!(version_was_current(
            200 + SUPERSEDED_GRACE_SECS - 1,
            Some(200)
        ));
        assert!(!version_was_current(200 + SUPERSEDED_GRACE_SECS, Some(200)));
    }

    #[test]
    fn a_decision_takes_effect_no_later_than_it_arrived() {
        assert_eq!(decided_at(100, 200), 100);
        assert_eq!(decided_at(300, 200), 200);
    }
}
