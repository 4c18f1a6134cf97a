//! Verifying a receipt: the collector's signature under a key of the JWKS, read as strictly as
//! a visitor's request; the visitor's request inside it; and that the two say the same thing.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use serde_json::Value;

use super::compact::{CompactJws, Part, unique_value};
use super::device_key::ed25519_from_x;
use super::request::{RequestError, VerifiedRequest, verify_request};
use crate::receipt::ReceiptClaims;
use crate::wire_error::WireError;

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Not a compact JWT.
    #[error("receipt is not a compact JWT: {0}")]
    Malformed(String),
    /// Receipts are signed with EdDSA only.
    #[error("receipt algorithm is not EdDSA")]
    WrongAlgorithm,
    /// The header names no key, or a key the JWKS does not hold as an Ed25519 key.
    #[error("receipt key {0:?} is not an Ed25519 key of the JWKS")]
    UnknownKey(String),
    /// The collector's signature does not verify.
    #[error("receipt signature does not verify with key {0}")]
    BadSignature(String),
    /// The signed claims are not a receipt.
    #[error("receipt claims are not valid: {0}")]
    Claims(String),
    /// The visitor's request inside the receipt does not verify.
    #[error("the visitor's request inside the receipt does not verify: {0}")]
    Request(#[from] RequestError),
    /// The receipt says something its embedded request does not.
    #[error("receipt claim {0} disagrees with the visitor's signed request")]
    Mismatch(&'static str),
    /// A page's receipt without the visitor's request, or a collector-issued one with one or
    /// without its evidence.
    #[error("receipt {0}")]
    Provenance(&'static str),
}

/// A receipt whose collector signature and embedded request both verified.
#[derive(Debug, Clone)]
pub struct VerifiedReceipt {
    /// The receipt's claims.
    pub claims: ReceiptClaims,
    /// The key id that signed it.
    pub kid: String,
    /// The visitor's request, verified; `None` for a receipt the collector issued on its own
    /// (its `evidence` says what it relied on).
    pub request: Option<VerifiedRequest>,
}

/// Verifies a receipt against a JWKS: the collector's signature, the visitor's embedded request,
/// and that the two say the same thing.
pub fn verify_receipt(jwt: &str, keys: &JwkSet) -> Result<VerifiedReceipt, ReceiptError> {
    let parts = CompactJws::parse(jwt).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    if parts.header.contains_key("crit") || parts.header.contains_key("b64") {
        return Err(ReceiptError::Malformed(
            "the header has crit or b64; receipts use no JWS extension".to_owned(),
        ));
    }
    if parts.header.get("alg").and_then(Value::as_str) != Some("EdDSA") {
        return Err(ReceiptError::WrongAlgorithm);
    }
    let kid = parts
        .header
        .get("kid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let unknown = || ReceiptError::UnknownKey(kid.clone());
    let key = match keys.find(&kid).map(|jwk| &jwk.algorithm) {
        Some(AlgorithmParameters::OctetKeyPair(okp)) if okp.curve == EllipticCurve::Ed25519 => {
            ed25519_from_x(&okp.x).map_err(|_| unknown())?
        }
        _ => return Err(unknown()),
    };
    let signature = ed25519_dalek::Signature::from_slice(&parts.signature)
        .map_err(|_| ReceiptError::BadSignature(kid.clone()))?;
    key.verify_strict(parts.signing_input, &signature)
        .map_err(|_| ReceiptError::BadSignature(kid.clone()))?;
    let claims = unique_value(&parts.payload, Part::Payload)
        .map_err(|e| ReceiptError::Claims(e.to_string()))?;
    let claims: ReceiptClaims =
        WireError::from_value(claims).map_err(|e| ReceiptError::Claims(e.to_string()))?;
    let request = match (
        &claims.request,
        claims.collection_method.issued_by_collector(),
    ) {
        (Some(jws), false) => {
            let request = verify_request(jws)?;
            check_receipt_matches_request(&claims, &request)?;
            Some(request)
        }
        (None, true) => {
            if claims.evidence.is_none() {
                return Err(ReceiptError::Provenance(
                    "was issued by the collector but names no evidence",
                ));
            }
            if claims.public_key.is_some() {
                return Err(ReceiptError::Provenance(
                    "was issued by the collector but names a device key",
                ));
            }
            if claims.subject != claims.pii_principal_id || claims.jti != claims.consent_receipt_id
            {
                return Err(ReceiptError::Mismatch("subject"));
            }
            None
        }
        (Some(_), true) => {
            return Err(ReceiptError::Provenance(
                "was issued by the collector but embeds a visitor's request",
            ));
        }
        (None, false) => {
            return Err(ReceiptError::Provenance(
                "was collected in a page but lacks the visitor's signed request",
            ));
        }
    };
    Ok(VerifiedReceipt {
        claims,
        kid,
        request,
    })
}

fn check_receipt_matches_request(
    claims: &ReceiptClaims,
    request: &VerifiedRequest,
) -> Result<(), ReceiptError> {
    let asked = &request.payload;
    let checks: [(&'static str, bool); 10] = [
        ("jti", claims.jti == asked.receipt_id),
        (
            "consentReceiptID",
            claims.consent_receipt_id == asked.receipt_id,
        ),
        ("site", claims.site == asked.site),
        (
            "policyVersion",
            claims.policy_version == asked.policy_version,
        ),
        ("policySha256", claims.policy_sha256 == asked.policy_sha256),
        ("decisions", claims.decisions == asked.decisions),
        ("gpc", claims.gpc == asked.gpc),
        (
            "consentTimestamp",
            claims.consent_timestamp == asked.consent_timestamp,
        ),
        (
            "collectionMethod",
            claims.collection_method == asked.collection_method,
        ),
        (
            "subject",
            claims.subject == request.subject && claims.pii_principal_id == request.subject,
        ),
    ];
    match checks.into_iter().find(|(_, ok)| !ok) {
        Some((name, _)) => Err(ReceiptError::Mismatch(name)),
        None => Ok(()),
    }
}
