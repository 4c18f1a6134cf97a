//! What a group-commit batch writes, worked out in memory from a few reads: each backend reads
//! the batch's existing receipt ids, the log's last sequence number, the subjects' last receipt
//! hashes and their vault keys in one query each, [`plan`] decides every append (replay,
//! conflict or a new receipt with its sequence, chain link, countersignature and sealed
//! identifiers) in order, and the backend writes the result in a few multi-row statements. A few
//! statements a batch instead of a dozen a receipt: each statement costs a round trip (a thread
//! hand-off on SQLite, the network on PostgreSQL), and that, not the database's work, was most
//! of an append's time.

use std::collections::HashMap;

use samtycke_shared::Decision;
use samtycke_shared::jose::sha256_hex;

use super::{
    AppendJob, Appended, ChainLink, PreparedContact, ReceiptDraft, SealedIdentifier, StoreError,
    StoredReceipt, StoredVaultKey,
};

/// A receipt already in the log, as the batch sees it.
#[derive(Debug, Clone)]
pub struct Existing {
    /// Its sequence number.
    pub sequence: i64,
    /// The countersigned JWT.
    pub receipt: String,
    /// Hex SHA-256 of the request it was issued for.
    pub request_sha256: String,
}

/// What the backend read for a batch.
#[derive(Debug, Default)]
pub struct BatchReads {
    /// The batch's receipt ids that are in the log already.
    pub existing: HashMap<String, Existing>,
    /// The log's last sequence number (0 when empty).
    pub last_sequence: i64,
    /// Each of the batch's subjects' last receipt hash.
    pub last_hash: HashMap<String, String>,
    /// The vault keys of the batch's subjects that have one (only subjects with identifiers).
    pub vault_keys: HashMap<String, StoredVaultKey>,
    /// The contacts that the batch's identifiers belong to already: blind index → person id.
    pub contacts: HashMap<String, String>,
    /// The sites with a webhook receiver: their receipts become deliveries.
    pub webhook_sites: std::collections::HashSet<String>,
}

/// A new receipt row.
#[derive(Debug)]
pub struct ReceiptRow<'a> {
    /// What the domain asked for.
    pub draft: &'a ReceiptDraft,
    /// Its sequence number.
    pub sequence: i64,
    /// The countersigned JWT.
    pub receipt: String,
    /// Its hash.
    pub receipt_sha256: String,
    /// The subject's previous receipt's hash.
    pub prev_receipt_sha256: Option<String>,
}

/// A current-state row: a subject's decision on a purpose, as of one receipt.
#[derive(Debug)]
pub struct StateRow<'a> {
    /// The receipt's draft (site, subject, times).
    pub draft: &'a ReceiptDraft,
    /// The purpose.
    pub purpose: &'a str,
    /// The decision's wire name.
    pub decision: &'static str,
    /// The receipt's sequence number.
    pub sequence: i64,
    /// When the decision expires (`None`: a withdrawal).
    pub expires_at: Option<i64>,
}

/// A contact made by a receipt whose identifier no contact has yet: a form opt-in with a new
/// address. Its compliance card starts as the receipt says: consent, from a form or the widget.
#[derive(Debug)]
pub struct NewContact<'a> {
    /// The person id, key and sealed identifier the domain prepared.
    pub prepared: &'a PreparedContact,
    /// `form` or `widget`.
    pub source: &'static str,
    /// The first purpose the receipt grants, if any: the card's basis is then consent, dated
    /// the day of the decision.
    pub granted_purpose: Option<&'a str>,
    /// The receipt that made it.
    pub sequence: i64,
    /// When (the receipt's issue time).
    pub created_at: i64,
    /// When the decision took effect, for the card's consent date.
    pub decided_at: i64,
}

/// A double opt-in a receipt of the batch starts, for the contact its address belongs to.
#[derive(Debug)]
pub struct ConfirmationRow<'a> {
    /// The contact.
    pub person_id: String,
    /// The form opt-in's draft (site, receipt id, issue time).
    pub draft: &'a ReceiptDraft,
    /// The form opt-in's sequence number.
    pub sequence: i64,
    /// What to write.
    pub pending: &'a super::PendingConfirmation,
}

/// Decisions of one site, purpose and UTC day: granted, denied, withdrawn.
pub type DailyCounts = std::collections::BTreeMap<(String, String, String), [i64; 3]>;

/// What the backend writes for a batch, in this order.
#[derive(Debug, Default)]
pub struct BatchWrites<'a> {
    /// New vault keys: subject, key, created at.
    pub vault_keys: Vec<(&'a str, StoredVaultKey, i64)>,
    /// New receipts, in sequence order.
    pub receipts: Vec<ReceiptRow<'a>>,
    /// New sealed identifiers: subject, identifier, the first receipt to cite it.
    pub identifiers: Vec<(&'a str, SealedIdentifier, i64)>,
    /// Current-state rows, one per site, subject and purpose: the batch's latest.
    pub states: Vec<StateRow<'a>>,
    /// Contacts to make, before their identifiers and links.
    pub contacts: Vec<NewContact<'a>>,
    /// Subjects to link to contacts: subject, person id.
    pub links: Vec<(&'a str, String)>,
    /// The subjects whose contacts' state is recomputed from their current state (every
    /// subject of the batch with a new receipt).
    pub subjects: Vec<&'a str>,
    /// Decisions per site, purpose and day, to add to the daily counts.
    pub daily: DailyCounts,
    /// Double opt-ins started, after the contacts and links they need.
    pub confirmations: Vec<ConfirmationRow<'a>>,
    /// The sites with a webhook receiver.
    pub webhook_sites: std::collections::HashSet<String>,
}

/// Decides every append of `jobs` in order: the writes, and each job's answer.
pub fn plan(
    jobs: &[AppendJob],
    mut reads: BatchReads,
) -> (BatchWrites<'_>, Vec<Result<Appended, StoreError>>) {
    let mut writes = BatchWrites::default();
    let mut results = Vec::with_capacity(jobs.len());
    let mut state_at: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for job in jobs {
        let draft = &job.draft;
        let id = draft.receipt_id.to_string();
        if let Some(existing) = reads.existing.get(&id) {
            results.push(Ok(if existing.request_sha256 == draft.request_sha256 {
                Appended::Replayed(StoredReceipt {
                    receipt_id: draft.receipt_id,
                    sequence: existing.sequence,
                    receipt: existing.receipt.clone(),
                })
            } else {
                Appended::Conflict
            }));
            continue;
        }
        let sequence = reads.last_sequence + 1;
        let link = ChainLink {
            sequence,
            prev_receipt_sha256: reads.last_hash.get(&draft.subject).cloned(),
        };
        let receipt = match (job.countersign)(&link) {
            Ok(receipt) => receipt,
            Err(error) => {
                results.push(Err(StoreError::Countersign(error)));
                continue;
            }
        };
        let sealed = match &job.seal {
            None => Vec::new(),
            Some(seal) => {
                let stored = reads.vault_keys.get(&draft.subject);
                match seal(stored) {
                    Ok(write) => match (write.new_key, stored.is_some()) {
                        (Some(_), true) => {
                            results.push(Err(StoreError::Seal(
                                "a new vault key was made although the subject has one".into(),
                            )));
                            continue;
                        }
                        (Some(key), false) => {
                            reads.vault_keys.insert(draft.subject.clone(), key.clone());
                            writes
                                .vault_keys
                                .push((draft.subject.as_str(), key, draft.issued_at));
                            write.identifiers
                        }
                        (None, _) => write.identifiers,
                    },
                    Err(error) => {
                        results.push(Err(StoreError::Seal(error)));
                        continue;
                    }
                }
            }
        };
        let receipt_sha256 = sha256_hex(&receipt);
        for identifier in sealed {
            link_contact(&mut writes, &mut reads.contacts, job, &identifier, sequence);
            writes
                .identifiers
                .push((draft.subject.as_str(), identifier, sequence));
        }
        for pending in &job.confirmations {
            if let Some(person_id) = reads.contacts.get(&pending.lookup) {
                writes.confirmations.push(ConfirmationRow {
                    person_id: person_id.clone(),
                    draft,
                    sequence,
                    pending,
                });
            }
        }
        if !writes.subjects.contains(&draft.subject.as_str()) {
            writes.subjects.push(draft.subject.as_str());
        }
        let day = utc_day(draft.decided_at);
        for (purpose, decision) in &draft.decisions {
            let counts = writes
                .daily
                .entry((draft.site.to_string(), purpose.to_string(), day.clone()))
                .or_default();
            counts[match decision {
                Decision::Granted => 0,
                Decision::Denied => 1,
                Decision::Withdrawn => 2,
            }] += 1;
            let row = StateRow {
                draft,
                purpose: purpose.as_str(),
                decision: decision.as_str(),
                sequence,
                expires_at: draft.validity.expires_at(*decision, draft.decided_at),
            };
            let key = (
                draft.site.as_str(),
                draft.subject.as_str(),
                purpose.as_str(),
            );
            match state_at.get(&key) {
                // The decision that took effect last stands (ties: the later receipt).
                Some(&at) if writes.states[at].draft.decided_at > draft.decided_at => {}
                Some(&at) => writes.states[at] = row,
                None => {
                    state_at.insert(key, writes.states.len());
                    writes.states.push(row);
                }
            }
        }
        reads.existing.insert(
            id,
            Existing {
                sequence,
                receipt: receipt.clone(),
                request_sha256: draft.request_sha256.clone(),
            },
        );
        reads
            .last_hash
            .insert(draft.subject.clone(), receipt_sha256.clone());
        reads.last_sequence = sequence;
        writes.receipts.push(ReceiptRow {
            draft,
            sequence,
            receipt: receipt.clone(),
            receipt_sha256,
            prev_receipt_sha256: link.prev_receipt_sha256,
        });
        results.push(Ok(Appended::Created(StoredReceipt {
            receipt_id: draft.receipt_id,
            sequence,
            receipt,
        })));
    }
    // The identifiers a subject's vault already holds are kept as first written; one sealed
    // twice in a batch (the same value and salt) is written once.
    let mut seen = std::collections::HashSet::new();
    writes
        .identifiers
        .retain(|(subject, identifier, _)| seen.insert((*subject, identifier.commitment.clone())));
    writes.webhook_sites = reads.webhook_sites;
    (writes, results)
}

/// Links the receipt's subject to the contact its identifier belongs to, making the contact
/// when no one has that identifier yet.
fn link_contact<'a>(
    writes: &mut BatchWrites<'a>,
    contacts: &mut HashMap<String, String>,
    job: &'a AppendJob,
    identifier: &SealedIdentifier,
    sequence: i64,
) {
    let draft = &job.draft;
    let prepared = job
        .contacts
        .iter()
        .find(|prepared| prepared.lookup == identifier.lookup);
    let person_id = match (contacts.get(&identifier.lookup), prepared) {
        (Some(person_id), _) => person_id.clone(),
        // A job whose domain prepared no contact for an identifier links none.
        (None, None) => return,
        (None, Some(prepared)) => {
            let person_id = prepared.person_id.clone();
            contacts.insert(identifier.lookup.clone(), person_id.clone());
            writes.contacts.push(NewContact {
                prepared,
                source: if draft.collection_method == "form" {
                    "form"
                } else {
                    "widget"
                },
                granted_purpose: draft
                    .decisions
                    .iter()
                    .find(|(_, decision)| **decision == Decision::Granted)
                    .map(|(purpose, _)| purpose.as_str()),
                sequence,
                created_at: draft.issued_at,
                decided_at: draft.decided_at,
            });
            person_id
        }
    };
    let subject = draft.subject.as_str();
    if !writes
        .links
        .iter()
        .any(|(s, p)| *s == subject && *p == person_id)
    {
        writes.links.push((subject, person_id));
    }
}

/// The UTC calendar day of a Unix time, `YYYY-MM-DD`.
pub fn utc_day(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| "1970-01-01".to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use samtycke_shared::{PurposeId, ReceiptId, SiteId};

    use super::*;

    fn job(id: u128, subject: &str, request: &str, decided_at: i64, fails: bool) -> AppendJob {
        AppendJob {
            draft: ReceiptDraft {
                receipt_id: ReceiptId::from_uuid(uuid::Uuid::from_u128(id)),
                site: SiteId::parse("demo").expect("slug"),
                subject: subject.into(),
                request_sha256: request.into(),
                policy_version: 1,
                collection_method: "banner".into(),
                consent_timestamp: decided_at,
                decided_at,
                issued_at: 1000,
                decisions: BTreeMap::from([(
                    PurposeId::parse("analytics").expect("slug"),
                    if decided_at % 2 == 0 {
                        Decision::Granted
                    } else {
                        Decision::Withdrawn
                    },
                )]),
                validity: crate::store::DecisionValidity {
                    granted_secs: 100,
                    denied_secs: 50,
                },
            },
            countersign: Box::new(move |link| match fails {
                true => Err("no key".into()),
                false => Ok(format!(
                    "receipt {} after {:?}",
                    link.sequence, link.prev_receipt_sha256
                )),
            }),
            seal: None,
            contacts: Vec::new(),
            confirmations: Vec::new(),
        }
    }

    #[test]
    fn a_batch_numbers_chains_replays_and_refuses_as_one_append_at_a_time_would() {
        let reads = BatchReads {
            existing: HashMap::from([(
                ReceiptId::from_uuid(uuid::Uuid::from_u128(9)).to_string(),
                Existing {
                    sequence: 7,
                    receipt: "old".into(),
                    request_sha256: "r9".into(),
                },
            )]),
            last_sequence: 7,
            last_hash: HashMap::from([("anna".to_owned(), "h7".to_owned())]),
            ..BatchReads::default()
        };
        let jobs = [
            job(1, "anna", "r1", 10, false),
            job(2, "bo", "r2", 12, true), // countersigning fails: no number used
            job(3, "anna", "r3", 9, false),
            job(1, "anna", "r1", 10, false), // the same request again in the batch
            job(1, "anna", "other", 10, false), // its id with another request
            job(9, "bo", "r9", 1, false),    // already in the log
        ];
        let (writes, results) = plan(&jobs, reads);
        let sequences: Vec<i64> = writes.receipts.iter().map(|r| r.sequence).collect();
        assert_eq!(sequences, [8, 9]);
        assert_eq!(
            writes.receipts[0].prev_receipt_sha256.as_deref(),
            Some("h7")
        );
        assert_eq!(
            writes.receipts[1].prev_receipt_sha256.as_deref(),
            Some(writes.receipts[0].receipt_sha256.as_str())
        );
        assert!(matches!(results[0], Ok(Appended::Created(ref r)) if r.sequence == 8));
        assert!(matches!(results[1], Err(StoreError::Countersign(_))));
        assert!(matches!(results[2], Ok(Appended::Created(ref r)) if r.sequence == 9));
        assert!(matches!(results[3], Ok(Appended::Replayed(ref r)) if r.sequence == 8));
        assert!(matches!(results[4], Ok(Appended::Conflict)));
        assert!(matches!(results[5], Ok(Appended::Replayed(ref r)) if r.receipt == "old"));
        // One state row for anna's analytics: the decision that took effect last (at 10, in
        // receipt 8), not the later receipt decided earlier (at 9).
        assert_eq!(writes.states.len(), 1);
        assert_eq!(writes.states[0].sequence, 8);
    }
}
