//! The collector's configuration: a TOML file whose paths are relative to the file itself, with
//! the deployment-specific parts (listen address, database, key directory) overridable from the
//! command line and the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::mail::config::{MailConfig, SmtpConfig};
use crate::domain::webhooks::WebhookConfig;
use crate::http::rate_limit::RateLimitConfig;
use crate::server::ServerLimits;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape; the message names line and column.
    #[error("config file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong and where.
        source: Box<toml::de::Error>,
    },
}

/// Everything `samtycke serve` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; port 0 picks a free one.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The collector's public URL, the `iss` of its receipts. Defaults to `http://LISTEN`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// `sqlite://PATH` (default) or, later, `postgres://…`.
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Where the signing key lives (created on first start, mode 0600). Never in the database.
    #[serde(default = "default_key_dir")]
    pub key_dir: PathBuf,
    /// The built widget (`cargo xtask dist`): `manifest.json` and `assets/`.
    #[serde(default)]
    pub assets_dir: Option<PathBuf>,
    /// Static pages served at `/` (the demo site), if any.
    #[serde(default)]
    pub pages_dir: Option<PathBuf>,
    /// The sites this collector serves.
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// Connection limits and timeouts (`[limits]`; see `server.rs`).
    #[serde(default)]
    pub limits: ServerLimits,
    /// Request rate limits per client and per site (`[rate_limits]`; see `http/rate_limit.rs`).
    #[serde(default)]
    pub rate_limits: RateLimitConfig,
    /// The SMTP server mail goes to (`[smtp]`; credentials from the environment).
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// How mail is sent and what it says (`[mail]`: the sender, a folder instead of SMTP,
    /// how long a confirmation link lasts).
    #[serde(default)]
    pub mail: MailConfig,
    /// How webhooks are delivered (`[webhooks]`: the first retry's wait, the timeout).
    #[serde(default)]
    pub webhooks: WebhookConfig,
    /// How often, in milliseconds, the collector reads each site's newest policy version from
    /// the database, so that a version published on another collector sharing it is served
    /// here too within that time (3000 when left out).
    #[serde(default = "default_policy_refresh_ms")]
    pub policy_refresh_ms: u64,
}

/// One site: its policy document and the origins its pages are served from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site id used in `/s/SITE.js`.
    pub id: String,
    /// Origins (`https://shop.example`) whose pages may post receipts for this site.
    pub allowed_origins: Vec<String>,
    /// Path of the policy document (JSON).
    pub policy: PathBuf,
    /// How the widget looks and behaves on the site's pages.
    #[serde(default)]
    pub widget: WidgetOptions,
    /// The From of the site's mail (`Name <address>`); `[mail] from` when left out.
    #[serde(default)]
    pub mail_from: Option<String>,
    /// A folder of the site's own mail templates, each overriding the built-in one of its name
    /// (`confirmation.en.txt`, `confirmation.sv.html`, …).
    #[serde(default)]
    pub mail_templates: Option<PathBuf>,
    /// How long a contact may go without engaging before it stops being processable, and
    /// then before it is erased (`retention = { inactive_months = 12, grace_months = 1 }`).
    #[serde(default)]
    pub retention: RetentionConfig,
}

/// A site's retention (storage limitation, Art 5(1)(e)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Months without a receipt (a decision, a confirmed click) after which a contact is no
    /// longer processable on the site.
    #[serde(default = "default_inactive_months")]
    pub inactive_months: u32,
    /// Months after that before it is erased.
    #[serde(default = "default_grace_months")]
    pub grace_months: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            inactive_months: default_inactive_months(),
            grace_months: default_grace_months(),
        }
    }
}

fn default_inactive_months() -> u32 {
    12
}

fn default_grace_months() -> u32 {
    1
}

/// A site's choices about the widget, passed to the loader as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WidgetOptions {
    /// Where the banner sits.
    #[serde(default)]
    pub layout: Layout,
    /// Where the persistent "privacy settings" button sits; `none` when the site links to the
    /// settings itself (any element marked `data-samtycke-open`).
    #[serde(default)]
    pub settings_control: SettingsControl,
    /// Reload the page after a withdrawal, so that scripts already running stop.
    #[serde(default)]
    pub reload_on_withdrawal: bool,
}

/// The banner's layouts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// A bar along the bottom of the window.
    #[default]
    Bar,
    /// A dialog in the middle of the window.
    Modal,
    /// A small box in the bottom right corner.
    Corner,
}

/// Where the persistent settings button is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingsControl {
    /// Bottom left corner.
    #[default]
    BottomLeft,
    /// Bottom right corner.
    BottomRight,
    /// None: the site offers its own link.
    None,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_database_url() -> String {
    "sqlite://data/samtycke.db".into()
}

fn default_policy_refresh_ms() -> u64 {
    3_000
}

fn default_key_dir() -> PathBuf {
    PathBuf::from("data/keys")
}

impl Config {
    /// Reads a config file; relative paths in it are taken relative to the file's folder.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.resolve_relative_to(base);
        Ok(config)
    }

    /// A configuration with defaults and no sites, for building one in code (tests, embedding).
    pub fn empty() -> Self {
        Self {
            listen: default_listen(),
            public_url: None,
            database_url: default_database_url(),
            key_dir: default_key_dir(),
            assets_dir: None,
            pages_dir: None,
            sites: Vec::new(),
            limits: ServerLimits::default(),
            rate_limits: RateLimitConfig::default(),
            smtp: None,
            mail: MailConfig::default(),
            webhooks: WebhookConfig::default(),
            policy_refresh_ms: default_policy_refresh_ms(),
        }
    }

    /// The collector's public URL (`iss` of receipts).
    pub fn issuer(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }

    fn resolve_relative_to(&mut self, base: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut self.key_dir);
        if let Some(p) = self.assets_dir.as_mut() {
            fix(p);
        }
        if let Some(p) = self.pages_dir.as_mut() {
            fix(p);
        }
        for site in &mut self.sites {
            fix(&mut site.policy);
            if let Some(p) = site.mail_templates.as_mut() {
                fix(p);
            }
        }
        if let Some(p) = self.mail.folder.as_mut() {
            fix(p);
        }
        if let Some(rest) = self.database_url.strip_prefix("sqlite://") {
            let file = Path::new(rest);
            if file.is_relative() && !rest.starts_with(':') {
                self.database_url = format!("sqlite://{}", base.join(file).display());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_taken_from_the_config_files_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("samtycke.toml");
        std::fs::write(
            &path,
            r#"
            database_url = "sqlite://db/samtycke.db"
            key_dir = "keys"
            [[sites]]
            id = "demo"
            allowed_origins = ["http://127.0.0.1:8080"]
            policy = "policies/demo.json"
            widget = { layout = "modal", settings_control = "none" }
            "#,
        )
        .expect("write");
        let config = Config::from_file(&path).expect("parses");
        assert_eq!(config.key_dir, dir.path().join("keys"));
        assert_eq!(config.sites[0].widget.layout, Layout::Modal);
        assert_eq!(
            config.sites[0].widget.settings_control,
            SettingsControl::None
        );
        assert_eq!(
            config.sites[0].policy,
            dir.path().join("policies/demo.json")
        );
        assert_eq!(
            config.database_url,
            format!("sqlite://{}", dir.path().join("db/samtycke.db").display())
        );
    }

    #[test]
    fn the_example_production_config_is_a_valid_config() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/production.toml");
        let config = Config::from_file(&path).expect("parses");
        assert!(config.database_url.starts_with("postgres://"));
        assert_eq!(config.limits, ServerLimits::default());
        assert_eq!(config.policy_refresh_ms, default_policy_refresh_ms());
        assert_eq!(config.rate_limits.trusted_proxies.len(), 2);
        let defaults = RateLimitConfig::default();
        assert_eq!(
            config.rate_limits,
            RateLimitConfig {
                trusted_proxies: config.rate_limits.trusted_proxies.clone(),
                ..defaults
            },
            "the example shows the defaults"
        );
    }

    #[test]
    fn a_misspelt_key_is_an_error_that_names_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("samtycke.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1\"\nkey_directory = \"keys\"\n",
        )
        .expect("write");
        let err = Config::from_file(&path).expect_err("must fail").to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("key_directory"), "{err}");
    }
}
