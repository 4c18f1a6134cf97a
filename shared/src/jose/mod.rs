//! JOSE for receipts: verifying the visitor's signed request, and signing and verifying the
//! collector's receipt. Signing and the JWK types come from `jsonwebtoken` (RustCrypto backend);
//! verification reads every JWS strictly and checks signatures with `ed25519-dalek`'s
//! `verify_strict` and `p256`, because what the collector countersigns must have one reading and
//! a signer who holds a private key.

mod compact;
mod device_key;
mod receipt;
mod request;
mod signers;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use sha2::{Digest, Sha256};

pub use compact::{CompactError, Part};
pub use device_key::KeyProblem;
pub use receipt::{ReceiptError, VerifiedReceipt, verify_receipt};
pub use request::{RequestError, VerifiedRequest, verify_request};
pub use signers::{DeviceSigner, KeyError, ReceiptSigner};

/// RFC 7638 SHA-256 thumbprint, base64url: the SHA-256 of the key's required members in
/// lexicographic order without whitespace, written exactly as `Jwk::thumbprint` writes them, for
/// the keys receipts use (Ed25519 and the NIST curves). Not `Jwk::thumbprint` itself: it hashes
/// through `jsonwebtoken`'s crypto provider, which links every signer (RSA, P-384 …) into a
/// wasm that verifies receipts (the console's grew by 250 KB brotli). A test holds the two
/// equal.
pub fn thumbprint(jwk: &Jwk) -> Result<String, JwtError> {
    let members = match &jwk.algorithm {
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => format!(
            r#"{{"crv":{},"kty":{},"x":"{}"}}"#,
            text(&okp.curve)?,
            text(&okp.key_type)?,
            okp.x
        ),
        AlgorithmParameters::EllipticCurve(ec) if ec.curve != EllipticCurve::Ed25519 => format!(
            r#"{{"crv":{},"kty":{},"x":"{}","y":"{}"}}"#,
            text(&ec.curve)?,
            text(&ec.key_type)?,
            ec.x,
            ec.y
        ),
        _ => return Err(ErrorKind::InvalidKeyFormat.into()),
    };
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(members.as_bytes())))
}

/// A thumbprint member's JSON text (a curve's or key type's name).
fn text<T: serde::Serialize>(value: &T) -> Result<String, JwtError> {
    serde_json::to_string(value).map_err(|_| ErrorKind::InvalidKeyFormat.into())
}

/// Hex SHA-256 of a text, as receipts chain and cite documents.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

#[cfg(test)]
mod tests;
