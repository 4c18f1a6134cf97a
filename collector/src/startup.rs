//! Building and running the collector. The binary, the tests and the benchmarks all start this
//! same `Application`; tests bind port 0 and ask which port they got.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::domain::access::Access;
use crate::domain::consent::ConsentService;
use crate::domain::contacts::import::Importer;
use crate::domain::contacts::{ContactError, ContactService};
use crate::domain::crm::CrmSync;
use crate::domain::issuing::ReceiptIssuer;
use crate::domain::mail::links::Links;
use crate::domain::mail::opt_in::DoubleOptIn;
use crate::domain::mail::preferences::PreferenceCentre;
use crate::domain::mail::templates::MailTemplates;
use crate::domain::mail::transport::Transport;
use crate::domain::mail::unsubscribe::Unsubscribe;
use crate::domain::mail::{Mail, MailError};
use crate::domain::resubscribe::Resubscribe;
use crate::domain::retention::Retention;
use crate::domain::rights::Rights;
use crate::domain::sites::{SiteError, SiteRegistry};
use crate::domain::vault::SubjectVault;
use crate::domain::webhooks::Webhooks;
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
    /// Mail is not set up as the sites need.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// A collector bound to its port, ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    router: axum::Router,
    limits: ServerLimits,
    mail: Mail,
    webhooks: Webhooks,
    rights: Rights,
    retention: Retention,
    metrics: Metrics,
    policies: PolicyFollower,
}

/// The task that serves each site's newest policy version: one published on another
/// collector sharing the database reaches this one within `every`.
#[derive(Debug)]
struct PolicyFollower {
    state: AppState,
    every: Duration,
}

impl PolicyFollower {
    /// Reads the store's newest versions every `every`, adopting newer ones and rendering
    /// what is served from them (policy documents, loaders) before a visitor asks.
    async fn run(self) {
        let mut ticks = tokio::time::interval(self.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.state.sites.follow_store(&*self.state.store).await {
                Ok(changed) if changed.is_empty() => {}
                Ok(changed) => {
                    for site in &changed {
                        let version = self
                            .state
                            .sites
                            .get(site)
                            .map(|s| s.policy().policy.version);
                        tracing::info!(%site, ?version, "serving a newly published policy version");
                    }
                    crate::http::sites::warm_all(&self.state).await;
                }
                // The version served stays; the next tick tries again.
                Err(error) => tracing::warn!(%error, "cannot read the newest policy versions"),
            }
        }
    }
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
        crate::http::sites::warm_all(&state).await;
        let policies = PolicyFollower {
            state: state.clone(),
            every: Duration::from_millis(config.policy_refresh_ms.max(1)),
        };
        let mail = state.mail.clone();
        let webhooks = state.webhooks.clone();
        let rights = state.rights.clone();
        let retention = state.retention.clone();
        let metrics = state.metrics.clone();
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
            mail,
            webhooks,
            rights,
            retention,
            metrics,
            policies,
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
        // The outbox's sender lives as long as the server; it keeps nothing that a crash
        // could lose (`domain/mail/sender.rs`).
        let sender = tokio::spawn(crate::domain::mail::sender::run(self.mail));
        let deliverer = tokio::spawn(self.webhooks.run());
        let reminder = tokio::spawn(crate::domain::rights::remind(self.rights));
        let retention = tokio::spawn(crate::domain::retention::schedule(
            self.retention,
            self.metrics,
        ));
        let policies = tokio::spawn(self.policies.run());
        let served = crate::server::serve(self.listener, self.router, self.limits, shutdown).await;
        sender.abort();
        deliverer.abort();
        reminder.abort();
        retention.abort();
        policies.abort();
        served
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
    let console = config
        .assets_dir
        .as_deref()
        .and_then(crate::http::console::ConsoleAssets::load)
        .map(Arc::new);
    let rate_limits = RateLimits::new(&config.rate_limits);
    let subjects = SubjectVault::new(Arc::clone(&store), Arc::clone(&data_keys));
    let consent = ConsentService::new(
        Arc::clone(&store),
        Arc::clone(&sites),
        Arc::clone(&keys),
        subjects.clone(),
        issuer.clone(),
    )
    .with_site_limits(Arc::clone(&rate_limits))
    .with_mail_settings(config.mail.clone());
    let mail = open_mail(config, &store, &sites, &subjects, &data_keys, &issuer)?;
    let access = Access::new(Arc::clone(&store));
    let contacts = ContactService::new(
        Arc::clone(&store),
        subjects.contacts(),
        subjects.clone(),
        access.clone(),
    );
    let adopted = contacts.adopt_identifiers().await?;
    if adopted > 0 {
        tracing::info!(
            contacts = adopted,
            "made contacts of addresses opted in earlier"
        );
    }
    let mail = mail.with_contacts(contacts.clone());
    let receipts = ReceiptIssuer::new(Arc::clone(&keys), issuer.clone());
    let double_opt_in = DoubleOptIn::new(mail.clone(), receipts.clone());
    let unsubscribe = Unsubscribe::new(mail.clone(), receipts.clone());
    let preferences = PreferenceCentre::new(mail.clone(), receipts.clone());
    let crm = CrmSync::new(
        Arc::clone(&store),
        Arc::clone(&sites),
        subjects.contacts(),
        receipts.clone(),
    );
    let resubscribe = Resubscribe::new(
        Arc::clone(&store),
        Arc::clone(&sites),
        receipts,
        access.clone(),
    );
    let rights = Rights::new(
        Arc::clone(&store),
        contacts.clone(),
        Arc::clone(&sites),
        access.clone(),
        mail.clone(),
    );
    let retention = Retention::new(Arc::clone(&store), Arc::clone(&sites), contacts.clone());
    let webhooks = Webhooks::new(
        Arc::clone(&store),
        Arc::clone(&data_keys),
        subjects.contacts(),
        access.clone(),
        config.webhooks.clone(),
        Arc::clone(&sites),
    );
    let importer = Importer::new(
        contacts.clone(),
        Arc::clone(&keys),
        Arc::clone(&sites),
        issuer,
    );
    let users = crate::domain::users::Users::new(Arc::clone(&store), access.clone());
    let policies = crate::domain::policies::PolicyPublisher::new(
        Arc::clone(&store),
        Arc::clone(&sites),
        access.clone(),
    );
    let secure_cookies = config
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"));
    Ok(AppState {
        consent,
        sites,
        policies,
        keys,
        store,
        widget,
        rate_limits,
        metrics,
        access,
        contacts,
        importer,
        compressed: Arc::default(),
        mail,
        double_opt_in,
        unsubscribe,
        preferences,
        crm,
        webhooks,
        resubscribe,
        rights,
        retention,
        users,
        console,
        secure_cookies,
    })
}

/// Mail as configured, checked against what the sites ask of it.
fn open_mail(
    config: &Config,
    store: &Arc<dyn crate::store::Store>,
    sites: &Arc<SiteRegistry>,
    subjects: &SubjectVault,
    data_keys: &Arc<DataKeys>,
    issuer: &str,
) -> Result<Mail, MailError> {
    let folders: Vec<_> = config
        .sites
        .iter()
        .filter_map(|site| Some((site.id.clone(), site.mail_templates.clone()?)))
        .collect();
    let senders: Vec<_> = config
        .sites
        .iter()
        .filter_map(|site| {
            let id = samtycke_shared::SiteId::parse(&site.id).ok()?;
            Some((id, site.mail_from.clone()))
        })
        .collect();
    Mail::new(
        Arc::clone(store),
        Arc::clone(sites),
        subjects.contacts(),
        Links::new(Arc::clone(data_keys), issuer),
        MailTemplates::load(&folders)?,
        Transport::from_config(config.smtp.as_ref(), &config.mail)?,
        &senders,
        config.mail.clone(),
    )
}
