//! Requests no device key stands behind, or that can be read two ways, mint no receipt.

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::helpers::*;

#[tokio::test]
async fn the_identity_point_with_a_degenerate_signature_mints_no_receipt() {
    let collector = TestCollector::start().await;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let header = serde_json::json!({
        "alg": "EdDSA",
        "jwk": { "kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(identity) },
    });
    let mut signature = [0u8; 64];
    signature[0] = 1;
    let payload = serde_json::to_string(&reject_all(&collector.policy_sha256())).expect("json");
    let jws = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    );
    let answer = collector
        .post_receipt(&serde_json::json!({ "request": jws }), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::BAD_REQUEST, "small order");
    let stored = collector.database_bytes().await;
    assert!(!stored.windows(4).any(|w| w == b"eyJh"));
}

#[tokio::test]
async fn a_jwk_carrying_the_private_key_is_refused_and_not_stored() {
    let collector = TestCollector::start().await;
    let mut key = raw_jwk(7);
    let private = URL_SAFE_NO_PAD.encode([7u8; 32]);
    key["d"] = private.clone().into();
    let header = serde_json::json!({ "alg": "EdDSA", "jwk": key }).to_string();
    let payload = serde_json::to_string(&reject_all(&collector.policy_sha256())).expect("json");
    let answer = collector
        .post_receipt(
            &serde_json::json!({ "request": signed_raw(7, &header, &payload) }),
            Some(ORIGIN),
        )
        .await;
    assert_problem_mentioning(&answer, StatusCode::BAD_REQUEST, "private member d");
    let stored = collector.database_bytes().await;
    assert!(
        !stored
            .windows(private.len())
            .any(|w| w == private.as_bytes())
    );
}

#[tokio::test]
async fn critical_headers_and_repeated_members_are_refused() {
    let collector = TestCollector::start().await;
    let payload = serde_json::to_string(&reject_all(&collector.policy_sha256())).expect("json");
    let key = raw_jwk(7);
    let crit = serde_json::json!({ "alg": "EdDSA", "jwk": key, "crit": ["zip"], "zip": "x" });
    let b64 = serde_json::json!({ "alg": "EdDSA", "jwk": key, "b64": false });
    for (header, says) in [(crit.to_string(), "crit"), (b64.to_string(), "b64")] {
        let answer = collector
            .post_receipt(
                &serde_json::json!({ "request": signed_raw(7, &header, &payload) }),
                Some(ORIGIN),
            )
            .await;
        assert_problem_mentioning(&answer, StatusCode::BAD_REQUEST, says);
    }
    let header = serde_json::json!({ "alg": "EdDSA", "jwk": key }).to_string();
    let twice = payload.replace(r#""gpc":false"#, r#""gpc":false,"gpc":true"#);
    assert_ne!(twice, payload);
    let answer = collector
        .post_receipt(
            &serde_json::json!({ "request": signed_raw(7, &header, &twice) }),
            Some(ORIGIN),
        )
        .await;
    assert_problem_mentioning(&answer, StatusCode::BAD_REQUEST, "twice");
}
