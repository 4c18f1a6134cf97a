//! Problem documents name fields and positions, never what was sent.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::*;

const ADDRESS: &str = "anna@example.se";

fn assert_not_echoed(answer: &Answer, text: &str) {
    let body = String::from_utf8_lossy(&answer.bytes);
    assert!(!body.contains(text), "{text:?} echoed: {body}");
}

#[tokio::test]
async fn an_address_in_a_signed_field_is_not_echoed() {
    let collector = TestCollector::start().await;
    let mut request = serde_json::to_value(reject_all(&collector.policy_sha256())).expect("json");
    request["language"] = ADDRESS.into();
    let jws = signed_raw(3, &raw_header(3), &request.to_string());
    let answer = collector
        .post_receipt(&serde_json::json!({ "request": jws }), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "language");
    assert_not_echoed(&answer, "anna");
}

#[tokio::test]
async fn a_number_as_purpose_site_or_version_in_a_signed_request_is_not_echoed() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    let mut purpose = serde_json::to_value(reject_all(&sha)).expect("json");
    purpose["decisions"] = serde_json::json!({ "46701234567": "granted" });
    let mut version = serde_json::to_value(reject_all(&sha)).expect("json");
    version["policyVersion"] = 467_012_345.into();
    let mut site = serde_json::to_value(reject_all(&sha)).expect("json");
    site["site"] = "46701234567".into();
    for request in [purpose, version, site] {
        let jws = signed_raw(3, &raw_header(3), &request.to_string());
        let answer = collector
            .post_receipt(&serde_json::json!({ "request": jws }), Some(ORIGIN))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.json()
        );
        assert_not_echoed(&answer, "4670");
    }
}

#[tokio::test]
async fn an_unknown_key_in_the_body_is_not_echoed() {
    let collector = TestCollector::start().await;
    let request = reject_all(&collector.policy_sha256());
    let mut extra_key = body(&device(3), &request);
    extra_key[ADDRESS] = 1.into();
    let answer = collector.post_receipt(&extra_key, Some(ORIGIN)).await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    assert_not_echoed(&answer, "anna");
    let mut nested_key = body(&device(3), &request);
    nested_key["identifiers"] =
        serde_json::json!([{ "type": "email", "value": "x", "salt": "y", ADDRESS: 1 }]);
    let answer = collector.post_receipt(&nested_key, Some(ORIGIN)).await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "identifiers[0]");
    assert_not_echoed(&answer, "anna");
}

#[tokio::test]
async fn a_site_id_or_version_in_the_url_is_not_echoed() {
    let collector = TestCollector::start().await;
    for path in [
        "/v1/sites/%3Cb%3Eanna%3C%2Fb%3E/policy",
        "/v1/sites/anna-nowhere/policy",
        "/v1/sites/demo/policies/anna",
        "/v1/sites/anna-nowhere/policies/1",
        "/v1/sites/demo/policies/701234567",
        "/s/%3Cscript%3Eanna.js",
        "/s/anna",
        "/nowhere/anna",
    ] {
        let answer = collector.get(path).await;
        assert_problem(&answer, StatusCode::NOT_FOUND);
        assert_not_echoed(&answer, "anna");
        assert_not_echoed(&answer, "701234567");
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_a_405_problem() {
    let collector = TestCollector::start().await;
    let answer = collector
        .send(
            Request::builder()
                .method(Method::DELETE)
                .uri("/v1/receipts")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_problem(&answer, StatusCode::METHOD_NOT_ALLOWED);
    assert!(answer.headers.contains_key(header::ALLOW));
}

#[tokio::test]
async fn a_long_path_segment_is_a_414_problem_everywhere() {
    let collector = TestCollector::start_serving_pages().await;
    let long = "a".repeat(256);
    for prefix in ["/", "/assets/", "/embed/", "/s/", "/v1/sites/"] {
        let answer = collector.get(&format!("{prefix}{long}")).await;
        assert_problem(&answer, StatusCode::URI_TOO_LONG);
    }
    // Just under the limit is an ordinary miss.
    let answer = collector.get(&format!("/embed/{}", "a".repeat(255))).await;
    assert_problem(&answer, StatusCode::NOT_FOUND);
    let answer = collector.get(&format!("/?q={}", "a".repeat(3000))).await;
    assert_problem(&answer, StatusCode::URI_TOO_LONG);
}
