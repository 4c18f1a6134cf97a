//! Unsubscribing: a signed link per contact and purpose, in every message Samtycke sends and
//! for the marketer's own mail tool. A one-click POST (RFC 8058) or the button on the link's
//! page withdraws the purpose at once with a collector-signed receipt (`collectionMethod:
//! "unsubscribe"`); doing it again changes nothing and issues nothing.

use std::collections::BTreeMap;

use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, SiteId};

use super::Mail;
use super::links::Link;
use super::opt_in::issued_subject;
use crate::domain::issuing::{Issue, ReceiptIssuer, derived_receipt_id};
use crate::store::{Appended, StoreError};
use crate::time::now_unix;

/// What an unsubscribe link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The contact.
    pub person_id: String,
    /// The site.
    pub site: SiteId,
    /// The purpose.
    pub purpose: PurposeId,
}

/// Why an unsubscribe link leads nowhere.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnsubscribeError {
    /// Not an unsubscribe link of this collector, or for a site it no longer serves.
    #[error("this unsubscribe link is not valid")]
    Invalid,
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outcome of an unsubscribe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsubscribed {
    /// Withdrawn now, by this receipt.
    Withdrawn(String),
    /// Nothing to withdraw: already withdrawn or refused, never given, or the contact is gone.
    AlreadyOff,
}

/// The unsubscribe journey.
#[derive(Debug, Clone)]
pub struct Unsubscribe {
    mail: Mail,
    issuer: ReceiptIssuer,
}

impl Unsubscribe {
    /// Issues its receipts with `issuer`.
    pub fn new(mail: Mail, issuer: ReceiptIssuer) -> Self {
        Self { mail, issuer }
    }

    /// What a link names (for its page), without changing anything.
    pub fn look(&self, token: &str) -> Result<Subscription, UnsubscribeError> {
        self.open(token).map(|(_, subscription)| subscription)
    }

    /// Withdraws the purpose the link names.
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscribed, UnsubscribeError> {
        let (person_id, subscription) = self.open(token)?;
        let store = &self.mail.store;
        if store.contact(&person_id).await?.is_none() {
            return Ok(Unsubscribed::AlreadyOff);
        }
        // "Say no at once" from a confirmation mail: the confirmation waiting for it lapses now
        // (and a guardian's address with it), so its link no longer counts.
        store
            .cancel_confirmations(
                &person_id,
                subscription.site.as_str(),
                subscription.purpose.as_str(),
                now_unix(),
            )
            .await?;
        let states = store.contact_states(&person_id).await?;
        let current = states.iter().find(|s| {
            s.site == subscription.site.as_str() && s.purpose == subscription.purpose.as_str()
        });
        let Some(current) = current.filter(|s| s.decision == "granted") else {
            return Ok(Unsubscribed::AlreadyOff);
        };
        let site = self
            .mail
            .sites
            .get(&subscription.site)
            .ok_or(UnsubscribeError::Invalid)?;
        let subject = issued_subject(&**store, &person_id).await?;
        // One withdrawal per grant: pressing again, or a client that posts twice, replays it.
        let receipt_id = derived_receipt_id(
            "samtycke/unsubscribe/v1",
            &[
                &person_id,
                subscription.site.as_str(),
                subscription.purpose.as_str(),
                &current.receipt_sequence.to_string(),
            ],
        );
        let job = self.issuer.job(Issue {
            receipt_id,
            site: subscription.site.clone(),
            subject,
            policy: site.policy(),
            method: CollectionMethod::Unsubscribe,
            consent_timestamp: now_unix(),
            decisions: BTreeMap::from([(subscription.purpose.clone(), Decision::Withdrawn)]),
            evidence: Evidence {
                operator: "unsubscribe-link".to_owned(),
                ..Evidence::default()
            },
        });
        match store.append_receipt(job).await? {
            Appended::Created(_) => {
                tracing::info!(site = %subscription.site, purpose = %subscription.purpose, receipt = %receipt_id, "unsubscribed");
            }
            // The same withdrawal again (a conflict is an earlier press's, stamped a moment
            // before): it stands already.
            Appended::Replayed(_) | Appended::Conflict => {}
        }
        Ok(Unsubscribed::Withdrawn(receipt_id.to_string()))
    }

    fn open(&self, token: &str) -> Result<(String, Subscription), UnsubscribeError> {
        let Ok(Link::Unsubscribe {
            person_id,
            site,
            purpose,
        }) = self.mail.links.open(token)
        else {
            return Err(UnsubscribeError::Invalid);
        };
        let subscription = Subscription {
            person_id: person_id.clone(),
            site: SiteId::parse(&site).map_err(|_| UnsubscribeError::Invalid)?,
            purpose: PurposeId::parse(&purpose).map_err(|_| UnsubscribeError::Invalid)?,
        };
        if self.mail.sites.get(&subscription.site).is_none() {
            return Err(UnsubscribeError::Invalid);
        }
        Ok((person_id, subscription))
    }
}
