//! The sites this collector serves, each with its current policy document as published (exact
//! bytes and their SHA-256) and the origins allowed to post its receipts. A site's current
//! policy is swapped whole when a newer version is recorded in the store (published through
//! the API, here or on another collector sharing the database): the newest version wins.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use samtycke_shared::jose::sha256_hex;
use samtycke_shared::{AskedIn, IdError, Policy, PolicyError, SiteId};

use crate::config::{SiteConfig, WidgetOptions};
use crate::store::{Store, StoreError, StoredPolicy};

/// Why the configured sites cannot be served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SiteError {
    /// A site id is not a valid slug.
    #[error("site {0}")]
    BadId(#[from] IdError),
    /// Two sites share an id.
    #[error("site {0} is configured twice")]
    Duplicate(SiteId),
    /// An allowed origin is not `scheme://host[:port]`.
    #[error(
        "site {site}: allowed origin {origin:?} must look like https://shop.example (scheme, host, optional port, nothing else)"
    )]
    BadOrigin {
        /// The site.
        site: SiteId,
        /// The rejected origin.
        origin: String,
    },
    /// The policy file could not be read.
    #[error("site {site}: cannot read policy {path}: {source}")]
    ReadPolicy {
        /// The site.
        site: SiteId,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The policy file is not a valid policy.
    #[error("site {site}: policy {path}: {source}")]
    BadPolicy {
        /// The site.
        site: SiteId,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: PolicyError,
    },
    /// The policy document names another site.
    #[error("site {site}: policy {path} is for site {named}")]
    WrongSite {
        /// The configured site.
        site: SiteId,
        /// The file.
        path: PathBuf,
        /// The site the document names.
        named: SiteId,
    },
    /// A published version was edited in place: receipts citing it would no longer prove what
    /// visitors saw.
    #[error(
        "site {site}: policy version {version} was changed after it was first served; raise \"version\" in the policy file"
    )]
    ChangedWithoutNewVersion {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
    },
    /// The newest version recorded in the store cannot be served: this build reads it
    /// differently, or it names another site. Serving an older one would ask visitors about a
    /// superseded policy, so the collector does not start.
    #[error("site {site}: the recorded policy version {version} cannot be served: {reason}")]
    StoredPolicyUnusable {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
        /// Why.
        reason: String,
    },
    /// The store failed while recording policies.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A policy document as served: the parsed policy, the exact bytes, and their hash.
#[derive(Debug, Clone)]
pub struct PublishedPolicy {
    /// The parsed document.
    pub policy: Policy,
    /// The bytes served at `/v1/sites/SITE/policy`.
    pub document: Arc<[u8]>,
    /// Hex SHA-256 of `document`: the ETag, and what receipts cite.
    pub sha256: String,
    /// A fingerprint of everything disclosed about the purposes on offer (the purposes and
    /// the controller). A stored decision holds while it matches, so a new version that
    /// touches no purpose does not ask visitors again.
    pub disclosure: String,
}

impl PublishedPolicy {
    /// Parses and hashes a document.
    pub fn from_bytes(document: Vec<u8>) -> Result<Self, PolicyError> {
        let policy = Policy::parse(&document)?;
        Ok(Self::new(policy, document))
    }

    /// A document already parsed and checked from exactly these bytes.
    pub fn new(policy: Policy, document: Vec<u8>) -> Self {
        let sha256 = sha256_hex(&document);
        let disclosure = disclosure_fingerprint(&policy);
        Self {
            policy,
            document: document.into(),
            sha256,
            disclosure,
        }
    }

    /// The version as the store keeps it.
    fn stored(&self) -> StoredPolicy {
        StoredPolicy {
            sha256: self.sha256.clone(),
            document: self.document.to_vec(),
        }
    }
}

/// The first 48 bits of the SHA-256 of the controller and the banner's purposes (necessary ones
/// included) as JSON: enough
/// to tell versions of one site's disclosures apart, short enough for the loader. Purposes asked
/// only in forms are left out: the banner's decisions do not rest on them, so adding or
/// rewording a newsletter must not ask every visitor about the banner again.
fn disclosure_fingerprint(policy: &Policy) -> String {
    let banner: Vec<_> = policy
        .purposes
        .iter()
        .filter(|p| p.asked_in == AskedIn::Banner)
        .collect();
    // Serialising plain data structs cannot fail.
    let disclosed = serde_json::to_vec(&(&policy.controller, &banner)).unwrap_or_default();
    sha256_hex(&disclosed)[..12].to_owned()
}

/// A configured site. Clones share its current policy, so a swap reaches every holder.
#[derive(Debug, Clone)]
pub struct Site {
    /// Its id.
    pub id: SiteId,
    /// Origins whose pages may post its receipts.
    pub allowed_origins: Vec<String>,
    /// The current policy: read with [`Site::policy`], replaced by a newer version with
    /// [`Site::adopt`]. A lock around an `Arc`: a reader holds it only to clone the `Arc`.
    current: Arc<RwLock<Arc<PublishedPolicy>>>,
    /// How the widget looks and behaves there.
    pub widget: WidgetOptions,
    /// How long its contacts are kept without engaging.
    pub retention: crate::config::RetentionConfig,
}

impl Site {
    /// The current policy. A caller keeps the `Arc` for the whole of its work, so that one
    /// request reads one version even if a newer one is adopted meanwhile.
    pub fn policy(&self) -> Arc<PublishedPolicy> {
        // A panic while the lock was held cannot leave a half-written `Arc` behind.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Makes `newer` the current policy if its version is higher than the current one's;
    /// whether it did. Versions only go up, whichever of the API and the store's refresh
    /// gets here first.
    pub fn adopt(&self, newer: Arc<PublishedPolicy>) -> bool {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if newer.policy.version <= current.policy.version {
            return false;
        }
        *current = newer;
        true
    }

    /// Whether a request's `Origin` header belongs to this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        let origin = normalise_origin(origin);
        self.allowed_origins.contains(&origin)
    }
}

/// All configured sites.
#[derive(Debug, Clone, Default)]
pub struct SiteRegistry {
    sites: BTreeMap<SiteId, Site>,
}

impl SiteRegistry {
    /// Reads every site's policy and checks the configuration.
    pub fn load(configs: &[SiteConfig]) -> Result<Self, SiteError> {
        let mut sites = BTreeMap::new();
        for config in configs {
            let id = SiteId::parse(&config.id)?;
            let mut allowed_origins = Vec::new();
            for origin in &config.allowed_origins {
                if !is_origin(origin) {
                    return Err(SiteError::BadOrigin {
                        site: id,
                        origin: origin.clone(),
                    });
                }
                allowed_origins.push(normalise_origin(origin));
            }
            let path = config.policy.clone();
            let bytes = std::fs::read(&path).map_err(|source| SiteError::ReadPolicy {
                site: id.clone(),
                path: path.clone(),
                source,
            })?;
            let policy =
                PublishedPolicy::from_bytes(bytes).map_err(|source| SiteError::BadPolicy {
                    site: id.clone(),
                    path: path.clone(),
                    source,
                })?;
            if policy.policy.site != id {
                return Err(SiteError::WrongSite {
                    site: id,
                    path,
                    named: policy.policy.site,
                });
            }
            let site = Site {
                id: id.clone(),
                allowed_origins,
                current: Arc::new(RwLock::new(Arc::new(policy))),
                widget: config.widget.clone(),
                retention: config.retention,
            };
            if sites.insert(id.clone(), site).is_some() {
                return Err(SiteError::Duplicate(id));
            }
        }
        Ok(Self { sites })
    }

    /// Settles each site's policy at start: the newest version wins, the file's or one
    /// published through the API. The file's version is recorded when it is the newest (a
    /// version whose document changed since it was first served is refused); when the store
    /// holds a newer one, that is served and the file is left unrecorded, as it never was
    /// served.
    pub async fn record_policies(&self, store: &dyn Store, now: i64) -> Result<(), SiteError> {
        for site in self.sites.values() {
            let file = site.policy();
            let version = file.policy.version;
            let recorded = store.policy(&site.id, version).await?;
            if recorded.is_some_and(|recorded| recorded.sha256 != file.sha256) {
                return Err(SiteError::ChangedWithoutNewVersion {
                    site: site.id.clone(),
                    version,
                });
            }
            if let Some(newer) = self.adopt_newest(site, store).await? {
                tracing::info!(
                    site = %site.id,
                    file = version,
                    serving = newer,
                    "the policy file is older than the version published through the API; \
                     serving the published one"
                );
                continue;
            }
            let stored = store
                .record_policy(&site.id, version, &file.stored(), now)
                .await?;
            if stored.sha256 != file.sha256 {
                return Err(SiteError::ChangedWithoutNewVersion {
                    site: site.id.clone(),
                    version,
                });
            }
        }
        Ok(())
    }

    /// Adopts, for every site, the newest version recorded in the store when it is newer than
    /// the one served: how a version published on another collector reaches this one. The
    /// sites whose policy changed.
    pub async fn follow_store(&self, store: &dyn Store) -> Result<Vec<SiteId>, SiteError> {
        let mut changed = Vec::new();
        for site in self.sites.values() {
            if self.adopt_newest(site, store).await?.is_some() {
                changed.push(site.id.clone());
            }
        }
        Ok(changed)
    }

    /// Adopts the newest version the store holds for `site` if it is newer than the one
    /// served; the version adopted.
    pub async fn adopt_newest(
        &self,
        site: &Site,
        store: &dyn Store,
    ) -> Result<Option<u32>, SiteError> {
        let Some((version, stored)) = store.newest_policy(&site.id).await? else {
            return Ok(None);
        };
        if version <= site.policy().policy.version {
            return Ok(None);
        }
        let unusable = |reason: String| SiteError::StoredPolicyUnusable {
            site: site.id.clone(),
            version,
            reason,
        };
        let published =
            PublishedPolicy::from_bytes(stored.document).map_err(|e| unusable(e.to_string()))?;
        if published.policy.site != site.id || published.policy.version != version {
            return Err(unusable(
                "the document names another site or version".to_owned(),
            ));
        }
        Ok(site.adopt(Arc::new(published)).then_some(version))
    }

    /// The site with this id.
    pub fn get(&self, id: &SiteId) -> Option<&Site> {
        self.sites.get(id)
    }

    /// Every site.
    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }

    /// Every allowed origin of every site (for CORS preflight answers).
    pub fn all_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .sites
            .values()
            .flat_map(|s| s.allowed_origins.iter().cloned())
            .collect();
        origins.sort();
        origins.dedup();
        origins
    }
}

fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' '])
}

/// Origins compare case-insensitively and without a trailing slash.
fn normalise_origin(text: &str) -> String {
    text.trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert!(is_origin("https://shop.example"));
        assert!(is_origin("http://127.0.0.1:8080/"));
        assert!(!is_origin("shop.example"));
        assert!(!is_origin("https://shop.example/path"));
        assert!(!is_origin("ftp://shop.example"));
    }

    #[test]
    fn origin_matching_ignores_case_and_trailing_slash() {
        let site = Site {
            id: SiteId::parse("demo").expect("slug"),
            allowed_origins: vec![normalise_origin("https://Shop.example/")],
            retention: crate::config::RetentionConfig::default(),
            current: Arc::new(RwLock::new(Arc::new(
                PublishedPolicy::from_bytes(
                    std::fs::read(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/../www/policies/demo.json"
                    ))
                    .expect("demo policy"),
                )
                .expect("valid"),
            ))),
            widget: WidgetOptions::default(),
        };
        assert!(site.allows_origin("https://shop.example"));
        assert!(!site.allows_origin("https://evil.example"));
    }

    #[test]
    fn a_site_adopts_only_a_higher_version_and_its_clones_see_the_swap() {
        let document = |version: u32| {
            let mut policy = demo_policy();
            policy["version"] = version.into();
            Arc::new(
                PublishedPolicy::from_bytes(serde_json::to_vec(&policy).expect("json"))
                    .expect("valid"),
            )
        };
        let site = Site {
            id: SiteId::parse("demo").expect("slug"),
            allowed_origins: Vec::new(),
            retention: crate::config::RetentionConfig::default(),
            current: Arc::new(RwLock::new(document(5))),
            widget: WidgetOptions::default(),
        };
        let clone = site.clone();
        assert!(!site.adopt(document(5)), "the same version is no newer");
        assert!(!site.adopt(document(4)), "versions served only go up");
        assert_eq!(clone.policy().policy.version, 5);
        assert!(site.adopt(document(7)));
        assert_eq!(clone.policy().policy.version, 7, "clones share the swap");
        assert!(!clone.adopt(document(6)));
        assert_eq!(site.policy().policy.version, 7);
    }

    fn demo_policy() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/policies/demo.json");
        serde_json::from_slice(&std::fs::read(path).expect("demo policy")).expect("json")
    }

    fn disclosure_of(policy: &serde_json::Value) -> String {
        PublishedPolicy::from_bytes(serde_json::to_vec(policy).expect("json"))
            .expect("valid")
            .disclosure
    }

    #[test]
    fn the_disclosure_fingerprint_changes_with_a_banner_purpose_but_not_with_the_notice_or_a_form_purpose()
     {
        let before = demo_policy();
        let mut notice_only = before.clone();
        notice_only["version"] = 99.into();
        notice_only["notice"]["en"] = "A friendlier introduction.".into();
        let mut retention = before.clone();
        retention["purposes"][1]["retention"]["en"] = "26 months".into();
        let mut controller = before.clone();
        controller["controller"]["contact"] = "dpo@elsewhere.example".into();

        let mut newsletter = before.clone();
        let form_purposes = newsletter["purposes"]
            .as_array_mut()
            .expect("purposes")
            .iter_mut()
            .filter(|p| p["askedIn"] == "form");
        let mut edited = 0;
        for purpose in form_purposes {
            purpose["retention"]["en"] = "Until you unsubscribe, then 30 days".into();
            edited += 1;
        }
        assert!(edited > 0, "the demo policy has a form purpose");

        assert_eq!(disclosure_of(&before), disclosure_of(&notice_only));
        assert_eq!(disclosure_of(&before), disclosure_of(&newsletter));
        assert_ne!(disclosure_of(&before), disclosure_of(&retention));
        assert_ne!(disclosure_of(&before), disclosure_of(&controller));
    }
}
