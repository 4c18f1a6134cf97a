//! What operators read: Prometheus metrics and request ids.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn metrics_count_receipts_by_outcome_and_group_commits() {
    let collector = TestCollector::start().await;
    let request = reject_all(&collector.policy_sha256());
    let first = body(&device(20), &request);
    for body in [&first, &first] {
        collector.post_receipt(body, Some(ORIGIN)).await;
    }
    let answer = collector
        .post_receipt(&first, Some("http://elsewhere.example"))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let metrics = collector.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .content_type
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8_lossy(&metrics.bytes);
    for line in [
        r#"samtycke_receipts_total{outcome="created",problem=""} 1"#,
        r#"samtycke_receipts_total{outcome="replayed",problem=""} 1"#,
        r#"samtycke_receipts_total{outcome="refused",problem="origin-not-allowed"} 1"#,
        "samtycke_receipt_request_seconds_count 3",
        "samtycke_append_batch_size_count 2",
        "samtycke_append_batch_failures_total 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from:\n{text}"
        );
    }
}

#[tokio::test]
async fn every_answer_has_a_request_id_of_ours() {
    let collector = TestCollector::start().await;
    let answer = collector
        .send(
            Request::get("/healthz")
                .header("x-request-id", "anna@example.se")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let id = answer
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert!(!id.contains("anna"));
    let other = collector.get("/healthz").await;
    assert_ne!(
        other.headers.get("x-request-id").map(|v| v.as_bytes()),
        Some(id.as_bytes())
    );
}

#[tokio::test]
async fn the_openapi_document_is_served_and_describes_the_contacts_api() {
    let collector = TestCollector::start().await;
    let answer = collector.get("/openapi.json").await;
    assert_eq!(answer.status, axum::http::StatusCode::OK);
    assert!(answer.content_type.starts_with("application/json"));
    let document = answer.json();
    assert!(
        document["openapi"]
            .as_str()
            .unwrap_or("")
            .starts_with("3.1")
    );
    assert!(document["paths"]["/v1/contacts"]["get"]["parameters"].is_array());
    assert!(document["paths"]["/v1/receipts"]["post"]["responses"]["422"].is_object());
}
