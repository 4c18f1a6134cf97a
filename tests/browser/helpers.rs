//! What the browser tests share: reading the collector's stored receipts and verifying them.

use jsonwebtoken::jwk::JwkSet;
use samtycke_collector::keys::KeyRing;
use samtycke_e2e::DemoCollector;
use samtycke_shared::ReceiptId;
use samtycke_shared::jose::{VerifiedReceipt, verify_receipt};

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

/// Whether the demo's blocked analytics script has run.
pub async fn analytics_has_run(browser: &samtycke_e2e::Browser) -> bool {
    browser
        .eval("return window.demoAnalyticsRan === true;")
        .await
        .expect("eval")
        == serde_json::Value::Bool(true)
}
