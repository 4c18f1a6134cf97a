//! JOSE for receipts: verifying the visitor's signed request, and signing and verifying the
//! collector's receipt. All of it goes through `jsonwebtoken` (RustCrypto backend); this module
//! only decides which algorithms and keys are acceptable and what the claims must agree on.

use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sha2::{Digest, Sha256};

use crate::receipt::ReceiptClaims;
use crate::request::ReceiptRequest;

/// Why a visitor's signed request is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a compact JWS with a JSON header.
    #[error("request is not a compact JWS: {0}")]
    Malformed(String),
    /// Only EdDSA (Ed25519) and ES256 device keys are accepted.
    #[error("request algorithm {0} is not accepted; use EdDSA or ES256")]
    UnsupportedAlgorithm(String),
    /// The device's public key must travel in the protected header.
    #[error("request header carries no jwk (the device public key)")]
    MissingKey,
    /// The `jwk` is not a key for the header's `alg`.
    #[error("request jwk is not a {0} public key")]
    KeyMismatch(&'static str),
    /// The signature does not verify with the key in the header.
    #[error("request signature does not verify")]
    BadSignature,
    /// The payload is signed correctly but is not a consent request.
    #[error("request payload is not a consent request: {0}")]
    Payload(serde_json::Error),
}

/// A request whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedRequest {
    /// What the visitor decided.
    pub payload: ReceiptRequest,
    /// The device public key (JWK), the visitor's pseudonymous identity.
    pub device_key: Jwk,
    /// RFC 7638 SHA-256 thumbprint of the device key: the subject's pseudonym.
    pub subject: String,
}

/// Verifies a visitor's compact JWS request and returns its payload.
pub fn verify_request(jws: &str) -> Result<VerifiedRequest, RequestError> {
    // The algorithm is checked on the raw header first, so that any other `alg`, known to
    // jsonwebtoken or not (`none`), gets the same clear refusal.
    match raw_alg(jws)?.as_str() {
        "EdDSA" | "ES256" => {}
        other => return Err(RequestError::UnsupportedAlgorithm(other.to_owned())),
    }
    let header =
        jsonwebtoken::decode_header(jws).map_err(|err| RequestError::Malformed(err.to_string()))?;
    let jwk = header.jwk.ok_or(RequestError::MissingKey)?;
    let (alg, expected) = match header.alg {
        Algorithm::EdDSA => (Algorithm::EdDSA, "Ed25519"),
        Algorithm::ES256 => (Algorithm::ES256, "P-256"),
        other => return Err(RequestError::UnsupportedAlgorithm(format!("{other:?}"))),
    };
    let curve_fits = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::OctetKeyPair(p), Algorithm::EdDSA) => {
            p.curve == EllipticCurve::Ed25519
        }
        (AlgorithmParameters::EllipticCurve(p), Algorithm::ES256) => p.curve == EllipticCurve::P256,
        _ => false,
    };
    if !curve_fits {
        return Err(RequestError::KeyMismatch(expected));
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| RequestError::KeyMismatch(expected))?;
    let data = jsonwebtoken::decode::<serde_json::Value>(jws, &key, &plain_jws_validation(alg))
        .map_err(|err| match err.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => RequestError::BadSignature,
            jsonwebtoken::errors::ErrorKind::InvalidEcdsaKey
            | jsonwebtoken::errors::ErrorKind::InvalidEddsaKey => {
                RequestError::KeyMismatch(expected)
            }
            _ => RequestError::Malformed(err.to_string()),
        })?;
    let payload = serde_json::from_value(data.claims).map_err(RequestError::Payload)?;
    let subject = thumbprint(&jwk).map_err(|_| RequestError::KeyMismatch(expected))?;
    Ok(VerifiedRequest {
        payload,
        device_key: jwk,
        subject,
    })
}

/// The `alg` as written in the protected header.
fn raw_alg(jws: &str) -> Result<String, RequestError> {
    use base64::Engine as _;
    let malformed = |why: &str| RequestError::Malformed(why.to_owned());
    if jws.split('.').count() != 3 {
        return Err(malformed("expected three dot-separated parts"));
    }
    let header = jws.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| malformed("header is not base64url"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| malformed("header is not JSON"))?;
    value
        .get("alg")
        .and_then(|alg| alg.as_str())
        .map(str::to_owned)
        .ok_or_else(|| malformed("header has no alg"))
}

/// Validation for a JWS that is not a JWT: signature and algorithm only, no time claims.
fn plain_jws_validation(alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation
}

/// RFC 7638 SHA-256 thumbprint, base64url.
pub fn thumbprint(jwk: &Jwk) -> Result<String, jsonwebtoken::errors::Error> {
    jwk.thumbprint(ThumbprintHash::SHA256)
}

/// Hex SHA-256 of a text, as receipts chain and cite documents.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// Why a collector key cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key: {0}")]
    Invalid(jsonwebtoken::errors::Error),
}

/// The collector's receipt-signing key.
#[derive(Clone)]
pub struct ReceiptSigner {
    key: EncodingKey,
    public: Jwk,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("ReceiptSigner")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl ReceiptSigner {
    /// Loads an Ed25519 private key in PKCS#8 v1 DER (RFC 8410, without the optional public key:
    /// the form `jsonwebtoken` reads).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = EncodingKey::from_ed_der(der);
        let mut public =
            Jwk::from_encoding_key(&key, Algorithm::EdDSA).map_err(KeyError::Invalid)?;
        let kid = thumbprint(&public).map_err(KeyError::Invalid)?;
        public.common = CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::EdDSA),
            key_id: Some(kid),
            ..CommonParameters::default()
        };
        Ok(Self { key, public })
    }

    /// The key id: the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        self.public.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public key as published in the JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Signs receipt claims as a compact JWT.
    pub fn sign(&self, claims: &ReceiptClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some("JWT".into());
        header.kid = Some(self.kid().to_owned());
        jsonwebtoken::encode(&header, claims, &self.key)
    }
}

/// A device key outside the browser: tests, and clients that are not the widget, sign requests
/// with it exactly as the widget's WebCrypto key does.
#[derive(Clone)]
pub struct DeviceSigner {
    key: EncodingKey,
    alg: Algorithm,
    jwk: Jwk,
}

impl std::fmt::Debug for DeviceSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSigner")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl DeviceSigner {
    /// An Ed25519 (EdDSA) device key from PKCS#8 DER.
    pub fn ed25519_from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::new(EncodingKey::from_ed_der(der), Algorithm::EdDSA)
    }

    /// A P-256 (ES256) device key from PKCS#8 DER.
    pub fn es256_from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        Self::new(EncodingKey::from_ec_der(der), Algorithm::ES256)
    }

    fn new(key: EncodingKey, alg: Algorithm) -> Result<Self, KeyError> {
        let mut jwk = Jwk::from_encoding_key(&key, alg).map_err(KeyError::Invalid)?;
        // The widget sends the bare public key; so does this.
        jwk.common = CommonParameters::default();
        Ok(Self { key, alg, jwk })
    }

    /// The subject pseudonym the collector will derive from this key.
    pub fn subject(&self) -> String {
        thumbprint(&self.jwk).unwrap_or_default()
    }

    /// Signs a request as a compact JWS with the public key in the header.
    pub fn sign(&self, request: &ReceiptRequest) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.alg);
        header.typ = None;
        header.jwk = Some(self.jwk.clone());
        jsonwebtoken::encode(&header, request, &self.key)
    }
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiptError {
    /// Not a compact JWT.
    #[error("receipt is not a compact JWT: {0}")]
    Malformed(String),
    /// Receipts are signed with EdDSA only.
    #[error("receipt algorithm {0:?} is not EdDSA")]
    WrongAlgorithm(Algorithm),
    /// The header names no key, or a key the JWKS does not hold.
    #[error("receipt key {0:?} is not in the JWKS")]
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
}

/// A receipt whose collector signature and embedded request both verified.
#[derive(Debug, Clone)]
pub struct VerifiedReceipt {
    /// The receipt's claims.
    pub claims: ReceiptClaims,
    /// The key id that signed it.
    pub kid: String,
    /// The visitor's request, verified.
    pub request: VerifiedRequest,
}

/// Verifies a receipt against a JWKS: the collector's signature, the visitor's embedded request,
/// and that the two say the same thing.
pub fn verify_receipt(jwt: &str, keys: &JwkSet) -> Result<VerifiedReceipt, ReceiptError> {
    let header =
        jsonwebtoken::decode_header(jwt).map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    if header.alg != Algorithm::EdDSA {
        return Err(ReceiptError::WrongAlgorithm(header.alg));
    }
    let kid = header.kid.unwrap_or_default();
    let jwk = keys
        .find(&kid)
        .ok_or_else(|| ReceiptError::UnknownKey(kid.clone()))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| ReceiptError::UnknownKey(kid.clone()))?;
    let mut validation = plain_jws_validation(Algorithm::EdDSA);
    validation.set_required_spec_claims(&["iat", "jti", "iss"]);
    let data = jsonwebtoken::decode::<ReceiptClaims>(jwt, &key, &validation).map_err(|err| {
        match err.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                ReceiptError::BadSignature(kid.clone())
            }
            jsonwebtoken::errors::ErrorKind::Json(_)
            | jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(_) => {
                ReceiptError::Claims(err.to_string())
            }
            _ => ReceiptError::Malformed(err.to_string()),
        }
    })?;
    let claims = data.claims;
    let request = verify_request(&claims.request)?;
    check_receipt_matches_request(&claims, &request)?;
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

#[cfg(test)]
#[path = "jose_tests.rs"]
mod tests;
