//! Re-subscribing someone who withdrew or refused: never a marketer's flip (DESIGN.md §2), only
//! an admin's, and only with proof of new consent: a newer receipt from the person themself (a
//! form opt-in, a double opt-in, the preference centre), or an evidence file and a reason. It
//! is recorded as a collector-signed receipt (`collectionMethod: "api"`) whose evidence cites
//! that receipt or the file's SHA-256, and audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use samtycke_shared::jose::sha256_hex;
use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, ReceiptId, SiteId};
use serde::Deserialize;

use crate::domain::access::Access;
use crate::domain::issuing::{Issue, ReceiptIssuer};
use crate::domain::mail::opt_in::issued_subject;
use crate::domain::sites::SiteRegistry;
use crate::store::{Appended, Store, StoreError};
use crate::time::now_unix;

/// Largest evidence file taken, decoded.
pub const MAX_EVIDENCE_BYTES: usize = 5 * 1024 * 1024;

/// What an admin sends.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResubscribeRequest {
    /// The site.
    pub site: String,
    /// The purpose to grant again.
    pub purpose: String,
    /// Why (kept in the receipt's evidence and the audit log).
    pub reason: String,
    /// A newer receipt from the person granting the purpose (form, double opt-in, preference
    /// centre); or `evidence`.
    #[serde(default)]
    pub receipt_id: Option<String>,
    /// An evidence file (a signed paper form, a recorded call), base64: only its SHA-256 is
    /// kept, in the receipt.
    #[serde(default)]
    pub evidence_base64: Option<String>,
}

/// Why a re-subscription is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResubscribeError {
    /// No such contact.
    #[error("no contact has person id {0}")]
    NotFound(String),
    /// The site or purpose is unknown.
    #[error("{0}: not a site and optional purpose of this collector")]
    UnknownPurpose(&'static str),
    /// The contact has not withdrawn or refused the purpose: nothing to re-subscribe.
    #[error("the contact has not withdrawn or refused this purpose; nothing to re-subscribe")]
    NotUnsubscribed,
    /// The person objected to the purpose (Art 21(3)): absolute for direct marketing; only
    /// their own new consent (which lifts the objection) or the DPO's recorded lift ends it.
    #[error(
        "the person objected to this purpose: only their own new consent, or the DPO lifting \
         the objection, ends it"
    )]
    Objected,
    /// A reason is required.
    #[error("reason: say why (it is kept with the receipt)")]
    ReasonRequired,
    /// Neither or both proofs.
    #[error("give either receiptId or evidenceBase64 as proof of new consent")]
    ProofRequired,
    /// The proof does not prove new consent; the message says why.
    #[error("{0}")]
    BadProof(&'static str),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Admin re-subscription.
#[derive(Debug, Clone)]
pub struct Resubscribe {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    issuer: ReceiptIssuer,
    access: Access,
}

impl Resubscribe {
    /// Over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        sites: Arc<SiteRegistry>,
        issuer: ReceiptIssuer,
        access: Access,
    ) -> Self {
        Self {
            store,
            sites,
            issuer,
            access,
        }
    }

    /// Grants the purpose again on the proof given; returns the new receipt's id.
    pub async fn resubscribe(
        &self,
        actor: &str,
        person_id: &str,
        request: &ResubscribeRequest,
    ) -> Result<ReceiptId, ResubscribeError> {
        let reason = request.reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(ResubscribeError::ReasonRequired);
        }
        let site = SiteId::parse(&request.site)
            .ok()
            .and_then(|id| self.sites.get(&id))
            .ok_or(ResubscribeError::UnknownPurpose("site"))?;
        let purpose = PurposeId::parse(&request.purpose)
            .ok()
            .filter(|p| site.policy().policy.optional_purposes().any(|o| &o.id == p))
            .ok_or(ResubscribeError::UnknownPurpose("purpose"))?;
        if self.store.contact(person_id).await?.is_none() {
            return Err(ResubscribeError::NotFound(person_id.to_owned()));
        }
        let objected = self.store.holds(person_id).await?.iter().any(|h| {
            h.reason == "objected"
                && h.site.as_deref().is_none_or(|s| s == site.id.as_str())
                && h.purpose.as_deref().is_none_or(|p| p == purpose.as_str())
        });
        if objected {
            return Err(ResubscribeError::Objected);
        }
        let states = self.store.contact_states(person_id).await?;
        let current = states
            .iter()
            .find(|s| s.site == site.id.as_str() && s.purpose == purpose.as_str())
            .filter(|s| s.decision == "withdrawn" || s.decision == "denied")
            .ok_or(ResubscribeError::NotUnsubscribed)?;
        let mut evidence = Evidence {
            operator: actor.to_owned(),
            reason: Some(reason.to_owned()),
            ..Evidence::default()
        };
        let proof = match (&request.receipt_id, &request.evidence_base64) {
            (Some(receipt_id), None) => {
                let sha = self
                    .newer_consent(
                        person_id,
                        site.id.as_str(),
                        &purpose,
                        receipt_id,
                        current.decided_at,
                    )
                    .await?;
                evidence.receipt_id = Some(receipt_id.clone());
                evidence.receipt_sha256 = Some(sha.clone());
                serde_json::json!({"receiptId": receipt_id, "receiptSha256": sha})
            }
            (None, Some(file)) => {
                let bytes = STANDARD
                    .decode(file.trim())
                    .map_err(|_| ResubscribeError::BadProof("evidenceBase64: not base64"))?;
                if bytes.is_empty() || bytes.len() > MAX_EVIDENCE_BYTES {
                    return Err(ResubscribeError::BadProof(
                        "evidenceBase64: the file must hold 1 byte to 5 MB",
                    ));
                }
                let sha = sha256_hex(&bytes);
                evidence.file_sha256 = Some(sha.clone());
                serde_json::json!({"fileSha256": sha})
            }
            _ => return Err(ResubscribeError::ProofRequired),
        };
        let subject = issued_subject(&*self.store, person_id).await?;
        let receipt_id = ReceiptId::from_uuid(uuid::Uuid::new_v4());
        let job = self.issuer.job(Issue {
            receipt_id,
            site: site.id.clone(),
            subject,
            policy: site.policy(),
            method: CollectionMethod::Api,
            consent_timestamp: now_unix(),
            decisions: BTreeMap::from([(purpose.clone(), Decision::Granted)]),
            evidence,
        });
        match self.store.append_receipt(job).await? {
            Appended::Created(_) | Appended::Replayed(_) => {}
            Appended::Conflict => {
                return Err(StoreError::Batch("a new receipt id was taken".into()).into());
            }
        }
        self.access
            .record(
                actor,
                "contact.resubscribe",
                serde_json::json!({"personId": person_id, "site": site.id.as_str(),
                    "purpose": purpose.as_str(), "reason": reason, "proof": proof,
                    "receiptId": receipt_id.to_string()}),
            )
            .await?;
        Ok(receipt_id)
    }

    /// Checks that `receipt_id` is the person's own newer consent to the purpose; returns the
    /// receipt's SHA-256.
    async fn newer_consent(
        &self,
        person_id: &str,
        site: &str,
        purpose: &PurposeId,
        receipt_id: &str,
        withdrawn_at: i64,
    ) -> Result<String, ResubscribeError> {
        let receipts = self.store.contact_receipts(person_id).await?;
        let mine = receipts.iter().find(|r| {
            jwt_claims(&r.receipt).is_some_and(|c| c["jti"].as_str() == Some(receipt_id))
        });
        let receipt = mine.ok_or(ResubscribeError::BadProof(
            "receiptId: no receipt of this contact has that id",
        ))?;
        let claims = jwt_claims(&receipt.receipt)
            .ok_or(ResubscribeError::BadProof("receiptId: unreadable receipt"))?;
        let method = claims["collectionMethod"].as_str().unwrap_or_default();
        if !matches!(method, "form" | "double-opt-in" | "preference-centre") {
            return Err(ResubscribeError::BadProof(
                "receiptId: only the person's own opt-in (form, double opt-in, preference centre) proves new consent",
            ));
        }
        if claims["site"].as_str() != Some(site)
            || claims["decisions"][purpose.as_str()].as_str() != Some("granted")
        {
            return Err(ResubscribeError::BadProof(
                "receiptId: the receipt does not grant this purpose on this site",
            ));
        }
        let at = claims["consentTimestamp"].as_i64().unwrap_or_default();
        if at <= withdrawn_at {
            return Err(ResubscribeError::BadProof(
                "receiptId: the receipt is not newer than the withdrawal",
            ));
        }
        Ok(sha256_hex(&receipt.receipt))
    }
}

/// A JWT's claims, unverified (the receipt comes from our own log).
fn jwt_claims(jwt: &str) -> Option<serde_json::Value> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}
