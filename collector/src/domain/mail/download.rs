//! The copy of a person's data (GDPR Art 15, 20) travels as a link, not an attachment: a
//! mailbox is read on many devices and kept for years, so the mail carries a sealed link that
//! works once and for [`VALID_DAYS`] days. Opening it shows a page (mail scanners open links);
//! only the page's button, a POST, hands the file over and spends the link.

use samtycke_shared::Language;

use super::links::{InvalidLink, Link};
use super::{Mail, MailError};
use crate::domain::contacts::Visibility;
use crate::domain::contacts::export::HeaderLanguage;
use crate::store::requests::DataDownload;
use crate::time::now_unix;

/// How long a download link works.
pub const VALID_DAYS: i64 = 7;

/// The file's format: the whole export (JSON), or the contact's row of the 16 CRM columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Everything, with every receipt and the policy texts they cite.
    Json,
    /// The contact's CSV row under a header in the mail's language.
    Csv,
}

impl Format {
    /// `json` or `csv`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Where a link stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// It gives the file once, until the link's `expires_at`.
    Ready,
    /// It was used.
    Used,
    /// It expired unused.
    Expired,
}

/// Why a link gives nothing.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Not one of ours, or its contact is gone.
    #[error(transparent)]
    Invalid(#[from] InvalidLink),
    /// Used already, or expired: the page says which.
    #[error("this download link was used or has expired")]
    Spent(DataDownload, Standing),
    /// Writing the file, or the store.
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl From<crate::store::StoreError> for DownloadError {
    fn from(error: crate::store::StoreError) -> Self {
        DownloadError::Mail(MailError::Store(error))
    }
}

/// A file handed over.
#[derive(Debug)]
pub struct File {
    /// Its name, for `Content-Disposition`.
    pub name: String,
    /// `application/json` or `text/csv; charset=utf-8`.
    pub content_type: &'static str,
    /// The bytes.
    pub body: Vec<u8>,
}

impl Mail {
    /// Records the link for a data-copy mail (`id` is the outbox row's) and returns its URL
    /// and when it expires.
    pub(super) async fn issue_download(
        &self,
        id: &str,
        person_id: &str,
        site: &str,
        language: &Language,
    ) -> Result<(String, i64), MailError> {
        let now = now_unix();
        self.store
            .issue_download(&DataDownload {
                id: id.to_owned(),
                person_id: person_id.to_owned(),
                site: site.to_owned(),
                language: language.to_string(),
                created_at: now,
                expires_at: now + VALID_DAYS * 86_400,
                used_at: None,
            })
            .await?;
        // Written again after a crash, the first row (and its expiry) stands.
        let issued = self
            .store
            .download(id)
            .await?
            .ok_or(MailError::Gone("download"))?;
        let url = self
            .links
            .url(&Link::Download { id: id.to_owned() })
            .map_err(|e| MailError::Build(e.to_string()))?;
        Ok((url, issued.expires_at))
    }

    /// The link a token names and where it stands; changes nothing.
    pub async fn look_download(
        &self,
        token: &str,
    ) -> Result<(DataDownload, Standing), DownloadError> {
        let download = self.download_of(token).await?;
        let standing = if download.used_at.is_some() {
            Standing::Used
        } else if download.expires_at <= now_unix() {
            Standing::Expired
        } else {
            Standing::Ready
        };
        Ok((download, standing))
    }

    /// Writes the file, in clear (it is the person's own data, going to whoever holds the link
    /// from their mailbox), then spends the link: a file that cannot be written spends nothing,
    /// and of two presses at once only one gets it.
    pub async fn take_download(
        &self,
        token: &str,
        format: Format,
    ) -> Result<(DataDownload, File), DownloadError> {
        let (download, standing) = self.look_download(token).await?;
        if standing != Standing::Ready {
            return Err(DownloadError::Spent(download, standing));
        }
        let file = self.write_file(&download, format).await?;
        let Some(download) = self.store.take_download(&download.id, now_unix()).await? else {
            let (download, standing) = self.look_download(token).await?;
            return Err(DownloadError::Spent(download, standing));
        };
        Ok((download, file))
    }

    async fn write_file(
        &self,
        download: &DataDownload,
        format: Format,
    ) -> Result<File, DownloadError> {
        let contacts = self.contacts.as_ref().ok_or(MailError::Gone("contacts"))?;
        let contact = self
            .store
            .contact(&download.person_id)
            .await?
            .ok_or(InvalidLink)?;
        let name = format!("{}-my-data", download.site);
        let file = match format {
            Format::Json => {
                let export = contacts
                    .export_contact(&contact, Visibility::Clear)
                    .await
                    .map_err(|e| MailError::Build(e.to_string()))?;
                File {
                    name: format!("{name}.json"),
                    content_type: "application/json",
                    body: serde_json::to_vec_pretty(&export)
                        .map_err(|e| MailError::Build(e.to_string()))?,
                }
            }
            Format::Csv => {
                let header = Language::parse(&download.language)
                    .ok()
                    .and_then(|l| HeaderLanguage::parse(l.primary()))
                    .unwrap_or_default();
                let record = contacts
                    .csv_record_of(&contact, Visibility::Clear, now_unix())
                    .map_err(|e| MailError::Build(e.to_string()))?;
                let mut writer = csv::Writer::from_writer(Vec::new());
                writer
                    .write_record(header.columns())
                    .and_then(|()| writer.write_record(&record))
                    .map_err(|e| MailError::Build(e.to_string()))?;
                File {
                    name: format!("{name}.csv"),
                    content_type: "text/csv; charset=utf-8",
                    body: writer
                        .into_inner()
                        .map_err(|e| MailError::Build(e.to_string()))?,
                }
            }
        };
        Ok(file)
    }

    async fn download_of(&self, token: &str) -> Result<DataDownload, DownloadError> {
        let Link::Download { id } = self.links.open(token)? else {
            return Err(InvalidLink.into());
        };
        Ok(self.store.download(&id).await?.ok_or(InvalidLink)?)
    }
}
