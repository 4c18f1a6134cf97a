//! The first layer before any wasm: the loader draws the collector's rendering of the banner at
//! once, a press on it is kept until the app can carry it out, and the app takes the banner over
//! without the visitor seeing a change.

use std::time::Duration;

use samtycke_banner::server::Rendering;
use samtycke_banner::{Layer, Layout};
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector, DemoSite};
use samtycke_shared::{Decision, Policy};
use serde_json::{Value, json};

use crate::helpers::{
    WAIT, acknowledged_receipt, click_in_widget, demo_policy_variant, demo_purposes, press,
    set_window,
};

/// Long enough that the app (its module, then its wasm and the policy) is still on its way while
/// the test looks at, and presses, what the loader drew.
const SLOW: Duration = Duration::from_millis(1500);

/// A script's function that describes a node's tree for comparison: tags, attributes (sorted;
/// a box's tick as its state), and text, adjacent text joined.
const DESCRIBE: &str = "const describe = (root) => { \
       const copy = root.cloneNode(true); copy.normalize(); \
       const walk = (n) => n.nodeType === 3 ? n.data : n.nodeType !== 1 ? null : [n.localName, \
         [...n.attributes].filter((a) => a.name !== 'checked') \
           .map((a) => a.name + '=' + a.value) \
           .concat(n.localName === 'input' ? ['(ticked ' + n.checked + ')'] : []).sort(), \
         [...n.childNodes].map(walk).filter((c) => c !== null && c !== '')]; \
       return walk(copy); };";

/// The banner's panel as the page has it now, described.
async fn described_panel(browser: &Browser) -> Value {
    browser
        .eval(&format!(
            "{DESCRIBE} const p = document.getElementById('samtycke').shadowRoot \
               .querySelector('[role=dialog]'); \
             return p ? describe(p) : null;"
        ))
        .await
        .expect("eval")
}

/// The demo's front page on a slow network: the app is on its way, the loader's drawing is up.
async fn open_slowly(browser: &Browser, collector: &DemoCollector) {
    browser.slow_network(SLOW).await.expect("slow network");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    browser
        .drawn_element("[data-action=reject-all]", WAIT)
        .await
        .expect("the loader draws the first layer");
}

async fn app_is_live(browser: &Browser) -> bool {
    browser
        .eval("return !!(window.samtycke && window.samtycke._show);")
        .await
        .expect("eval")
        == json!(true)
}

#[tokio::test]
async fn the_first_layer_shows_before_any_wasm_and_a_key_press_on_it_waits_for_the_app() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    open_slowly(&browser, &collector).await;

    // On screen before the app: no wasm fetched yet, the panel laid out and visible, the
    // focus in it as the app would put it, the page's settings control out of the way.
    let shown = browser
        .eval(
            "const root = document.getElementById('samtycke').shadowRoot; \
             const p = root.querySelector('[role=dialog]'); \
             const control = document.getElementById('samtycke-settings'); \
             return { visible: p.checkVisibility() && p.getClientRects().length > 0, \
               wasm: performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')), \
               focus: root.activeElement && root.activeElement.localName, \
               control: control ? getComputedStyle(control).display : 'none', \
               live: !!window.samtycke._show };",
        )
        .await
        .expect("eval");
    assert_eq!(
        shown,
        json!({ "visible": true, "wasm": false, "focus": "h2", "control": "none", "live": false })
    );

    // The keyboard alone, before the app: Tab to "Reject all" (past the language switch, the
    // policy link and "Accept all") and press Enter. The button says at once that it is saving.
    let mut tabs = 0;
    loop {
        press(&browser, fantoccini::key::Key::Tab).await;
        tabs += 1;
        let on = browser
            .eval(
                "const a = document.getElementById('samtycke').shadowRoot.activeElement; \
                 return a && a.dataset.action || null;",
            )
            .await
            .expect("eval");
        if on == json!("reject-all") {
            break;
        }
        assert!(tabs < 10, "Tab never reached Reject all");
    }
    press(&browser, fantoccini::key::Key::Enter).await;
    let acknowledged = browser
        .eval(
            "const root = document.getElementById('samtycke').shadowRoot; \
             return { busy: root.querySelector('[data-action=reject-all]').getAttribute('aria-busy'), \
               status: root.querySelector('[role=status]').textContent, \
               live: !!window.samtycke._show };",
        )
        .await
        .expect("eval");
    assert_eq!(
        acknowledged,
        json!({ "busy": "true", "status": "Saving…", "live": false }),
        "the press was acknowledged before the app was live"
    );

    // The app, once live, carries it out: one receipt, by the banner, every purpose refused,
    // exactly what pressing "Reject all" in the app makes.
    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert_eq!(receipt.claims.collection_method.as_str(), "banner");
    for purpose in demo_purposes() {
        assert_eq!(
            receipt.claims.decisions.get(&purpose),
            Some(&Decision::Denied),
            "{purpose}"
        );
    }
    let posts = browser
        .eval(
            "return performance.getEntriesByType('resource') \
               .filter((e) => e.name.endsWith('/v1/receipts')).length;",
        )
        .await
        .expect("eval");
    assert_eq!(posts, json!(1), "one decision, posted once");
    browser
        .wait_for(
            "the banner to close",
            "return !document.getElementById('samtycke');",
            WAIT,
        )
        .await
        .expect("closed");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_app_takes_the_first_layer_over_unchanged_keeping_the_focus_and_the_scroll() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    // A short window, so that the first layer scrolls inside its panel.
    set_window(&browser, 320, 360).await;
    open_slowly(&browser, &collector).await;

    let drawn = described_panel(&browser).await;
    let placed = browser
        .eval(
            "const root = document.getElementById('samtycke').shadowRoot; \
             const p = root.querySelector('[role=dialog]'); \
             root.querySelector('[data-action=accept-all]').focus(); \
             p.scrollTop = 40; \
             return { scroll: p.scrollTop, scrolls: p.scrollHeight > p.clientHeight, \
                      live: !!window.samtycke._show };",
        )
        .await
        .expect("eval");
    assert_eq!(
        placed,
        json!({ "scroll": 40, "scrolls": true, "live": false })
    );

    browser
        .wait_for(
            "the app to take over",
            "return !!window.samtycke._show;",
            WAIT,
        )
        .await
        .expect("live");
    assert!(app_is_live(&browser).await);
    let taken = described_panel(&browser).await;
    assert_eq!(taken, drawn, "the app drew what the loader had drawn");
    let kept = browser
        .eval(
            "const root = document.getElementById('samtycke').shadowRoot; \
             const p = root.querySelector('[role=dialog]'); \
             return { scroll: p.scrollTop, focus: root.activeElement && root.activeElement.dataset.action, \
                      hosts: document.querySelectorAll('#samtycke').length };",
        )
        .await
        .expect("eval");
    assert_eq!(
        kept,
        json!({ "scroll": 40, "focus": "accept-all", "hosts": 1 })
    );
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_app_draws_the_settings_exactly_as_the_server_renders_them() {
    // A policy that uses every member the banner shows, so that the app's reading of the
    // document (`widget/src/read.rs`) is compared with serde's, member by member.
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = demo_policy_variant(dir.path(), "full.json", |p| {
        p["version"] = json!(p["version"].as_u64().expect("version") + 1);
        p["consentValidityDays"] = json!(200);
        p["controller"]["dpoContact"] = json!("dpo@demo.samtycke.example");
        p["purposes"][1]["automatedDecisions"] = json!({ "en": "Visits are grouped by browser type.", "sv": "Besök grupperas efter webbläsartyp." });
        p["purposes"][1]["transfers"] = json!({
            "countries": ["US", "CA"],
            "safeguard": { "en": "Standard contractual clauses", "sv": "Standardavtalsklausuler" }
        });
        p["purposes"][1]["recipients"]
            .as_array_mut()
            .expect("recipients")
            .push(json!({ "name": "Demo Mail AB", "role": { "en": "Processor: backups", "sv": "Personuppgiftsbiträde: säkerhetskopior" } }));
        let mut health = p["purposes"][2].clone();
        health["id"] = json!("health");
        health["specialCategory"] = json!(true);
        health["name"] = json!({ "en": "Health tips", "sv": "Hälsotips" });
        p["purposes"].as_array_mut().expect("purposes").push(health);
        let mut research = p["purposes"][2].clone();
        research["id"] = json!("research");
        research["lawfulBasis"] = json!({ "other": "Research in the public interest" });
        research["name"] = json!({ "en": "Research", "sv": "Forskning" });
        p["purposes"]
            .as_array_mut()
            .expect("purposes")
            .push(research);
    });
    let parsed = Policy::parse(&std::fs::read(&policy).expect("policy")).expect("valid");
    let collector = DemoCollector::start_with(DemoSite {
        policy,
        ..Default::default()
    })
    .await
    .expect("collector");
    let browser = crate::helpers::visit(&collector, BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=settings]").await;
    browser
        .widget_element(".panel.second", WAIT)
        .await
        .expect("settings");
    let drawn = described_panel(&browser).await;

    let rendered = Rendering {
        policy: parsed,
        sha256: String::new(),
        language: 0,
        layout: Layout::Bar,
        gpc: false,
        layer: Layer::Second,
    }
    .render()
    .await;
    let script = format!(
        "{DESCRIBE} const t = document.createElement('template'); t.innerHTML = {rendered:?}; \
         return describe(t.content.querySelector('[role=dialog]'));"
    );
    let server = browser.eval(&script).await.expect("eval");
    assert!(
        server.to_string().contains("Standard contractual clauses")
            && server
                .to_string()
                .contains("Research in the public interest")
            && server.to_string().contains("dpo@demo.samtycke.example"),
        "the rendering shows every member: {server}"
    );
    assert_eq!(drawn, server, "the app's settings differ from the server's");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_app_goes_on_in_the_drawn_language_and_a_decision_pressed_after_a_language_stands() {
    let collector = DemoCollector::start().await.expect("collector");
    // The browser asks for Swedish pages but its script-visible languages say English: the
    // drawing (from Accept-Language) is Swedish, the app on its own would pick English.
    let browser = Browser::start_with(BrowserOptions {
        languages: Some("sv-SE,sv".into()),
        ..Default::default()
    })
    .await
    .expect("browser");
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['en-GB', 'en'], configurable: true });" }),
        )
        .await
        .expect("script");
    open_slowly(&browser, &collector).await;
    let drawn = browser
        .eval(
            "const root = document.getElementById('samtycke').shadowRoot; \
             return root.querySelector('[role=dialog]').lang;",
        )
        .await
        .expect("eval");
    assert_eq!(drawn, json!("sv"));

    // A press on "English", then on "Avvisa alla" (Reject all), both before the app is live:
    // the decision stands, in the language the visitor was reading.
    browser
        .drawn_element("[data-language=en]", WAIT)
        .await
        .expect("language button")
        .click()
        .await
        .expect("click");
    browser
        .drawn_element("[data-action=reject-all]", WAIT)
        .await
        .expect("reject button")
        .click()
        .await
        .expect("click");
    assert_eq!(
        browser
            .eval("return [window.samtycke._pending, !!window.samtycke._show];")
            .await
            .expect("eval"),
        json!(["reject-all", false])
    );
    let receipt = acknowledged_receipt(&collector, &browser).await;
    assert_eq!(receipt.claims.language.as_str(), "sv");
    for purpose in demo_purposes() {
        assert_eq!(
            receipt.claims.decisions.get(&purpose),
            Some(&Decision::Denied)
        );
    }
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_decision_pressed_on_an_older_versions_drawing_is_not_made_and_the_banner_asks_again() {
    let mut collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    // The drawing of the demo's version, the app held back; meanwhile the site publishes the next,
    // which adds a purpose the drawing never named.
    browser.block_urls(&["*/assets/*"]).await.expect("block");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    browser
        .drawn_element("[data-action=accept-all]", WAIT)
        .await
        .expect("drawn");
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = demo_policy_variant(dir.path(), "v4.json", |p| {
        p["version"] = json!(p["version"].as_u64().expect("version") + 1);
        let mut extra = p["purposes"][2].clone();
        extra["id"] = json!("recipes");
        extra["name"] = json!({ "en": "Recipe suggestions", "sv": "Receptförslag" });
        p["purposes"].as_array_mut().expect("purposes").push(extra);
    });
    collector
        .restart_with(DemoSite {
            policy,
            ..Default::default()
        })
        .await
        .expect("restart");
    browser.block_urls(&[]).await.expect("unblock");

    // "Accept all" on the old drawing starts the app, which finds the new version.
    browser
        .drawn_element("[data-action=accept-all]", WAIT)
        .await
        .expect("accept")
        .click()
        .await
        .expect("click");
    browser
        .widget_element(".panel.first li:nth-child(4)", WAIT)
        .await
        .expect("the app's first layer names the new purpose");
    let state = browser
        .eval(
            "return { stored: localStorage.getItem('samtycke:demo'), \
                      queued: localStorage.getItem('samtycke:demo:queue'), \
                      busy: !!document.getElementById('samtycke').shadowRoot \
                        .querySelector('[aria-busy]') };",
        )
        .await
        .expect("eval");
    assert_eq!(
        state,
        json!({ "stored": null, "queued": null, "busy": false }),
        "nothing was decided on a version the visitor did not see"
    );
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_drawing_the_app_cannot_take_over_is_taken_down() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    // The app loads, but the policy it needs does not come.
    browser.block_urls(&["*/policy"]).await.expect("block");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    browser
        .wait_for(
            "the drawing to go and the settings control to come back",
            "const c = document.getElementById('samtycke-settings'); \
             return !document.getElementById('samtycke') && c && getComputedStyle(c).display !== 'none';",
            WAIT,
        )
        .await
        .expect("taken down");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_policy_that_asks_nothing_in_the_banner_draws_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = demo_policy_variant(dir.path(), "forms-only.json", |p| {
        p["version"] = json!(p["version"].as_u64().expect("version") + 2);
        let kept: Vec<Value> = p["purposes"]
            .as_array()
            .expect("purposes")
            .iter()
            .filter(|x| x["necessary"] == json!(true) || x["askedIn"] == json!("form"))
            .cloned()
            .collect();
        p["purposes"] = Value::Array(kept);
    });
    let collector = DemoCollector::start_with(DemoSite {
        policy,
        ..Default::default()
    })
    .await
    .expect("collector");
    let browser = crate::helpers::visit(&collector, BrowserOptions::default()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page = browser
        .eval(
            "return { banner: !!document.getElementById('samtycke'), \
                      wasm: performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')) };",
        )
        .await
        .expect("eval");
    assert_eq!(page, json!({ "banner": false, "wasm": false }));
    browser.close().await.expect("browser closes");
}
