//! `[smtp]` and `[mail]` in the collector's configuration.

use std::path::PathBuf;

use serde::Deserialize;

/// The SMTP server mail is handed to. The username and password come from the environment
/// (`SAMTYCKE_SMTP_USERNAME`, `SAMTYCKE_SMTP_PASSWORD`), never from the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name (also the name its TLS certificate must carry).
    pub host: String,
    /// Port; by TLS mode 587 (STARTTLS), 465 (TLS) or 25 (none) when left out.
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is protected.
    #[serde(default)]
    pub tls: SmtpTls,
    /// Seconds to wait for the server at each step.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, required.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
    /// No TLS: only for a server on the same machine or in tests.
    None,
}

impl SmtpConfig {
    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// What mail says and where it goes when there is no SMTP server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// The From of mail for sites that name none (`Name <address>`).
    #[serde(default)]
    pub from: Option<String>,
    /// Write each message as a `.eml` file into this folder instead of sending it (the demo:
    /// no mail server needed, and its "mailbox" page lists them). Not with `[smtp]`.
    #[serde(default)]
    pub folder: Option<PathBuf>,
    /// Serve `/mailbox`, a page listing the messages in `folder` with their links (the demo's
    /// mailbox, so that a newcomer can click a confirmation link without a mail server). It
    /// shows addresses: never on a collector that serves real people.
    #[serde(default)]
    pub mailbox_page: bool,
    /// Seconds before the first retry of a message the server refused for now (it doubles
    /// with every attempt, up to six hours).
    #[serde(default = "default_retry_secs")]
    pub retry_after_secs: u32,
    /// Days a double opt-in's confirmation link lasts.
    #[serde(default = "default_confirmation_days")]
    pub confirmation_days: u32,
    /// Minutes before another confirmation mail goes to the same address for the same purpose
    /// (a form submitted again meanwhile sends none).
    #[serde(default = "default_resend_minutes")]
    pub resend_after_minutes: u32,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            from: None,
            folder: None,
            mailbox_page: false,
            retry_after_secs: default_retry_secs(),
            confirmation_days: default_confirmation_days(),
            resend_after_minutes: default_resend_minutes(),
        }
    }
}

fn default_timeout_secs() -> u64 {
    30
}

fn default_retry_secs() -> u32 {
    30
}

fn default_confirmation_days() -> u32 {
    7
}

fn default_resend_minutes() -> u32 {
    10
}
