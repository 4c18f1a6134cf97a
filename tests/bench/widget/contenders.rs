//! The three consent banners compared, each on the same demo shop page (`www/demo/index.html`):
//! Samtycke, embedded by its script tag from the collector, and two peers from npm, embedded as
//! their documentation tells a site owner to, from a CDN origin. Each peer's snippet and
//! configuration is a small file under `peers/`; the pages are made from the shop's page when the
//! benchmark runs, so that the three stay the same page.

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

/// Samtycke's tag in the demo shop's page, replaced in every page the benchmark serves.
const SAMTYCKE_TAG: &str = r#"<script src="/s/demo.js" async></script>"#;

/// In the peers' files, the CDN's origin.
const CDN_TOKEN: &str = "{{CDN}}";

/// An npm package a peer's files come from, pinned (`cargo xtask bench widget` installs it).
#[derive(Debug, Clone, Copy)]
pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    /// The files its snippet loads from the CDN, under `/npm/NAME@VERSION/`.
    pub files: &'static [&'static str],
}

/// Osano's cookieconsent 3.
pub const OSANO: Package = Package {
    name: "cookieconsent",
    version: "3.1.1",
    files: &["build/cookieconsent.min.css", "build/cookieconsent.min.js"],
};

/// vanilla-cookieconsent 3 (orestbida).
pub const VANILLA: Package = Package {
    name: "vanilla-cookieconsent",
    version: "3.1.0",
    files: &["dist/cookieconsent.css", "dist/cookieconsent.umd.js"],
};

/// The peers' packages, which the CDN serves.
pub const PACKAGES: [Package; 2] = [OSANO, VANILLA];

/// Where a site serves a peer's own files (vanilla-cookieconsent's `cookieconsent-config.js`):
/// they are the contender's, not the shop's.
pub const SITE_FILES: &str = "/consent/";

/// vanilla-cookieconsent's configuration, the site's own file.
pub const VANILLA_CONFIG: &str = include_str!("peers/cookieconsent-config.js");

/// One contender: its page, where its files come from, and how to find and answer its banner.
#[derive(Debug, Clone)]
pub struct Contender {
    pub name: String,
    /// The page's path on the site, e.g. `/samtycke.html`.
    pub page: &'static str,
    /// The origin its own files are served from: the collector, or the CDN.
    pub origin: String,
    /// The banner's root for the probe: `{host, selector}` (see `probe.js`).
    pub banner: Value,
    /// A script that clicks its "reject all" button.
    pub reject: &'static str,
    /// A script that returns true once a decision is stored.
    pub decided: &'static str,
    /// What replaces Samtycke's tag, and what goes before `</body>`.
    head: String,
    body: String,
}

impl Contender {
    /// Whether `url` is one of this contender's own files (its origin's, or its files on the
    /// site); the shop's page and its own assets are the same for all and are not counted.
    pub fn owns(&self, url: &str, site: &str) -> bool {
        url.strip_prefix(&self.origin)
            .is_some_and(|rest| rest.starts_with('/'))
            || url
                .strip_prefix(site)
                .is_some_and(|rest| rest.starts_with(SITE_FILES))
    }

    /// The demo shop's page with this contender embedded instead of Samtycke's tag.
    pub fn page_from(&self, shop: &str) -> anyhow::Result<String> {
        if shop.matches(SAMTYCKE_TAG).count() != 1 {
            bail!("the demo shop's page no longer has one `{SAMTYCKE_TAG}` to replace");
        }
        let page = shop.replacen(SAMTYCKE_TAG, &self.head, 1);
        let end = page
            .rfind("</body>")
            .context("the demo shop's page has no </body>")?;
        Ok(format!("{}{}{}", &page[..end], self.body, &page[end..]))
    }
}

/// Samtycke first, then the peers.
pub fn all(collector: &str, cdn: &str) -> anyhow::Result<Vec<Contender>> {
    let osano = peer_snippet(include_str!("peers/osano.html"), cdn)?;
    let vanilla = peer_snippet(include_str!("peers/vanilla-cookieconsent.html"), cdn)?;
    Ok(vec![
        Contender {
            name: "Samtycke".into(),
            page: "/samtycke.html",
            origin: collector.to_owned(),
            // The dialog in `#samtycke`'s shadow root, whoever renders it (the app, or the loader).
            banner: json!({ "host": "#samtycke", "selector": "[role=dialog]" }),
            reject: "document.getElementById('samtycke').shadowRoot\
                     .querySelector('[data-action=reject-all]').click();",
            decided: "const queue = JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]'); \
                      return !!localStorage.getItem('samtycke:demo') && queue.length === 0;",
            // As a real site embeds it: the collector is another origin.
            head: format!(r#"<script src="{collector}/s/demo.js" async></script>"#),
            body: String::new(),
        },
        Contender {
            name: format!("Osano cookieconsent {}", OSANO.version),
            page: "/osano.html",
            origin: cdn.to_owned(),
            banner: json!({ "host": null, "selector": ".cc-window" }),
            reject: "document.querySelector('.cc-window .cc-deny').click();",
            decided: "return document.cookie.includes('cookieconsent_status=deny');",
            head: osano.0,
            body: osano.1,
        },
        Contender {
            name: format!("vanilla-cookieconsent {}", VANILLA.version),
            page: "/vanilla-cookieconsent.html",
            origin: cdn.to_owned(),
            // The consent modal (`.cm`); `#cc-main` is in the page, hidden, from `run` on.
            banner: json!({ "host": null, "selector": "#cc-main .cm" }),
            reject: "document.querySelector('#cc-main .cm [data-role=necessary]').click();",
            decided: "return document.cookie.includes('cc_cookie=');",
            head: vanilla.0,
            body: vanilla.1,
        },
    ])
}

/// A peer's snippet file: its description, then `<!-- head -->` and `<!-- body -->` parts.
fn peer_snippet(file: &str, cdn: &str) -> anyhow::Result<(String, String)> {
    let file = file.replace(CDN_TOKEN, cdn);
    let (_, parts) = file
        .split_once("<!-- head -->\n")
        .context("a peer snippet has a `<!-- head -->` part")?;
    let (head, body) = parts
        .split_once("<!-- body -->\n")
        .context("a peer snippet has a `<!-- body -->` part")?;
    Ok((head.trim_end().to_owned(), body.to_owned()))
}

/// vanilla-cookieconsent's configuration as the site serves it.
pub fn vanilla_config(cdn: &str) -> String {
    VANILLA_CONFIG.replace(CDN_TOKEN, cdn)
}
