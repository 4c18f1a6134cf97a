//! What a visitor trying the demo noticed (320 px to desktop, English and Swedish), each checked
//! as they met it.

use samtycke_e2e::{Browser, BrowserOptions, DemoCollector};
use serde_json::{Value, json};

use crate::helpers::{WAIT, acknowledged_decision, click_in_widget, set_window, visit, visit_page};

/// Where the banner's panel and its answers are, and whether the panel has been scrolled.
async fn panel_and_actions(browser: &Browser) -> Value {
    browser
        .eval(
            "const p = document.getElementById('samtycke').shadowRoot.querySelector('.panel'); \
             const r = p.getBoundingClientRect(); \
             const a = p.querySelector('.actions').getBoundingClientRect(); \
             return { top: r.top, bottom: r.bottom, actionsTop: a.top, actionsBottom: a.bottom, \
                      height: innerHeight, scrolled: p.scrollTop };",
        )
        .await
        .expect("eval")
}

fn number(value: &Value, name: &str) -> f64 {
    value[name]
        .as_f64()
        .unwrap_or_else(|| panic!("{name} in {value}"))
}

#[tokio::test]
async fn the_page_scrolls_its_last_button_out_from_under_the_bar() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    set_window(&browser, 1280, 800).await;
    browser
        .client
        .goto(&format!("{}/newsletter.html", collector.url))
        .await
        .expect("page loads");
    browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await
        .expect("banner");
    // Room below the page is made once the panel is laid out; then the page is scrolled as far
    // as it goes, as a visitor would to reach the form's button.
    let placed = browser
        .wait_for(
            "the sign-up button clear of the bar",
            "window.scrollTo(0, document.scrollingElement.scrollHeight); \
             const b = document.querySelector('#signup button').getBoundingClientRect(); \
             const p = document.getElementById('samtycke').shadowRoot.querySelector('.panel') \
               .getBoundingClientRect(); \
             return b.bottom <= p.top ? { button: b.bottom, bar: p.top } : null;",
            WAIT,
        )
        .await;
    assert!(placed.is_ok(), "the bar still covers Sign up: {placed:?}");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_settings_keep_their_answers_in_view_at_320_px_and_200_percent_zoom() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=settings]").await;
    browser
        .widget_element(".panel.second", WAIT)
        .await
        .expect("settings");
    for (width, height) in [(320, 640), (640, 400)] {
        set_window(&browser, width, height).await;
        let at = panel_and_actions(&browser).await;
        assert_eq!(at["scrolled"], json!(0), "{width}×{height}: {at}");
        assert!(
            number(&at, "actionsBottom") <= number(&at, "bottom") + 0.5
                && number(&at, "actionsTop") >= number(&at, "top")
                && number(&at, "bottom") <= number(&at, "height"),
            "{width}×{height}: the answers are not in view without scrolling: {at}"
        );
    }
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn under_css_zoom_the_whole_settings_panel_stays_within_reach() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    set_window(&browser, 1280, 800).await;
    browser
        .eval("document.documentElement.style.zoom = '2';")
        .await
        .expect("zoom");
    for layer in ["first", "second"] {
        if layer == "second" {
            click_in_widget(&browser, "[data-action=settings]").await;
        }
        browser
            .widget_element(&format!(".panel.{layer}"), WAIT)
            .await
            .expect("panel");
        let at = panel_and_actions(&browser).await;
        assert!(
            number(&at, "top") >= 0.0 && number(&at, "bottom") <= number(&at, "height"),
            "{layer} layer at zoom 2 is not within the window: {at}"
        );
    }
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_blocked_embed_names_its_purpose_and_provider_and_leads_to_that_switch() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;
    let placeholder = browser
        .wait_for(
            "the embed's placeholder",
            "const f = document.querySelector('iframe[data-samtycke=media]'); \
             const box = f.previousElementSibling; \
             const b = box && box.shadowRoot && box.shadowRoot.querySelector('button'); \
             if (!b) return null; \
             const s = getComputedStyle(b); \
             return { text: box.shadowRoot.textContent, fontSize: parseFloat(s.fontSize), \
                      height: b.getBoundingClientRect().height };",
            WAIT,
        )
        .await
        .expect("placeholder");
    let text = placeholder["text"].as_str().expect("text");
    assert!(text.contains("Embedded videos"), "the purpose: {text}");
    assert!(text.contains("127.0.0.1"), "the provider: {text}");
    assert!(text.contains("Load after consent"), "{text}");
    assert!(number(&placeholder, "fontSize") >= 16.0, "{placeholder}");
    assert!(number(&placeholder, "height") >= 44.0, "{placeholder}");

    browser
        .eval(
            "document.querySelector('iframe[data-samtycke=media]').previousElementSibling \
             .shadowRoot.querySelector('button').click();",
        )
        .await
        .expect("click");
    let focused = browser
        .wait_for(
            "the settings with the focus on the purpose's switch",
            "const h = document.getElementById('samtycke'); \
             const a = h && h.shadowRoot && h.shadowRoot.activeElement; \
             return a && a.localName === 'input' ? a.id : null;",
            WAIT,
        )
        .await
        .expect("focused");
    assert_eq!(focused, json!("samtycke-p-media"));
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_settings_control_steps_aside_while_the_banner_is_open() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await
        .expect("banner");
    let display = "const c = document.getElementById('samtycke-settings'); \
                   return c ? getComputedStyle(c).display : 'missing';";
    assert_eq!(browser.eval(display).await.expect("eval"), json!("none"));
    click_in_widget(&browser, "[data-action=reject-all]").await;
    browser
        .wait_for(
            "the control to come back",
            "const c = document.getElementById('samtycke-settings'); \
             return !document.getElementById('samtycke') && c && getComputedStyle(c).display !== 'none';",
            WAIT,
        )
        .await
        .expect("the control is back once the banner closes");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_opt_in_text_wraps_within_its_box_at_320_px() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    set_window(&browser, 320, 640).await;
    browser
        .client
        .goto(&format!("{}/newsletter.html", collector.url))
        .await
        .expect("page loads");
    let fits = browser
        .wait_for(
            "the opt-in box",
            "const host = document.querySelector('[data-samtycke-optin]'); \
             const p = host && host.shadowRoot && host.shadowRoot.querySelector('#samtycke-optin-about'); \
             if (!p) return null; \
             return { text: p.scrollWidth <= p.clientWidth, box: host.scrollWidth <= host.clientWidth, \
                      page: document.documentElement.scrollWidth <= innerWidth };",
            WAIT,
        )
        .await
        .expect("opt-in");
    assert_eq!(fits, json!({ "text": true, "box": true, "page": true }));
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn on_a_swedish_page_the_settings_control_speaks_swedish_in_an_english_browser() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit_page(
        &collector,
        "/nyhetsbrev.html",
        BrowserOptions {
            languages: Some("en-GB,en".into()),
            ..Default::default()
        },
    )
    .await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    let label = browser
        .wait_for(
            "the settings control",
            "const c = document.getElementById('samtycke-settings'); \
             return c && getComputedStyle(c).display !== 'none' ? c.textContent : null;",
            WAIT,
        )
        .await
        .expect("control");
    assert_eq!(label, json!("Integritetsinställningar"));
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn the_first_layer_names_the_purposes_its_notice_speaks_of() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    browser
        .widget_element(".panel.first", WAIT)
        .await
        .expect("banner");
    let names = browser
        .eval(
            "return [...document.getElementById('samtycke').shadowRoot \
               .querySelectorAll('.panel.first .asked li')].map((li) => li.textContent);",
        )
        .await
        .expect("eval");
    assert_eq!(
        names,
        json!(["Statistics", "Embedded videos", "Personalised advertising"])
    );
    browser.close().await.expect("browser closes");
}
