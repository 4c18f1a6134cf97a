//! A collector serving the demo site, as `cargo xtask demo` does, on a temporary database and key
//! directory, on a free port.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use samtycke_collector::config::{SiteConfig, WidgetOptions};
use samtycke_collector::{Application, Config};
use tokio::task::JoinHandle;

use crate::paths;

/// A running collector; stopped when dropped.
pub struct DemoCollector {
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its files.
    pub dir: tempfile::TempDir,
    /// The database URL, for reading what it stored.
    pub database_url: String,
    port: u16,
    running: Option<Running>,
}

/// The serving task and the signal that shuts it down.
struct Running {
    task: JoinHandle<std::io::Result<()>>,
    shutdown: tokio::sync::oneshot::Sender<()>,
}

/// How the demo site is configured.
#[derive(Debug, Clone)]
pub struct DemoSite {
    /// The policy document.
    pub policy: PathBuf,
    /// The widget's options.
    pub widget: WidgetOptions,
}

impl Default for DemoSite {
    fn default() -> Self {
        Self {
            policy: paths::root().join("www/policies/demo.json"),
            widget: WidgetOptions::default(),
        }
    }
}

impl DemoCollector {
    /// Starts the demo site on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(DemoSite::default()).await
    }

    /// Starts the demo site, configured so, on a free port.
    pub async fn start_with(site: DemoSite) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        // The page's origin must be configured before the collector starts, so take a free
        // port first.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut collector = Self {
            url: format!("http://127.0.0.1:{port}"),
            database_url: format!("sqlite://{}", dir.path().join("samtycke.db").display()),
            dir,
            port,
            running: None,
        };
        collector.restart_with(site).await?;
        Ok(collector)
    }

    /// Stops serving, gracefully, so that no kept-alive connection is still answered by this
    /// instance: the site's pages see the collector as unreachable.
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.shutdown.send(());
            let abort = running.task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(10), running.task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    /// Starts again on the same port, database and keys, with this site configuration (a new
    /// policy version, say).
    pub async fn restart_with(&mut self, site: DemoSite) -> anyhow::Result<()> {
        self.stop().await;
        let mut config = Config::empty();
        config.listen = SocketAddr::from(([127, 0, 0, 1], self.port));
        config.database_url = self.database_url.clone();
        config.key_dir = self.key_dir();
        config.assets_dir = Some(paths::assets_dir()?);
        config.pages_dir = Some(paths::root().join("www/demo"));
        config.sites = vec![SiteConfig {
            id: "demo".into(),
            allowed_origins: vec![self.url.clone(), format!("http://localhost:{}", self.port)],
            policy: site.policy,
            widget: site.widget,
        }];
        let app = Application::build(config)
            .await
            .context("collector starts")?;
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        self.running = Some(Running { task, shutdown });
        Ok(())
    }

    /// The key directory, for the JWKS.
    pub fn key_dir(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
}

impl Drop for DemoCollector {
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            running.task.abort();
        }
    }
}
