//! Builds a receipt's claims from a verified request and the policy version it cites, filling the
//! Kantara Consent Receipt v1.1 fields from the policy's disclosures in the visitor's language.

use std::collections::BTreeMap;

use samtycke_shared::jose::VerifiedRequest;
use samtycke_shared::policy::LawfulBasis;
use samtycke_shared::receipt::{Evidence, KANTARA_VERSION, PiiController, Service, ServicePurpose};
use samtycke_shared::{
    CollectionMethod, Decision, Language, Policy, PurposeId, ReceiptClaims, ReceiptId,
};

use crate::store::ChainLink;

/// Everything a receipt states.
pub fn build(
    request: &VerifiedRequest,
    jws: &str,
    policy: &Policy,
    issuer: &str,
    issued_at: i64,
    link: &ChainLink,
) -> Result<ReceiptClaims, serde_json::Error> {
    let asked = &request.payload;
    let (services, sensitive) = services(policy, &asked.language, &asked.decisions);
    Ok(ReceiptClaims {
        jti: asked.receipt_id,
        iat: issued_at,
        iss: issuer.to_owned(),
        version: KANTARA_VERSION.into(),
        jurisdiction: policy.jurisdiction.clone(),
        consent_timestamp: asked.consent_timestamp,
        collection_method: asked.collection_method,
        consent_receipt_id: asked.receipt_id,
        public_key: Some(serde_json::to_value(&request.device_key)?),
        language: asked.language.clone(),
        pii_principal_id: request.subject.clone(),
        pii_controllers: controllers(policy),
        policy_url: policy.policy_url.clone(),
        services,
        sensitive,
        site: asked.site.clone(),
        policy_version: asked.policy_version,
        policy_sha256: asked.policy_sha256.clone(),
        decisions: asked.decisions.clone(),
        gpc: asked.gpc,
        subject: request.subject.clone(),
        prev_receipt_hash: link.prev_receipt_sha256.clone(),
        sequence: link.sequence,
        request: Some(jws.to_owned()),
        evidence: None,
    })
}

/// The Kantara services and purposes of `decisions`, in `language`, and whether any purpose
/// concerns special-category data.
fn services(
    policy: &Policy,
    language: &Language,
    decisions: &BTreeMap<PurposeId, Decision>,
) -> (Vec<Service>, bool) {
    let fallback = policy.default_language();
    let text = |t: &samtycke_shared::LocalizedText| t.get(language, fallback).to_owned();
    let purposes = decisions
        .iter()
        .filter_map(|(id, decision)| policy.purpose(id).map(|p| (p, *decision)))
        .map(|(purpose, decision)| ServicePurpose {
            purpose: text(&purpose.name),
            purpose_id: purpose.id.clone(),
            consent_type: if purpose.lawful_basis == LawfulBasis::Consent {
                "EXPLICIT"
            } else {
                "NOT-REQUIRED"
            }
            .into(),
            pii_category: vec![text(&purpose.data_categories)],
            primary_purpose: purpose.necessary,
            termination: text(&purpose.retention),
            third_party_disclosure: !purpose.recipients.is_empty(),
            third_party_name: purpose.recipients.iter().map(|r| r.name.clone()).collect(),
            decision,
        })
        .collect();
    let sensitive = decisions
        .keys()
        .filter_map(|id| policy.purpose(id))
        .any(|p| p.special_category);
    let services = vec![Service {
        service: policy.site.to_string(),
        purposes,
    }];
    (services, sensitive)
}

fn controllers(policy: &Policy) -> Vec<PiiController> {
    vec![PiiController {
        pii_controller: policy.controller.name.clone(),
        contact: policy.controller.contact.clone(),
        address: policy.controller.address.clone(),
    }]
}

/// A receipt the collector issues on its own, with no visitor's request (an import, a double
/// opt-in confirmation, an unsubscribe): what it decided, for which pseudonymous subject, under
/// which policy version, and the evidence it relied on.
#[derive(Debug, Clone)]
pub struct IssuedReceipt<'a> {
    /// Its id.
    pub receipt_id: ReceiptId,
    /// How it was collected (`issued_by_collector`).
    pub method: CollectionMethod,
    /// The subject: the contact's collector-issued pseudonym.
    pub subject: &'a str,
    /// The policy version it cites, and that document's SHA-256.
    pub policy: &'a Policy,
    /// Hex SHA-256 of `policy`'s document.
    pub policy_sha256: &'a str,
    /// When the decision was made.
    pub consent_timestamp: i64,
    /// The decisions.
    pub decisions: &'a BTreeMap<PurposeId, Decision>,
    /// What it relied on.
    pub evidence: &'a Evidence,
}

/// The claims of an [`IssuedReceipt`].
pub fn build_issued(
    issued: &IssuedReceipt<'_>,
    issuer: &str,
    issued_at: i64,
    link: &ChainLink,
) -> ReceiptClaims {
    let policy = issued.policy;
    let language = policy.default_language().clone();
    let (services, sensitive) = services(policy, &language, issued.decisions);
    ReceiptClaims {
        jti: issued.receipt_id,
        iat: issued_at,
        iss: issuer.to_owned(),
        version: KANTARA_VERSION.into(),
        jurisdiction: policy.jurisdiction.clone(),
        consent_timestamp: issued.consent_timestamp,
        collection_method: issued.method,
        consent_receipt_id: issued.receipt_id,
        public_key: None,
        language,
        pii_principal_id: issued.subject.to_owned(),
        pii_controllers: controllers(policy),
        policy_url: policy.policy_url.clone(),
        services,
        sensitive,
        site: policy.site.clone(),
        policy_version: policy.version,
        policy_sha256: issued.policy_sha256.to_owned(),
        decisions: issued.decisions.clone(),
        gpc: false,
        subject: issued.subject.to_owned(),
        prev_receipt_hash: link.prev_receipt_sha256.clone(),
        sequence: link.sequence,
        request: None,
        evidence: Some(issued.evidence.clone()),
    }
}
