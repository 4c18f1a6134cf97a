//! Salted commitments: they bind a signed consent to an identifier (an e-mail address) without
//! putting the identifier in the receipt. The salt lives in the subject's encrypted vault and dies
//! with it on erasure, after which the commitment names no one.
//!
//! What is hashed ([`preimage`]) is defined here for every build; the widget, built without the
//! `crypto` feature, hands it to the browser's WebCrypto, the collector hashes it with
//! [`commitment`].

#[cfg(feature = "crypto")]
use base64::Engine as _;
#[cfg(feature = "crypto")]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(feature = "crypto")]
use sha2::{Digest, Sha256};

/// Normalises an identifier's value the way every commitment does: e-mail addresses are trimmed
/// and lower-cased; other kinds are trimmed.
pub fn normalise(kind: &str, value: &str) -> String {
    match kind {
        "email" => value.trim().to_lowercase(),
        _ => value.trim().to_owned(),
    }
}

/// The text a commitment hashes: `type + ":" + normalised value + ":" + salt` (DESIGN.md §7).
pub fn preimage(kind: &str, value: &str, salt: &str) -> String {
    format!("{kind}:{}:{salt}", normalise(kind, value))
}

/// `base64url(SHA-256(UTF-8 of type + ":" + normalised value + ":" + salt))`, unpadded; the salt is
/// taken as the base64url text sent (DESIGN.md §7).
#[cfg(feature = "crypto")]
pub fn commitment(kind: &str, value: &str, salt: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(preimage(kind, value, salt).as_bytes()))
}

/// Whether a salt is base64url of exactly 16 bytes.
#[cfg(feature = "crypto")]
pub fn is_valid_salt(salt: &str) -> bool {
    URL_SAFE_NO_PAD
        .decode(salt)
        .is_ok_and(|bytes| bytes.len() == 16)
}

#[cfg(all(test, feature = "crypto"))]
mod tests {
    use super::*;

    #[test]
    fn the_preimage_is_type_normalised_value_and_salt() {
        assert_eq!(
            preimage("email", " Anna@Example.SE ", "AAAA"),
            "email:anna@example.se:AAAA"
        );
    }

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
