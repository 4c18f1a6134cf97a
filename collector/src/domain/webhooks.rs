//! CRM sync, outbound: webhooks per site. An admin registers a receiver's URL and gets its
//! signing secret once; every receipt that changes a contact's decisions on the site (but those
//! the CRM itself reported) becomes a delivery in the receipt's own append transaction, so no
//! event is lost while the receiver or the collector is down. Every collector's deliverer posts
//! due deliveries with exponential back-off and logs each attempt; the body is signed with
//! HMAC-SHA256 over the timestamp and the body (`Samtycke-Signature: t=…,v1=…`), and
//! `Samtycke-Event-Id` lets the receiver drop a repeat (the one repeat possible: a crash after
//! the receiver answered and before that was recorded).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::domain::access::Access;
use crate::domain::contacts::identifiers::IdentifierKind;
use crate::domain::contacts::vault::ContactVault;
use crate::domain::sealing;
use crate::keys::DataKeys;
use crate::store::integrations::{DeliveryLogEntry, DeliveryOutcome, DueDelivery, StoredWebhook};
use crate::store::{Store, StoreError, StoredVaultKey};
use crate::time::now_unix;

/// `[webhooks]` in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Seconds before the first retry of a delivery the receiver did not take (it doubles with
    /// every attempt, up to six hours).
    #[serde(default = "default_retry_secs")]
    pub retry_after_secs: u32,
    /// Seconds to wait for a receiver's answer.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            retry_after_secs: default_retry_secs(),
            timeout_secs: default_timeout_secs(),
        }
    }
}

fn default_retry_secs() -> u32 {
    30
}

fn default_timeout_secs() -> u64 {
    10
}

/// Attempts before a delivery is given up (about four days at the defaults).
pub const MAX_ATTEMPTS: i64 = 20;
const LEASE_SECS: i64 = 300;
const BATCH: u32 = 20;
const POLL: Duration = Duration::from_millis(500);

/// Why a webhook cannot be registered or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Not an `https://` URL (`http://` only to this machine).
    #[error("url: must be https:// (http:// only for localhost)")]
    BadUrl,
    /// No such site.
    #[error("no site of that id is served here")]
    UnknownSite,
    /// No such receiver.
    #[error("no webhook of that id")]
    NotFound,
    /// Sealing the secret failed.
    #[error("cannot seal the secret: {0}")]
    Seal(String),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A receiver as the API shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    /// Its id.
    pub id: String,
    /// The site.
    pub site: String,
    /// Where events are posted.
    pub url: String,
    /// Unix seconds.
    pub created_at: i64,
    /// When removed, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<i64>,
}

/// A receiver just registered, with its secret (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhook {
    /// The receiver.
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The HMAC-SHA256 key its deliveries are signed with.
    pub secret: String,
}

impl From<&StoredWebhook> for WebhookView {
    fn from(w: &StoredWebhook) -> Self {
        Self {
            id: w.id.clone(),
            site: w.site.clone(),
            url: w.url.clone(),
            created_at: w.created_at,
            removed_at: w.removed_at,
        }
    }
}

/// Webhooks: registration, and the deliverer.
#[derive(Debug, Clone)]
pub struct Webhooks {
    store: Arc<dyn Store>,
    keys: Arc<DataKeys>,
    vault: ContactVault,
    access: Access,
    settings: WebhookConfig,
    sites: Arc<crate::domain::sites::SiteRegistry>,
}

impl Webhooks {
    /// Over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        keys: Arc<DataKeys>,
        vault: ContactVault,
        access: Access,
        settings: WebhookConfig,
        sites: Arc<crate::domain::sites::SiteRegistry>,
    ) -> Self {
        Self {
            store,
            keys,
            vault,
            access,
            settings,
            sites,
        }
    }

    /// Registers a receiver for `site`'s events; audited.
    pub async fn register(
        &self,
        actor: &str,
        site: &str,
        url: &str,
    ) -> Result<CreatedWebhook, WebhookError> {
        let known = samtycke_shared::SiteId::parse(site)
            .ok()
            .and_then(|id| self.sites.get(&id))
            .is_some();
        if !known {
            return Err(WebhookError::UnknownSite);
        }
        check_url(url)?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| WebhookError::Seal(e.to_string()))?;
        let secret = format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes));
        let data_key = self.keys.current();
        let sealed = sealing::seal_webhook_secret(data_key, &id, secret.as_bytes())
            .map_err(|e| WebhookError::Seal(e.to_string()))?;
        let webhook = StoredWebhook {
            id: id.clone(),
            site: site.to_owned(),
            url: url.to_owned(),
            sealed_secret: StoredVaultKey {
                key_id: data_key.id().to_owned(),
                wrapped: sealed,
            },
            created_at: now_unix(),
            removed_at: None,
        };
        self.store.insert_webhook(&webhook).await?;
        self.access
            .record(
                actor,
                "webhook.create",
                serde_json::json!({"webhook": id, "site": site}),
            )
            .await?;
        Ok(CreatedWebhook {
            webhook: WebhookView::from(&webhook),
            secret,
        })
    }

    /// A site's receivers.
    pub async fn list(&self, site: &str) -> Result<Vec<WebhookView>, WebhookError> {
        Ok(self
            .store
            .webhooks(site)
            .await?
            .iter()
            .map(WebhookView::from)
            .collect())
    }

    /// Removes a receiver; audited.
    pub async fn remove(&self, actor: &str, id: &str) -> Result<(), WebhookError> {
        if !self.store.remove_webhook(id, now_unix()).await? {
            return Err(WebhookError::NotFound);
        }
        self.access
            .record(actor, "webhook.remove", serde_json::json!({"webhook": id}))
            .await?;
        Ok(())
    }

    /// A receiver's delivery log, newest first.
    pub async fn log(&self, id: &str, limit: u32) -> Result<Vec<DeliveryLogEntry>, WebhookError> {
        Ok(self.store.delivery_log(id, limit).await?)
    }

    /// Delivers until the process ends.
    pub async fn run(self) {
        loop {
            let attempted = match self.deliver_due().await {
                Ok(attempted) => attempted,
                Err(error) => {
                    tracing::warn!(%error, "the webhook outbox cannot be read");
                    0
                }
            };
            if attempted == 0 {
                tokio::time::sleep(POLL).await;
            }
        }
    }

    /// Claims and delivers what is due; returns how many were attempted.
    pub async fn deliver_due(&self) -> Result<usize, StoreError> {
        let now = now_unix();
        let lease_until = now + LEASE_SECS;
        let due = self.store.claim_deliveries(now, lease_until, BATCH).await?;
        let started = std::time::Instant::now();
        for delivery in &due {
            // Never past half the claim (as the mail sender).
            if started.elapsed().as_secs() > (LEASE_SECS / 2).unsigned_abs() {
                break;
            }
            let (outcome, status, detail) = self.deliver(delivery).await;
            match outcome {
                DeliveryOutcome::Delivered => {
                    tracing::info!(webhook = %delivery.webhook.id, event = %delivery.event_id, "event delivered")
                }
                _ => {
                    tracing::warn!(webhook = %delivery.webhook.id, event = %delivery.event_id, ?status, reason = %detail, "event not delivered")
                }
            }
            let recorded = self
                .store
                .record_delivery(
                    &delivery.id,
                    lease_until,
                    now_unix(),
                    outcome,
                    status,
                    &detail,
                )
                .await?;
            if !recorded {
                tracing::warn!(webhook = %delivery.webhook.id, event = %delivery.event_id, "the claim on a delivery ran out before its outcome was recorded");
            }
        }
        Ok(due.len())
    }

    async fn deliver(&self, delivery: &DueDelivery) -> (DeliveryOutcome, Option<i64>, String) {
        if delivery.webhook.removed_at.is_some() {
            return (
                DeliveryOutcome::Failed,
                None,
                "the webhook was removed".into(),
            );
        }
        let Some(data_key) = self.keys.get(&delivery.webhook.sealed_secret.key_id) else {
            return (
                self.retry(delivery),
                None,
                "its secret's key is missing".into(),
            );
        };
        let secret = match sealing::open_webhook_secret(
            data_key,
            &delivery.webhook.id,
            &delivery.webhook.sealed_secret.wrapped,
        ) {
            Ok(secret) => secret,
            Err(_) => {
                return (
                    DeliveryOutcome::Failed,
                    None,
                    "its secret does not open".into(),
                );
            }
        };
        let body = match self.body(delivery).await {
            Ok(body) => body,
            Err(error) => return (self.retry(delivery), None, error.to_string()),
        };
        let timestamp = now_unix();
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&secret) else {
            return (DeliveryOutcome::Failed, None, "unusable secret".into());
        };
        mac.update(format!("{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let (url, event_id, timeout) = (
            delivery.webhook.url.clone(),
            delivery.event_id.clone(),
            self.settings.timeout_secs,
        );
        let answer = tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(timeout)))
                .build()
                .into();
            agent
                .post(&url)
                .header("Content-Type", "application/json")
                .header("Samtycke-Event-Id", &event_id)
                .header(
                    "Samtycke-Signature",
                    &format!("t={timestamp},v1={signature}"),
                )
                .send(body.as_str())
                .map(|response| response.status().as_u16())
        })
        .await;
        match answer {
            Ok(Ok(status)) if (200..300).contains(&status) => (
                DeliveryOutcome::Delivered,
                Some(i64::from(status)),
                format!("HTTP {status}"),
            ),
            Ok(Ok(status)) => (
                self.retry(delivery),
                Some(i64::from(status)),
                format!("HTTP {status}"),
            ),
            Ok(Err(error)) => (self.retry(delivery), None, error.to_string()),
            Err(error) => (self.retry(delivery), None, error.to_string()),
        }
    }

    /// The body: the stored event, with the contact's id and, when the contact still exists,
    /// its address and external id, opened from its vault now.
    async fn body(&self, delivery: &DueDelivery) -> Result<String, StoreError> {
        let mut event: serde_json::Value = serde_json::from_str(&delivery.payload)
            .map_err(|e| StoreError::Batch(e.to_string()))?;
        event["personId"] = delivery.person_id.clone().into();
        if let Some(contact) = self.store.contact(&delivery.person_id).await?
            && let Ok(open) = self.vault.open(&contact.person_id, &contact.key)
            && let Ok(identifiers) = self.vault.identifiers(&open, &contact)
        {
            for identifier in identifiers {
                match identifier.kind() {
                    IdentifierKind::Email => event["email"] = identifier.value().into(),
                    IdentifierKind::Salesforce => event["externalId"] = identifier.value().into(),
                    IdentifierKind::Phone => {}
                }
            }
        }
        Ok(event.to_string())
    }

    fn retry(&self, delivery: &DueDelivery) -> DeliveryOutcome {
        let attempt = delivery.attempts + 1;
        if attempt >= MAX_ATTEMPTS {
            return DeliveryOutcome::Failed;
        }
        let first = i64::from(self.settings.retry_after_secs.max(1));
        let wait = first
            .saturating_mul(1 << (attempt - 1).min(20))
            .min(6 * 3600);
        DeliveryOutcome::Deferred {
            due_at: now_unix() + wait,
        }
    }
}

/// `https://…`, or `http://` to this machine (a receiver beside the collector, or a test).
fn check_url(url: &str) -> Result<(), WebhookError> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(WebhookError::BadUrl);
    };
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit_once(':')
        .map_or(
            rest.split(['/', '?', '#']).next().unwrap_or_default(),
            |(h, _)| h,
        );
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // `user@host`: what looks like the host may be the user part.
    if authority.contains('@') {
        return Err(WebhookError::BadUrl);
    }
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        "https" if !host.is_empty() && !url.contains(char::is_whitespace) => Ok(()),
        "http" if local => Ok(()),
        _ => Err(WebhookError::BadUrl),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receivers_are_https_or_on_this_machine() {
        for ok in [
            "https://crm.example/hooks/samtycke",
            "https://crm.example:8443/h",
            "http://127.0.0.1:9000/h",
            "http://localhost/h",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://crm.example/h",
            "ftp://crm.example",
            "crm.example",
            "https://",
            "https://crm.example/a b",
            "http://127.0.0.1:80@evil.example/h",
            "https://user@crm.example/h",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
