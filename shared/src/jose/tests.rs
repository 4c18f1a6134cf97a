//! Sign → verify round trips, and every way a request or receipt must be refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;

use ed25519_dalek::Signer as _;
use jsonwebtoken::jwk::JwkSet;

use super::*;
use crate::ids::{PurposeId, ReceiptId, SiteId};
use crate::receipt::KANTARA_VERSION;
use crate::receipt::{Evidence, ReceiptClaims};
use crate::request::Decision;
use crate::request::{CollectionMethod, ReceiptRequest};

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
        age: None,
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
                Err(RequestError::UnsupportedAlgorithm)
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
        Err(RequestError::Key(KeyProblem::WrongType("P-256")))
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
    let jws = signed_raw(7, &ed25519_header(7), r#"{"hello": 1}"#);
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
        public_key: Some(serde_json::to_value(&verified.device_key).expect("json")),
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
        request: Some(jws.to_owned()),
        evidence: None,
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
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
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

/// A receipt the collector issues on its own: an import's, naming its evidence.
fn imported(verified: &VerifiedRequest, jws: &str) -> ReceiptClaims {
    ReceiptClaims {
        collection_method: CollectionMethod::Import,
        public_key: None,
        request: None,
        evidence: Some(Evidence {
            operator: "cli".into(),
            file_sha256: Some("ab".repeat(32)),
            line: Some(2),
            ..Evidence::default()
        }),
        ..receipt_for(verified, jws)
    }
}

#[test]
fn a_collector_issued_receipt_verifies_on_its_evidence_and_a_page_receipt_needs_its_request() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let signer = collector();
    let keys = jwks(&[&signer]);
    let jwt = signer.sign(&imported(&verified, &jws)).expect("signs");
    let receipt = verify_receipt(&jwt, &keys).expect("an import's receipt verifies");
    assert!(receipt.request.is_none());
    assert_eq!(receipt.claims.evidence.map(|e| e.line), Some(Some(2)));

    let refused = |claims: ReceiptClaims| {
        let jwt = signer.sign(&claims).expect("signs");
        verify_receipt(&jwt, &keys).expect_err("refused")
    };
    let no_evidence = ReceiptClaims {
        evidence: None,
        ..imported(&verified, &jws)
    };
    assert!(matches!(refused(no_evidence), ReceiptError::Provenance(_)));
    let with_request = ReceiptClaims {
        request: Some(jws.clone()),
        ..imported(&verified, &jws)
    };
    assert!(matches!(refused(with_request), ReceiptError::Provenance(_)));
    let page_without_request = ReceiptClaims {
        request: None,
        ..receipt_for(&verified, &jws)
    };
    assert!(matches!(
        refused(page_without_request),
        ReceiptError::Provenance(_)
    ));
    let other_principal = ReceiptClaims {
        pii_principal_id: "someone-else".into(),
        ..imported(&verified, &jws)
    };
    assert!(matches!(
        refused(other_principal),
        ReceiptError::Mismatch("subject")
    ));
}

// --- Strict reading: what an outside probe found accepted (issue 7). ---

/// The JSON text of an Ed25519 device key's public JWK, as the widget sends it.
fn ed25519_jwk(seed: u8) -> serde_json::Value {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    serde_json::json!({
        "kty": "OKP",
        "crv": "Ed25519",
        "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes()),
    })
}

fn ed25519_header(seed: u8) -> String {
    serde_json::json!({ "alg": "EdDSA", "jwk": ed25519_jwk(seed) }).to_string()
}

/// A compact JWS over exactly these header and payload texts, signed by an Ed25519 key: for
/// texts no serializer would write (repeated members, extra header members).
fn signed_raw(seed: u8, header: &str, payload: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

fn request_json() -> String {
    serde_json::to_string(&request()).expect("json")
}

#[test]
fn the_raw_signer_makes_requests_that_verify() {
    let jws = signed_raw(7, &ed25519_header(7), &request_json());
    assert_eq!(verify_request(&jws).expect("verifies").payload, request());
}

#[test]
fn a_small_order_key_with_a_degenerate_signature_is_refused() {
    // The identity point as the key, R = identity and s = 0: [s]B - [k]A = R for every message,
    // so lenient verification accepts any payload without a private key.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let header = serde_json::json!({
        "alg": "EdDSA",
        "jwk": { "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(identity) },
    })
    .to_string();
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let jws = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(request_json()),
        URL_SAFE_NO_PAD.encode(signature)
    );
    assert!(matches!(
        verify_request(&jws),
        Err(RequestError::Key(KeyProblem::WeakKey))
    ));
}

#[test]
fn every_small_order_and_non_canonical_ed25519_key_is_refused() {
    // y = 1 (identity), y = p − 1 (order 2), y = 0 (order 4), and y = p + 1 (the identity
    // written above the field prime).
    let mut keys = vec![[0u8; 32]; 4];
    keys[0][0] = 1;
    keys[1] = [0xff; 32];
    keys[1][0] = 0xec;
    keys[1][31] = 0x7f;
    keys[3] = [0xff; 32];
    keys[3][0] = 0xee;
    keys[3][31] = 0x7f;
    for x in keys {
        let header = serde_json::json!({
            "alg": "EdDSA",
            "jwk": { "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(x) },
        })
        .to_string();
        let jws = signed_raw(7, &header, &request_json());
        assert!(
            matches!(
                verify_request(&jws),
                Err(RequestError::Key(
                    KeyProblem::WeakKey | KeyProblem::NotOnCurve(_)
                ))
            ),
            "{x:02x?}: {:?}",
            verify_request(&jws)
        );
    }
}

#[test]
fn a_jwk_with_a_private_part_is_refused() {
    let mut jwk = ed25519_jwk(7);
    jwk["d"] = URL_SAFE_NO_PAD.encode([7u8; 32]).into();
    let header = serde_json::json!({ "alg": "EdDSA", "jwk": jwk }).to_string();
    let jws = signed_raw(7, &header, &request_json());
    assert!(matches!(
        verify_request(&jws),
        Err(RequestError::Key(KeyProblem::PrivateMember("d")))
    ));
}

#[test]
fn a_jwk_with_an_unexpected_member_or_a_short_key_is_refused() {
    let mut extra = ed25519_jwk(7);
    extra["kid"] = "mine".into();
    let mut short = ed25519_jwk(7);
    short["x"] = URL_SAFE_NO_PAD.encode([7u8; 31]).into();
    let mut padded = ed25519_jwk(7);
    padded["x"] = format!("{}=", padded["x"].as_str().expect("x")).into();
    for (jwk, why) in [
        (extra, KeyProblem::UnexpectedMember),
        (short, KeyProblem::BadCoordinate("x", 32)),
        (padded, KeyProblem::BadCoordinate("x", 32)),
    ] {
        let header = serde_json::json!({ "alg": "EdDSA", "jwk": jwk }).to_string();
        let jws = signed_raw(7, &header, &request_json());
        match verify_request(&jws) {
            Err(RequestError::Key(problem)) => assert_eq!(problem, why),
            other => panic!("{why:?} expected, got {other:?}"),
        }
    }
}

#[test]
fn critical_extensions_and_unencoded_payloads_are_refused() {
    let jwk = ed25519_jwk(7);
    let crit = serde_json::json!({ "alg": "EdDSA", "jwk": jwk, "crit": ["exp"], "exp": 1 });
    let b64 = serde_json::json!({ "alg": "EdDSA", "jwk": jwk, "b64": false, "crit": ["b64"] });
    let b64_alone = serde_json::json!({ "alg": "EdDSA", "jwk": jwk, "b64": false });
    let other = serde_json::json!({ "alg": "EdDSA", "jwk": jwk, "x5u": "https://x.example/" });
    let cases = [
        (crit, "crit"),
        (b64, "crit"),
        (b64_alone, "b64"),
        (other, "other"),
    ];
    for (header, why) in cases {
        let jws = signed_raw(7, &header.to_string(), &request_json());
        let refused = verify_request(&jws);
        let right = match why {
            "crit" => matches!(refused, Err(RequestError::CriticalExtension)),
            "b64" => matches!(refused, Err(RequestError::UnencodedPayload)),
            _ => matches!(refused, Err(RequestError::UnexpectedHeader)),
        };
        assert!(right, "{header}: {refused:?}");
    }
}

#[test]
fn repeated_members_in_the_signed_header_or_payload_are_refused() {
    let jwk = ed25519_jwk(7).to_string();
    let header = format!(r#"{{"alg":"EdDSA","alg":"EdDSA","jwk":{jwk}}}"#);
    let jws = signed_raw(7, &header, &request_json());
    assert!(matches!(
        verify_request(&jws),
        Err(RequestError::Malformed(CompactError::DuplicateMember(
            Part::Header
        )))
    ));
    // Two readings of one decision: last-wins would grant, first-wins deny.
    let payload = request_json().replace(
        r#""marketing-email":"denied""#,
        r#""marketing-email":"denied","marketing-email":"granted""#,
    );
    assert_ne!(payload, request_json());
    let jws = signed_raw(7, &ed25519_header(7), &payload);
    assert!(matches!(
        verify_request(&jws),
        Err(RequestError::Malformed(CompactError::DuplicateMember(
            Part::Payload
        )))
    ));
    let payload = request_json().replace(r#""gpc":false"#, r#""gpc":false,"gpc":true"#);
    let jws = signed_raw(7, &ed25519_header(7), &payload);
    assert!(verify_request(&jws).is_err());
}

#[test]
fn a_payload_error_names_the_field_but_not_the_value() {
    let payload = request_json().replace(r#""language":"sv""#, r#""language":"anna@example.se""#);
    let jws = signed_raw(7, &ed25519_header(7), &payload);
    let Err(RequestError::Payload(error)) = verify_request(&jws) else {
        panic!("not a payload error");
    };
    let shown = error.to_string();
    assert!(shown.starts_with("language: "), "{shown}");
    assert!(!shown.contains("anna"), "{shown}");
}

fn es256_signer() -> DeviceSigner {
    DeviceSigner::es256_from_pkcs8_der(
        &base64::engine::general_purpose::STANDARD
            .decode(P256_PKCS8)
            .expect("base64"),
    )
    .expect("valid key")
}

#[test]
fn an_es256_key_off_the_curve_or_a_zero_signature_is_refused() {
    let jws = es256_signer().sign(&request()).expect("signs");
    let header_json = URL_SAFE_NO_PAD
        .decode(jws.split('.').next().expect("header"))
        .expect("b64");
    let mut header: serde_json::Value = serde_json::from_slice(&header_json).expect("json");
    let mut y = URL_SAFE_NO_PAD
        .decode(header["jwk"]["y"].as_str().expect("y"))
        .expect("b64");
    y[31] ^= 1;
    header["jwk"]["y"] = URL_SAFE_NO_PAD.encode(&y).into();
    let off_curve = with_part(&jws, 0, &encode_json(&header));
    assert!(matches!(
        verify_request(&off_curve),
        Err(RequestError::Key(KeyProblem::NotOnCurve("P-256")))
    ));
    let zero = with_part(&jws, 2, &URL_SAFE_NO_PAD.encode([0u8; 64]));
    assert!(matches!(
        verify_request(&zero),
        Err(RequestError::BadSignature)
    ));
}

#[test]
fn a_receipt_under_a_small_order_jwks_key_is_refused() {
    let jws = device(7).sign(&request()).expect("signs");
    let verified = verify_request(&jws).expect("verifies");
    let signer = collector();
    let jwt = signer.sign(&receipt_for(&verified, &jws)).expect("signs");
    let mut weak = signer.public_jwk().clone();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    if let jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(okp) = &mut weak.algorithm {
        okp.x = URL_SAFE_NO_PAD.encode(identity);
    }
    assert!(matches!(
        verify_receipt(&jwt, &JwkSet { keys: vec![weak] }),
        Err(ReceiptError::UnknownKey(_))
    ));
}

#[test]
fn the_thumbprint_is_rfc_7638s_and_the_same_as_jsonwebtokens() {
    // RFC 8037 appendix A.3: the Ed25519 example key's thumbprint.
    let example: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    }))
    .expect("a JWK");
    assert_eq!(
        super::thumbprint(&example).expect("thumbprint"),
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    );
    let es256 = DeviceSigner::es256_from_pkcs8_der(
        &base64::engine::general_purpose::STANDARD
            .decode(P256_PKCS8)
            .expect("base64"),
    )
    .expect("valid key");
    let key_of = |jws: String| verify_request(&jws).expect("verifies").device_key;
    for jwk in [
        example,
        key_of(device(7).sign(&request()).expect("signs")),
        key_of(es256.sign(&request()).expect("signs")),
        collector().public_jwk().clone(),
    ] {
        assert_eq!(
            super::thumbprint(&jwk).expect("ours"),
            jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
                .expect("jsonwebtoken's"),
            "{jwk:?}"
        );
    }
}
