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

use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use sha2::{Digest, Sha256};

pub use compact::{CompactError, Part};
pub use device_key::KeyProblem;
pub use receipt::{ReceiptError, VerifiedReceipt, verify_receipt};
pub use request::{RequestError, VerifiedRequest, verify_request};
pub use signers::{DeviceSigner, KeyError, ReceiptSigner};

/// RFC 7638 SHA-256 thumbprint, base64url.
pub fn thumbprint(jwk: &Jwk) -> Result<String, jsonwebtoken::errors::Error> {
    jwk.thumbprint(ThumbprintHash::SHA256)
}

/// Hex SHA-256 of a text, as receipts chain and cite documents.
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

#[cfg(test)]
mod tests;
