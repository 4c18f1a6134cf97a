//! Consent ingestion: a visitor's signed request becomes a countersigned, durable receipt, or is
//! refused with the precise reason.

use std::sync::Arc;

use samtycke_shared::jose::{VerifiedRequest, sha256_hex, verify_request};
use samtycke_shared::{
    AgeAnswer, AskedIn, CollectionMethod, Decision, Policy, Purpose, ReceiptResponse, SiteId,
    SubmitReceipt,
};

use crate::domain::contacts::identifiers::{ContactIdentifier, IdentifierKind as ContactIdKind};
use crate::domain::identifiers::{self, CheckedIdentifier, IdentifierKind};
use crate::domain::mail::config::MailConfig;
use crate::domain::mail::opt_in as double_opt_in;
use crate::domain::receipt_claims;
use crate::domain::sites::{PublishedPolicy, SiteRegistry};
use crate::domain::vault::SubjectVault;
use crate::http::rate_limit::RateLimits;
use crate::keys::KeyRing;
use crate::store::{
    AppendJob, Appended, ChainLink, Countersign, DecisionValidity, ReceiptDraft, SealVault, Store,
    StoreError, StoredVaultKey,
};
use crate::time::now_unix;

mod error;
pub mod timing;

pub use error::IngestError;

/// The outcome of an accepted request.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// What to send back.
    pub response: ReceiptResponse,
    /// `true` for a new receipt, `false` for a replay of an earlier one.
    pub created: bool,
}

/// Turns signed requests into receipts.
#[derive(Debug, Clone)]
pub struct ConsentService {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    keys: Arc<KeyRing>,
    vault: SubjectVault,
    issuer: String,
    site_limits: Option<Arc<RateLimits>>,
    mail: MailConfig,
}

impl ConsentService {
    /// A service over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        sites: Arc<SiteRegistry>,
        keys: Arc<KeyRing>,
        vault: SubjectVault,
        issuer: String,
    ) -> Self {
        Self {
            store,
            sites,
            keys,
            vault,
            issuer,
            site_limits: None,
            mail: MailConfig::default(),
        }
    }

    /// Double opt-ins follow these settings (how long a link lasts, when to mail again).
    pub fn with_mail_settings(mut self, settings: MailConfig) -> Self {
        self.mail = settings;
        self
    }

    /// Counts each site's receipts against its rate limit.
    pub fn with_site_limits(mut self, limits: Arc<RateLimits>) -> Self {
        self.site_limits = Some(limits);
        self
    }

    /// Verifies, checks, countersigns and stores one request; replays return the first answer.
    pub async fn ingest(
        &self,
        submission: &SubmitReceipt,
        origin: Option<&str>,
    ) -> Result<Ingested, IngestError> {
        let verified = verify_request(&submission.request)?;
        let asked = &verified.payload;
        if !asked_on_a_page(asked.collection_method) {
            return Err(IngestError::MethodNotFromPages(
                asked.collection_method.as_str(),
            ));
        }
        let site = self
            .sites
            .get(&asked.site)
            .ok_or_else(|| IngestError::UnknownSite(asked.site.clone()))?;
        if !origin.is_some_and(|o| site.allows_origin(o)) {
            return Err(IngestError::OriginNotAllowed {
                site: site.id.clone(),
            });
        }
        if let Some(limits) = &self.site_limits {
            limits
                .check_site(&site.id)
                .map_err(IngestError::SiteRateLimited)?;
        }
        // One version for the whole request, even if a newer one is adopted meanwhile.
        let current = site.policy();
        timing::check_timestamp(asked.consent_timestamp, now_unix(), &current.policy)?;
        let policy = self
            .cited_policy(
                &site.id,
                &current,
                asked.policy_version,
                asked.consent_timestamp,
            )
            .await?;
        if policy.sha256 != asked.policy_sha256 {
            return Err(IngestError::PolicyHashMismatch {
                site: site.id.clone(),
                version: asked.policy_version,
            });
        }
        check_decisions(&verified, &policy.policy, &current.policy)?;
        let identifiers = identifiers::check(
            &submission.identifiers,
            &asked.identifier_commitments,
            asked.collection_method,
        )?;
        let (identifiers, guardian) = check_age(asked, &policy.policy, identifiers)?;
        self.append(
            &verified,
            &submission.request,
            &policy,
            &identifiers,
            guardian.as_ref(),
        )
        .await
    }

    /// The policy version a request cites: the current one, or an earlier one from the store
    /// that was still current when the visitor decided (`timing::version_was_current`).
    async fn cited_policy(
        &self,
        site: &SiteId,
        current: &Arc<PublishedPolicy>,
        version: u32,
        consent_timestamp: i64,
    ) -> Result<Arc<PublishedPolicy>, IngestError> {
        if current.policy.version == version {
            return Ok(Arc::clone(current));
        }
        let unknown = || IngestError::UnknownPolicyVersion {
            site: site.clone(),
            version,
        };
        let stored = self
            .store
            .policy(site, version)
            .await?
            .ok_or_else(unknown)?;
        let superseded_at = self.store.policy_superseded_at(site, version).await?;
        if !timing::version_was_current(consent_timestamp, superseded_at) {
            return Err(IngestError::PolicySuperseded {
                site: site.clone(),
                version,
            });
        }
        // A stored document was valid when served; if this build reads it differently, it cannot
        // be checked, so it is refused rather than guessed at.
        PublishedPolicy::from_bytes(stored.document)
            .map(Arc::new)
            .map_err(|_| unknown())
    }

    async fn append(
        &self,
        verified: &VerifiedRequest,
        jws: &str,
        policy: &Arc<PublishedPolicy>,
        identifiers: &[CheckedIdentifier],
        guardian: Option<&CheckedIdentifier>,
    ) -> Result<Ingested, IngestError> {
        let asked = &verified.payload;
        let issued_at = now_unix();
        let draft = ReceiptDraft {
            receipt_id: asked.receipt_id,
            site: asked.site.clone(),
            subject: verified.subject.clone(),
            request_sha256: sha256_hex(jws),
            policy_version: asked.policy_version,
            collection_method: asked.collection_method.as_str().to_owned(),
            consent_timestamp: asked.consent_timestamp,
            decided_at: timing::decided_at(asked.consent_timestamp, issued_at),
            issued_at,
            decisions: asked.decisions.clone(),
            validity: DecisionValidity {
                granted_secs: i64::from(policy.policy.consent_validity_days) * 86_400,
                denied_secs: i64::from(policy.policy.refusal_validity_days) * 86_400,
            },
        };
        // The closures run in the store's writer task, inside the append transaction: they own
        // what they need.
        let signer = self.keys.current().clone();
        let (request, jws_owned, policy_owned, issuer) = (
            verified.clone(),
            jws.to_owned(),
            Arc::clone(policy),
            self.issuer.clone(),
        );
        let countersign: Countersign = Box::new(move |link: &ChainLink| {
            let claims = receipt_claims::build(
                &request,
                &jws_owned,
                &policy_owned.policy,
                &issuer,
                issued_at,
                link,
            )
            .map_err(|e| e.to_string())?;
            signer.sign(&claims).map_err(|e| e.to_string())
        });
        let seal = (!identifiers.is_empty()).then(|| {
            let (vault, subject, identifiers) = (
                self.vault.clone(),
                verified.subject.clone(),
                identifiers.to_vec(),
            );
            Box::new(move |stored: Option<&StoredVaultKey>| {
                vault
                    .seal(&subject, &identifiers, stored)
                    .map_err(|e| e.to_string())
            }) as Box<SealVault>
        });
        // A contact for each address, used only if no contact has it yet (the batch reads which
        // do): sealed here, out of the append transaction.
        let contact_vault = self.vault.contacts();
        let contacts = identifiers
            .iter()
            .map(|identifier| {
                let kind = match identifier.kind {
                    // `check_age` took the guardian's address out: it is no one's identifier.
                    IdentifierKind::Email | IdentifierKind::GuardianEmail => ContactIdKind::Email,
                };
                contact_vault.prepare(&ContactIdentifier::from_vault(
                    kind,
                    identifier.value.clone(),
                ))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Seal(e.to_string()))?;
        let confirmations = self
            .double_opt_ins(asked, policy, &contacts, guardian)
            .await?;
        let job = AppendJob {
            draft,
            countersign,
            seal,
            contacts,
            confirmations,
        };
        let (stored, created) = match self.store.append_receipt(job).await? {
            Appended::Created(stored) => (stored, true),
            Appended::Replayed(stored) => (stored, false),
            Appended::Conflict => return Err(IngestError::Conflict(asked.receipt_id.to_string())),
        };
        if created {
            tracing::info!(receipt = %stored.receipt_id, sequence = stored.sequence, site = %asked.site, identifiers = identifiers.len(), "receipt issued");
        }
        let response = ReceiptResponse {
            receipt_id: stored.receipt_id,
            receipt: stored.receipt,
            sequence: stored.sequence,
        };
        Ok(Ingested { response, created })
    }
}

impl ConsentService {
    /// What a form opt-in must also write for each purpose it grants that asks for double
    /// opt-in, or that someone below the age of digital consent asked for: the contact's hold
    /// and, unless one went out moments ago, a confirmation mail (to the guardian, for a
    /// child).
    async fn double_opt_ins(
        &self,
        asked: &samtycke_shared::ReceiptRequest,
        policy: &PublishedPolicy,
        contacts: &[crate::store::PreparedContact],
        guardian: Option<&CheckedIdentifier>,
    ) -> Result<Vec<crate::store::PendingConfirmation>, IngestError> {
        if asked.collection_method != CollectionMethod::Form {
            return Ok(Vec::new());
        }
        let Some(contact) = contacts.iter().find(|c| c.kind == "email") else {
            return Ok(Vec::new());
        };
        let mut pending = Vec::new();
        for (purpose, decision) in &asked.decisions {
            let Some(asked_purpose) = policy.policy.purpose(purpose) else {
                continue;
            };
            let for_guardian = asked_purpose.ask_age && guardian.is_some();
            if !(asked_purpose.double_opt_in || for_guardian) || *decision != Decision::Granted {
                continue;
            }
            let confirmation = double_opt_in::pending_for(
                &*self.store,
                &self.mail,
                &asked.site,
                purpose,
                &contact.lookup,
                &asked.language,
                for_guardian,
            )
            .await?;
            let Some(mut confirmation) = confirmation else {
                continue;
            };
            if let (true, Some(guardian), Some(new)) = (for_guardian, guardian, &confirmation.new) {
                confirmation.guardian = Some(
                    self.vault
                        .contacts()
                        .seal_guardian(&new.id, &guardian.value)
                        .map_err(|e| StoreError::Seal(e.to_string()))?,
                );
            }
            pending.push(confirmation);
        }
        Ok(pending)
    }
}

/// Art 8: a form grant of a purpose that asks the age carries the visitor's answer; below the
/// policy's minimum age it carries exactly one guardian's address (not the visitor's own),
/// which is taken out of the identifiers (it is no one's identifier) and returned apart.
fn check_age(
    asked: &samtycke_shared::ReceiptRequest,
    policy: &Policy,
    identifiers: Vec<CheckedIdentifier>,
) -> Result<(Vec<CheckedIdentifier>, Option<CheckedIdentifier>), IngestError> {
    let asking = asked
        .decisions
        .iter()
        .filter(|(_, decision)| **decision == Decision::Granted)
        .find_map(|(id, _)| policy.purpose(id).filter(|p| p.ask_age));
    let (mut guardians, own): (Vec<_>, Vec<_>) = identifiers
        .into_iter()
        .partition(|i| i.kind == IdentifierKind::GuardianEmail);
    // The opt-in is the visitor's: their own address is what it is for, whatever the answer.
    let own_address = own.iter().any(|i| i.kind == IdentifierKind::Email);
    match (asking, asked.age) {
        (None, None) if guardians.is_empty() => Ok((own, None)),
        (Some(_), Some(_)) if !own_address => Err(IngestError::IdentifierRequired),
        (None, Some(_)) => Err(IngestError::AgeNotAsked),
        (None, None) => Err(IngestError::GuardianAddress),
        (Some(purpose), None) => Err(IngestError::AgeRequired(purpose.id.clone())),
        (Some(_), Some(AgeAnswer::AtLeastMinimum)) if guardians.is_empty() => Ok((own, None)),
        (Some(_), Some(AgeAnswer::BelowMinimum))
            if guardians.len() == 1 && !own.iter().any(|i| i.value == guardians[0].value) =>
        {
            Ok((own, guardians.pop()))
        }
        (Some(_), Some(_)) => Err(IngestError::GuardianAddress),
    }
}

/// Checks each decision against the policy cited (`policy`) and the site's current one: a
/// decision made under an older version may refuse or withdraw a purpose the site has since
/// dropped, but never grant it, so no purpose that no longer exists becomes granted.
fn check_decisions(
    verified: &VerifiedRequest,
    policy: &Policy,
    current: &Policy,
) -> Result<(), IngestError> {
    let asked = &verified.payload;
    if asked.decisions.is_empty() {
        return Err(IngestError::NoDecisions);
    }
    for (id, decision) in &asked.decisions {
        let purpose = policy
            .purpose(id)
            .ok_or_else(|| IngestError::UnknownPurpose {
                purpose: id.clone(),
                version: policy.version,
            })?;
        if !asked_this_way(purpose, asked.collection_method, *decision) {
            return Err(IngestError::NotAskedThisWay {
                purpose: id.clone(),
                method: asked.collection_method.as_str(),
            });
        }
        if purpose.necessary && !decision.allows_processing() {
            return Err(IngestError::NecessaryRefused(id.clone()));
        }
        if decision.allows_processing() && current.purpose(id).is_none() {
            return Err(IngestError::PurposeRetired {
                purpose: id.clone(),
                current: current.version,
            });
        }
    }
    Ok(())
}

/// Whether `method` is a way a site's page asks, the only ones `ingest` (the public, browser-facing
/// submission) takes; see `IngestError::MethodNotFromPages`.
fn asked_on_a_page(method: CollectionMethod) -> bool {
    matches!(
        method,
        CollectionMethod::Banner | CollectionMethod::Settings | CollectionMethod::Form
    )
}

/// Whether `decision` on `purpose` can have been collected by `method`. A receipt states how
/// consent was asked, so it must not claim a banner toggle the banner never showed, nor a form
/// box for a purpose no form asks. The settings also withdraw what a form gave (withdrawal as
/// easy as giving, Art 7(3)), but never grant it: granting needs the form's box and address.
/// The preference centre, double opt-in, unsubscribe links, imports and the API may decide any
/// purpose.
fn asked_this_way(purpose: &Purpose, method: CollectionMethod, decision: Decision) -> bool {
    match method {
        CollectionMethod::Banner => purpose.asked_in == AskedIn::Banner,
        CollectionMethod::Settings => {
            purpose.asked_in == AskedIn::Banner || decision == Decision::Withdrawn
        }
        CollectionMethod::Form => purpose.asked_in == AskedIn::Form,
        _ => true,
    }
}
