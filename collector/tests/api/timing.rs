//! When a decision counts: timestamps bounded both ways, the current state in the order a
//! device decided, and decisions made under a policy version since replaced.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use samtycke_collector::time::now_unix;
use samtycke_shared::{CollectionMethod, Decision, ReceiptRequest, SiteId};

use crate::helpers::*;

fn analytics(decision: Decision, at: i64, sha: &str) -> ReceiptRequest {
    ReceiptRequest {
        collection_method: CollectionMethod::Settings,
        consent_timestamp: at,
        decisions: BTreeMap::from([(purpose("analytics"), decision)]),
        ..reject_all(sha)
    }
}

async fn current(collector: &TestCollector, subject: &str) -> Option<Decision> {
    let config = TestCollector::config(collector.dir.path());
    let store = samtycke_collector::store::connect(&config.database_url)
        .await
        .expect("opens");
    let site = SiteId::parse("demo").expect("slug");
    let decisions = store
        .current_decisions(&site, subject)
        .await
        .expect("reads");
    decisions.get(&purpose("analytics")).copied()
}

#[tokio::test]
async fn timestamps_at_zero_below_zero_decades_ago_or_hours_ahead_are_refused() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    let now = now_unix();
    for at in [0, -1, now - 20 * 365 * 86_400, now + 2 * 3600] {
        let answer = collector
            .post_receipt(
                &body(&device(5), &analytics(Decision::Granted, at, &sha)),
                Some(ORIGIN),
            )
            .await;
        assert_problem_mentioning(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "consentTimestamp",
        );
    }
    // A decision from a queue that waited a month still counts.
    let answer = collector
        .post_receipt(
            &body(
                &device(5),
                &analytics(Decision::Granted, now - 30 * 86_400, &sha),
            ),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
}

#[tokio::test]
async fn a_grant_stamped_ahead_does_not_outrank_the_withdrawal_that_follows_it() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    let device = device(6);
    let now = now_unix();
    let grant = analytics(Decision::Granted, now + 300, &sha);
    let answer = collector
        .post_receipt(&body(&device, &grant), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    let withdrawal = analytics(Decision::Withdrawn, now + 60, &sha);
    let answer = collector
        .post_receipt(&body(&device, &withdrawal), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    assert_eq!(
        current(&collector, &device.subject()).await,
        Some(Decision::Withdrawn)
    );
}

#[tokio::test]
async fn an_offline_queue_delivered_out_of_order_ends_in_the_last_decision() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    let device = device(7);
    let now = now_unix();
    let grant = analytics(Decision::Granted, now - 7200, &sha);
    let withdrawal = analytics(Decision::Withdrawn, now - 3600, &sha);
    for request in [&withdrawal, &grant] {
        let answer = collector
            .post_receipt(&body(&device, request), Some(ORIGIN))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    }
    assert_eq!(
        current(&collector, &device.subject()).await,
        Some(Decision::Withdrawn)
    );
}

/// Publishes the next version of the demo policy without `ads`; returns the old version's
/// hash and number.
async fn publish_without_ads(collector: TestCollector) -> (TestCollector, String, u32) {
    let old_sha = collector.policy_sha256();
    let path = collector.dir.path().join("policy.json");
    let mut policy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("file")).expect("json");
    let old_version = u32::try_from(policy["version"].as_u64().expect("version")).expect("u32");
    policy["version"] = (old_version + 1).into();
    let purposes = policy["purposes"].as_array_mut().expect("purposes");
    purposes.retain(|p| p["id"] != "ads");
    std::fs::write(&path, serde_json::to_vec_pretty(&policy).expect("json")).expect("write");
    (collector.restart().await, old_sha, old_version)
}

fn under_old_version(sha: &str, version: u32, ads: Decision, at: i64) -> ReceiptRequest {
    ReceiptRequest {
        policy_version: version,
        consent_timestamp: at,
        decisions: BTreeMap::from([
            (purpose("ads"), ads),
            (purpose("analytics"), Decision::Denied),
        ]),
        ..analytics(Decision::Denied, at, sha)
    }
}

#[tokio::test]
async fn a_purpose_the_current_policy_dropped_is_never_granted_but_can_be_withdrawn() {
    let collector = TestCollector::start().await;
    let (collector, old_sha, old_version) = publish_without_ads(collector).await;
    let decided = now_unix() - 60;
    let grant = under_old_version(&old_sha, old_version, Decision::Granted, decided);
    let answer = collector
        .post_receipt(&body(&device(8), &grant), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "purpose ads");
    // Made offline before the new version, a refusal under the old one still arrives.
    let refusal = under_old_version(&old_sha, old_version, Decision::Withdrawn, decided);
    let answer = collector
        .post_receipt(&body(&device(8), &refusal), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
}

#[tokio::test]
async fn a_version_replaced_before_the_visitor_decided_is_refused() {
    let collector = TestCollector::start().await;
    let (collector, old_sha, old_version) = publish_without_ads(collector).await;
    // The new version has been current for two days.
    collector
        .execute_sql(&format!(
            "UPDATE policies SET first_seen = first_seen - 172800 WHERE version = {}",
            old_version + 1
        ))
        .await;
    let today = under_old_version(&old_sha, old_version, Decision::Denied, now_unix());
    let answer = collector
        .post_receipt(&body(&device(9), &today), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "replaced");
    let three_days_ago = under_old_version(
        &old_sha,
        old_version,
        Decision::Denied,
        now_unix() - 3 * 86_400,
    );
    let answer = collector
        .post_receipt(&body(&device(9), &three_days_ago), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
}

#[tokio::test]
async fn a_form_opt_in_without_its_address_is_refused() {
    let collector = TestCollector::start().await;
    let request = form_request(&collector.policy_sha256(), vec![]);
    let answer = collector
        .post_receipt(&body(&device(10), &request), Some(ORIGIN))
        .await;
    assert_problem_mentioning(&answer, StatusCode::UNPROCESSABLE_ENTITY, "identifier");
    assert_eq!(
        answer.json()["type"],
        "urn:samtycke:problem:identifier-required"
    );
}

#[tokio::test]
async fn a_policy_that_sets_cookies_on_legitimate_interest_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut policy: serde_json::Value = serde_json::from_slice(&test_policy_bytes()).expect("json");
    let analytics = policy["purposes"]
        .as_array_mut()
        .expect("purposes")
        .iter_mut()
        .find(|p| p["id"] == "analytics")
        .expect("analytics");
    analytics["lawfulBasis"] = "legitimate-interests".into();
    std::fs::write(
        dir.path().join("policy.json"),
        serde_json::to_vec(&policy).expect("json"),
    )
    .expect("write");
    let err = TestCollector::build(dir.path())
        .await
        .expect_err("must not start");
    let shown = err.to_string();
    assert!(shown.contains("purpose analytics"), "{shown}");
    assert!(shown.contains("consent"), "{shown}");
}
