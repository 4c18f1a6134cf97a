//! Publishing a site's next policy version through the API (the console's "Sites and
//! policies" page), and listing the versions ever served. A document is checked in full before
//! anything is written, and every problem is named at once, so that an admin fixes them all in
//! one go. A version once recorded never changes: receipts cite its SHA-256.

use std::sync::Arc;

use samtycke_shared::{Policy, SiteId};
use serde::Serialize;

use super::access::Access;
use super::sites::{PublishedPolicy, Site, SiteError, SiteRegistry};
use crate::store::{PolicyVersion, Store, StoreError, StoredPolicy};
use crate::time::now_unix;

/// Why a version cannot be listed or published.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// No such site is served here.
    #[error("no site of that id is served here")]
    UnknownSite,
    /// The document breaks rules; every one is listed, and nothing was written.
    #[error("the policy document cannot be published: {} problem(s); nothing was written", .0.len())]
    Refused(Vec<PolicyRefusal>),
    /// Another version as high or higher was recorded between the check and the write (two
    /// admins publishing at once): this one was not written.
    #[error(
        "version {version} was not published: the site has a version as high or higher \
         already (published meanwhile?); fetch the versions and raise \"version\""
    )]
    Taken {
        /// The version asked for.
        version: u32,
    },
    /// The newest version in the store cannot be served by this build.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One rule a document breaks: where (a JSON Pointer into the document) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PolicyRefusal {
    /// JSON Pointer (RFC 6901), e.g. `/purposes/2/retention/en`; empty for the whole document.
    pub path: String,
    /// Why, without quoting the document's values.
    pub reason: String,
}

impl PolicyRefusal {
    fn at(path: &str, reason: String) -> Self {
        Self {
            path: path.to_owned(),
            reason,
        }
    }
}

/// A document that may be published: the version it would become, and whether visitors who
/// decided under the current one would be asked again.
#[derive(Debug, Clone)]
pub struct Publishable {
    /// The document, parsed and hashed.
    pub policy: Arc<PublishedPolicy>,
    /// Its disclosure fingerprint differs from the current version's
    /// ([`PublishedPolicy::disclosure`]): every stored decision stops counting.
    pub disclosure_changed: bool,
}

/// Every version of a site's policy, newest first.
#[derive(Debug, Clone)]
pub struct PolicyHistory {
    /// The version served now.
    pub current: u32,
    /// Each version, with when the next one replaced it (`None` for the newest).
    pub versions: Vec<(PolicyVersion, Option<i64>)>,
}

/// Lists and publishes policy versions; audits every publication.
#[derive(Debug, Clone)]
pub struct PolicyPublisher {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    access: Access,
}

impl PolicyPublisher {
    /// Over the store and the sites served, auditing through `access`.
    pub fn new(store: Arc<dyn Store>, sites: Arc<SiteRegistry>, access: Access) -> Self {
        Self {
            store,
            sites,
            access,
        }
    }

    /// Every version recorded for `site`, newest first.
    pub async fn history(&self, site: &SiteId) -> Result<PolicyHistory, PublishError> {
        let site = self.site(site)?;
        // A version published on another collector is listed as current here too, before
        // the refresh task has seen it.
        self.sites.adopt_newest(site, &*self.store).await?;
        let recorded = self.store.policy_versions(&site.id).await?;
        // A version stops being current when a later one is first served (as
        // `Store::policy_superseded_at` says): the earliest first-seen time of those above it.
        let mut earliest_later: Option<i64> = None;
        let mut versions = Vec::with_capacity(recorded.len());
        for version in recorded {
            let first_seen = version.first_seen;
            versions.push((version, earliest_later));
            earliest_later = Some(earliest_later.map_or(first_seen, |at| at.min(first_seen)));
        }
        Ok(PolicyHistory {
            current: site.policy().policy.version,
            versions,
        })
    }

    /// Checks `document` as the next version of `site` without writing anything: against the
    /// version this collector serves. A higher one published meanwhile elsewhere is the
    /// store's to find when publishing ([`PublishError::Taken`]).
    pub async fn check(
        &self,
        site: &SiteId,
        document: Vec<u8>,
    ) -> Result<Publishable, PublishError> {
        let site = self.site(site)?;
        let current = site.policy();
        let policy = match Policy::read_unchecked(&document) {
            Ok(policy) => policy,
            Err(problem) => {
                return Err(PublishError::Refused(vec![PolicyRefusal::at(
                    &problem.path,
                    problem.reason(),
                )]));
            }
        };
        let mut refusals: Vec<PolicyRefusal> = policy
            .problems()
            .iter()
            .map(|problem| PolicyRefusal::at(&problem.path, problem.reason()))
            .collect();
        if policy.site != site.id {
            refusals.push(PolicyRefusal::at(
                "/site",
                format!("the document is for site {}, not {}", policy.site, site.id),
            ));
        }
        if policy.version <= current.policy.version {
            refusals.push(PolicyRefusal::at(
                "/version",
                format!(
                    "version {} must be greater than the current version {}",
                    policy.version, current.policy.version
                ),
            ));
        }
        if !refusals.is_empty() {
            return Err(PublishError::Refused(refusals));
        }
        let published = PublishedPolicy::new(policy, document);
        Ok(Publishable {
            disclosure_changed: published.disclosure != current.disclosure,
            policy: Arc::new(published),
        })
    }

    /// Checks `document` and records it, byte for byte, as the site's next version, which
    /// this collector serves at once (others within their refresh interval). `actor` is
    /// audited as its publisher.
    pub async fn publish(
        &self,
        actor: &str,
        site: &SiteId,
        document: Vec<u8>,
    ) -> Result<Publishable, PublishError> {
        let checked = self.check(site, document).await?;
        let published = &checked.policy;
        let version = published.policy.version;
        let stored = StoredPolicy {
            sha256: published.sha256.clone(),
            document: published.document.to_vec(),
        };
        if !self
            .store
            .publish_policy(site, version, &stored, now_unix())
            .await?
        {
            // Another admin won: serve their version, so that a second try is checked
            // against it.
            if let Ok(site) = self.site(site) {
                self.sites.adopt_newest(site, &*self.store).await?;
            }
            return Err(PublishError::Taken { version });
        }
        if let Some(served) = self.sites.get(site) {
            served.adopt(Arc::clone(published));
        }
        self.access
            .record(
                actor,
                "policy.publish",
                serde_json::json!({
                    "site": site.as_str(),
                    "version": version,
                    "sha256": published.sha256,
                }),
            )
            .await?;
        Ok(checked)
    }

    fn site(&self, id: &SiteId) -> Result<&Site, PublishError> {
        self.sites.get(id).ok_or(PublishError::UnknownSite)
    }
}
