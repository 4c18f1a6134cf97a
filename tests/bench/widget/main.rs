//! The widget benchmark (`cargo xtask bench widget`): what a first and a returning visitor of the
//! demo shop fetch, and how long the first waits for the banner, in real headless Chromium
//! against a real collector serving the widget in `SAMTYCKE_ASSETS_DIR`.
//!
//! Every load starts with a cold HTTP cache. A first visit also starts with no stored data for the
//! site, so the banner shows; a returning visitor has a decision stored, so only the loader runs.

mod report;
mod sizes;

use std::time::Duration;

use anyhow::{Context as _, bail};
use samtycke_e2e::{Browser, DemoCollector};
use serde_json::{Value, json};

/// The page script that timestamps the banner and sums long tasks.
const PROBE: &str = include_str!("probe.js");
/// How long one step may take.
const WAIT: Duration = Duration::from_secs(20);
/// After the banner (or the returning page's load), time for late long tasks and fetches.
const SETTLE: Duration = Duration::from_millis(500);
/// Loads run first and not counted: a fresh Chromium's first pages are slower.
const WARM_UP: usize = 2;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let loads = match std::env::var("SAMTYCKE_BENCH_LOADS") {
        Ok(n) => n
            .parse()
            .context("SAMTYCKE_BENCH_LOADS is a number of loads")?,
        Err(_) => 20,
    };
    let collector = DemoCollector::start().await?;
    let browser = Browser::start().await?;
    let result = measure(&browser, &collector.url, loads).await;
    let result = match result {
        Ok((first, returning)) => sizes::read(&browser, &[&first, &returning])
            .await
            .map(|sizes| (first, returning, sizes)),
        Err(error) => Err(error),
    };
    browser.close().await?;
    let (first, returning, sizes) = result?;
    report::print(&first, &returning, &sizes);
    Ok(())
}

async fn measure(
    browser: &Browser,
    url: &str,
    loads: usize,
) -> anyhow::Result<(Vec<Load>, Vec<Load>)> {
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": PROBE }),
        )
        .await?;
    let page = format!("{url}/");

    let mut first = Vec::new();
    for i in 0..WARM_UP + loads {
        clear_cache(browser).await?;
        browser
            .cdp(
                "Storage.clearDataForOrigin",
                json!({ "origin": url, "storageTypes": "all" }),
            )
            .await?;
        browser.client.goto(&page).await?;
        browser
            .wait_for(
                "the banner",
                "return window.__samtyckeBench.frame !== null;",
                WAIT,
            )
            .await?;
        tokio::time::sleep(SETTLE).await;
        let load = Load::read(browser).await?;
        if i >= WARM_UP {
            first.push(load);
        }
    }

    // Decide once; from then on the loader finds a valid decision.
    browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await?
        .click()
        .await?;
    browser
        .wait_for(
            "the decision to be stored",
            "return !!localStorage.getItem('samtycke:demo');",
            WAIT,
        )
        .await?;

    let mut returning = Vec::new();
    for i in 0..WARM_UP + loads {
        clear_cache(browser).await?;
        browser.client.goto(&page).await?;
        browser
            .wait_for(
                "the page to load",
                "return document.readyState === 'complete' && !!window.samtycke;",
                WAIT,
            )
            .await?;
        tokio::time::sleep(SETTLE).await;
        let load = Load::read(browser).await?;
        if load.dialog.is_some() {
            bail!("the banner showed to a returning visitor");
        }
        if i >= WARM_UP {
            returning.push(load);
        }
    }
    Ok((first, returning))
}

async fn clear_cache(browser: &Browser) -> anyhow::Result<Value> {
    browser.cdp("Network.clearBrowserCache", json!({})).await
}

/// What one page load fetched and timed, milliseconds from navigation start.
#[derive(Debug)]
pub struct Load {
    /// Paths (same origin) or URLs of the resources fetched, in order.
    pub resources: Vec<String>,
    /// The banner's dialog is in the page and visible.
    pub dialog: Option<f64>,
    /// The frame that paints it begins.
    pub frame: Option<f64>,
    /// Long tasks on the main thread, summed; `None` where the browser cannot observe them.
    pub long_tasks: Option<f64>,
    /// The page's load event has ended.
    pub load_event: Option<f64>,
}

impl Load {
    async fn read(browser: &Browser) -> anyhow::Result<Self> {
        let value = browser
            .eval(
                "const p = window.__samtyckeBench; \
                 const nav = performance.getEntriesByType('navigation')[0]; \
                 const path = (name) => { const u = new URL(name); \
                   return u.origin === location.origin ? u.pathname : name; }; \
                 return { resources: performance.getEntriesByType('resource').map((e) => path(e.name)), \
                   dialog: p.dialog, frame: p.frame, longTasks: p.longTasks, \
                   load: nav ? nav.loadEventEnd : null };",
            )
            .await?;
        let resources = value["resources"]
            .as_array()
            .context("the page lists its resources")?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_owned))
            .collect();
        Ok(Self {
            resources,
            dialog: value["dialog"].as_f64(),
            frame: value["frame"].as_f64(),
            long_tasks: value["longTasks"].as_f64(),
            load_event: value["load"].as_f64(),
        })
    }
}
