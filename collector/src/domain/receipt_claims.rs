//! Builds a receipt's claims from a verified request and the policy version it cites, filling the
//! Kantara Consent Receipt v1.1 fields from the policy's disclosures in the visitor's language.

use samtycke_shared::jose::VerifiedRequest;
use samtycke_shared::policy::LawfulBasis;
use samtycke_shared::receipt::{KANTARA_VERSION, PiiController, Service, ServicePurpose};
use samtycke_shared::{Policy, ReceiptClaims};

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
    let language = &asked.language;
    let fallback = policy.default_language();
    let text = |t: &samtycke_shared::LocalizedText| t.get(language, fallback).to_owned();
    let purposes = asked
        .decisions
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
    let sensitive = asked
        .decisions
        .keys()
        .filter_map(|id| policy.purpose(id))
        .any(|p| p.special_category);
    Ok(ReceiptClaims {
        jti: asked.receipt_id,
        iat: issued_at,
        iss: issuer.to_owned(),
        version: KANTARA_VERSION.into(),
        jurisdiction: policy.jurisdiction.clone(),
        consent_timestamp: asked.consent_timestamp,
        collection_method: asked.collection_method,
        consent_receipt_id: asked.receipt_id,
        public_key: serde_json::to_value(&request.device_key)?,
        language: language.clone(),
        pii_principal_id: request.subject.clone(),
        pii_controllers: vec![PiiController {
            pii_controller: policy.controller.name.clone(),
            contact: policy.controller.contact.clone(),
            address: policy.controller.address.clone(),
        }],
        policy_url: policy.policy_url.clone(),
        services: vec![Service {
            service: policy.site.to_string(),
            purposes,
        }],
        sensitive,
        site: asked.site.clone(),
        policy_version: asked.policy_version,
        policy_sha256: asked.policy_sha256.clone(),
        decisions: asked.decisions.clone(),
        gpc: asked.gpc,
        subject: request.subject.clone(),
        prev_receipt_hash: link.prev_receipt_sha256.clone(),
        sequence: link.sequence,
        request: jws.to_owned(),
    })
}
