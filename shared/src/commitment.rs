//! Salted commitments: they bind a signed consent to an identifier (an e-mail address) without
//! putting the identifier in the receipt. The salt lives in the subject's encrypted vault and dies
//! with it on erasure, after which the commitment names no one.
//!
//! The widget computes the same in the browser (`commitEmail` in `widget/js/bridge.js`, with
//! WebCrypto): Rust's Unicode lower-casing alone would add some 10 KB to its wasm.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Normalises an identifier's value the way every commitment does: e-mail addresses are trimmed
/// and lower-cased; other kinds are trimmed.
pub fn normalise(kind: &str, value: &str) -> String {
    match kind {
        "email" => value.trim().to_lowercase(),
        _ => value.trim().to_owned(),
    }
}

/// `base64url(SHA-256(UTF-8 of type + ":" + normalised value + ":" + salt))`, unpadded; the salt is
/// taken as the base64url text sent (DESIGN.md §7).
pub fn commitment(kind: &str, value: &str, salt: &str) -> String {
    let text = format!("{kind}:{}:{salt}", normalise(kind, value));
    URL_SAFE_NO_PAD.encode(Sha256::digest(text.as_bytes()))
}

/// Whether a salt is base64url of exactly 16 bytes.
pub fn is_valid_salt(salt: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(salt)
        .is_ok_and(|bytes| bytes.len() == 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_commitments_ignore_case_and_surrounding_space() {
        let salt = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            commitment("email", " Anna@Example.se ", salt),
            commitment("email", "anna@example.se", salt)
        );
    }

    #[test]
    fn a_commitment_matches_the_wire_contract_formula() {
        // SHA-256("email:anna@example.se:AAAAAAAAAAAAAAAAAAAAAA"), computed independently.
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(
            b"email:anna@example.se:AAAAAAAAAAAAAAAAAAAAAA",
        ));
        assert_eq!(
            commitment("email", "anna@example.se", "AAAAAAAAAAAAAAAAAAAAAA"),
            expected
        );
        assert!(!expected.contains('='));
    }

    #[test]
    fn salts_must_be_sixteen_bytes_of_unpadded_base64url() {
        assert!(is_valid_salt("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_salt("AAAAAAAAAAAAAAAAAAAAAA=="));
        assert!(!is_valid_salt("AAAA"));
    }
}
