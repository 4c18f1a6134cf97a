//! Sign → verify round trips, and every way a request or receipt must be refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;

use super::*;
use crate::ids::{PurposeId, ReceiptId, SiteId};
use crate::receipt::KANTARA_VERSION;
use crate::request::{CollectionMethod, Decision};

/// A fixed P-256 key, PKCS#8 DER in base64, test-only.
const P256_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgoLEaOHGc4fWRd84y\
R7nwa8pCqFZzHcKXE90VyqmTqQmhRANCAAT0gIqXLZiuW7Y21Z1tppw3i5waMRsg\
hCW1rAFlCG+9BBpk/2DFo47Z1SfPd8PlI6e3Qzt4AKk6R1/4DmcngcaI";

/// PKCS#8 v1 (no public key), the form jsonwebtoken reads.
fn ed25519_der(seed: u8) -> Vec<u8> {
    let pair = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: [seed; 32],
        public_key: None,
    };
    pair.to_pkcs8_der().expect("encodes").as_bytes().to_vec()
}

fn device(seed: u8) -> DeviceSigner {
    DeviceSigner::ed25519_from_pkcs8_der(&ed25519_der(seed)).expect("valid key")
}

fn request() -> ReceiptRequest {
    ReceiptRequest {
        receipt_id: ReceiptId::parse("3f1c8a52-8d7e-4f51-9a0e-3c0b1b7e2f10").expect("uuid"),
        site: SiteId::parse("demo").expect("slug"),
        policy_version: 3,
        policy_sha256: "ab".repeat(32),
        consent_timestamp: 1_763_850_000,
        collection_method: CollectionMethod::Banner,
        language: "sv".parse().expect("tag"),
        gpc: false,
        decisions: [
            (
                PurposeId::parse("analytics").expect("slug"),
                Decision::Granted,
            ),
            (
                PurposeId::parse("marketing-email").expect("slug"),
                Decision::Denied,
            ),
        ]
        .into(),
        identifier_commitments: vec![],
    }
}

/// Replaces one dot-separated part of a compact JWS.
fn with_part(jws: &str, index: usize, replacement: &str) -> String {
    let mut parts: Vec<&str> = jws.split('.').collect();
    parts[index] = replacement;
    parts.join(".")
}

fn encode_json(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[test]
fn an_ed25519_request_verifies_and_names_its_subject_by_thumbprint() {
    let signer = device(7);
    let jws = signer.sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    assert_eq!(verified.payload, request());
    assert_eq!(verified.subject, signer.subject());
    assert_eq!(verified.subject.len(), 43, "base64url of 32 bytes");
}

#[test]
fn an_es256_request_verifies() {
    let signer = DeviceSigner::es256_from_pkcs8_der(
        &base64::engine::general_purpose::STANDARD
            .decode(P256_PKCS8)
            .expect("base64"),
    )
    .expect("valid key");
    let jws = signer.sign(&request()).expect("signs");
    assert_eq!(
        verify_request(&jws).expect("verifies").subject,
        signer.subject()
    );
}

#[test]
fn a_tampered_payload_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let mut changed = serde_json::to_value(request()).expect("json");
    changed["decisions"]["marketing-email"] = "granted".into();
    let tampered = with_part(&jws, 1, &encode_json(&changed));
    assert!(matches!(
        verify_request(&tampered),
        Err(RequestError::BadSignature)
    ));
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let other = device(8).sign(&request()).expect("signs");
    // Header (and so jwk) of key 8, signature of key 7.
    let mixed = with_part(&other, 2, jws.split('.').nth(2).expect("three parts"));
    assert!(matches!(
        verify_request(&mixed),
        Err(RequestError::BadSignature)
    ));
}

#[test]
fn algorithms_other_than_eddsa_and_es256_are_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let header_json = URL_SAFE_NO_PAD
        .decode(jws.split('.').next().expect("header"))
        .expect("b64");
    for alg in ["HS256", "none", "RS256", "ES384"] {
        let mut header: serde_json::Value = serde_json::from_slice(&header_json).expect("json");
        header["alg"] = alg.into();
        let forged = with_part(&jws, 0, &encode_json(&header));
        assert!(
            matches!(
                verify_request(&forged),
                Err(RequestError::UnsupportedAlgorithm(_))
            ),
            "{alg} was not refused as an algorithm: {:?}",
            verify_request(&forged)
        );
    }
}

#[test]
fn an_es256_header_over_an_ed25519_key_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let header_json = URL_SAFE_NO_PAD
        .decode(jws.split('.').next().expect("header"))
        .expect("b64");
    let mut header: serde_json::Value = serde_json::from_slice(&header_json).expect("json");
    header["alg"] = "ES256".into();
    let forged = with_part(&jws, 0, &encode_json(&header));
    assert!(matches!(
        verify_request(&forged),
        Err(RequestError::KeyMismatch("P-256"))
    ));
}

#[test]
fn a_request_without_its_public_key_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let forged = with_part(
        &jws,
        0,
        &encode_json(&serde_json::json!({ "alg": "EdDSA" })),
    );
    assert!(matches!(
        verify_request(&forged),
        Err(RequestError::MissingKey)
    ));
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    for text in [
        "",
        "a.b",
        "...",
        "not base64.at all.!",
        "eyJhbGciOiJFZERTQSJ9",
    ] {
        assert!(verify_request(text).is_err(), "{text:?} was accepted");
    }
}

#[test]
fn a_signed_payload_that_is_not_a_request_is_a_payload_error() {
    let signer = device(7);
    let mut header = Header::new(Algorithm::EdDSA);
    header.jwk = Some(signer.jwk.clone());
    let jws = jsonwebtoken::encode(&header, &serde_json::json!({ "hello": 1 }), &signer.key)
        .expect("signs");
    assert!(matches!(
        verify_request(&jws),
        Err(RequestError::Payload(_))
    ));
}

fn receipt_for(verified: &VerifiedRequest, jws: &str) -> ReceiptClaims {
    let asked = &verified.payload;
    ReceiptClaims {
        jti: asked.receipt_id,
        iat: 1_763_850_001,
        iss: "http://127.0.0.1:8080".into(),
        version: KANTARA_VERSION.into(),
        jurisdiction: "SE".into(),
        consent_timestamp: asked.consent_timestamp,
        collection_method: asked.collection_method,
        consent_receipt_id: asked.receipt_id,
        public_key: serde_json::to_value(&verified.device_key).expect("json"),
        language: asked.language.clone(),
        pii_principal_id: verified.subject.clone(),
        pii_controllers: vec![],
        policy_url: "https://demo.example/privacy".into(),
        services: vec![],
        sensitive: false,
        site: asked.site.clone(),
        policy_version: asked.policy_version,
        policy_sha256: asked.policy_sha256.clone(),
        decisions: asked.decisions.clone(),
        gpc: asked.gpc,
        subject: verified.subject.clone(),
        prev_receipt_hash: None,
        sequence: 1,
        request: jws.to_owned(),
    }
}

fn collector() -> ReceiptSigner {
    ReceiptSigner::from_pkcs8_der(&ed25519_der(42)).expect("valid key")
}

fn jwks(signers: &[&ReceiptSigner]) -> JwkSet {
    JwkSet {
        keys: signers.iter().map(|s| s.public_jwk().clone()).collect(),
    }
}

#[test]
fn a_countersigned_receipt_verifies_with_the_published_jwks() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let signer = collector();
    let jwt = signer.sign(&receipt_for(&verified, &jws)).expect("signs");
    let receipt = verify_receipt(&jwt, &jwks(&[&signer])).expect("verifies");
    assert_eq!(receipt.kid, signer.kid());
    assert_eq!(receipt.claims.decisions, request().decisions);
    let header = jsonwebtoken::decode_header(&jwt).expect("header");
    assert_eq!(header.typ.as_deref(), Some("JWT"));
}

#[test]
fn a_receipt_signed_by_a_key_outside_the_jwks_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let jwt = collector()
        .sign(&receipt_for(&verified, &jws))
        .expect("signs");
    let other = ReceiptSigner::from_pkcs8_der(&ed25519_der(43)).expect("valid key");
    assert!(matches!(
        verify_receipt(&jwt, &jwks(&[&other])),
        Err(ReceiptError::UnknownKey(_))
    ));
}

#[test]
fn a_tampered_receipt_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let signer = collector();
    let jwt = signer.sign(&receipt_for(&verified, &jws)).expect("signs");
    let mut claims = serde_json::to_value(receipt_for(&verified, &jws)).expect("json");
    claims["sequence"] = 2.into();
    let tampered = with_part(&jwt, 1, &encode_json(&claims));
    assert!(matches!(
        verify_receipt(&tampered, &jwks(&[&signer])),
        Err(ReceiptError::BadSignature(_))
    ));
}

#[test]
fn a_receipt_that_misstates_the_visitors_decision_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let mut claims = receipt_for(&verified, &jws);
    claims.decisions.insert(
        PurposeId::parse("marketing-email").expect("slug"),
        Decision::Granted,
    );
    let signer = collector();
    let jwt = signer.sign(&claims).expect("signs");
    assert!(matches!(
        verify_receipt(&jwt, &jwks(&[&signer])),
        Err(ReceiptError::Mismatch("decisions"))
    ));
}
