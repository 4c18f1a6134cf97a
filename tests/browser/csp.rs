//! Under the strictest Content-Security-Policy the README documents, the banner shows, a decision
//! is recorded, a nonce'd blocked script runs, and the page's console stays clean.

use samtycke_shared::Decision;

use crate::helpers::{WAIT, click_in_widget, flag};
use crate::helpers::{acknowledged_receipt, wait_for_flag};

#[tokio::test]
async fn the_widget_works_under_a_strict_csp_without_a_console_message() {
    let collector = samtycke_e2e::DemoCollector::start()
        .await
        .expect("collector");
    let browser = samtycke_e2e::Browser::start().await.expect("browser");
    browser
        .client
        .goto(&format!("{}/strict-csp.html", collector.url))
        .await
        .expect("page loads");

    click_in_widget(&browser, "[data-action=accept-all]").await;
    wait_for_flag(&browser, "strictAnalyticsRan").await;
    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert!(
        receipt
            .claims
            .decisions
            .values()
            .all(|d| *d == Decision::Granted),
        "{:?}",
        receipt.claims.decisions
    );

    // The way back works under the policy too.
    browser
        .client
        .find(fantoccini::Locator::Css("[data-samtycke-open]"))
        .await
        .expect("the page's settings link")
        .click()
        .await
        .expect("click");
    browser
        .widget_element("[data-action=save]", WAIT)
        .await
        .expect("the settings open");

    let violations = browser
        .eval("return window.cspViolations;")
        .await
        .expect("eval");
    assert_eq!(
        violations,
        serde_json::json!([]),
        "the policy refused something"
    );
    let console = browser.console_messages().await.expect("console");
    assert!(console.is_empty(), "the console is not clean: {console:#?}");
    assert!(flag(&browser, "strictAnalyticsRan").await);
    browser.close().await.expect("browser closes");
}
