//! A decision over time: withdrawn through the persistent settings control, asked again when
//! the purposes' disclosure changes (and only then), and kept while the collector is away.

use std::time::Duration;

use samtycke_e2e::{Browser, BrowserOptions, DemoCollector, DemoSite};
use samtycke_shared::{Decision, PurposeId};

use crate::helpers::wait_for_flag;
use crate::helpers::{
    WAIT, acknowledged_decision, banner_is_shown, click_in_widget, demo_policy_variant, flag,
    open_demo, reload, stored_receipt, visit,
};

fn purpose(id: &str) -> PurposeId {
    PurposeId::parse(id).expect("slug")
}

#[tokio::test]
async fn withdrawing_through_the_settings_control_deletes_the_cookies_and_tells_the_page() {
    let (collector, browser) = open_demo().await;
    click_in_widget(&browser, "[data-action=accept-all]").await;
    browser
        .wait_for(
            "the analytics cookie",
            "return document.cookie.includes('_demo_analytics=');",
            WAIT,
        )
        .await
        .expect("the granted script set its cookie");
    acknowledged_decision(&browser).await;
    browser
        .eval("document.cookie = 'unrelated=1; path=/';")
        .await
        .expect("a cookie of no declared purpose");

    // The persistent control reopens the settings: one click to the toggle, one to save.
    reload(&browser).await;
    browser
        .eval(
            "window.changes = []; samtycke.on('change', d => window.changes.push(d)); \
             window.events = []; \
             document.addEventListener('samtycke:change', e => window.events.push(e.detail));",
        )
        .await
        .expect("listen");
    browser
        .wait_for(
            "the settings control",
            "return document.getElementById('samtycke-settings');",
            WAIT,
        )
        .await
        .expect("control");
    browser
        .eval("document.getElementById('samtycke-settings').click();")
        .await
        .expect("click control");
    let analytics = browser
        .widget_element("input[data-purpose=analytics]", WAIT)
        .await
        .expect("settings open");
    assert_eq!(
        analytics.prop("checked").await.expect("prop").as_deref(),
        Some("true"),
        "a granted purpose shows ticked"
    );
    analytics.click().await.expect("untick");
    click_in_widget(&browser, "[data-action=save]").await;

    let events = browser
        .wait_for(
            "the change event",
            "return window.events.length && window.changes.length && window.events;",
            WAIT,
        )
        .await
        .expect("event");
    assert_eq!(events[0]["withdrawn"], serde_json::json!(["analytics"]));
    assert_eq!(events[0]["decisions"]["analytics"], "withdrawn");
    let cookies = browser
        .eval("return document.cookie;")
        .await
        .expect("cookies");
    let cookies = cookies.as_str().unwrap_or_default();
    assert!(!cookies.contains("_demo_analytics"), "{cookies}");
    assert!(
        cookies.contains("unrelated=1"),
        "other cookies stay: {cookies}"
    );
    let stored = browser
        .wait_for(
            "the withdrawal's receipt",
            "const s = JSON.parse(localStorage.getItem('samtycke:demo')); \
             return s.d.analytics === 'withdrawn' && s.r ? s : null;",
            WAIT,
        )
        .await
        .expect("acknowledged");
    let (_, receipt) = stored_receipt(&collector, stored["id"].as_str().expect("id")).await;
    assert_eq!(
        receipt.claims.decisions.get(&purpose("analytics")),
        Some(&Decision::Withdrawn)
    );
    assert!(
        receipt.claims.prev_receipt_hash.is_some(),
        "it chains on the grant"
    );
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_new_version_asks_again_only_when_it_changes_what_purposes_disclose() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    // The loader is cached for five minutes; the test cannot wait that long for a new one.
    browser
        .cdp("Network.enable", serde_json::json!({}))
        .await
        .expect("cdp");
    browser
        .cdp(
            "Network.setCacheDisabled",
            serde_json::json!({ "cacheDisabled": true }),
        )
        .await
        .expect("cdp");
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;

    // A new version that only rewords the notice: the refusal stands, nobody is nagged.
    let notice_only = demo_policy_variant(dir.path(), "notice.json", |p| {
        p["version"] = (p["version"].as_u64().expect("version") + 1).into();
        p["notice"]["en"] = "We have reworded this introduction.".into();
    });
    collector
        .restart_with(DemoSite {
            policy: notice_only,
            ..Default::default()
        })
        .await
        .expect("restart");
    reload(&browser).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!banner_is_shown(&browser).await, "no change to any purpose");
    let fetched = browser.fetched_resources().await.expect("resources");
    assert!(
        fetched.iter().all(|url| !url.ends_with(".wasm")),
        "{fetched:?}"
    );

    // A version that changes a purpose's retention: the visitor is asked again.
    let retention = demo_policy_variant(dir.path(), "retention.json", |p| {
        p["version"] = (p["version"].as_u64().expect("version") + 2).into();
        p["purposes"][1]["retention"]["en"] = "26 months".into();
    });
    collector
        .restart_with(DemoSite {
            policy: retention,
            ..Default::default()
        })
        .await
        .expect("restart");
    reload(&browser).await;
    browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("the banner asks again");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_decision_made_while_the_collector_is_away_is_delivered_when_it_is_back() {
    let mut collector = DemoCollector::start().await.expect("collector");
    let browser = visit(&collector, BrowserOptions::default()).await;
    let accept = browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("banner shows");
    collector.stop().await;

    accept.click().await.expect("click");

    // The page has the decision at once; the request waits in the queue.
    wait_for_flag(&browser, "demoAnalyticsRan").await;
    let queued = browser
        .eval(
            "const q = JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]'); \
             return q.length === 1 ? q[0].id : null;",
        )
        .await
        .expect("eval");
    let id = queued.as_str().expect("one queued request").to_owned();
    assert_eq!(
        browser
            .eval("return samtycke.get('analytics');")
            .await
            .expect("eval"),
        "granted"
    );

    // Back online: the queue is flushed and the receipt is the one for that request.
    collector
        .restart_with(DemoSite::default())
        .await
        .expect("restart");
    browser
        .eval("window.dispatchEvent(new Event('online'));")
        .await
        .expect("online");
    let stored = acknowledged_decision(&browser).await;
    assert_eq!(stored["id"], id.as_str());
    let (_, receipt) = stored_receipt(&collector, &id).await;
    assert!(
        receipt
            .claims
            .decisions
            .values()
            .all(|d| *d == Decision::Granted)
    );
    assert_eq!(
        browser
            .eval("return JSON.parse(localStorage.getItem('samtycke:demo:queue')).length;")
            .await
            .expect("eval"),
        0
    );
    assert!(flag(&browser, "demoAnalyticsRan").await);
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_decision_the_collector_keeps_failing_stops_holding_up_the_later_ones() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = Browser::start().await.expect("browser");
    // The collector's answer to the page's posts becomes a 500 while `__failing` is `'*'` or a
    // substring of the body: a request the collector cannot take, for reasons of its own (the
    // collector itself is real, and takes everything else).
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({ "source": "const realFetch = window.fetch; \
              window.fetch = (url, init) => String(url).endsWith('/v1/receipts') && window.__failing \
                && (window.__failing === '*' || String(init.body).includes(window.__failing)) \
                ? Promise.resolve(new Response('{}', { status: 500 })) : realFetch(url, init);" }),
        )
        .await
        .expect("script");
    browser
        .client
        .goto(&format!("{}/", collector.url))
        .await
        .expect("page loads");
    browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await
        .expect("banner");
    let queue = "return JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]') \
                   .map((i) => ({ id: i.id, n: i.n || 0 }));";

    // A first decision fails once; a second, made meanwhile, waits behind it: in order.
    browser.eval("window.__failing = '*';").await.expect("eval");
    click_in_widget(&browser, "[data-action=reject-all]").await;
    let first = browser
        .wait_for(
            "the first request to be put off",
            "const q = JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]'); \
             return q.length === 1 && q[0].n === 1 ? q[0] : null;",
            WAIT,
        )
        .await
        .expect("put off");
    // From now on only the first request fails (its signed request is in the body).
    let jws = first["jws"].as_str().expect("jws").to_owned();
    let first = first["id"].as_str().expect("id").to_owned();
    browser
        .eval(&format!("window.__failing = {jws:?};"))
        .await
        .expect("eval");
    // A second later at least: decisions are timed to the second (`consentTimestamp`), and the
    // collector can only order by time those made in different seconds.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    browser.eval("samtycke.open();").await.expect("open");
    click_in_widget(&browser, "[data-action=accept-all]").await;
    let queued = browser.eval(queue).await.expect("eval");
    let second = queued[1]["id"].as_str().expect("second queued").to_owned();
    assert_eq!(
        queued,
        serde_json::json!([{ "id": first, "n": 1 }, { "id": second, "n": 0 }]),
        "the second waits behind the first"
    );

    // The first keeps failing: after its third failure it no longer holds the second up.
    let acknowledged = acknowledged_decision(&browser).await;
    assert_eq!(acknowledged["id"], second.as_str());
    assert_eq!(
        browser.eval(queue).await.expect("eval"),
        serde_json::json!([{ "id": first, "n": 3 }])
    );

    // Once the collector takes it, it is sent again by itself when its back-off is over.
    browser
        .eval("window.__failing = null;")
        .await
        .expect("eval");
    browser
        .wait_for(
            "the queue to empty",
            "return JSON.parse(localStorage.getItem('samtycke:demo:queue')).length === 0;",
            WAIT,
        )
        .await
        .expect("delivered after its back-off");
    let (_, early) = stored_receipt(&collector, &first).await;
    let (_, late) = stored_receipt(&collector, &second).await;
    assert!(
        late.claims.sequence < early.claims.sequence,
        "the later decision arrived first"
    );
    // The first arrived last but was made first: the visitor's last decision stands.
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("store");
    let current = store
        .current_decisions(&early.claims.site, &early.claims.subject)
        .await
        .expect("state");
    assert_eq!(current.get(&purpose("analytics")), Some(&Decision::Granted));
    browser.close().await.expect("browser closes");
}
