//! What the browser tests share: reading the collector's stored receipts and verifying them.

use jsonwebtoken::jwk::JwkSet;
use samtycke_collector::keys::KeyRing;
use samtycke_e2e::DemoCollector;
use samtycke_shared::jose::{VerifiedReceipt, verify_receipt};
use samtycke_shared::{Decision, ReceiptId};

/// The receipt the collector stored under `id` (the JWT as stored), verified against its keys.
pub async fn stored_receipt(collector: &DemoCollector, id: &str) -> (String, VerifiedReceipt) {
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("database opens");
    let id = ReceiptId::parse(id).expect("receipt id");
    let stored = store
        .receipt(&id)
        .await
        .expect("query")
        .expect("the collector holds the receipt");
    let jwks: JwkSet = KeyRing::load(&collector.key_dir()).expect("keys").jwks();
    let verified = verify_receipt(&stored.receipt, &jwks).expect("the stored receipt verifies");
    (stored.receipt, verified)
}

/// How long a browser step may take before the test fails.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// A fresh collector serving the demo, and a fresh browser on its front page.
pub async fn open_demo() -> (DemoCollector, samtycke_e2e::Browser) {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = samtycke_e2e::Browser::start().await.expect("browser");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    (collector, browser)
}

/// The page's stored decision once the collector's receipt is in it.
pub async fn acknowledged_decision(browser: &samtycke_e2e::Browser) -> serde_json::Value {
    browser
        .wait_for(
            "the receipt to be acknowledged",
            "const s = JSON.parse(localStorage.getItem('samtycke:demo') || 'null'); return s && s.r ? s : null;",
            WAIT,
        )
        .await
        .expect("receipt acknowledged")
}

/// The receipt the collector stored for the page's decision, once acknowledged, verified.
pub async fn acknowledged_receipt(
    collector: &DemoCollector,
    browser: &samtycke_e2e::Browser,
) -> VerifiedReceipt {
    let stored = acknowledged_decision(browser).await;
    stored_receipt(collector, stored["id"].as_str().expect("id"))
        .await
        .1
}

/// That the receipt grants the demo's analytics and denies each of its other optional purposes.
pub fn assert_only_analytics_granted(receipt: &VerifiedReceipt) {
    for id in demo_purposes() {
        let expected = if id.as_str() == "analytics" {
            Decision::Granted
        } else {
            Decision::Denied
        };
        assert_eq!(receipt.claims.decisions.get(&id), Some(&expected), "{id}");
    }
}

/// Waits until a global the page's scripts set is `true`: a blocked script, granted, has run.
pub async fn wait_for_flag(browser: &samtycke_e2e::Browser, name: &str) {
    browser
        .wait_for(
            &format!("window.{name} (a granted script) to be set"),
            &format!("return window[{name:?}] === true;"),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

/// Whether the demo's blocked analytics script has run.
pub async fn analytics_has_run(browser: &samtycke_e2e::Browser) -> bool {
    browser
        .eval("return window.demoAnalyticsRan === true;")
        .await
        .expect("eval")
        == serde_json::Value::Bool(true)
}

/// A fresh browser, set up so, on the front page of this collector's demo.
pub async fn visit(
    collector: &DemoCollector,
    options: samtycke_e2e::BrowserOptions,
) -> samtycke_e2e::Browser {
    visit_page(collector, "/", options).await
}

/// A fresh browser, set up so, on a page (`/newsletter.html`) of this collector's demo.
pub async fn visit_page(
    collector: &DemoCollector,
    path: &str,
    options: samtycke_e2e::BrowserOptions,
) -> samtycke_e2e::Browser {
    let browser = samtycke_e2e::Browser::start_with(options)
        .await
        .expect("browser");
    browser
        .client
        .goto(&format!("{}{path}", collector.url))
        .await
        .expect("page loads");
    browser
}

/// Clicks the widget's element matching `selector`, once it is there.
pub async fn click_in_widget(browser: &samtycke_e2e::Browser, selector: &str) {
    browser
        .widget_element(selector, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

/// Reloads the page and waits until the loader has run.
pub async fn reload(browser: &samtycke_e2e::Browser) {
    browser.client.refresh().await.expect("reload");
    browser
        .wait_for(
            "the page to load",
            "return document.readyState === 'complete' && !!window.samtycke;",
            WAIT,
        )
        .await
        .expect("loaded");
}

/// Whether the consent banner is on the page.
pub async fn banner_is_shown(browser: &samtycke_e2e::Browser) -> bool {
    browser
        .eval(
            "const h = document.getElementById('samtycke'); \
             return !!(h && h.shadowRoot && h.shadowRoot.querySelector('[role=dialog]'));",
        )
        .await
        .expect("eval")
        == serde_json::Value::Bool(true)
}

/// Whether a global the page's scripts set is `true`.
pub async fn flag(browser: &samtycke_e2e::Browser, name: &str) -> bool {
    browser
        .eval(&format!("return window[{name:?}] === true;"))
        .await
        .expect("eval")
        == serde_json::Value::Bool(true)
}

/// The demo policy with `edit` applied, written to a file in `dir`.
pub fn demo_policy_variant(
    dir: &std::path::Path,
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> std::path::PathBuf {
    let path = samtycke_e2e::paths::root().join("www/policies/demo.json");
    let mut policy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("demo policy")).expect("json");
    edit(&mut policy);
    let out = dir.join(name);
    std::fs::write(&out, serde_json::to_vec_pretty(&policy).expect("json")).expect("write");
    out
}

/// The purposes the demo's banner asks about (not those asked in a form).
pub fn demo_purposes() -> Vec<samtycke_shared::PurposeId> {
    let path = samtycke_e2e::paths::root().join("www/policies/demo.json");
    let policy =
        samtycke_shared::Policy::parse(&std::fs::read(path).expect("policy")).expect("valid");
    policy.banner_purposes().map(|p| p.id.clone()).collect()
}

/// Presses and releases `key`, as a keyboard does (WebDriver key actions, not synthetic events).
pub async fn press(browser: &samtycke_e2e::Browser, key: fantoccini::key::Key) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key.into() })
        .then(KeyAction::Up { value: key.into() });
    browser.client.perform_actions(keys).await.expect("keys");
}

/// Makes the page's window `width` × `height` CSS pixels (CDP device metrics).
pub async fn set_window(browser: &samtycke_e2e::Browser, width: u32, height: u32) {
    browser
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await
        .expect("window size");
}
