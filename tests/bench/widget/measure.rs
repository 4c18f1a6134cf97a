//! The page loads of one condition: first visits to the three pages in turn, then a decision on
//! each, then returning visits in turn, with what each load received and timed.
//!
//! Every load starts with a cold HTTP cache; a first visit also with no stored data for the site,
//! so the banner shows. A returning visitor keeps the decision stored, so no banner shows.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use samtycke_e2e::Browser;
use serde_json::json;

use crate::conditions::{self, Condition};
use crate::contenders::Contender;
use crate::network::{self, Request};

/// How long one step may take.
const WAIT: Duration = Duration::from_secs(20);
/// After the banner is visible (or a returning page has loaded): time for late long tasks and
/// fetches. Long tasks count up to the visible time plus this.
pub const SETTLE: Duration = Duration::from_millis(500);
/// Rounds of loads run first and not counted: a fresh Chromium's first pages are slower.
const WARM_UP: usize = 2;

/// One contender's measured loads in one condition.
#[derive(Debug, Default)]
pub struct Runs {
    pub first: Vec<Load>,
    pub returning: Vec<Load>,
}

/// One page load, times in milliseconds from navigation start.
#[derive(Debug)]
pub struct Load {
    /// The first animation frame in which the banner was visible.
    pub visible: Option<f64>,
    /// Long tasks on the main thread up to `visible` plus [`SETTLE`] (first visits), summed;
    /// `None` where the browser cannot observe them.
    pub long_tasks: Option<f64>,
    /// The contender's own files, as received.
    pub fetched: Vec<Fetched>,
}

/// One of the contender's files in a load.
#[derive(Debug)]
pub struct Fetched {
    pub request: Request,
    /// When its response ended (Resource Timing `responseEnd`), if the page lists it.
    pub end: Option<f64>,
}

impl Load {
    /// Body bytes of the contender's files, as received.
    pub fn bytes(&self) -> u64 {
        self.fetched.iter().map(|f| f.request.body).sum()
    }

    /// Body bytes of the contender's files whose response ended before the banner was visible.
    pub fn bytes_before_visible(&self) -> Option<u64> {
        let visible = self.visible?;
        Some(
            self.fetched
                .iter()
                .filter(|f| f.end.is_some_and(|end| end <= visible))
                .map(|f| f.request.body)
                .sum(),
        )
    }

    /// Whether any wasm was fetched.
    pub fn wasm(&self) -> bool {
        self.fetched
            .iter()
            .any(|f| f.request.url.ends_with(".wasm"))
    }
}

/// Runs one condition: `loads` measured first and returning visits per contender, after warm-up
/// rounds. The contenders take turns, one load each, starting one further along every round.
pub async fn condition(
    browser: &Browser,
    site: &str,
    contenders: &[Contender],
    condition: &Condition,
    loads: usize,
) -> anyhow::Result<Vec<Runs>> {
    conditions::emulate(browser, condition).await?;
    let mut runs: Vec<Runs> = contenders.iter().map(|_| Runs::default()).collect();
    let n = contenders.len();

    for round in 0..WARM_UP + loads {
        for k in 0..n {
            let i = (round + k) % n;
            let load = visit(browser, site, &contenders[i], Visit::First).await?;
            if round >= WARM_UP {
                runs[i].first.push(load);
            }
        }
    }

    // Decide once on each page; from then on each finds its decision.
    clear_site(browser, site).await?;
    for contender in contenders {
        browser.client.goto(&url(site, contender)).await?;
        wait_visible(browser, contender).await?;
        tokio::time::sleep(SETTLE).await;
        browser.eval(contender.reject).await?;
        browser
            .wait_for(
                &format!("{}'s decision to be stored", contender.name),
                contender.decided,
                WAIT,
            )
            .await?;
    }

    for round in 0..WARM_UP + loads {
        for k in 0..n {
            let i = (round + k) % n;
            let load = visit(browser, site, &contenders[i], Visit::Returning).await?;
            if round >= WARM_UP {
                runs[i].returning.push(load);
            }
        }
    }
    Ok(runs)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Visit {
    First,
    Returning,
}

async fn visit(
    browser: &Browser,
    site: &str,
    contender: &Contender,
    visit: Visit,
) -> anyhow::Result<Load> {
    browser.cdp("Network.clearBrowserCache", json!({})).await?;
    if visit == Visit::First {
        clear_site(browser, site).await?;
    }
    // Empty the log: what it holds next is this load's.
    browser.network_events().await?;
    browser.client.goto(&url(site, contender)).await?;
    match visit {
        Visit::First => wait_visible(browser, contender).await?,
        Visit::Returning => {
            browser
                .wait_for(
                    "the page to load",
                    "return document.readyState === 'complete';",
                    WAIT,
                )
                .await?;
        }
    }
    tokio::time::sleep(SETTLE).await;
    let requests = requests_done(browser).await?;

    let probe = browser
        .eval(
            "const p = window.__bench; \
             return { visible: p.visible, longTasks: p.longTasks, \
               resources: performance.getEntriesByType('resource').map((e) => [e.name, e.responseEnd]) };",
        )
        .await?;
    let visible = probe["visible"].as_f64();
    if visit == Visit::Returning && visible.is_some() {
        bail!("{}'s banner showed to a returning visitor", contender.name);
    }
    // Long tasks up to the settle time after the banner; for a returning visit, all of them.
    let cutoff = visible.map_or(f64::INFINITY, |v| v + SETTLE.as_secs_f64() * 1000.0);
    let long_tasks = probe["longTasks"].as_array().map(|tasks| {
        tasks
            .iter()
            .filter(|t| t[0].as_f64().is_some_and(|start| start < cutoff))
            .filter_map(|t| t[1].as_f64())
            // From +0: an empty `sum` of floats is -0.
            .fold(0.0, |sum, duration| sum + duration)
    });
    let mut ends: Vec<(String, f64)> = probe["resources"]
        .as_array()
        .context("the page lists its resources")?
        .iter()
        .filter_map(|r| Some((r[0].as_str()?.to_owned(), r[1].as_f64()?)))
        .collect();
    let requests: Vec<Request> = requests
        .into_iter()
        .filter(|r| contender.owns(&r.url, site))
        .collect();
    if let Some(cached) = requests.iter().find(|r| r.cached) {
        bail!(
            "{} came from a cache although every load starts with a cold HTTP cache",
            cached.url
        );
    }
    let fetched = requests
        .into_iter()
        .map(|request| {
            // The same URL twice in a load pairs in order.
            let end = ends
                .iter()
                .position(|(name, _)| *name == request.url)
                .map(|i| ends.remove(i).1);
            Fetched { request, end }
        })
        .collect();
    Ok(Load {
        visible,
        long_tasks,
        fetched,
    })
}

/// The load's requests, once every one has finished (or failed).
async fn requests_done(browser: &Browser) -> anyhow::Result<Vec<Request>> {
    let deadline = Instant::now() + WAIT;
    let mut events = Vec::new();
    loop {
        events.extend(browser.network_events().await?);
        let requests = network::page_requests(&events);
        if !requests.is_empty() && requests.iter().all(|r| r.done) {
            return Ok(requests);
        }
        if Instant::now() > deadline {
            bail!("the page's requests did not finish in {WAIT:?}: {requests:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_visible(browser: &Browser, contender: &Contender) -> anyhow::Result<()> {
    browser
        .wait_for(
            &format!("{}'s banner to be visible", contender.name),
            "return !!window.__bench && window.__bench.visible !== null;",
            WAIT,
        )
        .await?;
    Ok(())
}

/// Forgets everything the site's pages stored: cookies, local storage, IndexedDB.
async fn clear_site(browser: &Browser, site: &str) -> anyhow::Result<()> {
    browser
        .cdp("Network.clearBrowserCookies", json!({}))
        .await?;
    browser
        .cdp(
            "Storage.clearDataForOrigin",
            json!({ "origin": site, "storageTypes": "all" }),
        )
        .await?;
    Ok(())
}

fn url(site: &str, contender: &Contender) -> String {
    format!("{site}{}", contender.page)
}
