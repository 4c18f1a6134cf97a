//! The visitor's device key, read from the JWS header's `jwk` strictly, and signatures checked
//! strictly against it. Lenient verification is what lets anyone mint receipts without a key:
//! an Ed25519 key of small order (the identity point, say) with a matching degenerate signature
//! verifies for every message under the cofactored or unreduced checks many libraries make. So
//! Ed25519 keys must be canonical and not of small order and signatures are checked with
//! `verify_strict`; P-256 keys must be points on the curve given as full-length coordinates, and
//! signatures must have `r` and `s` in `1..n` (the `p256` crate's own checks).

use p256::ecdsa::signature::Verifier as _;
use serde_json::{Map, Value};

use super::compact::{Part, decode};

/// Why a `jwk` is not a device key this collector takes. Messages name members, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// `jwk` is not a JSON object.
    #[error("jwk is not a JSON object")]
    NotObject,
    /// The key carries a private part (`d`, or RSA's private members): the visitor's private
    /// key must never leave the device, and would otherwise be stored and returned in a receipt.
    #[error("jwk carries the private member {0}; send the public key only")]
    PrivateMember(&'static str),
    /// A member other than `kty`, `crv`, `x` (and `y` for P-256).
    #[error("jwk has a member other than kty, crv and x (and y for P-256)")]
    UnexpectedMember,
    /// `kty` and `crv` are not those of the header's `alg`.
    #[error("jwk is not a {0} public key")]
    WrongType(&'static str),
    /// A coordinate is missing, not base64url, or not full length.
    #[error("jwk member {0} is not the base64url of {1} bytes")]
    BadCoordinate(&'static str, usize),
    /// The coordinates are not a point of the curve, or not its canonical encoding.
    #[error("jwk is not a canonical point of {0}")]
    NotOnCurve(&'static str),
    /// An Ed25519 point of small order: it "verifies" signatures nobody made.
    #[error("jwk is an Ed25519 point of small order, which no private key stands behind")]
    WeakKey,
}

/// Private members of any JWK key type (RFC 7517/7518): never accepted in a device key.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "oth"];

/// A device public key that passed every check.
#[derive(Debug, Clone)]
pub enum DeviceKey {
    /// EdDSA over Ed25519 (RFC 8037).
    Ed25519(ed25519_dalek::VerifyingKey),
    /// ECDSA over P-256 with SHA-256.
    P256(p256::ecdsa::VerifyingKey),
}

impl DeviceKey {
    /// Reads the `jwk` for `alg` (`EdDSA` or `ES256`), refusing private, unexpected, short,
    /// non-canonical and weak keys.
    pub fn from_jwk(jwk: &Value, alg: &str) -> Result<Self, KeyProblem> {
        let members = jwk.as_object().ok_or(KeyProblem::NotObject)?;
        if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| members.contains_key(**m)) {
            return Err(KeyProblem::PrivateMember(private));
        }
        if alg == "EdDSA" {
            only_members(members, &["kty", "crv", "x"])?;
            key_type(members, "OKP", "Ed25519")?;
            ed25519(&coordinate(members, "x")?).map(DeviceKey::Ed25519)
        } else {
            only_members(members, &["kty", "crv", "x", "y"])?;
            key_type(members, "EC", "P-256")?;
            p256_key(&coordinate(members, "x")?, &coordinate(members, "y")?).map(DeviceKey::P256)
        }
    }

    /// Whether `signature` (the JWS's raw signature bytes) is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            DeviceKey::Ed25519(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
            // `from_slice` refuses r or s outside 1..n. High-s signatures are accepted: WebCrypto
            // makes them half the time, and a second signature over the same request is no
            // forgery (the same receipt id with another JWS is a 409).
            DeviceKey::P256(key) => p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
        }
    }
}

/// Refuses any member not in `allowed`.
fn only_members(members: &Map<String, Value>, allowed: &[&str]) -> Result<(), KeyProblem> {
    match members.keys().all(|name| allowed.contains(&name.as_str())) {
        true => Ok(()),
        false => Err(KeyProblem::UnexpectedMember),
    }
}

fn key_type(members: &Map<String, Value>, kty: &str, crv: &'static str) -> Result<(), KeyProblem> {
    let is = |name: &str, want: &str| members.get(name).and_then(Value::as_str) == Some(want);
    match is("kty", kty) && is("crv", crv) {
        true => Ok(()),
        false => Err(KeyProblem::WrongType(crv)),
    }
}

/// A 32-byte coordinate, as every member these curves have is.
fn coordinate(members: &Map<String, Value>, name: &'static str) -> Result<[u8; 32], KeyProblem> {
    let bad = KeyProblem::BadCoordinate(name, 32);
    let text = members
        .get(name)
        .and_then(Value::as_str)
        .ok_or(bad.clone())?;
    let bytes = decode(text, Part::Header).map_err(|_| bad.clone())?;
    bytes.try_into().map_err(|_| bad)
}

/// An Ed25519 public key from a JWK's `x`, with the same checks as a device key's: receipts'
/// keys in a JWKS are held to them too.
pub fn ed25519_from_x(x: &str) -> Result<ed25519_dalek::VerifyingKey, KeyProblem> {
    let bad = KeyProblem::BadCoordinate("x", 32);
    let bytes = decode(x, Part::Header).map_err(|_| bad.clone())?;
    ed25519(&bytes.try_into().map_err(|_| bad)?)
}

fn ed25519(x: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey, KeyProblem> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(x)
        .map_err(|_| KeyProblem::NotOnCurve("Ed25519"))?;
    // Decompression accepts a y at or above the field prime; re-encoding shows it.
    if key.to_edwards().compress().to_bytes() != *x {
        return Err(KeyProblem::NotOnCurve("Ed25519"));
    }
    if key.is_weak() {
        return Err(KeyProblem::WeakKey);
    }
    Ok(key)
}

fn p256_key(x: &[u8; 32], y: &[u8; 32]) -> Result<p256::ecdsa::VerifyingKey, KeyProblem> {
    let point = p256::EncodedPoint::from_affine_coordinates(x.into(), y.into(), false);
    // Refuses coordinates at or above the field prime, points off the curve and the identity.
    p256::ecdsa::VerifyingKey::from_encoded_point(&point)
        .map_err(|_| KeyProblem::NotOnCurve("P-256"))
}
