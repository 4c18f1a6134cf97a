//! The walking skeleton's journey: the demo page blocks analytics, "Reject all" records a
//! verifiable receipt, and a returning visitor loads no wasm.

use std::time::Duration;

use samtycke_e2e::{DemoCollector, DemoSite};
use samtycke_shared::{Decision, Policy};

use crate::helpers::{WAIT, acknowledged_decision, analytics_has_run, open_demo, stored_receipt};
use crate::helpers::{acknowledged_receipt, reload, wait_for_flag};

#[tokio::test]
async fn reject_all_records_a_verifiable_receipt_and_a_returning_visitor_loads_no_wasm() {
    let (collector, browser) = open_demo().await;
    reject_all_journey(&collector, browser).await;
}

/// The same journey with the collector on PostgreSQL.
#[tokio::test]
async fn on_postgresql_reject_all_records_a_verifiable_receipt() {
    let Some(database) = samtycke_e2e::fresh_postgres_database("skeleton")
        .await
        .expect("PostgreSQL")
    else {
        return;
    };
    let collector = DemoCollector::start_on(DemoSite::default(), Some(database))
        .await
        .expect("collector on PostgreSQL");
    assert!(collector.database_url.starts_with("postgres://"));
    let browser = samtycke_e2e::Browser::start().await.expect("browser");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    reject_all_journey(&collector, browser).await;
}

async fn reject_all_journey(collector: &DemoCollector, browser: samtycke_e2e::Browser) {
    // Arrange: the banner is up and the blocked analytics script has not run.
    let reject = browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await
        .expect("banner shows");
    assert!(!analytics_has_run(&browser).await);

    // Act: a real click on "Reject all".
    reject.click().await.expect("click");

    // Assert: the page got its receipt, and the collector holds one that verifies.
    let stored = acknowledged_decision(&browser).await;
    let id = stored["id"].as_str().expect("receipt id");
    let (jwt, receipt) = stored_receipt(collector, id).await;
    assert_eq!(
        stored["r"].as_str(),
        Some(jwt.as_str()),
        "the page keeps the receipt the collector stored"
    );
    let policy = Policy::parse(
        &std::fs::read(samtycke_e2e::paths::root().join("www/policies/demo.json")).expect("policy"),
    )
    .expect("valid policy");
    for purpose in policy.banner_purposes() {
        assert_eq!(
            receipt.claims.decisions.get(&purpose.id),
            Some(&Decision::Denied),
            "purpose {}",
            purpose.id
        );
    }
    assert!(!analytics_has_run(&browser).await);

    // A returning visitor: no banner, no wasm, analytics still blocked.
    reload(&browser).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        browser
            .eval("return document.getElementById('samtycke') === null;")
            .await
            .expect("eval"),
        true
    );
    let fetched = browser.fetched_resources().await.expect("resources");
    assert!(
        fetched.iter().all(|url| !url.ends_with(".wasm")),
        "a returning visitor fetched wasm: {fetched:?}"
    );
    assert!(
        fetched.iter().any(|url| url.ends_with("/s/demo.js")),
        "the loader was not fetched: {fetched:?}"
    );
    assert!(!analytics_has_run(&browser).await);
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn accept_all_runs_the_blocked_scripts_and_records_every_purpose_granted() {
    let (collector, browser) = open_demo().await;
    let accept = browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("banner shows");
    assert!(!analytics_has_run(&browser).await);

    accept.click().await.expect("click");

    wait_for_flag(&browser, "demoAnalyticsRan").await;
    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert!(!receipt.claims.decisions.is_empty());
    assert!(
        receipt
            .claims
            .decisions
            .values()
            .all(|d| *d == Decision::Granted),
        "{:?}",
        receipt.claims.decisions
    );
    let console = browser.console_messages().await.expect("console");
    assert!(console.is_empty(), "the host page's console: {console:#?}");
    browser.close().await.expect("browser closes");
}
