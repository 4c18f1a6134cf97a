//! The widget benchmark (`cargo xtask bench widget`): the demo shop with Samtycke beside the same
//! page with two peer consent banners from npm, Osano's cookieconsent 3 and vanilla-cookieconsent
//! 3, in real headless Chromium: how soon each banner is visible, the bytes each contender's own
//! files cost a first and a returning visitor, and main-thread long tasks, unthrottled and on a
//! phone profile.
//!
//! Three origins, as deployed: a "site" serves the three pages, Samtycke comes from a real
//! collector (the widget in `SAMTYCKE_ASSETS_DIR`), and the peers' files (installed from npm into
//! `SAMTYCKE_BENCH_PEERS`, a `node_modules` folder) from a "CDN". The contenders' loads are
//! interleaved, each with a cold HTTP cache; `SAMTYCKE_BENCH_LOADS` measured loads of each kind
//! per contender and condition (default 21).

mod conditions;
mod contenders;
mod measure;
mod network;
mod report;
mod servers;
mod sizes;

use anyhow::{Context as _, bail};
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector, DemoSite, paths};
use serde_json::{Map, Value, json};

use crate::conditions::CONDITIONS;
use crate::contenders::Contender;
use crate::measure::Runs;
use crate::servers::Server;

/// The page script that finds each banner in every frame and sums long tasks.
const PROBE: &str = include_str!("probe.js");

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let loads = match std::env::var("SAMTYCKE_BENCH_LOADS") {
        Ok(n) => n
            .parse()
            .context("SAMTYCKE_BENCH_LOADS is a number of loads")?,
        Err(_) => 21,
    };
    if loads < 1 {
        bail!("SAMTYCKE_BENCH_LOADS must be at least 1");
    }
    let node_modules = std::env::var_os("SAMTYCKE_BENCH_PEERS")
        .map(|dir| paths::root().join(dir))
        .unwrap_or_else(|| paths::root().join("target/tools/node_modules"));

    let mut site = Server::bind().await?;
    let collector = DemoCollector::start_with(DemoSite {
        extra_origins: vec![site.url.clone()],
        ..Default::default()
    })
    .await?;
    let cdn_files = tempfile::tempdir()?;
    let mut cdn = Server::bind().await?;
    cdn.serve_cdn(&node_modules, &contenders::PACKAGES, cdn_files.path())
        .with_context(|| {
            format!(
                "cannot serve the peers from {} (cargo xtask bench widget installs them)",
                node_modules.display()
            )
        })?;
    let contenders = contenders::all(&collector.url, &cdn.url)?;
    let shop = std::fs::read_to_string(paths::root().join("www/demo/index.html"))?;
    let pages = contenders
        .iter()
        .map(|c| Ok((c.page, c.page_from(&shop)?)))
        .collect::<anyhow::Result<_>>()?;
    site.serve_site(
        pages,
        vec![(
            "cookieconsent-config.js",
            contenders::vanilla_config(&cdn.url),
        )],
    )?;

    let browser = Browser::start_with(BrowserOptions {
        network_log: true,
        ..Default::default()
    })
    .await?;
    let origins = Origins {
        site: &site.url,
        collector: &collector.url,
        cdn: &cdn.url,
    };
    let result = run(&browser, &origins, &contenders, loads).await;
    browser.close().await?;
    result
}

/// Where the pages, Samtycke and the peers are served from.
struct Origins<'a> {
    site: &'a str,
    collector: &'a str,
    cdn: &'a str,
}

async fn run(
    browser: &Browser,
    origins: &Origins<'_>,
    contenders: &[Contender],
    loads: usize,
) -> anyhow::Result<()> {
    let Origins {
        site,
        collector,
        cdn,
    } = *origins;
    let banners: Map<String, Value> = contenders
        .iter()
        .map(|c| (c.page.to_owned(), c.banner.clone()))
        .collect();
    let probe = PROBE.replace("__BANNERS__", &Value::Object(banners).to_string());
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": probe }),
        )
        .await?;
    let agent = browser.eval("return navigator.userAgent;").await?;

    let mut results: Vec<Vec<Runs>> = Vec::new();
    for condition in &CONDITIONS {
        eprintln!(
            "bench widget: {} ({loads} loads of each kind per contender)",
            condition.name
        );
        results.push(measure::condition(browser, site, contenders, condition, loads).await?);
    }
    // Samtycke's files are the same in both conditions: sized once, from the first.
    let samtycke = &results[0][0];
    let sizes = sizes::read(browser, collector, &[&samtycke.first, &samtycke.returning]).await?;

    println!(
        "\nwidget benchmark: the demo shop with each consent banner, in headless Chromium ({})",
        agent.as_str().unwrap_or("?")
    );
    println!(
        "  the shop's pages from {site}, Samtycke from its collector at {collector}, the peers \
         from a CDN at {cdn}. 1 KB = 1000 B."
    );
    for (condition, runs) in CONDITIONS.iter().zip(&results) {
        report::print(condition, contenders, runs);
    }
    sizes::print(
        "first visit, unthrottled",
        &samtycke.first,
        &sizes,
        collector,
    );
    sizes::print(
        "returning visitor, unthrottled",
        &samtycke.returning,
        &sizes,
        collector,
    );
    Ok(())
}
