//! Counting a selection from the running tallies (`contact_state_counts`, kept by triggers on
//! `contact_consent_state`, migration 0007) instead of walking every contact in its index: the
//! marketer's count and the counts per state read a few hundred tally rows, whatever the number
//! of contacts. The answer is the selection's own (`push_selection` in `contacts_sql.rs`):
//!
//! - live (granted, not expired) at `now` = the tallies of days after today's, plus the rows of
//!   today's day that expire after `now` (an index range of one day);
//! - held = the live contacts with a hold, counted from the holds (few) outwards;
//! - granted (may be processed) = live − held; expired = the tallies of earlier days plus the
//!   rows of today that expired by `now`; denied and withdrawn = their tallies.
//!
//! A selection with card filters (basis, source) cannot be tallied and is counted by its index.

/// Seconds in a UTC day, the tallies' unit of expiry.
pub const DAY: i64 = 86_400;

/// The tally bucket of a grant that never expires (`expires_at` NULL).
pub const NEVER: i64 = -1;

/// The live contacts with a hold on the site and purpose, from the holds outwards.
pub const HELD_LIVE: &str = "SELECT COUNT(*) FROM contact_consent_state s \
     WHERE s.person_id IN (SELECT h.person_id FROM contact_holds h) \
     AND s.decision = 'granted' AND (s.expires_at IS NULL OR s.expires_at > ";

/// One purpose's contacts per state, from tally rows `(decision, expiry_day, contacts)`, the
/// contacts of today's bucket that are still live, and the live contacts on hold.
pub fn states_of(
    tallies: &[(String, i64, i64)],
    today: i64,
    live_today: i64,
    held: i64,
) -> [(super::contacts::SelectionState, i64); 5] {
    use super::contacts::SelectionState;
    let (mut live, mut expired, mut denied, mut withdrawn) = (0, 0, 0, 0);
    for (decision, day, contacts) in tallies {
        match decision.as_str() {
            "granted" if *day == NEVER || *day > today => live += contacts,
            "granted" if *day < today => expired += contacts,
            "granted" => {
                // Today's bucket: those still live are counted in `live_today`.
                expired += contacts - live_today;
                live += live_today;
            }
            "denied" => denied += contacts,
            _ => withdrawn += contacts,
        }
    }
    [
        (SelectionState::Granted, live - held),
        (SelectionState::Expired, expired),
        (SelectionState::Held, held),
        (SelectionState::Denied, denied),
        (SelectionState::Withdrawn, withdrawn),
    ]
}

/// The tally functions, on database `$db`, for `contacts_sql!`.
macro_rules! state_counts_sql {
    ($db:ident) => {
        use $crate::store::state_counts_sql::{DAY, HELD_LIVE, states_of};

        /// The tally rows `(decision, expiry_day, contacts)` of one site and purpose.
        async fn tallies(
            pool: &::sqlx::Pool<$db>,
            site: &str,
            purpose: &str,
        ) -> Result<Vec<(String, i64, i64)>, StoreError> {
            Ok(Builder::new(
                "SELECT decision, expiry_day, contacts FROM contact_state_counts WHERE site = ",
            )
            .push_bind(site.to_owned())
            .push(" AND purpose = ")
            .push_bind(purpose.to_owned())
            .push(" AND contacts <> 0")
            .build_query_as()
            .fetch_all(pool)
            .await?)
        }

        /// Grants of today's bucket still live at `now`: one day of the expiry index.
        async fn live_today(
            pool: &::sqlx::Pool<$db>,
            site: &str,
            purpose: &str,
            now: i64,
        ) -> Result<i64, StoreError> {
            let tomorrow = (now.div_euclid(DAY) + 1) * DAY;
            Ok(
                Builder::new("SELECT COUNT(*) FROM contact_consent_state WHERE site = ")
                    .push_bind(site.to_owned())
                    .push(" AND purpose = ")
                    .push_bind(purpose.to_owned())
                    .push(" AND decision = 'granted' AND expires_at > ")
                    .push_bind(now)
                    .push(" AND expires_at < ")
                    .push_bind(tomorrow)
                    .build_query_scalar()
                    .fetch_one(pool)
                    .await?,
            )
        }

        /// Live contacts of the site and purpose with a hold on them.
        async fn held_live(
            pool: &::sqlx::Pool<$db>,
            site: &str,
            purpose: &str,
            now: i64,
        ) -> Result<i64, StoreError> {
            Ok(Builder::new(HELD_LIVE)
                .push_bind(now)
                .push(") AND s.site = ")
                .push_bind(site.to_owned())
                .push(" AND s.purpose = ")
                .push_bind(purpose.to_owned())
                .push(" AND ")
                .push(HOLD_EXISTS)
                .build_query_scalar()
                .fetch_one(pool)
                .await?)
        }

        /// Every state's count for one site and purpose, from the tallies.
        async fn tallied_states(
            pool: &::sqlx::Pool<$db>,
            site: &str,
            purpose: &str,
            now: i64,
        ) -> Result<[(SelectionState, i64); 5], StoreError> {
            let rows = tallies(pool, site, purpose).await?;
            let today = now.div_euclid(DAY);
            let has_today = rows
                .iter()
                .any(|(decision, day, _)| decision == "granted" && *day == today);
            let live_today = if has_today {
                live_today(pool, site, purpose, now).await?
            } else {
                0
            };
            let held = held_live(pool, site, purpose, now).await?;
            Ok(states_of(&rows, today, live_today, held))
        }
    };
}

pub(crate) use state_counts_sql;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contacts::SelectionState;

    fn count(states: &[(SelectionState, i64); 5], state: SelectionState) -> i64 {
        states
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    }

    #[test]
    fn todays_bucket_is_split_at_now_and_holds_come_off_the_granted() {
        let today = 20_000;
        let tallies = vec![
            ("granted".to_owned(), NEVER, 1),
            ("granted".to_owned(), today + 30, 10),
            ("granted".to_owned(), today, 5),
            ("granted".to_owned(), today - 1, 7),
            ("denied".to_owned(), today + 3, 4),
            ("denied".to_owned(), today - 3, 2),
            ("withdrawn".to_owned(), NEVER, 3),
        ];
        let states = states_of(&tallies, today, 2, 4);
        assert_eq!(count(&states, SelectionState::Granted), 1 + 10 + 2 - 4);
        assert_eq!(count(&states, SelectionState::Held), 4);
        assert_eq!(count(&states, SelectionState::Expired), 7 + 3);
        assert_eq!(count(&states, SelectionState::Denied), 6);
        assert_eq!(count(&states, SelectionState::Withdrawn), 3);
    }
}
