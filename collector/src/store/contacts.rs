//! Contacts in the store: the people behind the subjects, their compliance cards, sealed
//! identifiers and profiles, their consent state per site and purpose, and the one selection the
//! marketer's question, the counts and the exports read. The SQL is the same on both backends
//! (`contacts_sql.rs`).

use async_trait::async_trait;

use super::{StoreError, StoredVaultKey};

/// Which state of a contact's decision a selection asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionState {
    /// May be processed now: granted, not expired, and no hold (restriction, objection, pending
    /// confirmation) on the site and purpose. What "who may I contact for P" means.
    Granted,
    /// Granted once, but the grant outlived the policy's validity.
    Expired,
    /// Granted and not expired, but held back (`contact_holds`).
    Held,
    /// Refused.
    Denied,
    /// Withdrawn.
    Withdrawn,
}

impl SelectionState {
    /// Every state, in the order counts list them.
    pub const ALL: [SelectionState; 5] = [
        SelectionState::Granted,
        SelectionState::Expired,
        SelectionState::Held,
        SelectionState::Denied,
        SelectionState::Withdrawn,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SelectionState::Granted => "granted",
            SelectionState::Expired => "expired",
            SelectionState::Held => "held",
            SelectionState::Denied => "denied",
            SelectionState::Withdrawn => "withdrawn",
        }
    }

    /// The state a wire name names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// A selection of contacts: one site and purpose, one state, optionally one basis or source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The site.
    pub site: String,
    /// The purpose.
    pub purpose: String,
    /// The state asked for.
    pub state: SelectionState,
    /// Only contacts whose card has this basis.
    pub basis: Option<String>,
    /// Only contacts whose card has this source.
    pub source: Option<String>,
    /// Only the contact with an identifier of this blind index.
    pub lookup: Option<String>,
    /// "Now", for expiry.
    pub now: i64,
}

/// A compliance card as stored (wire names; `domain::contacts::card` checks them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredCard {
    /// Lawful basis.
    pub basis: Option<String>,
    /// The basis's text when it is `other`.
    pub basis_other: Option<String>,
    /// `YYYY-MM-DD`, with consent.
    pub consent_date: Option<String>,
    /// The purpose of processing, with consent.
    pub consent_purpose: Option<String>,
    /// Where the data came from.
    pub source: Option<String>,
    /// The source's text when it is `other`.
    pub source_other: Option<String>,
}

/// One of a contact's identifiers, sealed under the contact's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContactIdentifier {
    /// `email`, `phone` or `salesforce`.
    pub kind: String,
    /// Blind index.
    pub lookup: String,
    /// `nonce || ciphertext` under the contact's key.
    pub sealed: Vec<u8>,
}

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContact {
    /// Person id.
    pub person_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// The compliance card.
    pub card: StoredCard,
    /// The contact's wrapped vault key.
    pub key: StoredVaultKey,
    /// The sealed profile, if any.
    pub profile: Option<Vec<u8>>,
    /// Sealed identifiers, at most one per kind.
    pub identifiers: Vec<StoredContactIdentifier>,
}

/// A contact's decision on a site's purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContactState {
    /// Site.
    pub site: String,
    /// Purpose.
    pub purpose: String,
    /// `granted`, `denied` or `withdrawn`.
    pub decision: String,
    /// When it took effect.
    pub decided_at: i64,
    /// When it expires, if ever.
    pub expires_at: Option<i64>,
    /// The receipt that made it.
    pub receipt_sequence: i64,
}

/// A contact in a selection, with its decision on the selection's purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedContact {
    /// The contact.
    pub contact: StoredContact,
    /// Its decision.
    pub state: StoredContactState,
}

/// One entry of a contact's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactHistoryEntry {
    /// Unix seconds.
    pub at: i64,
    /// Who: `key:<id>`, `cli`, `form`, `widget`.
    pub actor: String,
    /// What, e.g. `created`, `card.update`.
    pub action: String,
    /// JSON: card values, field names, counts; never an identifier or profile value.
    pub detail: String,
}

/// A receipt of one of a contact's subjects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactReceipt {
    /// Log sequence number.
    pub sequence: i64,
    /// Site.
    pub site: String,
    /// The policy version it cites.
    pub policy_version: i64,
    /// The countersigned JWT.
    pub receipt: String,
}

/// Counts of a site's contacts per purpose and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    /// Purpose.
    pub purpose: String,
    /// State (wire name of [`SelectionState`]).
    pub state: String,
    /// How many contacts.
    pub count: i64,
}

/// Decisions recorded on one day for one purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    /// Purpose.
    pub purpose: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// Grants.
    pub granted: i64,
    /// Refusals.
    pub denied: i64,
    /// Withdrawals.
    pub withdrawn: i64,
}

/// An identifier in a subject's vault that no contact has yet (opted in before contacts
/// existed), with what opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnadoptedIdentifier {
    /// The subject whose vault holds it.
    pub subject: String,
    /// The subject's wrapped vault key.
    pub key: StoredVaultKey,
    /// `email`.
    pub kind: String,
    /// Blind index.
    pub lookup: String,
    /// Sealed under the subject's key.
    pub sealed: Vec<u8>,
    /// When the receipt that first cited it was issued.
    pub first_seen: i64,
}

/// One change to contacts; a list of them is written in one transaction, all or nothing,
/// grouped by kind: made, touched, card and profile, identifiers, links, history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactWrite {
    /// A new contact.
    Create {
        /// Person id.
        person_id: String,
        /// Its wrapped vault key.
        key: StoredVaultKey,
        /// Its card.
        card: StoredCard,
        /// Unix seconds.
        at: i64,
        /// Its sealed profile, if it has one.
        profile: Option<Vec<u8>>,
    },
    /// Sets (replaces) the contact's identifier of this kind. Fails with
    /// [`StoreError::IdentifierTaken`] when another contact has it.
    SetIdentifier {
        /// Person id.
        person_id: String,
        /// The identifier.
        identifier: StoredContactIdentifier,
    },
    /// Sets the sealed profile.
    SetProfile {
        /// Person id.
        person_id: String,
        /// Sealed profile JSON.
        profile: Vec<u8>,
    },
    /// Replaces the card.
    SetCard {
        /// Person id.
        person_id: String,
        /// The card.
        card: StoredCard,
    },
    /// Marks the contact changed. Fails with [`StoreError::UnknownContact`] when it does not
    /// exist, so every update of a contact that is gone fails as a whole.
    Touch {
        /// Person id.
        person_id: String,
        /// Unix seconds.
        at: i64,
    },
    /// Links a subject to the contact, and brings the contact's state up to date with it.
    Link {
        /// Person id.
        person_id: String,
        /// The subject.
        subject: String,
    },
    /// A history entry.
    History {
        /// Person id.
        person_id: String,
        /// The entry.
        entry: ContactHistoryEntry,
    },
}

/// What deleting a contact destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletedContact {
    /// Subject vaults shredded with it.
    pub subjects: u64,
    /// Receipts that stay, now naming no one.
    pub receipts: u64,
}

/// An import's progress and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    /// Random UUID.
    pub id: String,
    /// Site.
    pub site: String,
    /// `key:<id>` or `cli`.
    pub operator: String,
    /// Hex SHA-256 of the file.
    pub file_sha256: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Valid rows to import.
    pub rows_total: i64,
    /// Rows imported so far.
    pub rows_done: i64,
    /// Contacts made.
    pub created: i64,
    /// Contacts changed.
    pub updated: i64,
    /// Receipts issued.
    pub receipts: i64,
    /// Invalid rows left out.
    pub skipped: i64,
    /// JSON: the row errors (lines, fields, reasons).
    pub errors: String,
    /// Why a failed import stopped.
    pub failure: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    /// Unix seconds.
    pub finished_at: Option<i64>,
}

/// A whole selection read in one pass, in batches of contacts with their identifiers, in
/// person-id order; ends with the first error.
pub type ContactBatches =
    futures_util::stream::BoxStream<'static, Result<Vec<StoredContact>, StoreError>>;

/// Contacts per batch of [`ContactBatches`].
pub const STREAM_BATCH: usize = 500;

/// Contacts in the store.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Every contact of a selection, with its sealed identifiers, read by one statement on one
    /// connection (so from one snapshot) while the caller works on the batches before: what a
    /// streamed CSV export reads, and only that: the card and the identifiers' blind indexes
    /// are left empty (no CSV column holds them). At most two batches wait for the caller: the stream's memory
    /// stays flat however large the selection.
    fn stream_contacts(&self, selection: &Selection) -> ContactBatches;

    /// Up to `limit` contacts of a selection with a person id after `after`, in person-id order
    /// (the cursor of the next page is the last one's id).
    async fn select_contacts(
        &self,
        selection: &Selection,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<SelectedContact>, StoreError>;

    /// How many contacts a selection holds.
    async fn count_contacts(&self, selection: &Selection) -> Result<i64, StoreError>;

    /// A site's contacts counted per purpose and state.
    async fn state_counts(&self, site: &str, now: i64) -> Result<Vec<StateCount>, StoreError>;

    /// A site's decisions per purpose and day, `from` to `to` inclusive (`YYYY-MM-DD`).
    async fn daily_counts(
        &self,
        site: &str,
        from: &str,
        to: &str,
    ) -> Result<Vec<DailyCount>, StoreError>;

    /// A contact by person id.
    async fn contact(&self, person_id: &str) -> Result<Option<StoredContact>, StoreError>;

    /// The person id of the contact with this identifier (by blind index).
    async fn contact_by_lookup(&self, lookup: &str) -> Result<Option<String>, StoreError>;

    /// The contacts with these ids that exist (for bulk operations).
    async fn contacts(&self, person_ids: &[String]) -> Result<Vec<StoredContact>, StoreError>;

    /// A contact's decisions, per site and purpose.
    async fn contact_states(&self, person_id: &str) -> Result<Vec<StoredContactState>, StoreError>;

    /// A contact's history, oldest first.
    async fn contact_history(
        &self,
        person_id: &str,
    ) -> Result<Vec<ContactHistoryEntry>, StoreError>;

    /// Every receipt of a contact's subjects, in log order.
    async fn contact_receipts(&self, person_id: &str) -> Result<Vec<ContactReceipt>, StoreError>;

    /// Writes `changes` in one transaction, all or nothing.
    async fn write_contacts(&self, changes: &[ContactWrite]) -> Result<(), StoreError>;

    /// Deletes a contact: its identifiers, profile, key, card, history, links and state, and the
    /// vaults of the subjects linked to it. The receipts stay. `None` when there is no such
    /// contact.
    async fn delete_contact(&self, person_id: &str) -> Result<Option<DeletedContact>, StoreError>;

    /// Up to `limit` identifiers in subjects' vaults that no contact has yet.
    async fn unadopted_identifiers(
        &self,
        limit: u32,
    ) -> Result<Vec<UnadoptedIdentifier>, StoreError>;

    /// The subjects whose vaults hold an identifier with this blind index.
    async fn subjects_with_lookup(&self, lookup: &str) -> Result<Vec<String>, StoreError>;

    /// The contacts that have these identifiers: blind index → person id.
    async fn contacts_by_lookups(
        &self,
        lookups: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError>;

    /// The subject each of these contacts has for receipts the collector issues (prefix
    /// `contact:`), where it has one: person id → subject.
    async fn issued_subjects(
        &self,
        person_ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError>;

    /// Records or updates an import's progress.
    async fn save_import(&self, record: &ImportRecord) -> Result<(), StoreError>;

    /// An import by id.
    async fn import(&self, id: &str) -> Result<Option<ImportRecord>, StoreError>;
}

/// The prefix of the subjects the collector issues receipts to on a contact's behalf.
pub const ISSUED_SUBJECT_PREFIX: &str = "contact:";
