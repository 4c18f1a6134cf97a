//! A contact's subscribe and unsubscribe history: every time a purpose became granted, or a
//! grant was withdrawn or refused, with when, the purpose and where it came from (the receipt's
//! `collectionMethod`: a form, a double opt-in, the preference centre, an unsubscribe link, a
//! CRM, an import). Read from the contact's receipts themselves, so it can never disagree with
//! the proof, and it needs no table of its own.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::export::rfc3339;
use super::{ContactError, ContactService};

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionEvent {
    /// When it took effect (RFC 3339).
    pub at: String,
    /// The site.
    pub site: String,
    /// The purpose.
    pub purpose: String,
    /// `subscribe` or `unsubscribe`.
    pub event: &'static str,
    /// Where it came from: the receipt's `collectionMethod`.
    pub source: String,
    /// The receipt that records it.
    pub receipt_id: String,
}

/// The claims read here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    jti: String,
    site: String,
    consent_timestamp: i64,
    iat: i64,
    collection_method: String,
    decisions: BTreeMap<String, String>,
}

impl ContactService {
    /// The contact's subscription history, oldest first (audited as a read of the contact).
    pub async fn subscriptions(
        &self,
        actor: &str,
        person_id: &str,
    ) -> Result<Vec<SubscriptionEvent>, ContactError> {
        if self.store().contact(person_id).await?.is_none() {
            return Err(ContactError::NotFound(person_id.to_owned()));
        }
        let events = self.subscription_events(person_id).await?;
        self.audit(
            actor,
            "contact.subscriptions",
            serde_json::json!({"personId": person_id}),
        )
        .await?;
        Ok(events)
    }

    /// The contact's receipts as issued, oldest first, for checking them against the JWKS
    /// (audited as a read of the contact, as the history is).
    pub async fn receipts(
        &self,
        actor: &str,
        person_id: &str,
    ) -> Result<Vec<crate::store::contacts::ContactReceipt>, ContactError> {
        if self.store().contact(person_id).await?.is_none() {
            return Err(ContactError::NotFound(person_id.to_owned()));
        }
        let receipts = self.store().contact_receipts(person_id).await?;
        self.audit(
            actor,
            "contact.receipts",
            serde_json::json!({"personId": person_id, "receipts": receipts.len()}),
        )
        .await?;
        Ok(receipts)
    }

    /// [`Self::subscriptions`], unaudited, for exports that are audited themselves.
    pub(crate) async fn subscription_events(
        &self,
        person_id: &str,
    ) -> Result<Vec<SubscriptionEvent>, ContactError> {
        let receipts = self.store().contact_receipts(person_id).await?;
        let mut decided: Vec<(i64, i64, Claims)> = receipts
            .iter()
            .filter_map(|r| {
                let payload = r.receipt.split('.').nth(1)?;
                let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
                let claims: Claims = serde_json::from_slice(&bytes).ok()?;
                // When a decision took effect, as the current state orders them.
                Some((claims.consent_timestamp.min(claims.iat), r.sequence, claims))
            })
            .collect();
        decided.sort_by_key(|(at, sequence, _)| (*at, *sequence));
        let mut granted: BTreeMap<(String, String), bool> = BTreeMap::new();
        let mut events = Vec::new();
        for (at, _, claims) in decided {
            for (purpose, decision) in &claims.decisions {
                let key = (claims.site.clone(), purpose.clone());
                let was = granted.get(&key).copied().unwrap_or(false);
                let is = decision == "granted";
                let event = match (was, is) {
                    (false, true) => "subscribe",
                    (true, false) => "unsubscribe",
                    _ => continue,
                };
                granted.insert(key, is);
                events.push(SubscriptionEvent {
                    at: rfc3339(at),
                    site: claims.site.clone(),
                    purpose: purpose.clone(),
                    event,
                    source: claims.collection_method.clone(),
                    receipt_id: claims.jti.clone(),
                });
            }
        }
        Ok(events)
    }
}
