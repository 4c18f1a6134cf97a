//! Where messages go: an SMTP server (`[smtp]`), or a folder of `.eml` files (`[mail] folder`,
//! the demo's mailbox). Both through `lettre`.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::config::{MailConfig, SmtpConfig, SmtpTls};

/// Why a transport cannot be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Both `[smtp]` and `[mail] folder` are set.
    #[error("mail goes to [smtp] or to [mail] folder, not both")]
    Both,
    /// The TLS parameters for the host are refused.
    #[error("cannot set up TLS for SMTP host {host}: {reason}")]
    Tls {
        /// The host.
        host: String,
        /// Why.
        reason: String,
    },
    /// Only one of the two credentials is set.
    #[error("SAMTYCKE_SMTP_USERNAME and SAMTYCKE_SMTP_PASSWORD go together: set both or neither")]
    HalfCredentials,
    /// The mail folder cannot be made.
    #[error("cannot create the mail folder {path}: {source}")]
    Folder {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How one attempt to hand a message over ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Accepted; the server's answer.
    Accepted(String),
    /// Refused for now (a 4xx, or no connection): try again later.
    Transient(String),
    /// Refused for good (a 5xx).
    Permanent(String),
}

/// A configured transport.
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A folder.
    Folder(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Transport::Smtp(_) => "Transport::Smtp",
            Transport::Folder(_) => "Transport::Folder",
        })
    }
}

impl Transport {
    /// The transport the configuration asks for, if any.
    pub fn from_config(
        smtp: Option<&SmtpConfig>,
        mail: &MailConfig,
    ) -> Result<Option<Self>, TransportError> {
        match (smtp, &mail.folder) {
            (Some(_), Some(_)) => Err(TransportError::Both),
            (Some(smtp), None) => Ok(Some(Self::Smtp(smtp_transport(smtp)?))),
            (None, Some(folder)) => {
                std::fs::create_dir_all(folder).map_err(|source| TransportError::Folder {
                    path: folder.clone(),
                    source,
                })?;
                Ok(Some(Self::Folder(AsyncFileTransport::new(folder))))
            }
            (None, None) => Ok(None),
        }
    }

    /// Hands one message over.
    pub async fn send(&self, message: Message) -> Delivery {
        match self {
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(response) => Delivery::Accepted(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(error) if error.is_permanent() => Delivery::Permanent(error.to_string()),
                Err(error) => Delivery::Transient(error.to_string()),
            },
            Transport::Folder(folder) => match folder.send(message).await {
                Ok(id) => Delivery::Accepted(format!("written as {id}.eml")),
                Err(error) => Delivery::Transient(error.to_string()),
            },
        }
    }
}

fn smtp_transport(
    config: &SmtpConfig,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, TransportError> {
    let tls_error = |e: lettre::transport::smtp::Error| TransportError::Tls {
        host: config.host.clone(),
        reason: e.to_string(),
    };
    let tls = match config.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::Starttls => {
            Tls::Required(TlsParameters::new(config.host.clone()).map_err(tls_error)?)
        }
        SmtpTls::Tls => Tls::Wrapper(TlsParameters::new(config.host.clone()).map_err(tls_error)?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
        .port(config.port())
        .tls(tls)
        .timeout(Some(Duration::from_secs(config.timeout_secs)));
    match (
        std::env::var("SAMTYCKE_SMTP_USERNAME").ok(),
        std::env::var("SAMTYCKE_SMTP_PASSWORD").ok(),
    ) {
        (Some(user), Some(password)) => {
            builder = builder.credentials(Credentials::new(user, password));
        }
        (None, None) => {}
        _ => return Err(TransportError::HalfCredentials),
    }
    Ok(builder.build())
}
