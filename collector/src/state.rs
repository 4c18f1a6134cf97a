//! The state every handler shares. Nothing in it must agree across processes: many collectors
//! may serve one database.

use std::sync::Arc;

use crate::domain::access::Access;
use crate::domain::consent::ConsentService;
use crate::domain::contacts::ContactService;
use crate::domain::contacts::import::Importer;
use crate::domain::crm::CrmSync;
use crate::domain::mail::Mail;
use crate::domain::mail::opt_in::DoubleOptIn;
use crate::domain::mail::preferences::PreferenceCentre;
use crate::domain::mail::unsubscribe::Unsubscribe;
use crate::domain::policies::PolicyPublisher;
use crate::domain::resubscribe::Resubscribe;
use crate::domain::retention::Retention;
use crate::domain::rights::Rights;
use crate::domain::sites::SiteRegistry;
use crate::domain::webhooks::Webhooks;
use crate::http::compressed::CompressedCache;
use crate::http::rate_limit::RateLimits;
use crate::http::widget::WidgetAssets;
use crate::keys::KeyRing;
use crate::metrics::Metrics;
use crate::store::Store;

/// Shared, cheaply cloned application state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Receipt ingestion.
    pub consent: ConsentService,
    /// The configured sites.
    pub sites: Arc<SiteRegistry>,
    /// Policy versions: listed, and published by admins.
    pub policies: PolicyPublisher,
    /// The signing keys, for the JWKS.
    pub keys: Arc<KeyRing>,
    /// The database, for readiness.
    pub store: Arc<dyn Store>,
    /// The built widget, if any.
    pub widget: Option<Arc<WidgetAssets>>,
    /// This process's rate limiters.
    pub rate_limits: Arc<RateLimits>,
    /// This collector's metrics.
    pub metrics: Metrics,
    /// API keys and the audit log.
    pub access: Access,
    /// Contacts, for marketers and the DPO.
    pub contacts: ContactService,
    /// Contact imports.
    pub importer: Importer,
    /// Documents served as compressed once: each loader variant, each policy version.
    pub compressed: Arc<CompressedCache>,
    /// Mail: links, templates, the transport.
    pub mail: Mail,
    /// Double opt-in confirmations.
    pub double_opt_in: DoubleOptIn,
    /// Unsubscribe links.
    pub unsubscribe: Unsubscribe,
    /// The preference centre.
    pub preferences: PreferenceCentre,
    /// A CRM's reports.
    pub crm: CrmSync,
    /// Webhooks to CRMs.
    pub webhooks: Webhooks,
    /// Admin re-subscriptions.
    pub resubscribe: Resubscribe,
    /// Data-subject requests.
    pub rights: Rights,
    /// Retention.
    pub retention: Retention,
    /// Console users and their sessions.
    pub users: crate::domain::users::Users,
    /// The console's built app, when `assets_dir` has one.
    pub console: Option<Arc<crate::http::console::ConsoleAssets>>,
    /// Whether the session cookie is `Secure` (the collector's public URL is https).
    pub secure_cookies: bool,
}
