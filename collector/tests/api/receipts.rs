//! POST /v1/receipts: acceptance, idempotency, every refusal, durability.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};
use samtycke_shared::{CollectionMethod, Decision};

use crate::helpers::*;

async fn jwks(collector: &TestCollector) -> JwkSet {
    serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks")
}

#[tokio::test]
async fn a_new_request_gets_201_and_a_receipt_that_verifies_against_the_jwks() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let request = reject_all(&collector.policy_sha256());
    let answer = collector
        .post_receipt(&body(&device, &request), Some(ORIGIN))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&answer.bytes)
    );
    let json = answer.json();
    assert_eq!(json["receiptId"], request.receipt_id.to_string());
    assert_eq!(json["sequence"], 1);
    let verified = verify_receipt(
        json["receipt"].as_str().expect("jwt"),
        &jwks(&collector).await,
    )
    .expect("verifies");
    assert_eq!(verified.claims.subject, device.subject());
    assert_eq!(verified.claims.decisions, request.decisions);
    assert_eq!(verified.claims.prev_receipt_hash, None);
    assert_eq!(
        verified.claims.services[0].purposes.len(),
        demo_policy().banner_purposes().count()
    );
}

#[tokio::test]
async fn replayed_receipt_returns_the_first_answer() {
    let collector = TestCollector::start().await;
    let body = body(&device(1), &reject_all(&collector.policy_sha256()));
    let first = collector.post_receipt(&body, Some(ORIGIN)).await;
    let again = collector.post_receipt(&body, Some(ORIGIN)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.bytes, first.bytes);
}

#[tokio::test]
async fn the_same_receipt_id_with_other_content_is_a_409() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let request = reject_all(&collector.policy_sha256());
    let first = collector
        .post_receipt(&body(&device, &request), Some(ORIGIN))
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let mut changed = request.clone();
    changed
        .decisions
        .insert(purpose("analytics"), Decision::Granted);
    let answer = collector
        .post_receipt(&body(&device, &changed), Some(ORIGIN))
        .await;
    assert_problem(&answer, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_subjects_receipts_form_a_hash_chain_with_rising_sequence_numbers() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let first = collector
        .post_receipt(
            &body(&device, &reject_all(&collector.policy_sha256())),
            Some(ORIGIN),
        )
        .await;
    let mut grant = reject_all(&collector.policy_sha256());
    grant
        .decisions
        .insert(purpose("analytics"), Decision::Granted);
    let second = collector
        .post_receipt(&body(&device, &grant), Some(ORIGIN))
        .await;
    let first_jwt = first.json()["receipt"].as_str().expect("jwt").to_owned();
    let second = verify_receipt(
        second.json()["receipt"].as_str().expect("jwt"),
        &jwks(&collector).await,
    )
    .expect("verifies");
    assert_eq!(second.claims.sequence, 2);
    assert_eq!(
        second.claims.prev_receipt_hash,
        Some(sha256_hex(&first_jwt))
    );
}

#[tokio::test]
async fn a_foreign_origin_is_a_403() {
    let collector = TestCollector::start().await;
    let body = body(&device(1), &reject_all(&collector.policy_sha256()));
    assert_problem(
        &collector
            .post_receipt(&body, Some("https://evil.example"))
            .await,
        StatusCode::FORBIDDEN,
    );
    assert_problem(
        &collector.post_receipt(&body, None).await,
        StatusCode::FORBIDDEN,
    );
}

#[tokio::test]
async fn a_purpose_is_decided_only_the_way_the_policy_asks_it() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    let mut banner = reject_all(&sha);
    banner
        .decisions
        .insert(purpose("newsletter"), Decision::Granted);
    let answer = collector
        .post_receipt(&body(&device(1), &banner), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "newsletter");

    let mut form = form_request(&sha, vec![]);
    form.decisions
        .insert(purpose("analytics"), Decision::Granted);
    let answer = collector
        .post_receipt(&body(&device(1), &form), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "analytics");

    // The settings withdraw what a form gave, but cannot give it.
    for (decision, expected) in [
        (Decision::Granted, StatusCode::UNPROCESSABLE_ENTITY),
        (Decision::Withdrawn, StatusCode::CREATED),
    ] {
        let mut settings = reject_all(&sha);
        settings.collection_method = CollectionMethod::Settings;
        settings.decisions = [(purpose("newsletter"), decision)].into_iter().collect();
        let answer = collector
            .post_receipt(&body(&device(1), &settings), Some(ORIGIN))
            .await;
        assert_eq!(answer.status, expected, "{decision:?}: {}", answer.json());
    }
}

#[tokio::test]
async fn a_page_cannot_claim_a_way_of_asking_that_only_the_collector_or_an_operator_uses() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    for method in [
        CollectionMethod::PreferenceCentre,
        CollectionMethod::DoubleOptIn,
        CollectionMethod::Unsubscribe,
        CollectionMethod::Import,
        CollectionMethod::Api,
    ] {
        let mut claimed = form_request(&sha, vec![]);
        claimed.collection_method = method;
        let answer = collector
            .post_receipt(&body(&device(1), &claimed), Some(ORIGIN))
            .await;
        assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, method.as_str());
    }
}

#[tokio::test]
async fn an_unknown_purpose_is_a_422() {
    let collector = TestCollector::start().await;
    let mut request = reject_all(&collector.policy_sha256());
    request
        .decisions
        .insert(purpose("telepathy"), Decision::Granted);
    let answer = collector
        .post_receipt(&body(&device(1), &request), Some(ORIGIN))
        .await;
    // Named as a field, not by the value sent: a request's own text is never repeated.
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "decisions");
    assert!(!String::from_utf8_lossy(&answer.bytes).contains("telepathy"));
}

#[tokio::test]
async fn a_policy_hash_other_than_the_served_documents_is_a_422() {
    let collector = TestCollector::start().await;
    let request = reject_all(&"0".repeat(64));
    let answer = collector
        .post_receipt(&body(&device(1), &request), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "policySha256");
}

#[tokio::test]
async fn an_unknown_policy_version_and_a_refused_necessary_purpose_are_422s() {
    let collector = TestCollector::start().await;
    let mut request = reject_all(&collector.policy_sha256());
    request.policy_version = 9;
    assert_problem(
        &collector
            .post_receipt(&body(&device(1), &request), Some(ORIGIN))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let mut request = reject_all(&collector.policy_sha256());
    request
        .decisions
        .insert(purpose("necessary"), Decision::Denied);
    assert_problem(
        &collector
            .post_receipt(&body(&device(1), &request), Some(ORIGIN))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
}

#[tokio::test]
async fn a_malformed_jws_is_a_400_and_a_forged_signature_a_401() {
    let collector = TestCollector::start().await;
    let answer = collector
        .post_receipt(&serde_json::json!({ "request": "not.a.jws" }), Some(ORIGIN))
        .await;
    assert_problem(&answer, StatusCode::BAD_REQUEST);
    let signed = device(1)
        .sign(&reject_all(&collector.policy_sha256()))
        .expect("signs");
    let other = device(2)
        .sign(&reject_all(&collector.policy_sha256()))
        .expect("signs");
    let forged = format!(
        "{}.{}",
        signed.rsplit_once('.').expect("dots").0,
        other.rsplit_once('.').expect("dots").1
    );
    let answer = collector
        .post_receipt(&serde_json::json!({ "request": forged }), Some(ORIGIN))
        .await;
    assert_problem(&answer, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bodies_that_are_not_json_or_not_the_right_shape_get_problem_documents() {
    let collector = TestCollector::start().await;
    let send = |content_type: &'static str, body: &'static str| {
        Request::post("/v1/receipts")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ORIGIN, ORIGIN)
            .body(Body::from(body))
            .expect("request")
    };
    assert_problem(
        &collector.send(send("text/plain", "{}")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    );
    assert_problem(
        &collector.send(send("application/json", "{oops")).await,
        StatusCode::BAD_REQUEST,
    );
    assert_problem(
        &collector
            .send(send("application/json", r#"{"request": 5}"#))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    let huge = Box::leak(format!(r#"{{"request":"{}"}}"#, "a".repeat(100_000)).into_boxed_str());
    assert_problem(
        &collector.send(send("application/json", huge)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    );
}

#[tokio::test]
async fn a_receipt_survives_a_restart_and_replays_identically() {
    let collector = TestCollector::start().await;
    let body = body(&device(1), &reject_all(&collector.policy_sha256()));
    let first = collector.post_receipt(&body, Some(ORIGIN)).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let collector = collector.restart().await;
    let again = collector.post_receipt(&body, Some(ORIGIN)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.bytes, first.bytes);
    verify_receipt(
        again.json()["receipt"].as_str().expect("jwt"),
        &jwks(&collector).await,
    )
    .expect("same key after restart");
}

#[tokio::test]
async fn cors_preflight_admits_only_configured_origins() {
    let collector = TestCollector::start().await;
    let preflight = |origin: &str| {
        Request::options("/v1/receipts")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let allowed = collector.send(preflight(ORIGIN)).await;
    assert_eq!(
        allowed
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok()),
        Some(ORIGIN)
    );
    let refused = collector.send(preflight("https://evil.example")).await;
    assert!(
        refused
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}
