//! Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7): from page load, Tab, Enter, Space and Escape walk
//! both layers and decide; the focus moves into the banner when it opens, is always visible,
//! and goes back where it was when the banner closes; closing records nothing.

use fantoccini::key::Key;
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector};
use serde_json::Value;

use super::{ENGLISH, widget_text};
use crate::helpers::{
    WAIT, acknowledged_decision, assert_only_analytics_granted, banner_is_shown, demo_purposes,
    press, reload, stored_receipt, visit,
};

#[tokio::test]
async fn a_keyboard_alone_walks_both_layers_decides_and_gets_the_focus_back() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(
        &collector,
        BrowserOptions {
            languages: Some(ENGLISH.accept_languages.into()),
            ..Default::default()
        },
    )
    .await;

    // The banner takes the focus when it opens, on its heading.
    wait_for_focus(
        &browser,
        "the focus in the banner",
        "f.inPanel && f.id === 'samtycke-title'",
    )
    .await;
    // Escape on the first layer does nothing: it still needs an answer.
    press(&browser, Key::Escape).await;
    assert!(
        banner_is_shown(&browser).await,
        "Escape dismissed the first layer"
    );

    // Tab reaches each answer, Settings last.
    let path = tab_until(&browser, 12, |f| f["action"] == "settings").await;
    for action in ["accept-all", "reject-all"] {
        assert!(
            path.iter().any(|f| f["action"] == action),
            "Tab passed {action} by: {path:#?}"
        );
    }
    assert!(path.iter().all(|f| f["inPanel"] == true), "{path:#?}");

    // Enter opens the settings; Escape goes back to the first layer, onto Settings, recording
    // nothing; Space opens them again.
    press(&browser, Key::Enter).await;
    wait_for_focus(
        &browser,
        "the second layer's heading",
        "f.inPanel && f.id === 'samtycke-title'",
    )
    .await;
    assert_eq!(
        widget_text(&browser, "#samtycke-title").await,
        ENGLISH.settings_title
    );
    press(&browser, Key::Escape).await;
    wait_for_focus(
        &browser,
        "the focus back on Settings",
        "f.action === 'settings'",
    )
    .await;
    assert_eq!(
        stored_record(&browser).await,
        Value::Null,
        "Escape recorded a decision"
    );
    press(&browser, Key::Space).await;
    wait_for_focus(
        &browser,
        "the second layer's heading",
        "f.inPanel && f.id === 'samtycke-title'",
    )
    .await;

    // Tab through the second layer to Save: it reaches every optional purpose's box; Space
    // ticks Statistics, and Enter opens the full details that follow its box.
    let mut boxes = Vec::new();
    let mut previous = Value::Null;
    for _ in 0..60 {
        let focus = tab(&browser).await;
        assert_eq!(focus["inPanel"], true, "Tab left the settings: {focus}");
        if let Some(purpose) = focus["purpose"].as_str() {
            boxes.push(purpose.to_owned());
            assert_eq!(focus["checked"], false, "no box starts ticked: {focus}");
            if purpose == "analytics" {
                press(&browser, Key::Space).await;
                assert_eq!(focused(&browser).await["checked"], true, "Space ticks");
            }
        }
        if focus["tag"] == "SUMMARY" && previous["purpose"] == "analytics" {
            press(&browser, Key::Enter).await;
            assert_eq!(
                focused(&browser).await["open"],
                true,
                "Enter opens the details"
            );
        }
        if focus["action"] == "save" {
            break;
        }
        previous = focus;
    }
    let purposes: Vec<String> = demo_purposes().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        boxes, purposes,
        "Tab reaches every optional purpose, in order"
    );
    assert_eq!(
        focused(&browser).await["action"],
        "save",
        "Tab reaches Save"
    );

    // Enter saves exactly that choice.
    press(&browser, Key::Enter).await;
    let stored = acknowledged_decision(&browser).await;
    let (_, receipt) = stored_receipt(&collector, stored["id"].as_str().expect("id")).await;
    assert_only_analytics_granted(&receipt);
    assert_eq!(receipt.claims.collection_method.as_str(), "settings");
    assert!(!banner_is_shown(&browser).await, "the banner closed");

    // Back as a returning visitor: Tab reaches the persistent settings control, Enter opens the
    // settings, showing the choice on record; Escape closes them, records nothing, and gives
    // the focus back to the control.
    reload(&browser).await;
    tab_until(&browser, 25, |f| f["id"] == "samtycke-settings").await;
    press(&browser, Key::Enter).await;
    wait_for_focus(
        &browser,
        "the settings' heading",
        "f.inPanel && f.id === 'samtycke-title'",
    )
    .await;
    let analytics = browser
        .widget_element("input[data-purpose=analytics]", WAIT)
        .await
        .expect("second layer");
    assert_eq!(
        analytics.prop("checked").await.expect("prop").as_deref(),
        Some("true"),
        "the settings show the choice on record"
    );
    press(&browser, Key::Escape).await;
    wait_for_focus(
        &browser,
        "the focus back on the control",
        "f.id === 'samtycke-settings'",
    )
    .await;
    assert!(
        !banner_is_shown(&browser).await,
        "Escape closed the settings"
    );
    let after = stored_record(&browser).await;
    assert_eq!(after["id"], stored["id"], "closing recorded no decision");
    assert_eq!(
        browser
            .eval("return localStorage.getItem('samtycke:demo:queue');")
            .await
            .expect("eval"),
        "[]",
        "nothing waits to be sent"
    );
    browser.close().await.expect("browser closes");
}

/// The page's stored decision, or null.
async fn stored_record(browser: &Browser) -> Value {
    browser
        .eval("return JSON.parse(localStorage.getItem('samtycke:demo'));")
        .await
        .expect("eval")
}

/// Where the focus is, in the page or in a shadow root (the widget's or an embed placeholder's),
/// what it is, and whether it shows a focus indicator (an outline or a box shadow).
const FOCUSED: &str = "(() => { \
     const host = document.getElementById('samtycke'); \
     let a = document.activeElement; \
     const widget = !!host && a === host; \
     while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; \
     if (!a || a === document.body) return { tag: 'BODY' }; \
     const s = getComputedStyle(a); \
     const panel = widget ? host.shadowRoot.querySelector('.panel') : null; \
     return { widget: widget, inPanel: !!panel && panel.contains(a), tag: a.tagName, id: a.id, \
              action: a.dataset.action || null, purpose: a.dataset.purpose || null, \
              checked: a.checked === true, open: a.tagName === 'SUMMARY' && a.parentElement.open, \
              text: a.textContent.trim().slice(0, 40), \
              ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) \
                    || s.boxShadow !== 'none' }; })()";

async fn focused(browser: &Browser) -> Value {
    browser
        .eval(&format!("return {FOCUSED};"))
        .await
        .expect("eval")
}

/// Waits until the focus is where `test` (a JS expression over `f`, the [`FOCUSED`] object)
/// says; returns where it is.
async fn wait_for_focus(browser: &Browser, what: &str, test: &str) -> Value {
    let script = format!("const f = {FOCUSED}; return ({test}) ? f : null;");
    match browser.wait_for(what, &script, WAIT).await {
        Ok(focus) => focus,
        Err(error) => panic!("{error}; the focus is on {}", focused(browser).await),
    }
}

/// Presses Tab; the element it focuses must show that it has the focus. Returns it.
async fn tab(browser: &Browser) -> Value {
    press(browser, Key::Tab).await;
    let focus = focused(browser).await;
    assert_eq!(focus["ring"], true, "no visible focus indicator on {focus}");
    focus
}

/// Presses Tab until `done` holds for the focused element, at most `limit` times. Returns
/// every element it focused on the way.
async fn tab_until(browser: &Browser, limit: usize, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut path = Vec::new();
    while path.len() < limit {
        let focus = tab(browser).await;
        path.push(focus.clone());
        if done(&focus) {
            return path;
        }
    }
    panic!("Tab never got there in {limit} presses; it went {path:#?}");
}
