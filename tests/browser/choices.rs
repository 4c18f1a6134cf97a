//! Each way of deciding produces the receipt it should and activates exactly the purposes it
//! granted: a custom choice in the settings, and "Accept all" under Global Privacy Control.

use samtycke_e2e::{BrowserOptions, DemoCollector};
use samtycke_shared::{Decision, PurposeId};

use crate::helpers::{WAIT, click_in_widget, flag, open_demo, visit};
use crate::helpers::{acknowledged_receipt, assert_only_analytics_granted, wait_for_flag};

fn purpose(id: &str) -> PurposeId {
    PurposeId::parse(id).expect("slug")
}

#[tokio::test]
async fn a_custom_choice_grants_only_what_was_ticked() {
    let (collector, browser) = open_demo().await;
    click_in_widget(&browser, "[data-action=settings]").await;
    let analytics = browser
        .widget_element("input[data-purpose=analytics]", WAIT)
        .await
        .expect("second layer");
    assert_eq!(
        analytics.prop("checked").await.expect("prop").as_deref(),
        Some("false"),
        "no box starts ticked"
    );

    analytics.click().await.expect("tick");
    click_in_widget(&browser, "[data-action=save]").await;

    wait_for_flag(&browser, "demoAnalyticsRan").await;
    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert_only_analytics_granted(&receipt);
    assert_eq!(receipt.claims.collection_method.as_str(), "settings");
    assert!(!flag(&browser, "demoAdsRan").await, "ads were not granted");
    let video = browser
        .eval("return document.querySelector('iframe[data-samtycke=media]').getAttribute('src');")
        .await
        .expect("eval");
    assert_eq!(video, serde_json::Value::Null, "media was not granted");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn under_global_privacy_control_accept_all_leaves_sale_and_sharing_refused() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(
        &collector,
        BrowserOptions {
            gpc: true,
            ..Default::default()
        },
    )
    .await;
    let accept = browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("banner shows");
    let banner_text = browser
        .eval("return document.getElementById('samtycke').shadowRoot.textContent;")
        .await
        .expect("eval");
    assert!(
        banner_text
            .as_str()
            .is_some_and(|t| t.contains("Global Privacy Control")),
        "the banner says why: {banner_text}"
    );
    accept.click().await.expect("click");

    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert!(receipt.claims.gpc, "the receipt records the GPC signal");
    assert_eq!(
        receipt.claims.decisions.get(&purpose("ads")),
        Some(&Decision::Denied),
        "ads sell or share data: GPC refuses them"
    );
    assert_eq!(
        receipt.claims.decisions.get(&purpose("analytics")),
        Some(&Decision::Granted)
    );
    assert!(flag(&browser, "demoAnalyticsRan").await);
    assert!(!flag(&browser, "demoAdsRan").await);
    browser.close().await.expect("browser closes");
}
