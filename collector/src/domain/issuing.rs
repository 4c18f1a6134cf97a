//! Receipts the collector issues on its own, with no visitor's request to embed: imports, double
//! opt-in confirmations, unsubscribes, preference-centre changes. Each carries `evidence` (who
//! or what made the collector issue it) and names a contact's collector-issued pseudonym, and
//! goes into the log through the same append as every receipt.

use std::collections::BTreeMap;
use std::sync::Arc;

use samtycke_shared::jose::sha256_hex;
use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, ReceiptId, SiteId};

use crate::domain::receipt_claims::{IssuedReceipt, build_issued};
use crate::domain::sites::PublishedPolicy;
use crate::keys::KeyRing;
use crate::store::contacts::ISSUED_SUBJECT_PREFIX;
use crate::store::{AppendJob, ChainLink, Countersign, DecisionValidity, ReceiptDraft};
use crate::time::now_unix;

/// One receipt to issue.
#[derive(Debug, Clone)]
pub struct Issue {
    /// Its id: derived from what it records, so that doing the same thing again replays it.
    pub receipt_id: ReceiptId,
    /// The site.
    pub site: SiteId,
    /// The contact's collector-issued pseudonym.
    pub subject: String,
    /// The policy version it cites.
    pub policy: Arc<PublishedPolicy>,
    /// How it was collected (one the collector issues).
    pub method: CollectionMethod,
    /// When the decision was made.
    pub consent_timestamp: i64,
    /// The decisions.
    pub decisions: BTreeMap<PurposeId, Decision>,
    /// What it relies on.
    pub evidence: Evidence,
}

/// Turns an [`Issue`] into an append, signed with the collector's current key.
#[derive(Debug, Clone)]
pub struct ReceiptIssuer {
    keys: Arc<KeyRing>,
    issuer: String,
}

impl ReceiptIssuer {
    /// Signs with `keys`, naming `issuer` as `iss`.
    pub fn new(keys: Arc<KeyRing>, issuer: String) -> Self {
        Self { keys, issuer }
    }

    /// The append that issues `issue`; it is countersigned once its place in the log is known.
    pub fn job(&self, issue: Issue) -> AppendJob {
        let issued_at = now_unix();
        let request_sha256 = sha256_hex(
            serde_json::json!({"evidence": issue.evidence, "subject": issue.subject,
                "decisions": issue.decisions, "consentTimestamp": issue.consent_timestamp})
            .to_string(),
        );
        let policy = &issue.policy.policy;
        let draft = ReceiptDraft {
            receipt_id: issue.receipt_id,
            site: issue.site.clone(),
            subject: issue.subject.clone(),
            request_sha256,
            policy_version: policy.version,
            collection_method: issue.method.as_str().to_owned(),
            consent_timestamp: issue.consent_timestamp,
            decided_at: issue.consent_timestamp.min(issued_at),
            issued_at,
            decisions: issue.decisions.clone(),
            validity: DecisionValidity {
                granted_secs: i64::from(policy.consent_validity_days) * 86_400,
                denied_secs: i64::from(policy.refusal_validity_days) * 86_400,
            },
        };
        let (signer, issuer) = (self.keys.current().clone(), self.issuer.clone());
        let countersign: Countersign = Box::new(move |link: &ChainLink| {
            let claims = build_issued(
                &IssuedReceipt {
                    receipt_id: issue.receipt_id,
                    method: issue.method,
                    subject: &issue.subject,
                    policy: &issue.policy.policy,
                    policy_sha256: &issue.policy.sha256,
                    consent_timestamp: issue.consent_timestamp,
                    decisions: &issue.decisions,
                    evidence: &issue.evidence,
                },
                &issuer,
                issued_at,
                link,
            );
            signer.sign(&claims).map_err(|e| e.to_string())
        });
        AppendJob {
            draft,
            countersign,
            seal: None,
            contacts: Vec::new(),
            confirmations: Vec::new(),
        }
    }
}

/// A receipt id derived from `parts` under a purpose-specific `label`: the same action names
/// the same receipt, so repeating it replays instead of issuing a second one.
pub fn derived_receipt_id(label: &str, parts: &[&str]) -> ReceiptId {
    let seed = sha256_hex(format!("{label}\n{}", parts.join("\n")));
    let mut bytes = [0u8; 16];
    // 32 hex digits from a SHA-256 always decode.
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&seed[i * 2..i * 2 + 2], 16).unwrap_or_default();
    }
    ReceiptId::from_uuid(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// A new pseudonym for the receipts the collector issues on a contact's behalf: a UUIDv7, so
/// that once the contact is deleted nothing leads from it to anyone. Its 74 random bits make it
/// unguessable, and its leading milliseconds are when its first receipt was issued, which that
/// receipt states anyway; the person id, which the audit log keeps, stays wholly random.
/// Time-ordered, a new subject's rows append to every index by subject (receipts, decisions,
/// links) instead of each touching a random page: an import writes a hundred thousand.
pub fn new_issued_subject() -> String {
    format!("{ISSUED_SUBJECT_PREFIX}{}", uuid::Uuid::now_v7().simple())
}
