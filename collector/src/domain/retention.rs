//! Retention (storage limitation, Art 5(1)(e)): per site, a contact that has not engaged for
//! `inactive_months` (no receipt there: no decision, no confirmed click) is held `inactive`, out
//! of the marketer's selection, until it engages again (any new receipt on the site lifts the
//! hold, in the receipt's own transaction); after `grace_months` more it is erased as an
//! erasure request would (crypto-shredding, its addresses suppressed), once it is that stale on
//! every site it has decisions on. `samtycke retention run [--dry-run]` and a daily run in
//! every collector do it; a dry run lists what would go and writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use crate::domain::contacts::export::rfc3339;
use crate::domain::contacts::{ContactError, ContactService};
use crate::domain::sites::SiteRegistry;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RetentionError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Erasing a contact failed.
    #[error(transparent)]
    Contact(#[from] ContactError),
}

/// A contact a run holds or erases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The contact.
    pub person_id: String,
    /// Its last receipt on the site (RFC 3339).
    pub last_engaged: String,
}

/// What a run did (or, dry, would do) on one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteRun {
    /// The site.
    pub site: String,
    /// Contacts not engaged since this are held (RFC 3339).
    pub inactive_before: String,
    /// Contacts not engaged since this are erased (RFC 3339).
    pub erase_before: String,
    /// Held inactive (those held before included).
    pub held: Vec<Candidate>,
    /// Newly held by this run.
    pub newly_held: u64,
    /// Erased.
    pub erased: Vec<Candidate>,
}

/// The retention job.
#[derive(Debug, Clone)]
pub struct Retention {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    contacts: ContactService,
}

impl Retention {
    /// Over these parts.
    pub fn new(store: Arc<dyn Store>, sites: Arc<SiteRegistry>, contacts: ContactService) -> Self {
        Self {
            store,
            sites,
            contacts,
        }
    }

    /// One run at `now`; with `dry_run`, nothing is written.
    pub async fn run(&self, now: i64, dry_run: bool) -> Result<Vec<SiteRun>, RetentionError> {
        let mut sites: Vec<_> = self.sites.iter().collect();
        sites.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        let mut stale: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        let mut runs = Vec::new();
        for site in &sites {
            let months = site.retention;
            // A setting that would make everyone stale (no months, or a date that cannot be
            // computed) is skipped, never taken as "now".
            let (Some(inactive_back), Some(erase_back)) = (
                (1..=120)
                    .contains(&months.inactive_months)
                    .then(|| months_back(now, months.inactive_months))
                    .flatten(),
                months
                    .inactive_months
                    .checked_add(months.grace_months)
                    .filter(|m| *m <= 240)
                    .and_then(|m| months_back(now, m)),
            ) else {
                tracing::warn!(site = %site.id, ?months, "retention skipped: its months are out of range");
                continue;
            };
            let inactive_before = now - inactive_back;
            let erase_before = now - erase_back;
            let inactive = self
                .store
                .inactive_contacts(site.id.as_str(), inactive_before)
                .await?;
            for (person_id, last) in inactive.iter().filter(|(_, last)| *last < erase_before) {
                stale
                    .entry(person_id.clone())
                    .or_default()
                    .insert(site.id.to_string(), *last);
            }
            runs.push((site.id.to_string(), inactive_before, erase_before, inactive));
        }
        // Erased only when stale on every site it has decisions on, not restricted (Art 18(1)(c):
        // kept for a legal claim) and with no request open.
        let open: BTreeSet<String> = self
            .store
            .requests(&crate::domain::rights::OPEN, None, u32::MAX)
            .await?
            .into_iter()
            .filter_map(|r| r.person_id)
            .collect();
        let mut erase = BTreeSet::new();
        for (person_id, on) in &stale {
            if open.contains(person_id) {
                continue;
            }
            let holds = self.store.holds(person_id).await?;
            if holds.iter().any(|h| h.reason == "restricted") {
                continue;
            }
            let states = self.store.contact_states(person_id).await?;
            let sites: BTreeSet<&str> = states.iter().map(|s| s.site.as_str()).collect();
            if sites.iter().all(|site| on.contains_key(*site)) {
                erase.insert(person_id.clone());
            }
        }
        let mut report = Vec::with_capacity(runs.len());
        for (site, inactive_before, erase_before, inactive) in runs {
            let candidate = |(person_id, last): &(String, i64)| Candidate {
                person_id: person_id.clone(),
                last_engaged: rfc3339(*last),
            };
            let held: Vec<Candidate> = inactive
                .iter()
                .filter(|(p, _)| !erase.contains(p))
                .map(candidate)
                .collect();
            let erased: Vec<Candidate> = inactive
                .iter()
                .filter(|(p, _)| erase.contains(p))
                .map(candidate)
                .collect();
            let newly_held = match dry_run {
                true => 0,
                false => {
                    let ids: Vec<String> = held.iter().map(|c| c.person_id.clone()).collect();
                    self.store
                        .hold_inactive(&site, &ids, inactive_before, now)
                        .await?
                }
            };
            report.push(SiteRun {
                site,
                inactive_before: rfc3339(inactive_before),
                erase_before: rfc3339(erase_before),
                held,
                newly_held,
                erased,
            });
        }
        if !dry_run {
            for person_id in &erase {
                if let Some(contact) = self.store.contact(person_id).await? {
                    let lookups: Vec<String> = contact
                        .identifiers
                        .iter()
                        .map(|i| i.lookup.clone())
                        .collect();
                    self.store.suppress(&lookups, None, now).await?;
                    self.contacts.delete("retention", person_id).await?;
                }
            }
        }
        Ok(report)
    }
}

/// Seconds from `months` calendar months before `now` to `now`; `None` when the date cannot
/// be computed.
fn months_back(now: i64, months: u32) -> Option<i64> {
    // The date `months` before now, the day clamped to its month, as add_months does forward.
    let at = time::OffsetDateTime::from_unix_timestamp(now).ok()?;
    let total = i64::from(at.year()) * 12 + i64::from(at.month() as u8) - 1 - i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = at.day().min(time::util::days_in_month(month, year));
    let date = time::Date::from_calendar_date(year, month, day).ok()?;
    Some(now - at.replace_date(date).unix_timestamp())
}

/// Runs retention once a day in a collector, counting what it did in the metrics. Any
/// collector may run it: holds are idempotent and an erasure of a contact already erased finds
/// nothing.
pub async fn schedule(retention: Retention, metrics: Metrics) {
    // Not at the very start, so that a collector restarting in a loop does not run it each time.
    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    loop {
        match retention.run(crate::time::now_unix(), false).await {
            Ok(runs) => {
                for run in &runs {
                    metrics.count_retention(&run.site, run.newly_held, run.erased.len() as u64);
                    tracing::info!(site = %run.site, held = run.held.len(), newly_held = run.newly_held, erased = run.erased.len(), "retention ran");
                }
            }
            Err(error) => tracing::warn!(%error, "retention did not run"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(86_400)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_back_lands_on_the_same_day_or_the_months_last() {
        let at = |text: &str| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .expect("time")
                .unix_timestamp()
        };
        let now = at("2026-03-31T12:00:00Z");
        let back = |months| now - months_back(now, months).expect("a date");
        assert_eq!(back(1), at("2026-02-28T12:00:00Z"));
        assert_eq!(back(12), at("2025-03-31T12:00:00Z"));
        assert_eq!(back(15), at("2024-12-31T12:00:00Z"));
    }
}
