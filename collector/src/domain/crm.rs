//! CRM sync, inbound: a CRM reports its own unsubscribes and consent changes by e-mail address or
//! external (Salesforce) id, with an `integration` key. Each event becomes a collector-signed
//! receipt (`collectionMethod: "crm-sync"`) citing the CRM's event id, idempotently by that id.
//! A CRM may always record a withdrawal; it may not re-subscribe someone who withdrew or
//! refused (that needs new proof from the person, or an admin with evidence), and it cannot
//! make contacts.

use std::collections::BTreeMap;
use std::sync::Arc;

use samtycke_shared::jose::sha256_hex;
use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, SiteId};
use serde::{Deserialize, Serialize};

use crate::domain::contacts::identifiers::{ContactIdentifier, IdentifierKind};
use crate::domain::contacts::vault::ContactVault;
use crate::domain::issuing::{Issue, ReceiptIssuer, derived_receipt_id};
use crate::domain::mail::opt_in::issued_subject;
use crate::domain::sites::SiteRegistry;
use crate::store::{Appended, Store, StoreError};
use crate::time::now_unix;

/// Events per call.
pub const MAX_EVENTS: usize = 1000;

/// One event the CRM reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CrmEvent {
    /// The CRM's own id of the event (1–200 characters): the same id again is the same event.
    pub event_id: String,
    /// The site.
    pub site: String,
    /// The purpose.
    pub purpose: String,
    /// `withdrawn` or `granted`.
    pub decision: String,
    /// When it happened in the CRM (Unix seconds); now when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<i64>,
    /// The person's e-mail address (or `externalId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The person's id in the CRM (a Salesforce id), as the contact holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Why an event cannot be taken: which one, which field, why (never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventError {
    /// Its position in `events`.
    pub index: usize,
    /// The field.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

/// What was done with an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventOutcome {
    /// The CRM's id.
    pub event_id: String,
    /// `recorded` (a receipt), `unchanged` (already so), `unknown-contact`, `refused`
    /// (re-subscribing needs new proof) or `conflict` (this id came before with other content).
    pub result: String,
    /// The receipt, when recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Why, when refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether this is the answer given when the event first came.
    #[serde(default)]
    pub replayed: bool,
}

/// Why a batch is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrmError {
    /// Bad events; nothing was recorded.
    #[error("{} event(s) cannot be taken; nothing was recorded", .0.len())]
    Invalid(Vec<EventError>),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A checked event.
struct Checked {
    event: CrmEvent,
    site: SiteId,
    purpose: PurposeId,
    decision: Decision,
    at: i64,
    identifier: ContactIdentifier,
}

/// Inbound CRM sync.
#[derive(Debug, Clone)]
pub struct CrmSync {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    vault: ContactVault,
    issuer: ReceiptIssuer,
}

impl CrmSync {
    /// Over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        sites: Arc<SiteRegistry>,
        vault: ContactVault,
        issuer: ReceiptIssuer,
    ) -> Self {
        Self {
            store,
            sites,
            vault,
            issuer,
        }
    }

    /// Checks every event, then records each in order; `operator` (the key) is the evidence.
    pub async fn report(
        &self,
        operator: &str,
        events: Vec<CrmEvent>,
    ) -> Result<Vec<EventOutcome>, CrmError> {
        let now = now_unix();
        let mut errors = Vec::new();
        if events.is_empty() || events.len() > MAX_EVENTS {
            errors.push(EventError {
                index: 0,
                field: "events",
                reason: format!("must hold 1 to {MAX_EVENTS} events"),
            });
        }
        let mut checked = Vec::with_capacity(events.len());
        for (index, event) in events.into_iter().enumerate() {
            match self.check(event, now) {
                Ok(event) => checked.push(event),
                Err((field, reason)) => errors.push(EventError {
                    index,
                    field,
                    reason,
                }),
            }
        }
        if !errors.is_empty() {
            return Err(CrmError::Invalid(errors));
        }
        let mut outcomes = Vec::with_capacity(checked.len());
        for event in checked {
            outcomes.push(self.record(operator, event, now).await?);
        }
        Ok(outcomes)
    }

    fn check(&self, event: CrmEvent, now: i64) -> Result<Checked, (&'static str, String)> {
        if event.event_id.is_empty() || event.event_id.chars().count() > 200 {
            return Err(("eventId", "must be 1 to 200 characters".into()));
        }
        let site = SiteId::parse(&event.site)
            .ok()
            .and_then(|id| self.sites.get(&id))
            .ok_or(("site", "is not a site of this collector".into()))?;
        let current = site.policy();
        let policy = &current.policy;
        let purpose = PurposeId::parse(&event.purpose)
            .ok()
            .filter(|p| policy.optional_purposes().any(|o| &o.id == p))
            .ok_or((
                "purpose",
                "is not an optional purpose of the site's policy".into(),
            ))?;
        let decision = match event.decision.as_str() {
            "granted" => Decision::Granted,
            "withdrawn" => Decision::Withdrawn,
            _ => return Err(("decision", "must be granted or withdrawn".into())),
        };
        let oldest = now
            - i64::from(
                policy
                    .consent_validity_days
                    .max(policy.refusal_validity_days),
            ) * 86_400;
        let at = event.at.unwrap_or(now);
        if at > now + 3600 || at < oldest {
            return Err((
                "at",
                "must be within the policy's validity and at most an hour ahead".into(),
            ));
        }
        let identifier = match (&event.email, &event.external_id) {
            (Some(email), None) => ContactIdentifier::parse(IdentifierKind::Email, email),
            (None, Some(id)) => ContactIdentifier::parse(IdentifierKind::Salesforce, id),
            _ => return Err(("email", "give either email or externalId".into())),
        }
        .map_err(|e| (e.field, e.reason.to_owned()))?;
        Ok(Checked {
            site: site.id.clone(),
            purpose,
            decision,
            at,
            identifier,
            event,
        })
    }

    async fn record(
        &self,
        operator: &str,
        checked: Checked,
        now: i64,
    ) -> Result<EventOutcome, CrmError> {
        // Event ids are the CRM's own: two CRMs (two keys) may use the same ones.
        let key = format!("{operator}\n{}\n{}", checked.site, checked.event.event_id);
        // The event as sent: a retry of one sent without `at` is the same event.
        let request_sha256 = sha256_hex(serde_json::to_string(&checked.event).unwrap_or_default());
        if let Some((sha, outcome)) = self.store.crm_event(&key).await? {
            let mut outcome: EventOutcome =
                serde_json::from_str(&outcome).map_err(|e| StoreError::Batch(e.to_string()))?;
            if sha != request_sha256 {
                return Ok(EventOutcome {
                    event_id: checked.event.event_id,
                    result: "conflict".into(),
                    receipt_id: None,
                    reason: Some("this event id came before with other content".into()),
                    replayed: false,
                });
            }
            outcome.replayed = true;
            return Ok(outcome);
        }
        let outcome = self.decide(operator, &checked).await?;
        let stored =
            serde_json::to_string(&outcome).map_err(|e| StoreError::Batch(e.to_string()))?;
        self.store
            .record_crm_event(&key, &request_sha256, &stored, now)
            .await?;
        Ok(outcome)
    }

    async fn decide(&self, operator: &str, checked: &Checked) -> Result<EventOutcome, CrmError> {
        let outcome =
            |result: &str, receipt_id: Option<String>, reason: Option<&str>| EventOutcome {
                event_id: checked.event.event_id.clone(),
                result: result.to_owned(),
                receipt_id,
                reason: reason.map(str::to_owned),
                replayed: false,
            };
        let lookup = self.vault.lookup(&checked.identifier);
        let Some(person_id) = self.store.contact_by_lookup(&lookup).await? else {
            return Ok(outcome("unknown-contact", None, None));
        };
        let asks_double_opt_in = self
            .sites
            .get(&checked.site)
            .and_then(|site| {
                site.policy()
                    .policy
                    .purpose(&checked.purpose)
                    .map(|p| p.double_opt_in)
            })
            .unwrap_or(true);
        let states = self.store.contact_states(&person_id).await?;
        let current = states
            .iter()
            .find(|s| s.site == checked.site.as_str() && s.purpose == checked.purpose.as_str())
            .map(|s| s.decision.as_str());
        match (checked.decision, current) {
            (Decision::Granted, None) if asks_double_opt_in => {
                return Ok(outcome(
                    "refused",
                    None,
                    Some(
                        "the purpose asks for double opt-in: only the person's confirmation \
                         from their own mailbox grants it",
                    ),
                ));
            }
            (Decision::Withdrawn, Some("granted")) | (Decision::Granted, None) => {}
            (Decision::Granted, Some("withdrawn" | "denied")) => {
                return Ok(outcome(
                    "refused",
                    None,
                    Some(
                        "the person withdrew or refused: re-subscribing needs new proof from \
                         them, or an admin with evidence",
                    ),
                ));
            }
            _ => return Ok(outcome("unchanged", None, None)),
        }
        let site = self
            .sites
            .get(&checked.site)
            .ok_or_else(|| StoreError::Batch("the site went away".into()))?;
        let subject = issued_subject(&*self.store, &person_id).await?;
        let receipt_id = derived_receipt_id(
            "samtycke/crm-sync/v1",
            &[operator, checked.site.as_str(), &checked.event.event_id],
        );
        let job = self.issuer.job(Issue {
            receipt_id,
            site: checked.site.clone(),
            subject,
            policy: site.policy(),
            method: CollectionMethod::CrmSync,
            consent_timestamp: checked.at,
            decisions: BTreeMap::from([(checked.purpose.clone(), checked.decision)]),
            evidence: Evidence {
                operator: operator.to_owned(),
                event_id: Some(checked.event.event_id.clone()),
                ..Evidence::default()
            },
        });
        match self.store.append_receipt(job).await? {
            Appended::Created(_) | Appended::Replayed(_) | Appended::Conflict => {}
        }
        Ok(outcome("recorded", Some(receipt_id.to_string()), None))
    }
}
