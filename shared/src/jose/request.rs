//! Verifying a visitor's signed consent request: a compact JWS whose protected header holds
//! `alg` (`EdDSA` or `ES256`) and the device public key as `jwk`, and whose payload is a
//! [`ReceiptRequest`]. Everything is read strictly (see `compact.rs` and `device_key.rs`): what
//! the collector countersigns must have exactly one reading.

use serde_json::Value;

use super::compact::{CompactError, CompactJws, Part, unique_value};
use super::device_key::{DeviceKey, KeyProblem};
use super::thumbprint;
use crate::request::ReceiptRequest;
use crate::wire_error::WireError;

/// Header members a request may carry. Anything else is refused: unknown parameters are
/// ignorable under RFC 7515 only when not critical, and a request needs no other.
const HEADER_MEMBERS: [&str; 3] = ["alg", "jwk", "typ"];

/// Why a visitor's signed request is refused. No message quotes a value from the request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a compact JWS with a JSON header.
    #[error("request is not a compact JWS: {0}")]
    Malformed(CompactError),
    /// Only EdDSA (Ed25519) and ES256 device keys are accepted.
    #[error("request algorithm is not accepted; use EdDSA or ES256")]
    UnsupportedAlgorithm,
    /// The header lists critical extensions (`crit`); this collector understands none, so
    /// RFC 7515 §4.1.11 says to refuse.
    #[error("request header has crit; no JWS extension is supported")]
    CriticalExtension,
    /// The header asks for an unencoded payload (`b64`, RFC 7797), which requests never use.
    #[error("request header has b64; the payload must be base64url-encoded")]
    UnencodedPayload,
    /// The header has a member other than `alg`, `jwk` and `typ`.
    #[error("request header has a member other than alg, jwk and typ")]
    UnexpectedHeader,
    /// The device's public key must travel in the protected header.
    #[error("request header carries no jwk (the device public key)")]
    MissingKey,
    /// The `jwk` is not an acceptable public key for the header's `alg`.
    #[error("request {0}")]
    Key(KeyProblem),
    /// The signature does not verify with the key in the header.
    #[error("request signature does not verify")]
    BadSignature,
    /// The payload is signed correctly but is not a consent request.
    #[error("the signed payload is not a consent request: {0}")]
    Payload(WireError),
}

/// A request whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    /// What the visitor decided.
    pub payload: ReceiptRequest,
    /// The device public key (JWK), the visitor's pseudonymous identity.
    pub device_key: jsonwebtoken::jwk::Jwk,
    /// RFC 7638 SHA-256 thumbprint of the device key: the subject's pseudonym.
    pub subject: String,
}

/// Verifies a visitor's compact JWS request and returns its payload.
pub fn verify_request(jws: &str) -> Result<VerifiedRequest, RequestError> {
    let parts = CompactJws::parse(jws).map_err(RequestError::Malformed)?;
    let header = &parts.header;
    if header.contains_key("crit") {
        return Err(RequestError::CriticalExtension);
    }
    if header.contains_key("b64") {
        return Err(RequestError::UnencodedPayload);
    }
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some(alg @ ("EdDSA" | "ES256")) => alg,
        _ => return Err(RequestError::UnsupportedAlgorithm),
    };
    if !header
        .keys()
        .all(|name| HEADER_MEMBERS.contains(&name.as_str()))
    {
        return Err(RequestError::UnexpectedHeader);
    }
    let jwk = header.get("jwk").ok_or(RequestError::MissingKey)?;
    let key = DeviceKey::from_jwk(jwk, alg).map_err(RequestError::Key)?;
    if !key.verifies(parts.signing_input, &parts.signature) {
        return Err(RequestError::BadSignature);
    }
    let payload = unique_value(&parts.payload, Part::Payload).map_err(|err| match err {
        CompactError::Json(_) => RequestError::Payload(WireError::not_json()),
        other => RequestError::Malformed(other),
    })?;
    let payload = WireError::from_value(payload).map_err(RequestError::Payload)?;
    let device_key: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwk.clone())
        .map_err(|_| RequestError::Key(KeyProblem::NotObject))?;
    let subject = thumbprint(&device_key).map_err(|_| RequestError::Key(KeyProblem::NotObject))?;
    Ok(VerifiedRequest {
        payload,
        device_key,
        subject,
    })
}
