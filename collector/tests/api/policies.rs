//! Publishing a policy version through the API: every problem listed at once, nothing written
//! on refusal, the new version served at once byte for byte (document, ETag, loader, receipts),
//! audited, kept across a restart although the file is older, settled by the store when two
//! admins publish at once, and followed by another collector on the same database.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use samtycke_shared::jose::sha256_hex;

use crate::contacts::{Keys, get_as, keys};
use crate::helpers::*;
use crate::processes::{Process, agent, free_port, shared_config, wait_ready};

/// The test policy as JSON, to change one thing at a time.
fn served_policy() -> serde_json::Value {
    serde_json::from_slice(&test_policy_bytes()).expect("json")
}

/// The version the test collector starts with.
fn first_version() -> u64 {
    served_policy()["version"].as_u64().expect("version")
}

/// The next version: the test policy with a reworded notice, as a site owner would write it
/// (pretty-printed, so the bytes are not what serde would write back).
fn next_version(version: u64) -> Vec<u8> {
    let mut policy = served_policy();
    policy["version"] = version.into();
    policy["notice"]["en"] = format!("Version {version} of how we ask.").into();
    serde_json::to_vec_pretty(&policy).expect("json")
}

/// `POST /v1/sites/{site}/policies` with these exact bytes.
async fn post_policy(
    collector: &TestCollector,
    token: &str,
    site: &str,
    document: &[u8],
    dry_run: bool,
) -> Answer {
    let query = if dry_run { "?dryRun=true" } else { "" };
    collector
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(format!("/v1/sites/{site}/policies{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(document.to_vec()))
                .expect("request"),
        )
        .await
}

/// The `path`s of a `policy-refused` problem, after checking that it is one.
fn refused_paths(answer: &Answer) -> Vec<String> {
    assert_problem(answer, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = answer.json();
    assert_eq!(problem["type"], "urn:samtycke:problem:policy-refused");
    problem["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            assert!(p["reason"].as_str().is_some_and(|r| !r.is_empty()), "{p}");
            p["path"].as_str().expect("path").to_owned()
        })
        .collect()
}

fn etag(answer: &Answer) -> String {
    answer
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The number of versions `GET /v1/sites/demo/policies` lists.
async fn listed_versions(collector: &TestCollector, keys: &Keys) -> usize {
    let answer = get_as(collector, &keys.admin, "/v1/sites/demo/policies").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    answer.json()["versions"]
        .as_array()
        .expect("versions")
        .len()
}

#[tokio::test]
async fn a_dry_run_lists_every_problem_of_a_policy_at_once_and_writes_nothing() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let mut policy = served_policy();
    policy["version"] = (first_version() + 1).into();
    // Three rules broken in three places.
    policy["purposes"][0]["lawfulBasis"] = "consent".into();
    policy["purposes"][1]["retention"] = serde_json::json!({ "sv": "13 månader" });
    policy["purposes"][2]["doubleOptIn"] = true.into();
    let document = serde_json::to_vec(&policy).expect("json");

    let answer = post_policy(&collector, &keys.admin, "demo", &document, true).await;
    let paths = refused_paths(&answer);
    for expected in [
        "/purposes/0/lawfulBasis",
        "/purposes/1/retention/en",
        "/purposes/2/doubleOptIn",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected}: {paths:?}");
    }
    assert_eq!(paths.len(), 3, "{paths:?}");

    // Published for real, the same document is refused the same way, and nothing is written.
    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(refused_paths(&answer).len(), 3);
    assert_eq!(listed_versions(&collector, &keys).await, 1);
    let served = collector.get("/v1/sites/demo/policy").await;
    assert_eq!(served.bytes, test_policy_bytes());
}

#[tokio::test]
async fn a_policy_for_another_site_or_without_a_higher_version_is_refused_with_the_rest() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let mut policy = served_policy();
    policy["site"] = "elsewhere".into();
    let answer = post_policy(
        &collector,
        &keys.admin,
        "demo",
        &serde_json::to_vec(&policy).expect("json"),
        true,
    )
    .await;
    assert_eq!(refused_paths(&answer), ["/site", "/version"]);
    let reasons = answer.json()["problems"].to_string();
    assert!(
        reasons.contains("greater than the current version"),
        "{reasons}"
    );

    // The version must be raised even when nothing else is wrong.
    let same = post_policy(&collector, &keys.admin, "demo", &test_policy_bytes(), false).await;
    assert_eq!(refused_paths(&same), ["/version"]);

    // A document of the wrong shape is one problem, at its place.
    let mut policy = served_policy();
    policy["version"] = (first_version() + 1).into();
    policy["purposes"][1]["retention"] = "for ever".into();
    let shape = post_policy(
        &collector,
        &keys.admin,
        "demo",
        &serde_json::to_vec(&policy).expect("json"),
        true,
    )
    .await;
    assert_eq!(refused_paths(&shape), ["/purposes/1/retention"]);
    assert!(!shape.json().to_string().contains("for ever"));

    // Not JSON at all, and not declared as JSON.
    let garbage = post_policy(&collector, &keys.admin, "demo", b"{\"site\":", true).await;
    assert_eq!(refused_paths(&garbage).len(), 1);
    let undeclared = collector
        .send(
            Request::post("/v1/sites/demo/policies")
                .header(header::AUTHORIZATION, format!("Bearer {}", keys.admin))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(next_version(first_version() + 1)))
                .expect("request"),
        )
        .await;
    assert_problem(&undeclared, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let nowhere = post_policy(
        &collector,
        &keys.admin,
        "nowhere",
        &next_version(first_version() + 1),
        true,
    )
    .await;
    assert_problem(&nowhere, StatusCode::NOT_FOUND);
    assert_eq!(listed_versions(&collector, &keys).await, 1);
}

#[tokio::test]
async fn a_dry_run_that_passes_tells_whether_visitors_will_be_asked_again() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let version = first_version() + 1;
    let reworded = next_version(version);
    let answer = post_policy(&collector, &keys.admin, "demo", &reworded, true).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    assert_eq!(
        answer.json(),
        serde_json::json!({
            "ok": true, "version": version, "sha256": sha256_hex(&reworded),
            "disclosureChanged": false,
        })
    );

    let mut policy = served_policy();
    policy["version"] = version.into();
    policy["purposes"][1]["retention"]["en"] = "26 months".into();
    let answer = post_policy(
        &collector,
        &keys.admin,
        "demo",
        &serde_json::to_vec(&policy).expect("json"),
        true,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    assert_eq!(answer.json()["disclosureChanged"], true);

    // Nothing was published.
    assert_eq!(listed_versions(&collector, &keys).await, 1);
    assert_eq!(
        collector.get("/v1/sites/demo/policy").await.bytes,
        test_policy_bytes()
    );
}

#[tokio::test]
async fn a_published_policy_is_served_at_once_byte_for_byte_listed_and_audited() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let first = first_version();
    let version = first + 1;
    let document = next_version(version);
    let sha256 = sha256_hex(&document);

    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    assert_eq!(answer.json()["sha256"], sha256);
    assert_eq!(answer.json()["version"], version);
    let location = answer
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(location, format!("/v1/sites/demo/policies/{version}"));

    let served = collector.get("/v1/sites/demo/policy").await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.bytes, document, "served exactly as sent");
    assert_eq!(etag(&served), format!("\"{sha256}\""));
    assert_eq!(collector.get(&location).await.bytes, document);
    assert_eq!(
        collector
            .get(&format!("/v1/sites/demo/policies/{first}"))
            .await
            .bytes,
        test_policy_bytes()
    );
    let sites = collector.get("/v1/sites").await.json();
    assert_eq!(sites[0]["version"], version);

    // Listed newest first; the first version superseded when the second was first served.
    // A marketer and the DPO may read the list too.
    for token in [&keys.marketer, &keys.dpo] {
        let listed = get_as(&collector, token, "/v1/sites/demo/policies").await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.json());
        let listed = listed.json();
        assert_eq!(listed["site"], "demo");
        assert_eq!(listed["current"], version);
        let versions = listed["versions"].as_array().expect("versions");
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["version"], version);
        assert_eq!(versions[0]["sha256"], sha256);
        assert!(versions[0].get("supersededAt").is_none(), "{listed}");
        assert_eq!(versions[1]["version"], first);
        assert_eq!(versions[1]["sha256"], sha256_hex(test_policy_bytes()));
        assert_eq!(versions[1]["supersededAt"], versions[0]["firstServed"]);
        assert!(
            versions[0]["firstServed"]
                .as_str()
                .is_some_and(|at| at.ends_with('Z')),
            "RFC 3339: {listed}"
        );
    }

    // The audit log names who published what.
    let audit = get_as(&collector, &keys.admin, "/v1/audit?limit=1000")
        .await
        .json();
    let entry = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "policy.publish")
        .cloned()
        .expect("a policy.publish entry");
    assert!(
        entry["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("key:")),
        "{entry}"
    );
    assert_eq!(
        entry["detail"],
        serde_json::json!({"site": "demo", "version": version, "sha256": sha256})
    );

    // The same version again: the site has it already.
    let again = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(refused_paths(&again), ["/version"]);
}

#[tokio::test]
async fn only_an_admin_may_publish_and_only_staff_may_list() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let document = next_version(first_version() + 1);
    for token in [&keys.marketer, &keys.dpo] {
        let answer = post_policy(&collector, token, "demo", &document, false).await;
        assert_problem(&answer, StatusCode::FORBIDDEN);
        let answer = post_policy(&collector, token, "demo", &document, true).await;
        assert_problem(&answer, StatusCode::FORBIDDEN);
    }
    let anonymous = collector.get("/v1/sites/demo/policies").await;
    assert_problem(&anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(listed_versions(&collector, &keys).await, 1);
    assert_eq!(
        collector.get("/v1/sites/demo/policy").await.bytes,
        test_policy_bytes()
    );
}

#[tokio::test]
async fn receipts_cite_the_published_version_and_the_one_before_it_within_the_grace() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let first = first_version();
    let document = next_version(first + 1);
    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    let mut request = reject_all(&sha256_hex(&document));
    request.policy_version = u32::try_from(first + 1).expect("u32");
    let answer = collector
        .post_receipt(&body(&device(1), &request), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    // A decision made just now under the version before it still counts (a browser's cached
    // loader; `consent::timing::SUPERSEDED_GRACE_SECS`), as it did before publishing existed.
    let request = reject_all(&sha256_hex(test_policy_bytes()));
    let answer = collector
        .post_receipt(&body(&device(2), &request), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    // Citing the new version with the old document's hash is refused.
    let mut request = reject_all(&sha256_hex(test_policy_bytes()));
    request.policy_version = u32::try_from(first + 1).expect("u32");
    let answer = collector
        .post_receipt(&body(&device(3), &request), Some(ORIGIN))
        .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_sites_loader_is_rendered_from_the_published_version() {
    let collector = TestCollector::start_serving_pages().await;
    let keys = keys(&collector).await;
    let first = first_version();
    let before = String::from_utf8(collector.get("/s/demo.js").await.bytes).expect("text");
    assert!(
        before.contains(&format!(r#""version":{first},"#)),
        "{before}"
    );

    let mut policy = served_policy();
    policy["version"] = (first + 1).into();
    policy["purposes"][1]["name"]["en"] = "Visitor statistics".into();
    let document = serde_json::to_vec_pretty(&policy).expect("json");
    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
    assert_eq!(answer.json()["disclosureChanged"], true);

    let after = String::from_utf8(collector.get("/s/demo.js").await.bytes).expect("text");
    assert!(
        after.contains(&format!(r#""version":{},"#, first + 1)),
        "{after}"
    );
    assert!(after.contains("Visitor statistics"), "{after}");
    let disclosure = |text: &str| {
        let start = text.find(r#""disclosure":""#).expect("disclosure") + 14;
        text[start..start + 12].to_owned()
    };
    assert_ne!(disclosure(&before), disclosure(&after));
}

#[tokio::test]
async fn a_restarted_collector_serves_the_published_version_though_its_file_is_older() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let first = first_version();
    let document = next_version(first + 1);
    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    let collector = collector.restart().await;
    let served = collector.get("/v1/sites/demo/policy").await;
    assert_eq!(served.bytes, document);
    assert_eq!(etag(&served), format!("\"{}\"", sha256_hex(&document)));
    assert_eq!(listed_versions(&collector, &keys).await, 2);

    // A file newer than every published version wins in its turn.
    let newer = next_version(first + 2);
    std::fs::write(collector.dir.path().join("policy.json"), &newer).expect("write");
    let collector = collector.restart().await;
    assert_eq!(collector.get("/v1/sites/demo/policy").await.bytes, newer);
    assert_eq!(listed_versions(&collector, &keys).await, 3);

    // The file's version edited in place is still refused.
    let mut edited: serde_json::Value = serde_json::from_slice(&newer).expect("json");
    edited["notice"]["en"] = "Edited without a new version.".into();
    std::fs::write(
        collector.dir.path().join("policy.json"),
        serde_json::to_vec(&edited).expect("json"),
    )
    .expect("write");
    let refused = TestCollector::build(collector.dir.path())
        .await
        .expect_err("must refuse");
    assert!(
        refused.to_string().contains("raise \"version\""),
        "{refused}"
    );
}

#[tokio::test]
async fn two_admins_publishing_the_same_version_on_two_collectors_at_once_one_wins() {
    let first_collector = TestCollector::start().await;
    let keys = keys(&first_collector).await;
    // A second collector on the same database and files, as behind a load balancer.
    let second_collector = TestCollector {
        router: TestCollector::build(first_collector.dir.path())
            .await
            .expect("second collector starts")
            .router(),
        dir: tempfile::tempdir().expect("tempdir"),
    };
    let version = first_version() + 1;
    let mine = next_version(version);
    let mut theirs: serde_json::Value = serde_json::from_slice(&mine).expect("json");
    theirs["notice"]["en"] = "Their wording.".into();
    let theirs = serde_json::to_vec(&theirs).expect("json");

    let (a, b) = tokio::join!(
        post_policy(&first_collector, &keys.admin, "demo", &mine, false),
        post_policy(&second_collector, &keys.admin, "demo", &theirs, false),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.json(), b.json());
    let (winner, loser, won) = match a.status {
        StatusCode::CREATED => (&first_collector, &second_collector, &mine),
        _ => (&second_collector, &first_collector, &theirs),
    };
    let lost = if a.status == StatusCode::CREATED {
        &b
    } else {
        &a
    };
    assert_problem(lost, StatusCode::CONFLICT);
    assert_eq!(
        lost.json()["type"],
        "urn:samtycke:problem:policy-version-taken"
    );
    // Both serve the winner's bytes: the loser's collector adopted them on losing.
    assert_eq!(&winner.get("/v1/sites/demo/policy").await.bytes, won);
    assert_eq!(&loser.get("/v1/sites/demo/policy").await.bytes, won);
    assert_eq!(listed_versions(winner, &keys).await, 2);
}

#[tokio::test]
async fn another_collector_on_the_same_database_serves_a_published_version_within_its_refresh() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let dir = collector.dir.path().to_owned();
    let shared = shared_config(&dir);
    let config = std::fs::read_to_string(&shared).expect("config");
    std::fs::write(&shared, format!("policy_refresh_ms = 200\n{config}")).expect("config");
    let port = free_port();
    let _process = Process::spawn(&shared, port);
    wait_ready(port);

    let document = next_version(first_version() + 1);
    let answer = post_policy(&collector, &keys.admin, "demo", &document, false).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());

    let expected = document.clone();
    let followed = tokio::task::spawn_blocking(move || {
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let mut answer = agent
                .get(format!("http://127.0.0.1:{port}/v1/sites/demo/policy"))
                .call()
                .expect("the collector answers");
            let body = answer.body_mut().read_to_vec().expect("body");
            if body == expected {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    })
    .await
    .expect("polled");
    assert!(
        followed,
        "the other collector never served the published version"
    );
}
