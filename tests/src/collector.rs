//! A collector serving the demo site, as `cargo xtask demo` does, on a temporary database (a
//! SQLite file, or a fresh PostgreSQL database) and key directory, on a free port.

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
    /// Origins besides the collector's own whose pages embed the site, as a real site's do (the
    /// widget benchmark serves the shop from an origin of its own).
    pub extra_origins: Vec<String>,
    /// The port of an SMTP server on this machine to send the site's mail to; the mail goes into
    /// [`DemoCollector::mail_dir`] when `None`.
    pub smtp_port: Option<u16>,
}

impl Default for DemoSite {
    fn default() -> Self {
        Self {
            policy: paths::root().join("www/policies/demo.json"),
            widget: WidgetOptions::default(),
            extra_origins: Vec::new(),
            smtp_port: None,
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
        Self::start_on(site, None).await
    }

    /// Starts the demo site on `database_url` (a temporary SQLite file when `None`).
    pub async fn start_on(site: DemoSite, database_url: Option<String>) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        // The page's origin must be configured before the collector starts, so take a free
        // port first.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("samtycke.db").display()));
        let mut collector = Self {
            url: format!("http://127.0.0.1:{port}"),
            database_url,
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
        let mut allowed_origins = vec![self.url.clone(), format!("http://localhost:{}", self.port)];
        allowed_origins.extend(site.extra_origins);
        config.sites = vec![SiteConfig {
            id: "demo".into(),
            allowed_origins,
            policy: site.policy,
            widget: site.widget,
            mail_from: None,
            mail_templates: None,
            retention: Default::default(),
        }];
        // The demo's newsletter asks for double opt-in: its mail goes to the SMTP server asked
        // for, or into a folder, as in `cargo xtask demo`.
        match site.smtp_port {
            Some(port) => {
                config.smtp = Some(samtycke_collector::domain::mail::config::SmtpConfig {
                    host: "127.0.0.1".into(),
                    port: Some(port),
                    tls: samtycke_collector::domain::mail::config::SmtpTls::None,
                    timeout_secs: 5,
                });
            }
            None => config.mail.folder = Some(self.mail_dir()),
        }
        config.mail.from = Some("Fika & Co. <news@demo.samtycke.example>".into());
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

    /// Where the collector writes the mail it sends (`.eml` files).
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
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

/// A fresh PostgreSQL database for one browser journey, on the server of
/// `SAMTYCKE_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432`); databases earlier
/// runs left under the same `label` are dropped first. `None` where the server does not answer
/// and `CI` is not set (the journey is then skipped with a note); under `CI` an absent server
/// is an error, since every machine of this project runs one.
pub async fn fresh_postgres_database(label: &str) -> anyhow::Result<Option<String>> {
    let server = std::env::var("SAMTYCKE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned());
    let admin = match sqlx::PgPool::connect(&format!("{server}/postgres")).await {
        Ok(pool) => pool,
        Err(error) if std::env::var_os("CI").is_none() => {
            eprintln!("PostgreSQL at {server} does not answer ({error}): journey skipped");
            return Ok(None);
        }
        Err(error) => anyhow::bail!("PostgreSQL at {server} does not answer under CI: {error}"),
    };
    let prefix = format!("samtycke_e2e_{label}_");
    let stale: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)")
            .bind(&prefix)
            .fetch_all(&admin)
            .await?;
    for name in stale {
        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&admin)
            .await?;
    }
    admin.close().await;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    // The collector creates it on start.
    Ok(Some(format!("{server}/{prefix}{nanos}")))
}
