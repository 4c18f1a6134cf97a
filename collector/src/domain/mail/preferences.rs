//! The preference centre, linked from every message's footer: a person's purposes on a site
//! with their full disclosures and where each stands; any of them changed, or all withdrawn at
//! once, each save a collector-signed receipt (`collectionMethod: "preference-centre"`); their
//! receipts to download; a copy of their data sent to their own address. Its link is sealed
//! and names contact and site; following it proves the mailbox as a confirmation link does, so
//! a grant made here lifts a pending double opt-in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use samtycke_shared::receipt::Evidence;
use samtycke_shared::{
    AskedIn, CollectionMethod, Decision, Language, PurposeId, ReceiptId, SiteId,
};

use super::links::Link;
use super::opt_in::issued_subject;
use super::{Mail, MailError};
use crate::domain::issuing::{Issue, ReceiptIssuer};
use crate::domain::sites::PublishedPolicy;
use crate::store::mail::NewMail;
use crate::store::{Appended, StoreError};
use crate::time::now_unix;

/// Why the preference centre cannot be shown or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PreferencesError {
    /// Not a preference link of this collector, for a site it serves, of a contact it holds.
    #[error("this link is not valid")]
    Invalid,
    /// A purpose the site does not offer, or not one the person decides on.
    #[error("{0} is not a purpose you can choose here")]
    UnknownPurpose(String),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Mail's parts.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Whose preference centre a link opens.
#[derive(Debug, Clone)]
pub struct Subscriber {
    /// The contact.
    pub person_id: String,
    /// The site.
    pub site: SiteId,
    /// The site's current policy.
    pub policy: Arc<PublishedPolicy>,
}

/// Where one purpose stands for the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The purpose.
    pub purpose: PurposeId,
    /// The latest decision, if any.
    pub decision: Option<Decision>,
    /// When it took effect.
    pub decided_at: Option<i64>,
    /// Granted, but waiting for the confirmation from the mailbox.
    pub pending: bool,
}

impl Standing {
    /// Whether the box shows ticked: granted (a pending grant is shown as asked, unticked,
    /// until saved here or confirmed).
    pub fn granted(&self) -> bool {
        self.decision == Some(Decision::Granted)
    }
}

/// What a save changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The decisions recorded, by purpose (empty: nothing changed, no receipt).
    pub changed: BTreeMap<PurposeId, Decision>,
    /// The receipt that records them.
    pub receipt_id: Option<ReceiptId>,
}

/// The preference centre.
#[derive(Debug, Clone)]
pub struct PreferenceCentre {
    mail: Mail,
    issuer: ReceiptIssuer,
}

impl PreferenceCentre {
    /// Issues its receipts with `issuer`.
    pub fn new(mail: Mail, issuer: ReceiptIssuer) -> Self {
        Self { mail, issuer }
    }

    /// The person and site a token names.
    pub async fn open(&self, token: &str) -> Result<Subscriber, PreferencesError> {
        let Ok(Link::Preferences { person_id, site }) = self.mail.links.open(token) else {
            return Err(PreferencesError::Invalid);
        };
        let site = SiteId::parse(&site).map_err(|_| PreferencesError::Invalid)?;
        let policy = self
            .mail
            .sites
            .get(&site)
            .map(|s| Arc::clone(&s.policy))
            .ok_or(PreferencesError::Invalid)?;
        if self.mail.store.contact(&person_id).await?.is_none() {
            return Err(PreferencesError::Invalid);
        }
        Ok(Subscriber {
            person_id,
            site,
            policy,
        })
    }

    /// Every purpose the person decides on here: those asked in forms (what mail is about),
    /// and any other optional purpose they have a decision on, in the policy's order.
    pub async fn standings(
        &self,
        subscriber: &Subscriber,
    ) -> Result<Vec<Standing>, PreferencesError> {
        let store = &self.mail.store;
        let states = store.contact_states(&subscriber.person_id).await?;
        let holds = store.holds(&subscriber.person_id).await?;
        let site = subscriber.site.as_str();
        let standings = subscriber
            .policy
            .policy
            .optional_purposes()
            .filter_map(|purpose| {
                let state = states
                    .iter()
                    .find(|s| s.site == site && s.purpose == purpose.id.as_str());
                if purpose.asked_in != AskedIn::Form && state.is_none() {
                    return None;
                }
                let decision = state.and_then(|s| match s.decision.as_str() {
                    "granted" => Some(Decision::Granted),
                    "denied" => Some(Decision::Denied),
                    "withdrawn" => Some(Decision::Withdrawn),
                    _ => None,
                });
                let pending = holds.iter().any(|h| {
                    h.reason == "pending"
                        && h.site.as_deref() == Some(site)
                        && h.purpose.as_deref() == Some(purpose.id.as_str())
                });
                Some(Standing {
                    purpose: purpose.id.clone(),
                    decision,
                    decided_at: state.map(|s| s.decided_at),
                    pending,
                })
            })
            .collect();
        Ok(standings)
    }

    /// Records the person's choice: `granted` are the purposes ticked, every other purpose
    /// shown is not. Only what changed is recorded, in one receipt; nothing changed, nothing
    /// recorded. A grant lifts a pending double opt-in (this link proves the mailbox).
    pub async fn save(
        &self,
        subscriber: &Subscriber,
        granted: &BTreeSet<String>,
    ) -> Result<Saved, PreferencesError> {
        let standings = self.standings(subscriber).await?;
        for id in granted {
            if !standings.iter().any(|s| s.purpose.as_str() == id) {
                return Err(PreferencesError::UnknownPurpose(id.clone()));
            }
        }
        let mut changed = BTreeMap::new();
        for standing in &standings {
            let ticked = granted.contains(standing.purpose.as_str());
            if ticked && (!standing.granted() || standing.pending) {
                changed.insert(standing.purpose.clone(), Decision::Granted);
            } else if !ticked && standing.granted() {
                changed.insert(standing.purpose.clone(), Decision::Withdrawn);
            }
        }
        if changed.is_empty() {
            return Ok(Saved {
                changed,
                receipt_id: None,
            });
        }
        let store = &self.mail.store;
        let subject = issued_subject(&**store, &subscriber.person_id).await?;
        let receipt_id = ReceiptId::from_uuid(uuid::Uuid::new_v4());
        let now = now_unix();
        let job = self.issuer.job(Issue {
            receipt_id,
            site: subscriber.site.clone(),
            subject,
            policy: Arc::clone(&subscriber.policy),
            method: CollectionMethod::PreferenceCentre,
            consent_timestamp: now,
            decisions: changed.clone(),
            evidence: Evidence {
                operator: "preference-centre".to_owned(),
                ..Evidence::default()
            },
        });
        match store.append_receipt(job).await? {
            Appended::Created(_) | Appended::Replayed(_) => {}
            Appended::Conflict => {
                return Err(PreferencesError::Store(StoreError::Batch(
                    "a new receipt id was taken".into(),
                )));
            }
        }
        for (purpose, decision) in &changed {
            if *decision == Decision::Granted {
                store
                    .release_pending(
                        &subscriber.person_id,
                        subscriber.site.as_str(),
                        purpose.as_str(),
                        &receipt_id.to_string(),
                        now,
                        "preference-centre",
                    )
                    .await?;
            }
        }
        tracing::info!(site = %subscriber.site, receipt = %receipt_id, changed = changed.len(), "preferences saved");
        Ok(Saved {
            changed,
            receipt_id: Some(receipt_id),
        })
    }

    /// The person's receipts on the site, as "Download my receipts" in the banner saves them:
    /// `{site, receipts: [{receiptId, receipt}], jwks}`.
    pub async fn receipts(
        &self,
        subscriber: &Subscriber,
    ) -> Result<serde_json::Value, PreferencesError> {
        let receipts = self
            .mail
            .store
            .contact_receipts(&subscriber.person_id)
            .await?;
        let listed: Vec<serde_json::Value> = receipts
            .iter()
            .filter(|r| r.site == subscriber.site.as_str())
            .map(|r| serde_json::json!({"sequence": r.sequence, "receipt": r.receipt}))
            .collect();
        Ok(serde_json::json!({
            "site": subscriber.site.as_str(),
            "receipts": listed,
            "jwks": format!("{}/.well-known/jwks.json", self.mail.links.base_url()),
        }))
    }

    /// Sends the person a copy of everything held about them, to their own address (at most
    /// one in `resend_after_minutes`). Returns whether one was queued.
    pub async fn send_copy(
        &self,
        subscriber: &Subscriber,
        language: &Language,
    ) -> Result<bool, PreferencesError> {
        let now = now_unix();
        let since = now - i64::from(self.mail.settings.resend_after_minutes) * 60;
        let queued = self
            .mail
            .store
            .queue_mail(
                &NewMail {
                    id: uuid::Uuid::new_v4().to_string(),
                    site: subscriber.site.to_string(),
                    person_id: subscriber.person_id.clone(),
                    kind: "data-copy".to_owned(),
                    reference: String::new(),
                    language: language.to_string(),
                },
                now,
                since,
            )
            .await?;
        Ok(queued)
    }
}
