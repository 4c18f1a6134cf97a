//! Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`), one fresh
//! profile per browser, with helpers to reach into the widget's shadow root.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// A browser session; chromedriver and Chromium end when it is dropped.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How the visitor's browser is set up.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    /// `Accept-Language` and `navigator.languages`, e.g. `sv-SE,sv`; Chromium's default if none.
    pub languages: Option<String>,
    /// Whether the browser sends Global Privacy Control (`navigator.globalPrivacyControl`).
    pub gpc: bool,
    /// Keep the DevTools network events of every page, for [`Browser::network_events`].
    pub network_log: bool,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(BrowserOptions::default()).await
    }

    /// Starts a browser set up so.
    pub async fn start_with(options: BrowserOptions) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| {
                format!("cannot start {CHROMEDRIVER} (cargo xtask test installs it)")
            })?;
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let mut prefs = json!({});
        if let Some(languages) = &options.languages {
            args.push(format!("--accept-lang={languages}"));
            args.push(format!(
                "--lang={}",
                languages.split(',').next().unwrap_or("en")
            ));
            prefs = json!({ "intl": { "accept_languages": languages } });
        }
        let mut chrome_options = json!({ "binary": CHROMIUM, "args": args, "prefs": prefs });
        // Keeps the console for `console_messages`.
        let mut logging = json!({ "browser": "ALL" });
        if options.network_log {
            chrome_options["perfLoggingPrefs"] =
                json!({ "enableNetwork": true, "enablePage": false });
            logging["performance"] = json!("ALL");
        }
        let capabilities = json!({
            "goog:chromeOptions": chrome_options,
            "goog:loggingPrefs": logging
        });
        let Value::Object(capabilities) = capabilities else {
            bail!("capabilities are an object")
        };
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(error) => bail!("chromedriver did not start a session: {error}"),
            }
        };
        let browser = Self {
            client,
            driver,
            _profile: profile,
        };
        if options.gpc {
            // Chromium has no switch for GPC: define the signal before any page script runs.
            browser
                .cdp(
                    "Page.addScriptToEvaluateOnNewDocument",
                    json!({ "source": "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });" }),
                )
                .await?;
        }
        Ok(browser)
    }

    /// Ends the session (Chromium exits) and stops chromedriver.
    pub async fn close(mut self) -> anyhow::Result<()> {
        let result = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        Ok(result?)
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> anyhow::Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Waits until `script` returns something truthy; returns it.
    pub async fn wait_for(
        &self,
        what: &str,
        script: &str,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(script).await?;
            let truthy = !matches!(value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element matching `selector` inside the widget's shadow root, once it exists and the
    /// app draws it. The loader may draw the first layer before the app is live; the app then
    /// replaces those elements, so a test of the app waits for it (`drawn_element` reaches the
    /// loader's drawing).
    pub async fn widget_element(
        &self,
        selector: &str,
        timeout: Duration,
    ) -> anyhow::Result<Element> {
        self.wait_for(
            "the consent app to be live",
            "return !!(window.samtycke && window.samtycke._show);",
            timeout,
        )
        .await?;
        self.shadow_element("#samtycke", selector, timeout).await
    }

    /// The element matching `selector` inside the widget's shadow root as it is now, whoever drew
    /// it: the loader's first layer before the app is live, or the app's.
    pub async fn drawn_element(
        &self,
        selector: &str,
        timeout: Duration,
    ) -> anyhow::Result<Element> {
        self.shadow_element("#samtycke", selector, timeout).await
    }

    /// The element matching `selector` inside the shadow root of the page's element matching
    /// `host` (the banner's, a form opt-in's), once it exists.
    pub async fn shadow_element(
        &self,
        host: &str,
        selector: &str,
        timeout: Duration,
    ) -> anyhow::Result<Element> {
        let script = format!(
            "const h = document.querySelector({host:?}); \
             return (h && h.shadowRoot && h.shadowRoot.querySelector({selector:?})) || null;"
        );
        let value = self
            .wait_for(&format!("{selector} in {host}"), &script, timeout)
            .await?;
        Ok(Element::from_element_id(
            self.client.clone(),
            element_id(&value)?,
        ))
    }

    /// Runs a Chrome DevTools Protocol command on the page (chromedriver's `goog/cdp/execute`),
    /// for what WebDriver cannot do: clearing the HTTP cache, running a script before the page's.
    pub async fn cdp(&self, cmd: &str, params: Value) -> anyhow::Result<Value> {
        let command = Cdp {
            cmd: cmd.to_owned(),
            params,
        };
        Ok(self.client.issue_cmd(command).await?)
    }

    /// What pages wrote to the console since the last call, and what Chromium itself reported
    /// there (CSP refusals, failed loads, deprecations), as `LEVEL message` lines.
    pub async fn console_messages(&self) -> anyhow::Result<Vec<String>> {
        let entries = self.client.issue_cmd(Log("browser")).await?;
        let entries = entries.as_array().context("the browser log is a list")?;
        Ok(entries
            .iter()
            .map(|entry| {
                let field = |name: &str| entry.get(name).and_then(Value::as_str).unwrap_or("?");
                format!("{} {}", field("level"), field("message"))
            })
            .collect())
    }

    /// Every request from now on takes at least `latency` before its answer starts, as on a slow
    /// network (CDP network emulation; throughput unlimited). `Duration::ZERO` ends it.
    pub async fn slow_network(&self, latency: Duration) -> anyhow::Result<()> {
        self.cdp("Network.enable", json!({})).await?;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({ "offline": false, "latency": latency.as_millis() as u64,
                    "downloadThroughput": -1, "uploadThroughput": -1 }),
        )
        .await?;
        Ok(())
    }

    /// Requests for URLs matching any of `patterns` (`*` wildcards) fail from now on, as if the
    /// network refused them; an empty list lets everything through again.
    pub async fn block_urls(&self, patterns: &[&str]) -> anyhow::Result<()> {
        self.cdp("Network.enable", json!({})).await?;
        self.cdp("Network.setBlockedURLs", json!({ "urls": patterns }))
            .await?;
        Ok(())
    }

    /// The DevTools `Network.*` events since the last call, each `{method, params}` (a browser
    /// started with [`BrowserOptions::network_log`]; chromedriver's performance log, emptied as
    /// read). Unlike Resource Timing, they size every response, cross-origin ones too.
    pub async fn network_events(&self) -> anyhow::Result<Vec<Value>> {
        let entries = self.client.issue_cmd(Log("performance")).await?;
        let entries = entries
            .as_array()
            .context("the performance log is a list")?;
        entries
            .iter()
            .map(|entry| {
                let text = entry
                    .get("message")
                    .and_then(Value::as_str)
                    .context("a performance log entry has a message")?;
                let mut message: Value = serde_json::from_str(text)?;
                Ok(message["message"].take())
            })
            .collect()
    }

    /// Names of every resource the page fetched.
    pub async fn fetched_resources(&self) -> anyhow::Result<Vec<String>> {
        let value = self
            .eval("return performance.getEntriesByType('resource').map(e => e.name);")
            .await?;
        Ok(serde_json::from_value(value)?)
    }
}

fn element_id(value: &Value) -> anyhow::Result<ElementRef> {
    // W3C WebDriver's element reference key.
    const KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
    let id = value
        .get(KEY)
        .and_then(Value::as_str)
        .context("script did not return an element")?;
    Ok(ElementRef::from(id.to_owned()))
}

/// A CDP command as chromedriver takes it.
#[derive(Debug)]
struct Cdp {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// One of chromedriver's logs of the session (kept by `goog:loggingPrefs`), emptied as read:
/// `browser` (the console) or `performance` (DevTools events).
#[derive(Debug)]
struct Log(&'static str);

impl WebDriverCompatibleCommand for Log {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": self.0 }).to_string()),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
