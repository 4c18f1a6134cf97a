//! The links Samtycke mails: each carries a token sealed under the collector's link key
//! (`keys::LinkKey`, XChaCha20-Poly1305), so that it names a confirmation or a contact and
//! purpose without any identifier in clear, cannot be made or altered by anyone else, and says
//! nothing to whoever reads it. Tokens travel in the query string (`?t=`), which the request
//! log never records.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::domain::sealing::{self, SealError};
use crate::keys::DataKeys;

/// What a link is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k")]
pub enum Link {
    /// Confirms a double opt-in: single use, expires with its row.
    #[serde(rename = "c")]
    Confirm {
        /// The confirmation's id.
        #[serde(rename = "i")]
        id: String,
    },
    /// Unsubscribes a contact from one purpose of a site. Never expires.
    #[serde(rename = "u")]
    Unsubscribe {
        /// The contact.
        #[serde(rename = "p")]
        person_id: String,
        /// The site.
        #[serde(rename = "s")]
        site: String,
        /// The purpose.
        #[serde(rename = "u")]
        purpose: String,
    },
    /// Verifies a data-subject request the person made: the click proves the mailbox.
    #[serde(rename = "r")]
    VerifyRequest {
        /// The request's id.
        #[serde(rename = "i")]
        id: String,
    },
    /// Downloads a copy of a person's data: single use, expires with its row.
    #[serde(rename = "d")]
    Download {
        /// The download's id (its mail's outbox id).
        #[serde(rename = "i")]
        id: String,
    },
    /// Opens a contact's preference centre for a site. Never expires.
    #[serde(rename = "p")]
    Preferences {
        /// The contact.
        #[serde(rename = "p")]
        person_id: String,
        /// The site.
        #[serde(rename = "s")]
        site: String,
    },
}

impl Link {
    /// The path its page lives at.
    pub fn path(&self) -> &'static str {
        match self {
            Link::Confirm { .. } => CONFIRM_PATH,
            Link::Unsubscribe { .. } => UNSUBSCRIBE_PATH,
            Link::Preferences { .. } => PREFERENCES_PATH,
            Link::VerifyRequest { .. } => VERIFY_REQUEST_PATH,
            Link::Download { .. } => DOWNLOAD_PATH,
        }
    }
}

/// Where a confirmation link leads.
pub const CONFIRM_PATH: &str = "/mail/confirm";
/// Where an unsubscribe link leads (and where the one-click POST goes).
pub const UNSUBSCRIBE_PATH: &str = "/mail/unsubscribe";
/// Where a request's verification link leads.
pub const VERIFY_REQUEST_PATH: &str = "/mail/requests/verify";
/// Where a copy of a person's data is downloaded.
pub const DOWNLOAD_PATH: &str = "/mail/download";
/// Where the preference centre is.
pub const PREFERENCES_PATH: &str = "/mail/preferences";

/// Why a token is not taken. Deliberately one answer for every cause: a token that was
/// altered, made by someone else or for another collector is simply not ours.
#[derive(Debug, thiserror::Error)]
#[error("this link is not valid")]
pub struct InvalidLink;

/// Makes and reads links.
#[derive(Debug, Clone)]
pub struct Links {
    keys: Arc<DataKeys>,
    base_url: String,
}

impl Links {
    /// Links to this collector's public URL.
    pub fn new(keys: Arc<DataKeys>, base_url: &str) -> Self {
        Self {
            keys,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The collector's public URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A sealed token for `link`.
    pub fn token(&self, link: &Link) -> Result<String, SealError> {
        let payload = serde_json::to_vec(link).map_err(|_| SealError::Seal)?;
        let sealed = sealing::seal_link(self.keys.link(), &payload)?;
        Ok(URL_SAFE_NO_PAD.encode(sealed))
    }

    /// The full URL of `link`'s page.
    pub fn url(&self, link: &Link) -> Result<String, SealError> {
        Ok(format!(
            "{}{}?t={}",
            self.base_url,
            link.path(),
            self.token(link)?
        ))
    }

    /// The link a token names.
    pub fn open(&self, token: &str) -> Result<Link, InvalidLink> {
        // Tokens are about 140 characters; anything far longer is not one of ours.
        if token.len() > 1024 {
            return Err(InvalidLink);
        }
        let sealed = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidLink)?;
        let payload = sealing::open_link(self.keys.link(), &sealed).map_err(|_| InvalidLink)?;
        serde_json::from_slice(&payload).map_err(|_| InvalidLink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(dir: &std::path::Path) -> Links {
        Links::new(
            Arc::new(DataKeys::load_or_create(dir).expect("keys")),
            "https://c.example/",
        )
    }

    #[test]
    fn a_token_opens_to_its_link_and_an_altered_or_foreign_one_does_not() {
        let dir = tempfile::tempdir().expect("dir");
        let links = links(dir.path());
        let link = Link::Unsubscribe {
            person_id: "7b1f0c4e-0000-4000-8000-000000000001".into(),
            site: "demo".into(),
            purpose: "newsletter".into(),
        };
        let url = links.url(&link).expect("url");
        assert!(
            url.starts_with("https://c.example/mail/unsubscribe?t="),
            "{url}"
        );
        let token = url.rsplit("?t=").next().expect("token");
        assert!(
            !token.contains("newsletter") && !token.contains("7b1f"),
            "{token}"
        );
        assert_eq!(links.open(token).expect("opens"), link);
        // Two tokens for one link differ (a fresh nonce each), and both open.
        let other = links.token(&link).expect("token");
        assert_ne!(other, token);
        assert_eq!(links.open(&other).expect("opens"), link);

        let mut altered = token.as_bytes().to_vec();
        altered[40] = if altered[40] == b'A' { b'B' } else { b'A' };
        assert!(
            links
                .open(std::str::from_utf8(&altered).expect("ascii"))
                .is_err()
        );
        assert!(links.open("not a token").is_err());
        let elsewhere = tempfile::tempdir().expect("dir");
        assert!(
            super::Links::new(
                Arc::new(DataKeys::load_or_create(elsewhere.path()).expect("keys")),
                "https://c.example"
            )
            .open(token)
            .is_err()
        );
    }
}
