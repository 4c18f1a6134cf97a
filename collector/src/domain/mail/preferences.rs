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
use crate::store::mail::{AskedConfirmation, NewMail};
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
    /// A request asked for here could not be recorded.
    #[error(transparent)]
    Request(#[from] crate::domain::rights::RightsError),
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

/// What a save did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Saved {
    /// Purposes withdrawn now, by one receipt.
    pub withdrawn: Vec<PurposeId>,
    /// That receipt.
    pub receipt_id: Option<ReceiptId>,
    /// Purposes ticked whose confirmation was mailed now: they count once confirmed from the
    /// mailbox.
    pub mailed: Vec<PurposeId>,
    /// Purposes ticked whose confirmation went out minutes ago (not mailed again).
    pub waiting: Vec<PurposeId>,
    /// Purposes ticked that cannot be confirmed: this collector sends no mail.
    pub unavailable: Vec<PurposeId>,
}

impl Saved {
    /// Whether nothing was done.
    pub fn nothing(&self) -> bool {
        self.withdrawn.is_empty()
            && self.mailed.is_empty()
            && self.waiting.is_empty()
            && self.unavailable.is_empty()
    }
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
            .map(|s| s.policy())
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
    /// shown is not. A withdrawal counts at once (one receipt for all of them). A grant is
    /// confirmed from the mailbox, as a double opt-in is: a preference link reaches whoever
    /// holds a message, and a marketer can ask the API for one, so a tick here proves nothing
    /// by itself; the mailed link (`collectionMethod` `preference-centre` once confirmed) does.
    pub async fn save(
        &self,
        subscriber: &Subscriber,
        granted: &BTreeSet<String>,
        language: &Language,
    ) -> Result<Saved, PreferencesError> {
        let standings = self.standings(subscriber).await?;
        for id in granted {
            if !standings.iter().any(|s| s.purpose.as_str() == id) {
                return Err(PreferencesError::UnknownPurpose(id.clone()));
            }
        }
        let mut saved = Saved::default();
        let mut withdrawals = BTreeMap::new();
        let mut asks = Vec::new();
        for standing in &standings {
            let ticked = granted.contains(standing.purpose.as_str());
            if ticked && (!standing.granted() || standing.pending) {
                asks.push(standing.purpose.clone());
            } else if !ticked && standing.granted() {
                withdrawals.insert(standing.purpose.clone(), Decision::Withdrawn);
            }
        }
        let store = &self.mail.store;
        let now = now_unix();
        if !withdrawals.is_empty() {
            let subject = issued_subject(&**store, &subscriber.person_id).await?;
            let receipt_id = ReceiptId::from_uuid(uuid::Uuid::new_v4());
            let job = self.issuer.job(Issue {
                receipt_id,
                site: subscriber.site.clone(),
                subject,
                policy: Arc::clone(&subscriber.policy),
                method: CollectionMethod::PreferenceCentre,
                consent_timestamp: now,
                decisions: withdrawals.clone(),
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
            tracing::info!(site = %subscriber.site, receipt = %receipt_id, withdrawn = withdrawals.len(), "withdrawn in the preference centre");
            saved.withdrawn = withdrawals.into_keys().collect();
            saved.receipt_id = Some(receipt_id);
        }
        let since = now - i64::from(self.mail.settings.resend_after_minutes) * 60;
        for purpose in asks {
            // A purpose that asks the age (Art 8) is granted only through the site's form,
            // where the age is asked; here it can only be withdrawn.
            let asks_age = subscriber
                .policy
                .policy
                .purpose(&purpose)
                .is_some_and(|p| p.ask_age);
            if !self.mail.can_send() || asks_age {
                saved.unavailable.push(purpose);
                continue;
            }
            let asked = AskedConfirmation {
                id: uuid::Uuid::new_v4().to_string(),
                mail_id: uuid::Uuid::new_v4().to_string(),
                person_id: subscriber.person_id.clone(),
                site: subscriber.site.to_string(),
                purpose: purpose.to_string(),
                language: language.to_string(),
                expires_at: now + i64::from(self.mail.settings.confirmation_days) * 86_400,
            };
            match store.ask_confirmation(&asked, now, since).await? {
                true => saved.mailed.push(purpose),
                false => saved.waiting.push(purpose),
            }
        }
        Ok(saved)
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
