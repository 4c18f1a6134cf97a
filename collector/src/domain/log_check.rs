//! Checking the receipt log end to end, as an auditor would: every stored receipt verifies
//! against the collector's keys (its signature and the visitor's request inside it), says what
//! its row says (id, subject, sequence), and chains to its subject's previous receipt; the
//! sequence has no gap. The first break is reported with where it is; nothing is repaired.

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

use crate::store::{LoggedReceipt, Store, StoreError};

/// Receipts read per query.
const PAGE: u32 = 1000;

/// Where and why the log breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("receipt log breaks at sequence {sequence} (receipt {receipt_id}): {reason}")]
pub struct LogBreak {
    /// The first row that does not check.
    pub sequence: i64,
    /// Its receipt id as stored.
    pub receipt_id: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Why the check could not finish or did not pass.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogCheckError {
    /// The log is broken.
    #[error(transparent)]
    Broken(#[from] LogBreak),
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a check that passed covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSummary {
    /// Receipts checked.
    pub receipts: u64,
    /// Subjects whose chains were followed.
    pub subjects: u64,
}

/// Checks the whole log against `jwks`; `progress` is told how many receipts are done.
pub async fn check_log(
    store: &dyn Store,
    jwks: &JwkSet,
    mut progress: impl FnMut(u64),
) -> Result<LogSummary, LogCheckError> {
    let mut last_of: HashMap<String, String> = HashMap::new();
    let mut expected_sequence = 1;
    let mut checked = 0u64;
    loop {
        let page = store.receipts_after(expected_sequence - 1, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            check_row(row, expected_sequence, jwks, &last_of)?;
            last_of.insert(row.subject.clone(), row.receipt_sha256.clone());
            expected_sequence += 1;
            checked += 1;
        }
        progress(checked);
    }
    Ok(LogSummary {
        receipts: checked,
        subjects: last_of.len() as u64,
    })
}

fn check_row(
    row: &LoggedReceipt,
    expected_sequence: i64,
    jwks: &JwkSet,
    last_of: &HashMap<String, String>,
) -> Result<(), LogBreak> {
    let broken = |reason: String| LogBreak {
        sequence: row.sequence,
        receipt_id: row.receipt_id.clone(),
        reason,
    };
    if row.sequence != expected_sequence {
        return Err(broken(format!("sequence {expected_sequence} is missing")));
    }
    let verified = verify_receipt(&row.receipt, jwks).map_err(|e| broken(e.to_string()))?;
    let claims = &verified.claims;
    if sha256_hex(&row.receipt) != row.receipt_sha256 {
        return Err(broken(
            "receipt_sha256 is not the hash of the receipt".into(),
        ));
    }
    if claims.sequence != row.sequence {
        return Err(broken(format!(
            "the receipt says sequence {}",
            claims.sequence
        )));
    }
    if claims.jti.to_string() != row.receipt_id || claims.subject != row.subject {
        return Err(broken(
            "the receipt names another id or subject than its row".into(),
        ));
    }
    let previous = last_of.get(&row.subject);
    if row.prev_receipt_sha256.as_ref() != previous {
        return Err(broken(
            "prev_receipt_sha256 is not the hash of the subject's previous receipt".into(),
        ));
    }
    if claims.prev_receipt_hash.as_ref() != previous {
        return Err(broken(
            "the receipt's prevReceiptHash is not the hash of the subject's previous receipt"
                .into(),
        ));
    }
    Ok(())
}
