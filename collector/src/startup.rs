//! Building and running the collector. The binary, the tests and the benchmarks all start this
//! same `Application`; tests bind port 0 and ask which port they got.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::domain::access::Access;
use crate::domain::consent::ConsentService;
use crate::domain::contacts::import::Importer;
use crate::domain::contacts::{ContactError, ContactService};
use crate::domain::sites::{SiteError, SiteRegistry};
use crate::domain::vault::SubjectVault;
use crate::http::rate_limit::RateLimits;
use crate::http::widget::{WidgetAssets, WidgetError};
use crate::keys::{DataKeys, KeyRing, KeyStoreError};
use crate::metrics::Metrics;
use crate::server::ServerLimits;
use crate::state::AppState;
use crate::store::{self, StoreError};
use crate::time::now_unix;

/// Why the collector cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The key directory is unusable.
    #[error(transparent)]
    Keys(#[from] KeyStoreError),
    /// The database is unusable.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A site's configuration is unusable.
    #[error(transparent)]
    Sites(#[from] SiteError),
    /// The built widget is unusable.
    #[error(transparent)]
    Widget(#[from] WidgetError),
    /// Making contacts of addresses opted in before contacts existed failed.
    #[error("cannot make contacts of earlier opt-ins: {0}")]
    Contacts(#[from] ContactError),
}

/// A collector bound to its port, ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    limits: ServerLimits,
}

impl Application {
    /// Opens keys, database, sites and widget, and binds the listener.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
        let state = open_state(&config, config.issuer(addr)).await?;
        crate::http::sites::warm(&state);
        if let Err(error) = crate::http::widget::loader::warm(&state).await {
            // Served all the same: a request renders what is missing.
            tracing::warn!(%error, "cannot render the loaders ahead");
        }
        let router = crate::http::app(
            state,
            config.pages_dir.as_deref(),
            config.limits.body_read_timeout(),
        );
        Ok(Self {
            listener,
            addr,
            router,
            limits: config.limits,
        })
    }

    /// The router, for in-process requests in tests.
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.addr, limits = ?self.limits, "collector listening");
        crate::server::serve(self.listener, self.router, self.limits, shutdown).await
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Everything a collector serves with, opened from its configuration: keys, database (created
/// and migrated), sites, widget and the domain services. The CLI's commands open the same, so
/// that they act exactly as a running collector would. Receipts name `issuer`.
pub async fn open_state(config: &Config, issuer: String) -> Result<AppState, StartupError> {
    let keys = Arc::new(KeyRing::load_or_create(&config.key_dir)?);
    let data_keys = Arc::new(DataKeys::load_or_create(&config.key_dir)?);
    let metrics = Metrics::default();
    let store = store::connect_observed(&config.database_url, metrics.store.clone()).await?;
    let sites = Arc::new(SiteRegistry::load(&config.sites)?);
    sites.record_policies(&*store, now_unix()).await?;
    let widget = config
        .assets_dir
        .as_deref()
        .map(WidgetAssets::load)
        .transpose()?
        .map(Arc::new);
    let rate_limits = RateLimits::new(&config.rate_limits);
    let subjects = SubjectVault::new(Arc::clone(&store), data_keys);
    let consent = ConsentService::new(
        Arc::clone(&store),
        Arc::clone(&sites),
        Arc::clone(&keys),
        subjects.clone(),
        issuer.clone(),
    )
    .with_site_limits(Arc::clone(&rate_limits));
    let access = Access::new(Arc::clone(&store));
    let contacts = ContactService::new(
        Arc::clone(&store),
        subjects.contacts(),
        subjects,
        access.clone(),
    );
    let adopted = contacts.adopt_identifiers().await?;
    if adopted > 0 {
        tracing::info!(
            contacts = adopted,
            "made contacts of addresses opted in earlier"
        );
    }
    let importer = Importer::new(
        contacts.clone(),
        Arc::clone(&keys),
        Arc::clone(&sites),
        issuer,
    );
    Ok(AppState {
        consent,
        sites,
        keys,
        store,
        widget,
        rate_limits,
        metrics,
        access,
        contacts,
        importer,
        compressed: Arc::default(),
    })
}
