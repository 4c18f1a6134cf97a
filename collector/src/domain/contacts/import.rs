//! Importing contacts from a CSV file (`samtycke import`, `POST /v1/imports`): a header row maps
//! columns (the export's own columns, in English or Swedish, are accepted as they are); each row
//! becomes or updates a contact; a consent row (basis consent: its consent date and purpose)
//! becomes a collector-signed receipt with `collectionMethod: "import"` whose evidence cites the
//! file's SHA-256, the line and the operator.
//!
//! Every row is checked before anything is written, and the import refuses the whole file if
//! one row is bad, unless told to skip bad rows. It then writes in chunks, so that a large
//! import never holds the append lock for long; each chunk is one transaction, and re-running
//! the same file finishes an import that stopped half-way without doubling anything: contacts
//! are found again by their identifiers, and each row's receipt id is derived from the file's
//! hash and the line, so it replays.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use samtycke_shared::jose::sha256_hex;
use samtycke_shared::receipt::Evidence;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, SiteId};
use serde::Serialize;

use super::card::{Basis, Card, Source};
use super::identifiers::{ContactIdentifier, IdentifierKind};
use super::profile::Profile;
use super::{ContactError, ContactService, today};
use crate::domain::issuing::{Issue, ReceiptIssuer, derived_receipt_id, new_issued_subject};
use crate::domain::sites::{PublishedPolicy, SiteRegistry};
use crate::keys::KeyRing;
use crate::store::contacts::{ContactHistoryEntry, ContactWrite, ImportRecord, StoredContact};
use crate::store::{AppendJob, Appended, StoreError};
use crate::time::now_unix;

/// Rows per chunk: one transaction for the contacts, then their receipts together.
const CHUNK: usize = 2000;
/// Row errors kept and reported (the count is always exact).
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// What the rows of an import are, besides their own columns.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The site whose policy the consent rows' purposes belong to.
    pub site: SiteId,
    /// Every row's lawful basis; with consent, each row gives its consent date and purpose.
    pub basis: Option<Basis>,
    /// With basis `other`.
    pub basis_other: Option<String>,
    /// Where the data came from (default: import).
    pub source: Source,
    /// With source `other`.
    pub source_other: Option<String>,
    /// Leave bad rows out instead of refusing the file.
    pub skip_invalid: bool,
    /// Who imports: `key:<id>` or `cli`.
    pub operator: String,
}

/// A bad row (or header): the line, the column, and why. Never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// Line in the file (1 is the header).
    pub line: u64,
    /// The column, when one is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(column) => write!(f, "line {}: {column}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Why an import cannot go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The site is not served here.
    #[error("no site {0} is configured")]
    UnknownSite(String),
    /// The header row is not one the import reads.
    #[error("{0}")]
    Header(RowError),
    /// Rows are bad and `skip_invalid` is off: nothing was written.
    #[error("{count} rows are not valid; nothing was imported (first: {first})")]
    Refused {
        /// How many rows are bad.
        count: usize,
        /// The first of them.
        first: RowError,
        /// Up to [`MAX_REPORTED_ERRORS`] of them.
        errors: Vec<RowError>,
    },
    /// The file has no rows.
    #[error("the file has a header but no rows")]
    Empty,
    /// With basis consent, a row needs a consent date and purpose; the options are wrong.
    #[error("{0}")]
    Options(String),
    /// Writing failed.
    #[error(transparent)]
    Contact(#[from] ContactError),
}

impl From<crate::domain::vault::VaultError> for ImportError {
    fn from(error: crate::domain::vault::VaultError) -> Self {
        ImportError::Contact(error.into())
    }
}

impl From<StoreError> for ImportError {
    fn from(error: StoreError) -> Self {
        ImportError::Contact(error.into())
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Profile(&'static str),
    Identifier(IdentifierKind),
    PersonId,
    ConsentDate,
    ConsentPurpose,
    /// Written by an export, not imported (created, updated, exported on).
    Ignored,
}

/// Header names (lower case), English and Swedish, and what they hold.
const HEADERS: &[(&str, Column)] = &[
    ("first name", Column::Profile("firstName")),
    ("förnamn", Column::Profile("firstName")),
    ("last name", Column::Profile("lastName")),
    ("efternamn", Column::Profile("lastName")),
    ("company", Column::Profile("company")),
    ("företag", Column::Profile("company")),
    ("title", Column::Profile("title")),
    ("titel", Column::Profile("title")),
    ("website", Column::Profile("website")),
    ("webbplats", Column::Profile("website")),
    ("linkedin", Column::Profile("linkedin")),
    ("twitter", Column::Profile("twitter")),
    ("facebook", Column::Profile("facebook")),
    ("other", Column::Profile("other")),
    ("övrigt", Column::Profile("other")),
    ("email id", Column::Identifier(IdentifierKind::Email)),
    ("email", Column::Identifier(IdentifierKind::Email)),
    ("e-mail", Column::Identifier(IdentifierKind::Email)),
    ("e-post-id", Column::Identifier(IdentifierKind::Email)),
    ("e-post", Column::Identifier(IdentifierKind::Email)),
    ("phone number", Column::Identifier(IdentifierKind::Phone)),
    ("phone", Column::Identifier(IdentifierKind::Phone)),
    ("telefonnummer", Column::Identifier(IdentifierKind::Phone)),
    (
        "salesforce id",
        Column::Identifier(IdentifierKind::Salesforce),
    ),
    (
        "salesforce-id",
        Column::Identifier(IdentifierKind::Salesforce),
    ),
    ("person id", Column::PersonId),
    ("person-id", Column::PersonId),
    ("consent date", Column::ConsentDate),
    ("samtyckesdatum", Column::ConsentDate),
    ("consent purpose", Column::ConsentPurpose),
    ("purpose", Column::ConsentPurpose),
    ("ändamål", Column::ConsentPurpose),
    ("created on", Column::Ignored),
    ("skapad den", Column::Ignored),
    ("updated on", Column::Ignored),
    ("uppdaterat den", Column::Ignored),
    ("exported on", Column::Ignored),
    ("exporterad den", Column::Ignored),
    // A selection's export carries each contact's unsubscribe link for the purpose.
    ("unsubscribe url", Column::Ignored),
    ("avregistreringslänk", Column::Ignored),
    ("list-unsubscribe", Column::Ignored),
    ("list-unsubscribe-post", Column::Ignored),
];

/// A row that passed every check.
#[derive(Debug, Clone)]
pub struct ValidRow {
    line: u64,
    person_id: Option<String>,
    identifiers: Vec<ContactIdentifier>,
    profile: Profile,
    card: Card,
    consent: Option<(time::Date, PurposeId)>,
    /// The contact it updates, once resolved; `None`: a new contact.
    target: Option<String>,
}

/// How a column of the file is read: its header as written, and what it fills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMapping {
    /// The header, as in the file.
    pub column: String,
    /// What it fills: `profile.firstName`, `identifier.email`, `personId`, `consentDate`,
    /// `consentPurpose`, or `ignored` (a column an export writes that an import has no use for).
    pub field: String,
}

impl Column {
    fn field(self) -> String {
        match self {
            Column::Profile(name) => format!("profile.{name}"),
            Column::Identifier(kind) => format!("identifier.{}", kind.as_str()),
            Column::PersonId => "personId".to_owned(),
            Column::ConsentDate => "consentDate".to_owned(),
            Column::ConsentPurpose => "consentPurpose".to_owned(),
            Column::Ignored => "ignored".to_owned(),
        }
    }
}

/// A checked file, ready to run.
#[derive(Debug)]
pub struct ImportPlan {
    /// Hex SHA-256 of the file.
    pub file_sha256: String,
    /// How each column is read, in the file's order.
    pub mapping: Vec<ColumnMapping>,
    /// The rows to import.
    pub rows: Vec<ValidRow>,
    /// Bad rows (all of them are counted; the first [`MAX_REPORTED_ERRORS`] kept).
    pub errors: Vec<RowError>,
    /// How many rows were bad.
    pub error_count: usize,
}

impl ImportPlan {
    /// Rows that update a contact already held (the rest make new ones).
    pub fn updates(&self) -> usize {
        self.rows.iter().filter(|row| row.target.is_some()).count()
    }

    fn refuse(&mut self, error: RowError) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(error);
        }
    }
}

/// Imports contacts.
#[derive(Debug, Clone)]
pub struct Importer {
    contacts: ContactService,
    sites: Arc<SiteRegistry>,
    issuer: ReceiptIssuer,
}

impl Importer {
    /// An importer that signs with `keys` as `issuer`.
    pub fn new(
        contacts: ContactService,
        keys: Arc<KeyRing>,
        sites: Arc<SiteRegistry>,
        issuer: String,
    ) -> Self {
        Self {
            contacts,
            sites,
            issuer: ReceiptIssuer::new(keys, issuer),
        }
    }

    fn policy(&self, site: &SiteId) -> Result<Arc<PublishedPolicy>, ImportError> {
        self.sites
            .get(site)
            .map(|site| site.policy())
            .ok_or_else(|| ImportError::UnknownSite(site.to_string()))
    }

    /// Reads and checks every row, and finds the contacts rows update. Writes nothing. A file
    /// with bad rows is refused unless they are to be skipped.
    pub async fn plan(
        &self,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportPlan, ImportError> {
        let plan = self.preview(bytes, options).await?;
        if plan.error_count > 0 && !options.skip_invalid {
            let first = plan.errors[0].clone();
            return Err(ImportError::Refused {
                count: plan.error_count,
                first,
                errors: plan.errors,
            });
        }
        Ok(plan)
    }

    /// [`Self::plan`], keeping bad rows in the plan instead of refusing the file: what an
    /// import would do, shown before it is committed. Writes nothing.
    pub async fn preview(
        &self,
        bytes: &[u8],
        options: &ImportOptions,
    ) -> Result<ImportPlan, ImportError> {
        let policy = self.policy(&options.site)?;
        if options.basis == Some(Basis::Other) && options.basis_other.is_none() {
            return Err(ImportError::Options(
                "basis other needs its text (--basis-other)".into(),
            ));
        }
        if options.source == Source::Other && options.source_other.is_none() {
            return Err(ImportError::Options(
                "source other needs its text (--source-other)".into(),
            ));
        }
        let started = std::time::Instant::now();
        let mut plan = read_rows(bytes, options, &policy.policy)?;
        let read = started.elapsed();
        self.resolve(&mut plan, &options.site).await?;
        tracing::debug!(
            rows = plan.rows.len(),
            read_ms = read.as_millis() as u64,
            resolve_ms = (started.elapsed() - read).as_millis() as u64,
            "import planned"
        );
        if plan.rows.is_empty() && plan.error_count == 0 {
            return Err(ImportError::Empty);
        }
        Ok(plan)
    }

    /// Finds the contact each row updates: by person id, else by its identifiers. A row whose
    /// identifiers belong to two contacts, or repeat another row's, is bad.
    async fn resolve(&self, plan: &mut ImportPlan, site: &SiteId) -> Result<(), ImportError> {
        let vault = self.contacts.vault();
        let mut seen: HashMap<String, u64> = HashMap::new();
        let mut bad = Vec::new();
        let rows = std::mem::take(&mut plan.rows);
        let mut kept = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            let lookups: Vec<String> = chunk
                .iter()
                .flat_map(|row| row.identifiers.iter().map(|i| vault.lookup(i)))
                .collect();
            let owners = self.contacts.store().contacts_by_lookups(&lookups).await?;
            let suppressed = self.contacts.store().suppressed(&lookups).await?;
            let ids: Vec<String> = chunk.iter().filter_map(|r| r.person_id.clone()).collect();
            let known: std::collections::HashSet<String> = self
                .contacts
                .store()
                .contacts(&ids)
                .await?
                .into_iter()
                .map(|c| c.person_id)
                .collect();
            'rows: for row in chunk {
                let mut row = row.clone();
                let mut targets: Vec<String> = row
                    .person_id
                    .iter()
                    .filter(|id| known.contains(*id))
                    .cloned()
                    .collect();
                for identifier in &row.identifiers {
                    let lookup = vault.lookup(identifier);
                    if let Some(line) = seen.insert(lookup.clone(), row.line) {
                        bad.push(RowError {
                            line: row.line,
                            column: Some(column_name(identifier.kind()).to_owned()),
                            reason: format!("the same value as line {line}"),
                        });
                        continue 'rows;
                    }
                    if let Some(owner) = owners.get(&lookup) {
                        targets.push(owner.clone());
                    }
                }
                targets.sort();
                targets.dedup();
                if targets.len() > 1 {
                    bad.push(RowError {
                        line: row.line,
                        column: None,
                        reason: "its identifiers belong to different contacts".into(),
                    });
                    continue;
                }
                row.target = targets.pop();
                // An erased person is not brought back by an import (not as a new contact, nor
                // as an address added to another): only their own opt-in.
                if let Some(identifier) = row
                    .identifiers
                    .iter()
                    .find(|i| suppressed.contains(&vault.lookup(i)))
                {
                    bad.push(RowError {
                        line: row.line,
                        column: Some(column_name(identifier.kind()).to_owned()),
                        reason: "belongs to a person erased at their request; only their own \
                                 opt-in brings them back"
                            .into(),
                    });
                    continue;
                }
                // A restricted contact (Art 18) is frozen: an import changes it no more than
                // an edit does.
                if let Some(target) = &row.target {
                    let holds = self.contacts.store().holds(target).await?;
                    if holds
                        .iter()
                        .any(|h| h.reason == "restricted" && h.site.is_none())
                    {
                        bad.push(RowError {
                            line: row.line,
                            column: None,
                            reason: "the contact is restricted (Art 18): it cannot be changed"
                                .into(),
                        });
                        continue;
                    }
                }
                // A consent row must not re-subscribe someone who withdrew or refused: that
                // needs new proof from them, or an admin's re-subscription with evidence.
                if let (Some(target), Some((_, purpose))) = (&row.target, &row.consent) {
                    let states = self.contacts.store().contact_states(target).await?;
                    let unsubscribed = states.iter().any(|s| {
                        s.site == site.as_str()
                            && s.purpose == purpose.as_str()
                            && (s.decision == "withdrawn" || s.decision == "denied")
                    });
                    if unsubscribed {
                        bad.push(RowError {
                            line: row.line,
                            column: None,
                            reason: format!(
                                "the contact withdrew or refused {purpose}: re-subscribing needs \
                                 new proof from them (POST /v1/contacts/{target}/resubscribe)"
                            ),
                        });
                        continue;
                    }
                }
                kept.push(row);
            }
        }
        for error in bad {
            plan.refuse(error);
        }
        plan.errors.sort_by_key(|e| e.line);
        plan.rows = kept;
        Ok(())
    }

    /// Imports a checked plan, reporting progress after each chunk. `record` is the import's
    /// row in the store, saved as it goes.
    pub async fn run(
        &self,
        plan: ImportPlan,
        options: &ImportOptions,
        mut record: ImportRecord,
        progress: &(dyn Fn(&ImportRecord) + Send + Sync),
    ) -> Result<ImportRecord, ImportError> {
        let policy = self.policy(&options.site)?;
        let store = self.contacts.store();
        record.skipped = plan.error_count as i64;
        record.errors = serde_json::to_string(&plan.errors).unwrap_or_else(|_| "[]".into());
        store.save_import(&record).await?;
        let outcome = self
            .run_chunks(&plan, options, &policy, &mut record, progress)
            .await;
        record.finished_at = Some(now_unix());
        match &outcome {
            Ok(()) => record.state = "done".into(),
            Err(error) => {
                record.state = "failed".into();
                record.failure = Some(format!(
                    "{error}; run the same file again to finish the import"
                ));
            }
        }
        store.save_import(&record).await?;
        self.contacts
            .audit(
                &options.operator,
                "contacts.import",
                serde_json::json!({
                    "importId": record.id, "site": record.site, "fileSha256": record.file_sha256,
                    "state": record.state, "rows": record.rows_total, "created": record.created,
                    "updated": record.updated, "receipts": record.receipts,
                    "skipped": record.skipped,
                }),
            )
            .await?;
        progress(&record);
        outcome.map(|()| record)
    }

    async fn run_chunks(
        &self,
        plan: &ImportPlan,
        options: &ImportOptions,
        policy: &Arc<PublishedPolicy>,
        record: &mut ImportRecord,
        progress: &(dyn Fn(&ImportRecord) + Send + Sync),
    ) -> Result<(), ImportError> {
        let store = self.contacts.store();
        let vault = self.contacts.vault();
        // Where an import's time goes, for the log: preparing (reads, keys, sealing), contact
        // writes, receipts, progress.
        let mut spent = [std::time::Duration::ZERO; 4];
        for chunk in plan.rows.chunks(CHUNK) {
            let mut clock = std::time::Instant::now();
            let mut lap = |phase: usize| {
                spent[phase] += clock.elapsed();
                clock = std::time::Instant::now();
            };
            let now = now_unix();
            let ids: Vec<String> = chunk.iter().filter_map(|r| r.target.clone()).collect();
            let existing: HashMap<String, StoredContact> = store
                .contacts(&ids)
                .await?
                .into_iter()
                .map(|c| (c.person_id.clone(), c))
                .collect();
            let mut subjects = store.issued_subjects(&ids).await?;
            let mut changes = Vec::with_capacity(chunk.len() * 5);
            let mut consents = Vec::new();
            for row in chunk {
                let history = |person_id: &str, action: &str| ContactWrite::History {
                    person_id: person_id.to_owned(),
                    entry: ContactHistoryEntry {
                        at: now,
                        actor: options.operator.clone(),
                        action: action.to_owned(),
                        detail: serde_json::json!({
                            "import": record.id, "line": row.line, "card": row.card,
                        })
                        .to_string(),
                    },
                };
                let person_id = match row.target.as_ref().and_then(|id| existing.get(id)) {
                    Some(contact) => {
                        let open = vault.open(&contact.person_id, &contact.key)?;
                        let old = vault.profile(&open, contact)?;
                        let new = old.clone().merged(row.profile.clone());
                        changes.push(ContactWrite::Touch {
                            person_id: contact.person_id.clone(),
                            at: now,
                        });
                        changes.push(ContactWrite::SetCard {
                            person_id: contact.person_id.clone(),
                            card: row.card.to_stored(),
                        });
                        for identifier in &row.identifiers {
                            changes.push(ContactWrite::SetIdentifier {
                                person_id: contact.person_id.clone(),
                                identifier: vault.seal_identifier(&open, identifier)?,
                            });
                        }
                        if new != old {
                            changes.push(ContactWrite::SetProfile {
                                person_id: contact.person_id.clone(),
                                profile: vault.seal_profile(&open, &new)?,
                            });
                        }
                        changes.push(history(&contact.person_id, "imported"));
                        record.updated += 1;
                        contact.person_id.clone()
                    }
                    None => {
                        let (open, key) = vault.create()?;
                        let person_id = open.person_id().to_owned();
                        let profile = (row.profile != Profile::default())
                            .then(|| vault.seal_profile(&open, &row.profile))
                            .transpose()?;
                        changes.push(ContactWrite::Create {
                            person_id: person_id.clone(),
                            key,
                            card: row.card.to_stored(),
                            at: now,
                            profile,
                        });
                        for identifier in &row.identifiers {
                            changes.push(ContactWrite::SetIdentifier {
                                person_id: person_id.clone(),
                                identifier: vault.seal_identifier(&open, identifier)?,
                            });
                        }
                        changes.push(history(&person_id, "created"));
                        record.created += 1;
                        person_id
                    }
                };
                if let Some((date, purpose)) = &row.consent {
                    let subject = match subjects.get(&person_id) {
                        Some(subject) => subject.clone(),
                        None => {
                            let subject = new_issued_subject();
                            changes.push(ContactWrite::Link {
                                person_id: person_id.clone(),
                                subject: subject.clone(),
                            });
                            subjects.insert(person_id.clone(), subject.clone());
                            subject
                        }
                    };
                    consents.push((row.line, subject, *date, purpose.clone()));
                }
            }
            lap(0);
            store.write_contacts(&changes).await?;
            lap(1);
            let appends = consents.into_iter().map(|(line, subject, date, purpose)| {
                let job = self.consent_job(
                    policy,
                    options,
                    &record.file_sha256,
                    line,
                    &subject,
                    date,
                    &purpose,
                );
                async move {
                    match store.append_receipt(job?).await? {
                        Appended::Created(_) | Appended::Replayed(_) => Ok(()),
                        Appended::Conflict => Err(ImportError::Contact(ContactError::Store(
                            StoreError::Batch(format!(
                                "line {line}: its receipt id is taken by another receipt"
                            )),
                        ))),
                    }
                }
            });
            let issued = futures_util::future::join_all(appends).await;
            for result in issued {
                result?;
                record.receipts += 1;
            }
            lap(2);
            record.rows_done += chunk.len() as i64;
            store.save_import(record).await?;
            progress(record);
            lap(3);
        }
        let ms = |phase: usize| spent[phase].as_millis() as u64;
        tracing::debug!(
            prepare_ms = ms(0),
            contacts_ms = ms(1),
            receipts_ms = ms(2),
            progress_ms = ms(3),
            "import written"
        );
        Ok(())
    }

    /// The append of a consent row's receipt: granted on the day the file says, citing the
    /// site's current policy, with the file, line and operator as evidence. Its id comes from
    /// the file's hash and the line, so a second run replays it.
    #[allow(clippy::too_many_arguments)]
    fn consent_job(
        &self,
        policy: &Arc<PublishedPolicy>,
        options: &ImportOptions,
        file_sha256: &str,
        line: u64,
        subject: &str,
        date: time::Date,
        purpose: &PurposeId,
    ) -> Result<AppendJob, ImportError> {
        let receipt_id = derived_receipt_id(
            "samtycke/import/v1",
            &[file_sha256, options.site.as_str(), &line.to_string()],
        );
        Ok(self.issuer.job(Issue {
            receipt_id,
            site: options.site.clone(),
            subject: subject.to_owned(),
            policy: Arc::clone(policy),
            method: CollectionMethod::Import,
            consent_timestamp: date.midnight().assume_utc().unix_timestamp(),
            decisions: BTreeMap::from([(purpose.clone(), Decision::Granted)]),
            evidence: Evidence {
                operator: options.operator.clone(),
                file_sha256: Some(file_sha256.to_owned()),
                line: Some(line),
                ..Evidence::default()
            },
        }))
    }
}

/// The export's (English) name of the column an identifier comes from.
fn column_name(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::Email => "Email ID",
        IdentifierKind::Phone => "Phone number",
        IdentifierKind::Salesforce => "Salesforce ID",
    }
}

/// Reads the header and every row.
fn read_rows(
    bytes: &[u8],
    options: &ImportOptions,
    policy: &samtycke_shared::Policy,
) -> Result<ImportPlan, ImportError> {
    let file_sha256 = sha256_hex(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header_error = |reason: String, column: Option<String>| {
        ImportError::Header(RowError {
            line: 1,
            column,
            reason,
        })
    };
    let headers = reader
        .headers()
        .map_err(|e| header_error(csv_reason(&e), None))?
        .clone();
    let mut columns = Vec::with_capacity(headers.len());
    let mut mapping = Vec::with_capacity(headers.len());
    for name in headers.iter() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let key = name.to_lowercase();
        let column = HEADERS
            .iter()
            .find(|(header, _)| *header == key)
            .map(|(_, column)| *column)
            .ok_or_else(|| {
                header_error(
                    "is not a column the import reads (see the export's columns)".into(),
                    Some(name.to_owned()),
                )
            })?;
        if column != Column::Ignored && columns.contains(&column) {
            return Err(header_error("appears twice".into(), Some(name.to_owned())));
        }
        columns.push(column);
        mapping.push(ColumnMapping {
            column: name.to_owned(),
            field: column.field(),
        });
    }
    let has = |wanted: Column| columns.contains(&wanted);
    if !(has(Column::Identifier(IdentifierKind::Email))
        || has(Column::Identifier(IdentifierKind::Phone))
        || has(Column::Identifier(IdentifierKind::Salesforce))
        || has(Column::PersonId))
    {
        return Err(header_error(
            "no column identifies a contact: give Email ID, Phone number, Salesforce ID or \
             Person ID"
                .into(),
            None,
        ));
    }
    if options.basis == Some(Basis::Consent)
        && !(has(Column::ConsentDate) && has(Column::ConsentPurpose))
    {
        return Err(header_error(
            "with basis consent every row gives its Consent date and Consent purpose columns"
                .into(),
            None,
        ));
    }
    let mut plan = ImportPlan {
        file_sha256,
        mapping,
        rows: Vec::new(),
        errors: Vec::new(),
        error_count: 0,
    };
    let today = today();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| p.line()).unwrap_or(0);
                plan.refuse(RowError {
                    line,
                    column: None,
                    reason: csv_reason(&error),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        match read_row(&record, &columns, &headers, options, policy, today) {
            Ok(mut row) => {
                row.line = line;
                plan.rows.push(row);
            }
            Err((column, reason)) => plan.refuse(RowError {
                line,
                column,
                reason,
            }),
        }
    }
    Ok(plan)
}

/// A CSV error's reason, without the field's content.
fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Io(_) => "cannot be read".into(),
        _ => "is not valid CSV".into(),
    }
}

type RowProblem = (Option<String>, String);

fn read_row(
    record: &csv::StringRecord,
    columns: &[Column],
    headers: &csv::StringRecord,
    options: &ImportOptions,
    policy: &samtycke_shared::Policy,
    today: time::Date,
) -> Result<ValidRow, RowProblem> {
    let mut row = ValidRow {
        line: 0,
        person_id: None,
        identifiers: Vec::new(),
        profile: Profile::default(),
        card: Card::default(),
        consent: None,
        target: None,
    };
    let mut profile = serde_json::Map::new();
    let (mut date, mut purpose) = (None, None);
    for ((value, column), header) in record.iter().zip(columns).zip(headers.iter()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let named = |reason: String| (Some(header.trim().to_owned()), reason);
        match column {
            Column::Profile(field) => {
                profile.insert((*field).to_owned(), value.into());
            }
            Column::Identifier(kind) => row.identifiers.push(
                ContactIdentifier::parse(*kind, value).map_err(|e| named(e.reason.to_owned()))?,
            ),
            Column::PersonId => {
                let id =
                    uuid::Uuid::parse_str(value).map_err(|_| named("is not a person id".into()))?;
                row.person_id = Some(id.to_string());
            }
            Column::ConsentDate => date = Some(value.to_owned()),
            Column::ConsentPurpose => {
                let id = PurposeId::parse(value)
                    .ok()
                    .filter(|id| {
                        policy.purpose(id).is_some_and(|p| {
                            p.lawful_basis == samtycke_shared::LawfulBasis::Consent
                        })
                    })
                    .ok_or_else(|| {
                        named(format!(
                            "is not a consent purpose of site {}'s policy",
                            options.site
                        ))
                    })?;
                purpose = Some(id);
            }
            Column::Ignored => {}
        }
    }
    if row.identifiers.is_empty() && row.person_id.is_none() {
        return Err((
            None,
            "names no one: give an e-mail address, phone number, Salesforce id or person id".into(),
        ));
    }
    row.profile = serde_json::from_value::<Profile>(serde_json::Value::Object(profile))
        .map_err(|_| (None, "has a profile value that cannot be read".to_owned()))?
        .normalised()
        .map_err(|e| (Some(e.field.to_owned()), e.reason.to_owned()))?;
    let card = Card {
        basis: options.basis,
        basis_other: options.basis_other.clone(),
        consent_date: date.clone(),
        consent_purpose: purpose.as_ref().map(|p| p.to_string()),
        source: Some(options.source),
        source_other: options.source_other.clone(),
    };
    row.card = card.checked(today).map_err(|e| {
        let column = match e.field {
            "consentDate" => "Consent date",
            "consentPurpose" => "Consent purpose",
            other => other,
        };
        (Some(column.to_owned()), e.reason.to_owned())
    })?;
    if let (Some(date), Some(purpose)) = (&row.card.consent_date, purpose) {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(date, &format)
            .map_err(|_| (Some("Consent date".to_owned()), "is not a date".to_owned()))?;
        row.consent = Some((date, purpose));
    }
    Ok(row)
}

/// A new import's record, before its first chunk.
pub fn new_record(site: &SiteId, operator: &str, plan: &ImportPlan) -> ImportRecord {
    ImportRecord {
        id: uuid::Uuid::new_v4().to_string(),
        site: site.to_string(),
        operator: operator.to_owned(),
        file_sha256: plan.file_sha256.clone(),
        state: "running".into(),
        rows_total: plan.rows.len() as i64,
        rows_done: 0,
        created: 0,
        updated: 0,
        receipts: 0,
        skipped: plan.error_count as i64,
        errors: "[]".into(),
        failure: None,
        started_at: now_unix(),
        finished_at: None,
    }
}
