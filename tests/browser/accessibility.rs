//! WCAG 2.1 AA, proven in the browser: axe-core finds nothing on either layer, in English and
//! Swedish, in every layout, at full width, at 200% zoom, at 320 px and in the dark colour
//! scheme; the banner fits the window in each; reduced motion stops its animation. The keyboard
//! walk is in `keyboard`.

mod keyboard;

use samtycke_collector::config::{Layout, WidgetOptions};
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector, DemoSite};
use serde_json::{Value, json};

use crate::helpers::{WAIT, acknowledged_decision, click_in_widget, reload, visit};

/// A visitor's language, and words of ours the banner must then show.
struct Language {
    accept_languages: &'static str,
    tag: &'static str,
    accept_all: &'static str,
    settings_title: &'static str,
}

const ENGLISH: Language = Language {
    accept_languages: "en-GB,en",
    tag: "en",
    accept_all: "Accept all",
    settings_title: "Privacy settings",
};

const SWEDISH: Language = Language {
    accept_languages: "sv-SE,sv",
    tag: "sv",
    accept_all: "Godkänn alla",
    settings_title: "Integritetsinställningar",
};

/// How the visitor sees the page while it is audited.
struct Viewing {
    name: &'static str,
    /// The window in CSS pixels; `None` is the browser's own, 1280 × 900.
    size: Option<(u32, u32)>,
    dark: bool,
}

/// The browser's own window, that window at 200% zoom, the 320 px of WCAG's reflow criterion,
/// and the dark colour scheme.
const VIEWINGS: [Viewing; 4] = [
    Viewing {
        name: "full width",
        size: None,
        dark: false,
    },
    Viewing {
        name: "200% zoom",
        size: Some((640, 450)),
        dark: false,
    },
    Viewing {
        name: "320 px wide",
        size: Some((320, 640)),
        dark: false,
    },
    Viewing {
        name: "dark, full width",
        size: None,
        dark: true,
    },
];

#[tokio::test]
async fn the_bar_layout_passes_axe_in_both_layers_languages_sizes_and_schemes() {
    audit_layout(Layout::Bar, "bar").await;
}

#[tokio::test]
async fn the_modal_layout_passes_axe_in_both_layers_languages_sizes_and_schemes() {
    audit_layout(Layout::Modal, "modal").await;
}

#[tokio::test]
async fn the_corner_layout_passes_axe_in_both_layers_languages_sizes_and_schemes() {
    audit_layout(Layout::Corner, "corner").await;
}

#[tokio::test]
async fn the_banner_and_its_backdrop_appear_without_motion() {
    let collector = DemoCollector::start_with(DemoSite {
        widget: WidgetOptions {
            layout: Layout::Modal,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    // Nothing animates, so there is no motion for `prefers-reduced-motion` to stop: on the
    // first layer the app took over, and on the settings it draws afresh.
    let animations = "const r = document.getElementById('samtycke').shadowRoot; \
         return [...r.querySelectorAll('.panel, .backdrop, .panel *')] \
           .map((e) => getComputedStyle(e).animationName).filter((a) => a !== 'none');";
    browser
        .widget_element(".backdrop + .panel", WAIT)
        .await
        .expect("modal banner");
    assert_eq!(browser.eval(animations).await.expect("eval"), json!([]));
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;
    browser.eval("samtycke.open();").await.expect("open");
    browser
        .widget_element(".backdrop + .panel.second", WAIT)
        .await
        .expect("modal settings");
    assert_eq!(browser.eval(animations).await.expect("eval"), json!([]));
    browser.close().await.expect("browser closes");
}

/// Audits both layers of a layout (its panel has class `class`) in both languages, in every
/// [`Viewing`].
async fn audit_layout(layout: Layout, class: &str) {
    let collector = DemoCollector::start_with(DemoSite {
        widget: WidgetOptions {
            layout,
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .expect("collector");
    for language in [ENGLISH, SWEDISH] {
        let browser = Browser::start_with(BrowserOptions {
            languages: Some(language.accept_languages.into()),
            ..Default::default()
        })
        .await
        .expect("browser");
        let panel = format!(".panel.{class}[lang={}]", language.tag);

        // The first layer as the loader draws it from the collector's rendering, the app held
        // back: what a visitor sees until the app has loaded.
        browser.block_urls(&["*/assets/*"]).await.expect("block");
        browser
            .client
            .goto(&format!("{}/", collector.url))
            .await
            .expect("page loads");
        let accept = widget_text(&browser, &format!("{panel} [data-action=accept-all]")).await;
        assert_eq!(accept, language.accept_all);
        assert_eq!(
            browser
                .eval("return !!window.samtycke._show;")
                .await
                .expect("eval"),
            json!(false),
            "the app is held back"
        );
        audit_in_every_viewing(
            &browser,
            &format!(
                "{class}, {}, first layer drawn before the app",
                language.tag
            ),
        )
        .await;

        // The first layer, in the visitor's language, as the app draws it.
        browser.block_urls(&[]).await.expect("unblock");
        reload(&browser).await;
        browser
            .widget_element("[data-action=accept-all]", WAIT)
            .await
            .expect("the app draws");
        let accept = widget_text(&browser, &format!("{panel} [data-action=accept-all]")).await;
        assert_eq!(accept, language.accept_all);
        audit_in_every_viewing(&browser, &format!("{class}, {}, first layer", language.tag)).await;

        // The second layer, every disclosure open.
        browser
            .widget_element("[data-action=settings]", WAIT)
            .await
            .expect("settings button")
            .click()
            .await
            .expect("click");
        let title = widget_text(&browser, &format!("{panel} #samtycke-title")).await;
        assert_eq!(title, language.settings_title);
        let opened = browser
            .eval(
                "const all = document.getElementById('samtycke').shadowRoot.querySelectorAll('details'); \
                 all.forEach((d) => (d.open = true)); return all.length;",
            )
            .await
            .expect("eval");
        assert!(opened.as_u64() > Some(1), "disclosures to open: {opened}");
        audit_in_every_viewing(
            &browser,
            &format!("{class}, {}, second layer", language.tag),
        )
        .await;
        browser.close().await.expect("browser closes");
    }
}

/// The text of the widget's element matching `selector`, once it is there.
async fn widget_text(browser: &Browser, selector: &str) -> String {
    let script = format!(
        "const e = document.getElementById('samtycke')?.shadowRoot?.querySelector({selector:?}); \
         return e ? e.textContent.trim() : null;"
    );
    let text = browser
        .wait_for(selector, &script, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    text.as_str().expect("text").to_owned()
}

/// Runs axe in each of [`VIEWINGS`], and checks that the banner fits the window in each.
async fn audit_in_every_viewing(browser: &Browser, what: &str) {
    for viewing in VIEWINGS {
        let what = format!("{what}, {}", viewing.name);
        match viewing.size {
            Some((width, height)) => browser
                .cdp(
                    "Emulation.setDeviceMetricsOverride",
                    json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
                )
                .await
                .expect("window size"),
            None => browser
                .cdp("Emulation.clearDeviceMetricsOverride", json!({}))
                .await
                .expect("window size"),
        };
        let scheme = if viewing.dark { "dark" } else { "light" };
        emulate_media(browser, "prefers-color-scheme", scheme).await;
        assert_fits_the_window(browser, &what).await;
        assert_no_axe_violations(browser, &what).await;
    }
}

/// Makes the page see the media feature `name` as `value`.
async fn emulate_media(browser: &Browser, name: &str, value: &str) {
    browser
        .cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": name, "value": value }] }),
        )
        .await
        .expect("media emulation");
}

/// The banner is inside the window and needs no scrolling sideways: everything in it can be
/// reached by scrolling it up and down (WCAG 1.4.10 Reflow).
async fn assert_fits_the_window(browser: &Browser, what: &str) {
    let fit = browser
        .eval(
            "const p = document.getElementById('samtycke').shadowRoot.querySelector('.panel'); \
             const r = p.getBoundingClientRect(); \
             const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight; \
             return { fits: r.left >= 0 && r.top >= 0 && r.right <= w && r.bottom <= h \
                            && p.scrollWidth <= p.clientWidth, \
                      panel: [r.left, r.top, r.right, r.bottom], window: [w, h], \
                      scrollWidth: p.scrollWidth, clientWidth: p.clientWidth };",
        )
        .await
        .expect("eval");
    assert_eq!(fit["fits"], true, "{what}: the banner does not fit: {fit}");
}

/// axe-core's WCAG 2.1 A and AA rules find nothing on the page, the widget's shadow root
/// included; on failure, says which rule, why, and where.
pub(crate) async fn assert_no_axe_violations(browser: &Browser, what: &str) {
    run_axe(browser, what, true).await;
}

/// [`assert_no_axe_violations`] for a page the collector serves itself (no widget on it).
pub(crate) async fn assert_page_passes_axe(browser: &Browser, what: &str) {
    run_axe(browser, what, false).await;
}

async fn run_axe(browser: &Browser, what: &str, with_widget: bool) {
    let injected = browser
        .eval("return typeof window.axe === 'object';")
        .await
        .expect("eval");
    if injected != true {
        let path = samtycke_e2e::paths::axe_js().expect("axe-core");
        let source = std::fs::read_to_string(&path).expect("axe-core's source");
        browser
            .eval(&format!("{source}\n;return true;"))
            .await
            .expect("axe-core loads");
    }
    let result = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             axe.run(document, { runOnly: { type: 'tag', \
                                  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }) \
               .then((r) => done({ \
                 violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, \
                   nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })) })), \
                 widgetNodes: r.passes.concat(r.violations).flatMap((x) => x.nodes) \
                   .filter((n) => Array.isArray(n.target[0]) && n.target[0][0] === '#samtycke').length, \
               }), (e) => done({ error: String(e) }));",
            vec![],
        )
        .await
        .expect("axe runs");
    assert_eq!(result["error"], Value::Null, "{what}: axe failed");
    assert!(
        !with_widget || result["widgetNodes"].as_u64() > Some(10),
        "{what}: axe did not look inside the widget: {result}"
    );
    let violations = result["violations"].as_array().expect("violations");
    let report: Vec<String> = violations
        .iter()
        .map(|v| {
            let nodes: Vec<String> = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    format!(
                        "    at {}\n      {}",
                        n["target"],
                        n["summary"]
                            .as_str()
                            .unwrap_or_default()
                            .replace('\n', "\n      ")
                    )
                })
                .collect();
            format!(
                "  {} ({}): {}\n{}",
                v["id"],
                v["impact"],
                v["help"],
                nodes.join("\n")
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "{what}: axe-core found {} violation(s):\n{}",
        report.len(),
        report.join("\n")
    );
}
