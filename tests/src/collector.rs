//! A collector serving the demo site, as `cargo xtask demo` does, on a temporary database and key
//! directory, on a free port.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;

use anyhow::Context as _;
use samtycke_collector::config::SiteConfig;
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
    task: JoinHandle<std::io::Result<()>>,
}

impl DemoCollector {
    /// Starts the demo site on a free port.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        // The page's origin must be configured before the collector starts, so take a free
        // port first.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let url = format!("http://127.0.0.1:{port}");
        let database_url = format!("sqlite://{}", dir.path().join("samtycke.db").display());
        let mut config = Config::empty();
        config.listen = SocketAddr::from(([127, 0, 0, 1], port));
        config.database_url = database_url.clone();
        config.key_dir = dir.path().join("keys");
        config.assets_dir = Some(paths::assets_dir()?);
        config.pages_dir = Some(paths::root().join("www/demo"));
        config.sites = vec![SiteConfig {
            id: "demo".into(),
            allowed_origins: vec![url.clone(), format!("http://localhost:{port}")],
            policy: paths::root().join("www/policies/demo.json"),
        }];
        let app = Application::build(config)
            .await
            .context("collector starts")?;
        let task = tokio::spawn(app.run_until(std::future::pending()));
        Ok(Self {
            url,
            dir,
            database_url,
            task,
        })
    }

    /// The key directory, for the JWKS.
    pub fn key_dir(&self) -> PathBuf {
        self.dir.path().join("keys")
    }
}

impl Drop for DemoCollector {
    fn drop(&mut self) {
        self.task.abort();
    }
}
