//! Double opt-in. A form opt-in for a purpose marked `doubleOptIn` puts the contact on hold for
//! it (`pending`) in the opt-in's own transaction and queues a confirmation mail with a
//! single-use link that expires. Opening the link shows a page with a button (a GET changes
//! nothing: mail scanners open links); pressing it records a collector-signed receipt with
//! `collectionMethod: "double-opt-in"` citing the form receipt, and lifts the hold.

use std::collections::BTreeMap;

use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, Language, Policy, PurposeId, ReceiptId, SiteId};
use serde::Serialize;

use super::links::Link;
use super::templates::Written;
use super::{Mail, MailError};
use crate::domain::issuing::{Issue, ReceiptIssuer, derived_receipt_id, new_issued_subject};
use crate::domain::sites::PublishedPolicy;
use crate::store::contacts::ContactWrite;
use crate::store::mail::{OutboxMail, StoredConfirmation};
use crate::store::{Appended, NewConfirmation, PendingConfirmation, Store, StoreError};
use crate::time::now_unix;

/// What a confirmation link leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Waiting for the press: the site and the purpose's name, in the form's language.
    Pending(Asked),
    /// Pressed before (the same answer whenever it is pressed again).
    Confirmed(Asked),
    /// Too late: the opt-in never counted.
    Expired(Asked),
}

/// What was asked, for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The site.
    pub site: SiteId,
    /// The purpose.
    pub purpose: PurposeId,
    /// The form's language.
    pub language: Language,
    /// Asked of a parent or guardian, for a child below the age of digital consent.
    pub for_guardian: bool,
}

/// Why a link leads nowhere.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfirmError {
    /// Not a confirmation link of this collector, or its contact was deleted.
    #[error("this confirmation link is not valid")]
    Invalid,
    /// The site's policy no longer has the purpose.
    #[error("the purpose is no longer offered")]
    PurposeGone(Asked),
    /// A parent or guardian must confirm it (Art 8): the person's own link does not count.
    #[error("a parent or guardian must confirm this")]
    GuardianWaiting(Asked),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The mail's pieces.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// The double opt-in journey.
#[derive(Debug, Clone)]
pub struct DoubleOptIn {
    mail: Mail,
    issuer: ReceiptIssuer,
}

impl DoubleOptIn {
    /// Issues its receipts with `issuer`.
    pub fn new(mail: Mail, issuer: ReceiptIssuer) -> Self {
        Self { mail, issuer }
    }

    /// Where a confirmation link stands.
    pub async fn look(&self, token: &str) -> Result<Confirmation, ConfirmError> {
        let found = self.find(token).await?;
        let asked = self.asked(&found)?;
        Ok(match found.state.as_str() {
            "confirmed" => Confirmation::Confirmed(asked),
            "pending" if now_unix() < found.expires_at => Confirmation::Pending(asked),
            _ => Confirmation::Expired(asked),
        })
    }

    /// Confirms: issues the double-opt-in receipt (once, however often pressed) and lifts the
    /// hold.
    pub async fn confirm(&self, token: &str) -> Result<Confirmation, ConfirmError> {
        let found = self.find(token).await?;
        let asked = self.asked(&found)?;
        let now = now_unix();
        match found.state.as_str() {
            "confirmed" => return Ok(Confirmation::Confirmed(asked)),
            "pending" if now < found.expires_at => {}
            _ => return Ok(Confirmation::Expired(asked)),
        }
        let site = self
            .mail
            .sites
            .get(&asked.site)
            .ok_or(ConfirmError::Invalid)?;
        let policy = site.policy();
        if policy.policy.purpose(&asked.purpose).is_none() {
            return Err(ConfirmError::PurposeGone(asked));
        }
        let store = &self.mail.store;
        if found.guardian.is_none()
            && store
                .guardian_waiting(&found.person_id, &found.site, &found.purpose)
                .await?
        {
            return Err(ConfirmError::GuardianWaiting(asked));
        }
        // A form opt-in's confirmation cites the form receipt (a double opt-in); a grant asked
        // for in the preference centre is that centre's, confirmed from the mailbox.
        let (method, evidence) = match &found.form_receipt {
            // A child's opt-in, confirmed by the guardian it was mailed to (Art 8).
            Some(form_receipt) if found.guardian.is_some() => {
                let id = ReceiptId::parse(form_receipt)
                    .ok()
                    .ok_or(ConfirmError::Invalid)?;
                let form = store.receipt(&id).await?.ok_or(ConfirmError::Invalid)?;
                (
                    CollectionMethod::Guardian,
                    Evidence {
                        operator: "guardian's mailbox".to_owned(),
                        receipt_id: Some(form_receipt.clone()),
                        receipt_sha256: Some(samtycke_shared::jose::sha256_hex(&form.receipt)),
                        ..Evidence::default()
                    },
                )
            }
            Some(form_receipt) => {
                let id = ReceiptId::parse(form_receipt)
                    .ok()
                    .ok_or(ConfirmError::Invalid)?;
                let form = store.receipt(&id).await?.ok_or(ConfirmError::Invalid)?;
                (
                    CollectionMethod::DoubleOptIn,
                    Evidence {
                        operator: "mailbox".to_owned(),
                        receipt_id: Some(form_receipt.clone()),
                        receipt_sha256: Some(samtycke_shared::jose::sha256_hex(&form.receipt)),
                        ..Evidence::default()
                    },
                )
            }
            None => (
                CollectionMethod::PreferenceCentre,
                Evidence {
                    operator: "mailbox".to_owned(),
                    ..Evidence::default()
                },
            ),
        };
        let subject = issued_subject(&**store, &found.person_id).await?;
        let receipt_id = derived_receipt_id("samtycke/double-opt-in/v1", &[&found.id]);
        let job = self.issuer.job(Issue {
            receipt_id,
            site: asked.site.clone(),
            subject,
            policy,
            method,
            consent_timestamp: now,
            decisions: BTreeMap::from([(asked.purpose.clone(), Decision::Granted)]),
            evidence,
        });
        match store.append_receipt(job).await? {
            // A conflict is this very confirmation, issued by an earlier press that stopped
            // before it was settled below (the id is derived from the confirmation's).
            Appended::Created(_) | Appended::Replayed(_) | Appended::Conflict => {}
        }
        store
            .confirm_opt_in(&found.id, &receipt_id.to_string(), now)
            .await?;
        tracing::info!(site = %asked.site, purpose = %asked.purpose, receipt = %receipt_id, "double opt-in confirmed");
        Ok(Confirmation::Confirmed(asked))
    }

    async fn find(&self, token: &str) -> Result<StoredConfirmation, ConfirmError> {
        let Ok(Link::Confirm { id }) = self.mail.links.open(token) else {
            return Err(ConfirmError::Invalid);
        };
        self.mail
            .store
            .confirmation(&id)
            .await?
            .ok_or(ConfirmError::Invalid)
    }

    fn asked(&self, found: &StoredConfirmation) -> Result<Asked, ConfirmError> {
        Ok(Asked {
            site: SiteId::parse(&found.site).map_err(|_| ConfirmError::Invalid)?,
            purpose: PurposeId::parse(&found.purpose).map_err(|_| ConfirmError::Invalid)?,
            language: Language::parse(&found.language).map_err(|_| ConfirmError::Invalid)?,
            for_guardian: found.guardian.is_some(),
        })
    }
}

/// The contact's collector-issued pseudonym, made and linked on first use.
pub(crate) async fn issued_subject(
    store: &dyn Store,
    person_id: &str,
) -> Result<String, StoreError> {
    if let Some(subject) = store
        .issued_subjects(&[person_id.to_owned()])
        .await?
        .remove(person_id)
    {
        return Ok(subject);
    }
    let subject = new_issued_subject();
    store
        .write_contacts(&[ContactWrite::Link {
            person_id: person_id.to_owned(),
            subject: subject.clone(),
        }])
        .await?;
    Ok(subject)
}

/// What a form opt-in's append must also write for a purpose that asks for double opt-in, or
/// `None` when the contact may already be processed for it (confirmed earlier, or imported with
/// its proof). A confirmation mailed within `resend_after_minutes` is not mailed again.
pub async fn pending_for(
    store: &dyn Store,
    settings: &super::config::MailConfig,
    site: &SiteId,
    purpose: &PurposeId,
    lookup: &str,
    language: &Language,
    for_guardian: bool,
) -> Result<Option<PendingConfirmation>, StoreError> {
    let now = now_unix();
    let new = || NewConfirmation {
        id: uuid::Uuid::new_v4().to_string(),
        mail_id: uuid::Uuid::new_v4().to_string(),
        expires_at: now + i64::from(settings.confirmation_days) * 86_400,
    };
    let new = match store.contact_by_lookup(lookup).await? {
        None => Some(new()),
        Some(person_id) => {
            let since = now - i64::from(settings.resend_after_minutes) * 60;
            let standing = store
                .opt_in_standing(&person_id, site.as_str(), purpose.as_str(), now, since)
                .await?;
            if standing.processable {
                return Ok(None);
            }
            // A guardian is asked even if the child's own address was mailed moments ago
            // (an answer corrected from "old enough", say): that mail cannot stand for theirs.
            (!standing.recently_mailed || for_guardian).then(new)
        }
    };
    Ok(Some(PendingConfirmation {
        purpose: purpose.to_string(),
        lookup: lookup.to_owned(),
        language: language.to_string(),
        new,
        guardian: None,
    }))
}

/// The words a confirmation mail is written from.
#[derive(Serialize)]
struct ConfirmationWords {
    controller: String,
    controller_contact: String,
    policy_url: String,
    purpose: String,
    confirm_url: String,
    unsubscribe_url: String,
    preferences_url: String,
    days: u32,
    expires: String,
    /// For a guardian: the child's address, masked (which child it is about, no more).
    child: String,
}

/// Writes an outbox row's confirmation mail; returns it, the purpose it is about, and the
/// guardian's address when it is a child's (the mail goes there).
pub(super) async fn write_confirmation(
    mail: &Mail,
    item: &OutboxMail,
    policy: &Policy,
    language: &Language,
) -> Result<(Written, String, Option<String>), MailError> {
    let found = mail
        .store
        .confirmation(&item.reference)
        .await?
        .ok_or(MailError::Gone("confirmation"))?;
    // Settled (confirmed, expired) before its mail went: nothing to ask, and a guardian's
    // address is no longer there to write to.
    if found.state != "pending" {
        return Err(MailError::Gone("pending confirmation"));
    }
    let purpose_id = PurposeId::parse(&found.purpose).map_err(|_| MailError::Gone("purpose"))?;
    let purpose = policy
        .purpose(&purpose_id)
        .ok_or(MailError::Gone("purpose"))?;
    let default = policy.default_language();
    let link = |link: Link| {
        mail.links
            .url(&link)
            .map_err(|e| MailError::Build(e.to_string()))
    };
    let links = mail.unsubscribe_headers(&item.person_id, &item.site, &found.purpose)?;
    let expires = time::OffsetDateTime::from_unix_timestamp(found.expires_at)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    let words = ConfirmationWords {
        controller: policy.controller.name.clone(),
        controller_contact: policy.controller.contact.clone(),
        policy_url: policy.policy_url.clone(),
        purpose: purpose.name.get(language, default).to_owned(),
        confirm_url: link(Link::Confirm {
            id: found.id.clone(),
        })?,
        unsubscribe_url: links.url,
        preferences_url: links.preferences_url,
        days: u32::try_from((found.expires_at - found.created_at).max(0) / 86_400)
            .unwrap_or_default(),
        expires,
        child: String::new(),
    };
    let guardian = match &found.guardian {
        Some(sealed) => Some(
            mail.vault
                .open_guardian(&found.id, sealed)
                .map_err(|_| MailError::Gone("guardian's address"))?,
        ),
        None => None,
    };
    let mut words = words;
    if guardian.is_some() {
        let child = mail.address(&item.person_id).await?;
        words.child = crate::domain::contacts::masking::email(child.email.as_ref());
    }
    let template = match guardian {
        Some(_) => "guardian-confirmation",
        None => "confirmation",
    };
    let written = mail
        .templates
        .write(&item.site, template, language.as_str(), &words)?;
    Ok((written, found.purpose, guardian))
}

/// The published policy a confirmation cites, for the page.
pub fn purpose_name(policy: &PublishedPolicy, asked: &Asked) -> String {
    let policy = &policy.policy;
    policy
        .purpose(&asked.purpose)
        .map(|p| {
            p.name
                .get(&asked.language, policy.default_language())
                .to_owned()
        })
        .unwrap_or_else(|| asked.purpose.to_string())
}
