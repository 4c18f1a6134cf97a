//! Contacts: the people behind the pseudonymous subjects, for the marketer and the DPO (DESIGN.md
//! §5). A contact is known by identifiers (an e-mail address, found through the vault's blind
//! index; a phone number; a Salesforce id), has a stable person id, a compliance card, a sealed
//! profile, and a consent state per site and purpose: the latest decision among all its
//! subjects' receipts, kept by the append path. Every privileged read and write is audited here,
//! whichever door (HTTP or CLI) it came through.

pub mod card;
pub mod export;
pub mod identifiers;
pub mod import;
pub mod masking;
pub mod profile;
pub mod selection;
pub mod subscriptions;
pub mod vault;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use self::card::{Card, CardError};
use self::identifiers::{ContactIdentifier, IdentifierError, IdentifierKind};
use self::profile::{Profile, ProfileError};
use self::vault::ContactVault;
use crate::domain::access::Access;
use crate::domain::vault::{SubjectVault, VaultError};
use crate::store::contacts::{
    ContactHistoryEntry, ContactWrite, SelectedContact, Selection, StoredContact,
    StoredContactState,
};
use crate::store::{Store, StoreError};
use crate::time::now_unix;

/// Why a contact operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContactError {
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// A vault does not open.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The card breaks a rule.
    #[error("compliance card: {0}")]
    Card(#[from] CardError),
    /// An identifier is not one.
    #[error(transparent)]
    Identifier(#[from] IdentifierError),
    /// A profile value cannot be kept.
    #[error("profile: {0}")]
    Profile(#[from] ProfileError),
    /// No contact has this person id.
    #[error("no contact has person id {0}")]
    NotFound(String),
    /// Another contact has this identifier.
    #[error("another contact has this {0} already")]
    IdentifierTaken(String),
    /// A bulk update refused as a whole: the per-contact results say why.
    #[error("{refused} of {total} contacts cannot take this change; none was changed")]
    BulkRefused {
        /// How many were refused.
        refused: usize,
        /// How many were asked.
        total: usize,
        /// Every contact's result.
        results: Vec<BulkResult>,
    },
    /// A reveal needs a reason, for the audit log.
    #[error("a reason is required to reveal a contact's values")]
    ReasonRequired,
    /// The person was erased at their request; only their own opt-in brings them back.
    #[error(
        "this {0} belongs to a person erased at their request; only their own opt-in brings them back"
    )]
    Suppressed(String),
    /// The contact is restricted (Art 18): its card and profile are frozen until the DPO lifts
    /// the restriction.
    #[error("the contact is restricted: its card and profile cannot be changed")]
    Restricted(String),
}

impl From<StoreError> for ContactError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownContact(id) => ContactError::NotFound(id),
            StoreError::IdentifierTaken(kind) => ContactError::IdentifierTaken(kind),
            other => ContactError::Store(other),
        }
    }
}

/// Whether values are shown in clear or masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// `a***@e*****.se`.
    Masked,
    /// As held.
    Clear,
}

/// A contact's identifiers as shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShownIdentifiers {
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Salesforce id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salesforce_id: Option<String>,
}

/// A contact's decision on one site's purpose, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    /// Site.
    pub site: String,
    /// Purpose.
    pub purpose: String,
    /// `granted`, `expired`, `denied`, `withdrawn`.
    pub state: String,
    /// When the decision took effect (Unix seconds).
    pub decided_at: i64,
    /// When it expires (Unix seconds), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The receipt that recorded it.
    pub receipt_sequence: i64,
}

/// A contact as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    /// Person id.
    pub person_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// Whether the values below are masked.
    pub masked: bool,
    /// Identifiers.
    pub identifiers: ShownIdentifiers,
    /// Profile.
    pub profile: Profile,
    /// The compliance card.
    pub card: Card,
    /// Decisions: every site and purpose for one contact; the selection's purpose in a list.
    pub consents: Vec<ConsentView>,
}

/// A page of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactPage {
    /// The contacts.
    pub contacts: Vec<ContactView>,
    /// The cursor of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// What a new or updated contact carries. Absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactInput {
    /// Identifiers to set.
    #[serde(default)]
    pub identifiers: ShownIdentifiers,
    /// Profile fields to set.
    #[serde(default)]
    pub profile: Profile,
    /// The card, replacing the old one when given.
    #[serde(default)]
    pub card: Option<Card>,
}

/// A bulk change of cards: a new basis (with its date, purpose or text) and/or a new source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardChange {
    /// The new basis and its companions; the card's other basis fields are cleared.
    #[serde(default)]
    pub basis: Option<BasisChange>,
    /// The new source and its text.
    #[serde(default)]
    pub source: Option<SourceChange>,
}

/// The basis part of a [`CardChange`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BasisChange {
    /// The basis.
    pub basis: card::Basis,
    /// With `other`.
    #[serde(default)]
    pub basis_other: Option<String>,
    /// With consent.
    #[serde(default)]
    pub consent_date: Option<String>,
    /// With consent.
    #[serde(default)]
    pub consent_purpose: Option<String>,
}

/// The source part of a [`CardChange`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceChange {
    /// The source.
    pub source: card::Source,
    /// With `other`.
    #[serde(default)]
    pub source_other: Option<String>,
}

/// One contact's result in a bulk update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkResult {
    /// Person id.
    pub person_id: String,
    /// `updated`, `unchanged`, `refused` (with `field` and `reason`) or `not-found`.
    pub result: &'static str,
    /// The card field that refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// Contacts for the marketer and the DPO.
#[derive(Debug, Clone)]
pub struct ContactService {
    store: Arc<dyn Store>,
    vault: ContactVault,
    subjects: SubjectVault,
    access: Access,
}

/// The most contacts a bulk update takes in one call.
pub const MAX_BULK: usize = 10_000;

impl ContactService {
    /// Contacts over this store and these vaults, auditing through `access`.
    pub fn new(
        store: Arc<dyn Store>,
        vault: ContactVault,
        subjects: SubjectVault,
        access: Access,
    ) -> Self {
        Self {
            store,
            vault,
            subjects,
            access,
        }
    }

    /// The contact vault, for the append path.
    pub fn vault(&self) -> &ContactVault {
        &self.vault
    }

    /// Makes a contact of every e-mail address in a subject's vault that no contact has yet:
    /// those opted in before contacts existed (run at start; idempotent, and safe with other
    /// collectors doing the same). Returns how many contacts it made.
    pub async fn adopt_identifiers(&self) -> Result<usize, ContactError> {
        let mut made = 0;
        loop {
            let unadopted = self.store.unadopted_identifiers(200).await?;
            if unadopted.is_empty() {
                return Ok(made);
            }
            let mut progressed = false;
            for found in unadopted {
                let opened = self.subjects.identifiers(&found.subject).await?;
                let Some(identifier) = opened
                    .into_iter()
                    .filter_map(|i| {
                        IdentifierKind::parse(&i.kind)
                            .map(|kind| ContactIdentifier::from_vault(kind, i.value))
                    })
                    .find(|identifier| self.vault.lookup(identifier) == found.lookup)
                else {
                    continue;
                };
                let (vault, key) = self.vault.create()?;
                let person_id = vault.person_id().to_owned();
                let card = crate::store::contacts::StoredCard {
                    source: Some("form".into()),
                    ..Default::default()
                };
                let mut changes = vec![
                    ContactWrite::Create {
                        person_id: person_id.clone(),
                        key,
                        card,
                        at: found.first_seen,
                        profile: None,
                    },
                    ContactWrite::SetIdentifier {
                        person_id: person_id.clone(),
                        identifier: self.vault.seal_identifier(&vault, &identifier)?,
                    },
                    history(
                        &person_id,
                        "form",
                        "created",
                        serde_json::json!({"source": "form"}),
                    ),
                ];
                for subject in self.store.subjects_with_lookup(&found.lookup).await? {
                    changes.push(ContactWrite::Link {
                        person_id: person_id.clone(),
                        subject,
                    });
                }
                match self.store.write_contacts(&changes).await {
                    Ok(()) => {
                        made += 1;
                        progressed = true;
                    }
                    // Another collector adopted it first.
                    Err(StoreError::IdentifierTaken(_)) => progressed = true,
                    Err(error) => return Err(error.into()),
                }
            }
            if !progressed {
                return Ok(made);
            }
        }
    }

    /// A page of a selection, audited as a query.
    pub async fn select(
        &self,
        actor: &str,
        selection: &Selection,
        after: Option<&str>,
        limit: u32,
        visibility: Visibility,
    ) -> Result<ContactPage, ContactError> {
        let found = self.store.select_contacts(selection, after, limit).await?;
        let next = (found.len() == limit as usize)
            .then(|| found.last().map(|c| c.contact.person_id.clone()))
            .flatten();
        let contacts = found
            .iter()
            .map(|selected| {
                self.selected_view(
                    selected,
                    selection.now,
                    visibility,
                    selection.state == crate::store::contacts::SelectionState::Held,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.audit(
            actor,
            "contacts.query",
            serde_json::json!({
                "site": selection.site, "purpose": selection.purpose,
                "state": selection.state.as_str(), "contacts": contacts.len(),
                "clear": visibility == Visibility::Clear,
            }),
        )
        .await?;
        Ok(ContactPage { contacts, next })
    }

    /// One selected contact as shown; `held` when the selection was of held contacts.
    pub fn selected_view(
        &self,
        selected: &SelectedContact,
        now: i64,
        visibility: Visibility,
        held: bool,
    ) -> Result<ContactView, ContactError> {
        self.view_of(
            &selected.contact,
            std::slice::from_ref(&selected.state),
            now,
            visibility,
            &|_| held,
        )
    }

    /// Writes an audit entry.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), ContactError> {
        self.access.record(actor, action, detail).await?;
        Ok(())
    }

    /// How many contacts a selection holds.
    pub async fn count(&self, actor: &str, selection: &Selection) -> Result<i64, ContactError> {
        let count = self.store.count_contacts(selection).await?;
        self.audit(
            actor,
            "contacts.count",
            serde_json::json!({"site": selection.site, "purpose": selection.purpose,
                "state": selection.state.as_str(), "count": count}),
        )
        .await?;
        Ok(count)
    }

    /// A contact, masked (marketers, and the DPO until a reveal).
    pub async fn get(&self, actor: &str, person_id: &str) -> Result<ContactView, ContactError> {
        let view = self.load(person_id, Visibility::Masked).await?;
        self.audit(
            actor,
            "contact.read",
            serde_json::json!({"personId": person_id}),
        )
        .await?;
        Ok(view)
    }

    /// A contact in clear, for a stated reason that the audit log keeps.
    pub async fn reveal(
        &self,
        actor: &str,
        person_id: &str,
        reason: &str,
    ) -> Result<ContactView, ContactError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ContactError::ReasonRequired);
        }
        let view = self.load(person_id, Visibility::Clear).await?;
        self.audit(
            actor,
            "contact.reveal",
            serde_json::json!({"personId": person_id, "reason": reason}),
        )
        .await?;
        Ok(view)
    }

    async fn load(
        &self,
        person_id: &str,
        visibility: Visibility,
    ) -> Result<ContactView, ContactError> {
        let contact = self
            .store
            .contact(person_id)
            .await?
            .ok_or_else(|| ContactError::NotFound(person_id.to_owned()))?;
        let states = self.store.contact_states(person_id).await?;
        let holds = self.store.holds(person_id).await?;
        self.view_of(&contact, &states, now_unix(), visibility, &|s| {
            holds_cover(&holds, s)
        })
    }

    /// The contact's values opened: identifiers and profile.
    pub fn open(
        &self,
        contact: &StoredContact,
    ) -> Result<(Vec<ContactIdentifier>, Profile), ContactError> {
        if contact.identifiers.is_empty() && contact.profile.is_none() {
            // Nothing sealed: no key to unwrap.
            return Ok((Vec::new(), Profile::default()));
        }
        let vault = self.vault.open(&contact.person_id, &contact.key)?;
        let identifiers = self.vault.identifiers(&vault, contact)?;
        let profile = self.vault.profile(&vault, contact)?;
        Ok((identifiers, profile))
    }

    fn view_of(
        &self,
        contact: &StoredContact,
        states: &[StoredContactState],
        now: i64,
        visibility: Visibility,
        held: &dyn Fn(&StoredContactState) -> bool,
    ) -> Result<ContactView, ContactError> {
        let (identifiers, profile) = self.open(contact)?;
        let shown = shown_identifiers(&identifiers, visibility);
        let profile = match visibility {
            Visibility::Clear => profile,
            Visibility::Masked => masked_profile(&profile),
        };
        Ok(ContactView {
            person_id: contact.person_id.clone(),
            created_at: contact.created_at,
            updated_at: contact.updated_at,
            masked: visibility == Visibility::Masked,
            identifiers: shown,
            profile,
            card: Card::from_stored(&contact.card),
            consents: states
                .iter()
                .map(|s| consent_view(s, now, held(s)))
                .collect(),
        })
    }

    /// A contact's history.
    pub async fn history(
        &self,
        actor: &str,
        person_id: &str,
    ) -> Result<Vec<ContactHistoryEntry>, ContactError> {
        if self.store.contact(person_id).await?.is_none() {
            return Err(ContactError::NotFound(person_id.to_owned()));
        }
        let history = self.store.contact_history(person_id).await?;
        self.audit(
            actor,
            "contact.history",
            serde_json::json!({"personId": person_id}),
        )
        .await?;
        Ok(history)
    }

    /// Makes a contact from manual entry or the API. Its card is checked; an identifier another
    /// contact has is refused.
    pub async fn create(
        &self,
        actor: &str,
        input: ContactInput,
    ) -> Result<ContactView, ContactError> {
        let card = input.card.unwrap_or_default().checked(today())?;
        let identifiers = parse_identifiers(&input.identifiers)?;
        self.refuse_suppressed(&identifiers).await?;
        let profile = input.profile.normalised()?;
        let (vault, key) = self.vault.create()?;
        let person_id = vault.person_id().to_owned();
        let now = now_unix();
        let sealed_profile = (profile != Profile::default())
            .then(|| self.vault.seal_profile(&vault, &profile))
            .transpose()?;
        let mut changes = vec![ContactWrite::Create {
            person_id: person_id.clone(),
            key,
            card: card.to_stored(),
            at: now,
            profile: sealed_profile,
        }];
        for identifier in &identifiers {
            changes.push(ContactWrite::SetIdentifier {
                person_id: person_id.clone(),
                identifier: self.vault.seal_identifier(&vault, identifier)?,
            });
            if identifier.kind() == IdentifierKind::Email {
                for subject in self
                    .store
                    .subjects_with_lookup(&self.vault.lookup(identifier))
                    .await?
                {
                    changes.push(ContactWrite::Link {
                        person_id: person_id.clone(),
                        subject,
                    });
                }
            }
        }
        changes.push(history(
            &person_id,
            actor,
            "created",
            serde_json::json!({
                "card": card,
                "identifiers": identifiers.iter().map(|i| i.kind().as_str()).collect::<Vec<_>>(),
                "profileFields": Profile::default().changed_fields(&profile),
            }),
        ));
        self.store.write_contacts(&changes).await?;
        self.audit(
            actor,
            "contact.create",
            serde_json::json!({"personId": person_id}),
        )
        .await?;
        self.load(&person_id, Visibility::Masked).await
    }

    /// Changes a contact's identifiers, profile fields and/or card. Absent fields stay.
    pub async fn update(
        &self,
        actor: &str,
        person_id: &str,
        input: ContactInput,
    ) -> Result<ContactView, ContactError> {
        self.refuse_if_restricted(person_id).await?;
        self.change(actor, person_id, input, None).await
    }

    /// Corrects a contact's identifiers and profile fields for a rectification request (Art
    /// 16): the old values are overwritten, not kept, and the history names the fields and the
    /// request, never a value. It is the request's own action, so a restriction (often asked
    /// for while the accuracy is contested, Art 18(1)(a)) does not stop it. The card is the
    /// controller's record of the legal basis, not the person's data: it is not rectified here.
    pub async fn rectify(
        &self,
        actor: &str,
        person_id: &str,
        identifiers: ShownIdentifiers,
        profile: Profile,
        request_id: &str,
    ) -> Result<ContactView, ContactError> {
        let corrections = ContactInput {
            identifiers,
            profile,
            card: None,
        };
        self.change(actor, person_id, corrections, Some(request_id))
            .await
    }

    async fn change(
        &self,
        actor: &str,
        person_id: &str,
        input: ContactInput,
        rectification: Option<&str>,
    ) -> Result<ContactView, ContactError> {
        let contact = self
            .store
            .contact(person_id)
            .await?
            .ok_or_else(|| ContactError::NotFound(person_id.to_owned()))?;
        let card = input.card.map(|card| card.checked(today())).transpose()?;
        let identifiers = parse_identifiers(&input.identifiers)?;
        self.refuse_suppressed(&identifiers).await?;
        let patch = input.profile.normalised()?;
        let vault = self.vault.open(person_id, &contact.key)?;
        let old_profile = self.vault.profile(&vault, &contact)?;
        let new_profile = old_profile.clone().merged(patch);
        let mut changes = vec![ContactWrite::Touch {
            person_id: person_id.to_owned(),
            at: now_unix(),
        }];
        let old_card = Card::from_stored(&contact.card);
        if let Some(card) = &card
            && *card != old_card
        {
            changes.push(ContactWrite::SetCard {
                person_id: person_id.to_owned(),
                card: card.to_stored(),
            });
            changes.push(history(
                person_id,
                actor,
                "card.update",
                serde_json::json!({"from": old_card, "to": card}),
            ));
        }
        for identifier in &identifiers {
            changes.push(ContactWrite::SetIdentifier {
                person_id: person_id.to_owned(),
                identifier: self.vault.seal_identifier(&vault, identifier)?,
            });
        }
        let changed = old_profile.changed_fields(&new_profile);
        if !changed.is_empty() {
            changes.push(ContactWrite::SetProfile {
                person_id: person_id.to_owned(),
                profile: self.vault.seal_profile(&vault, &new_profile)?,
            });
        }
        if !changed.is_empty() || !identifiers.is_empty() {
            let mut detail = serde_json::json!({
                "profileFields": changed,
                "identifiers": identifiers.iter().map(|i| i.kind().as_str()).collect::<Vec<_>>(),
            });
            if let Some(request) = rectification {
                detail["request"] = request.into();
            }
            let action = match rectification {
                Some(_) => "profile.rectify",
                None => "profile.update",
            };
            changes.push(history(person_id, actor, action, detail));
        }
        self.store.write_contacts(&changes).await?;
        self.audit(
            actor,
            "contact.update",
            serde_json::json!({"personId": person_id, "card": card.is_some(),
                "profileFields": changed.len(), "identifiers": identifiers.len()}),
        )
        .await?;
        self.load(person_id, Visibility::Masked).await
    }

    /// Applies one card change to many contacts, all or nothing, with one audit entry.
    pub async fn bulk_update_cards(
        &self,
        actor: &str,
        person_ids: &[String],
        change: &CardChange,
    ) -> Result<Vec<BulkResult>, ContactError> {
        let mut ids: Vec<String> = person_ids.to_vec();
        ids.sort();
        ids.dedup();
        let found: BTreeMap<String, StoredContact> = self
            .store
            .contacts(&ids)
            .await?
            .into_iter()
            .map(|c| (c.person_id.clone(), c))
            .collect();
        let today = today();
        let now = now_unix();
        let mut results = Vec::with_capacity(ids.len());
        let mut changes = Vec::new();
        for id in &ids {
            let Some(contact) = found.get(id) else {
                results.push(BulkResult {
                    person_id: id.clone(),
                    result: "not-found",
                    field: None,
                    reason: None,
                });
                continue;
            };
            if self.refuse_if_restricted(id).await.is_err() {
                results.push(BulkResult {
                    person_id: id.clone(),
                    result: "refused",
                    field: Some("personId"),
                    reason: Some("the contact is restricted (Art 18)"),
                });
                continue;
            }
            let old = Card::from_stored(&contact.card);
            let new = change.applied_to(&old);
            match new.checked(today) {
                Err(error) => results.push(BulkResult {
                    person_id: id.clone(),
                    result: "refused",
                    field: Some(error.field),
                    reason: Some(error.reason),
                }),
                Ok(new) if new == old => results.push(BulkResult {
                    person_id: id.clone(),
                    result: "unchanged",
                    field: None,
                    reason: None,
                }),
                Ok(new) => {
                    changes.push(ContactWrite::Touch {
                        person_id: id.clone(),
                        at: now,
                    });
                    changes.push(ContactWrite::SetCard {
                        person_id: id.clone(),
                        card: new.to_stored(),
                    });
                    changes.push(history(
                        id,
                        actor,
                        "card.update",
                        serde_json::json!({"from": old, "to": new, "bulk": true}),
                    ));
                    results.push(BulkResult {
                        person_id: id.clone(),
                        result: "updated",
                        field: None,
                        reason: None,
                    });
                }
            }
        }
        let refused = results
            .iter()
            .filter(|r| r.result == "refused" || r.result == "not-found")
            .count();
        if refused > 0 {
            return Err(ContactError::BulkRefused {
                refused,
                total: results.len(),
                results,
            });
        }
        self.store.write_contacts(&changes).await?;
        let updated = results.iter().filter(|r| r.result == "updated").count();
        self.audit(
            actor,
            "contacts.bulk-update",
            serde_json::json!({"contacts": results.len(), "updated": updated,
                "basis": change.basis.as_ref().map(|b| b.basis),
                "source": change.source.as_ref().map(|s| s.source)}),
        )
        .await?;
        Ok(results)
    }

    /// Every person id in a selection (for a bulk update by selection), at most `limit`.
    pub async fn selection_ids(
        &self,
        selection: &Selection,
        limit: usize,
    ) -> Result<Vec<String>, ContactError> {
        let mut ids = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .select_contacts(selection, after.as_deref(), 1000)
                .await?;
            let last = page.last().map(|c| c.contact.person_id.clone());
            ids.extend(page.into_iter().map(|c| c.contact.person_id));
            if ids.len() > limit || last.is_none() {
                return Ok(ids);
            }
            after = last;
        }
    }

    /// Deletes a contact (DPO): identifiers, profile, key, card and history go, and the vaults of
    /// its subjects; the receipts stay, verifying, naming no one. The audit entry holds counts.
    pub async fn delete(&self, actor: &str, person_id: &str) -> Result<(), ContactError> {
        let deleted = self
            .store
            .delete_contact(person_id)
            .await?
            .ok_or_else(|| ContactError::NotFound(person_id.to_owned()))?;
        // The person id itself goes in the log: it is random, and with the contact gone it
        // leads nowhere, while the DPO can still show that a deletion they were asked for
        // happened.
        self.audit(
            actor,
            "contact.delete",
            serde_json::json!({"personId": person_id, "subjects": deleted.subjects,
                "receiptsKept": deleted.receipts}),
        )
        .await?;
        tracing::info!(
            subjects = deleted.subjects,
            receipts = deleted.receipts,
            "contact deleted"
        );
        Ok(())
    }

    /// Refuses identifiers of a person erased at their request (on the suppression list): only
    /// their own opt-in brings them back.
    async fn refuse_suppressed(
        &self,
        identifiers: &[ContactIdentifier],
    ) -> Result<(), ContactError> {
        let lookups: Vec<String> = identifiers.iter().map(|i| self.vault.lookup(i)).collect();
        let suppressed = self.store.suppressed(&lookups).await?;
        match identifiers
            .iter()
            .find(|i| suppressed.contains(&self.vault.lookup(i)))
        {
            Some(identifier) => Err(ContactError::Suppressed(
                identifier.kind().as_str().to_owned(),
            )),
            None => Ok(()),
        }
    }

    /// Refuses a change to a restricted contact (a hold `restricted` on every site).
    async fn refuse_if_restricted(&self, person_id: &str) -> Result<(), ContactError> {
        let holds = self.store.holds(person_id).await?;
        match holds
            .iter()
            .any(|h| h.reason == "restricted" && h.site.is_none())
        {
            true => Err(ContactError::Restricted(person_id.to_owned())),
            false => Ok(()),
        }
    }

    /// The store, for exports.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

impl CardChange {
    /// The card after this change.
    pub fn applied_to(&self, card: &Card) -> Card {
        let mut new = card.clone();
        if let Some(basis) = &self.basis {
            new.basis = Some(basis.basis);
            new.basis_other = basis.basis_other.clone();
            new.consent_date = basis.consent_date.clone();
            new.consent_purpose = basis.consent_purpose.clone();
        }
        if let Some(source) = &self.source {
            new.source = Some(source.source);
            new.source_other = source.source_other.clone();
        }
        new
    }
}

fn history(person_id: &str, actor: &str, action: &str, detail: serde_json::Value) -> ContactWrite {
    ContactWrite::History {
        person_id: person_id.to_owned(),
        entry: ContactHistoryEntry {
            at: now_unix(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.to_string(),
        },
    }
}

/// Today, UTC.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn parse_identifiers(shown: &ShownIdentifiers) -> Result<Vec<ContactIdentifier>, ContactError> {
    let mut parsed = Vec::new();
    for (kind, value) in [
        (IdentifierKind::Email, &shown.email),
        (IdentifierKind::Phone, &shown.phone),
        (IdentifierKind::Salesforce, &shown.salesforce_id),
    ] {
        if let Some(value) = value {
            parsed.push(ContactIdentifier::parse(kind, value)?);
        }
    }
    Ok(parsed)
}

/// Identifiers as shown, masked or not.
pub fn shown_identifiers(
    identifiers: &[ContactIdentifier],
    visibility: Visibility,
) -> ShownIdentifiers {
    let mut shown = ShownIdentifiers::default();
    for identifier in identifiers {
        let value = match visibility {
            Visibility::Clear => identifier.value().to_owned(),
            Visibility::Masked => masking::identifier(identifier),
        };
        match identifier.kind() {
            IdentifierKind::Email => shown.email = Some(value),
            IdentifierKind::Phone => shown.phone = Some(value),
            IdentifierKind::Salesforce => shown.salesforce_id = Some(value),
        }
    }
    shown
}

/// A profile with every value masked.
pub fn masked_profile(profile: &Profile) -> Profile {
    let mask = |value: &Option<String>| value.as_deref().map(masking::text);
    Profile {
        first_name: mask(&profile.first_name),
        last_name: mask(&profile.last_name),
        company: mask(&profile.company),
        title: mask(&profile.title),
        website: mask(&profile.website),
        linkedin: mask(&profile.linkedin),
        twitter: mask(&profile.twitter),
        facebook: mask(&profile.facebook),
        other: mask(&profile.other),
    }
}

/// A stored decision as shown: a grant past its expiry shows as `expired`.
/// Whether one of a contact's holds covers this site and purpose.
pub fn holds_cover(holds: &[crate::store::mail::StoredHold], state: &StoredContactState) -> bool {
    holds.iter().any(|h| {
        h.site.as_deref().is_none_or(|site| site == state.site)
            && h.purpose
                .as_deref()
                .is_none_or(|purpose| purpose == state.purpose)
    })
}

/// `held`: a hold (restriction, objection, a confirmation still to come, inactivity) keeps the
/// contact out of processing for this site and purpose, so that a grant is not shown as one
/// that may be acted on.
pub fn consent_view(state: &StoredContactState, now: i64, held: bool) -> ConsentView {
    let granted = state.decision == "granted";
    let expired = granted && state.expires_at.is_some_and(|at| at <= now);
    ConsentView {
        site: state.site.clone(),
        purpose: state.purpose.clone(),
        state: if expired {
            "expired".to_owned()
        } else if granted && held {
            "held".to_owned()
        } else {
            state.decision.clone()
        },
        decided_at: state.decided_at,
        expires_at: state.expires_at,
        receipt_sequence: state.receipt_sequence,
    }
}
