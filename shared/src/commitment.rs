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
/// and lower-cased, and their domain written in its ASCII (IDNA, punycode) form; other kinds
/// are trimmed.
pub fn normalise(kind: &str, value: &str) -> String {
    match kind {
        "email" | "guardian-email" => normalise_email(value),
        _ => value.trim().to_owned(),
    }
}

/// `Anna@Exämple.SE` and `anna@xn--exmple-cua.se` are one mailbox, so they must be one
/// commitment and one blind index. The domain goes through the URL Standard's "domain to
/// ASCII", exactly as the browser's `URL` parser runs it in the bridge (`normaliseEmail`); a
/// domain it refuses is left as it is, and the address's plausibility check then refuses it.
fn normalise_email(value: &str) -> String {
    let lowered = value.trim().to_lowercase();
    let Some((local, domain)) = lowered.rsplit_once('@') else {
        return lowered;
    };
    match idna::domain_to_ascii_cow(domain.as_bytes(), idna::AsciiDenyList::URL) {
        Ok(ascii) if !ascii.is_empty() => format!("{local}@{ascii}"),
        _ => lowered,
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
    fn an_internationalised_domain_and_its_punycode_are_one_address() {
        assert_eq!(
            normalise("email", " Anna@Exämple.SE "),
            "anna@xn--exmple-cua.se"
        );
        assert_eq!(
            normalise("email", "anna@xn--exmple-cua.se"),
            "anna@xn--exmple-cua.se"
        );
        let salt = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            commitment("email", "anna@exämple.se", salt),
            commitment("email", "ANNA@XN--EXMPLE-CUA.SE", salt)
        );
        // Full-width dots and letters map as the URL parser maps them.
        assert_eq!(
            normalise("email", "anna@ｅｘａｍｐｌｅ。se"),
            "anna@example.se"
        );
        // What the URL parser refuses stays as typed (and is then no plausible address).
        assert_eq!(normalise("email", "anna@exa mple.se"), "anna@exa mple.se");
        // The local part is only lower-cased.
        assert_eq!(normalise("email", "Ä@example.se"), "ä@example.se");
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
