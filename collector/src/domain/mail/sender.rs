//! The outbox's sender: a task in every collector that claims due messages for a lease, writes
//! and hands each to the transport, and records the outcome with back-off. Collectors sharing a
//! database never send one row at the same time (the lease), and a collector that dies
//! mid-send leaves its rows to come due again when the lease ends. The one case that sends a
//! message twice is a crash after the server accepted it and before that was recorded (no mail
//! protocol closes that gap); the second copy carries the same `Message-ID`.

use std::time::Duration;

use super::transport::Delivery;
use super::{Mail, MailError};
use crate::store::mail::{MailOutcome, OutboxMail};
use crate::time::now_unix;

/// How long a claim lasts: far longer than one message takes over SMTP's timeouts.
const LEASE_SECS: i64 = 300;
/// Messages claimed at once.
const BATCH: u32 = 20;
/// Attempts before a message is given up.
pub const MAX_ATTEMPTS: i64 = 12;
/// How often the outbox is looked at when it was empty.
const POLL: Duration = Duration::from_millis(500);
/// How often confirmations past their expiry are settled.
const EXPIRY_EVERY: Duration = Duration::from_secs(60);

/// Sends until the process ends.
pub async fn run(mail: Mail) {
    let mut last_expiry: Option<tokio::time::Instant> = None;
    loop {
        if last_expiry.is_none_or(|at| at.elapsed() >= EXPIRY_EVERY) {
            last_expiry = Some(tokio::time::Instant::now());
            match mail.store.expire_confirmations(now_unix()).await {
                Ok(0) => {}
                Ok(expired) => tracing::info!(expired, "double opt-ins expired unconfirmed"),
                Err(error) => tracing::warn!(%error, "cannot expire confirmations"),
            }
        }
        let sent = match send_due(&mail).await {
            Ok(sent) => sent,
            Err(error) => {
                tracing::warn!(%error, "the mail outbox cannot be read");
                0
            }
        };
        if sent == 0 {
            tokio::time::sleep(POLL).await;
        }
    }
}

/// Writes and sends one message now, outside the outbox: for the one message that cannot wait
/// in it, the answer to an erasure, whose address goes with the contact right after.
pub async fn send_now(mail: &Mail, item: &OutboxMail) -> Result<(), MailError> {
    let transport = mail
        .transport
        .as_ref()
        .ok_or(MailError::Gone("transport"))?;
    let message = mail.message(item).await?;
    match transport.send(message).await {
        Delivery::Accepted(_) => {
            tracing::info!(mail = %item.id, kind = %item.kind, "mail sent at once");
            Ok(())
        }
        Delivery::Transient(reason) | Delivery::Permanent(reason) => {
            Err(MailError::NotTaken(without_addresses(&reason)))
        }
    }
}

/// Claims and sends what is due now; returns how many were attempted.
pub async fn send_due(mail: &Mail) -> Result<usize, MailError> {
    let Some(transport) = &mail.transport else {
        return Ok(0);
    };
    let first_retry = i64::from(mail.settings.retry_after_secs.max(1));
    let now = now_unix();
    let lease_until = now + LEASE_SECS;
    let due = mail.store.claim_mail(now, lease_until, BATCH).await?;
    let started = std::time::Instant::now();
    for item in &due {
        // A slow server must not outlast the claim: past half the lease the rest is left to
        // come due again when it ends, rather than risk a second sender taking it meanwhile.
        if started.elapsed().as_secs() > (LEASE_SECS / 2).unsigned_abs() {
            break;
        }
        let (outcome, detail) = match mail.message(item).await {
            Ok(message) => match transport.send(message).await {
                Delivery::Accepted(reply) => (MailOutcome::Sent, reply),
                Delivery::Transient(reason) => (retry(item, first_retry), reason),
                Delivery::Permanent(reason) => (MailOutcome::Failed, reason),
            },
            // Nobody to write to any more (the contact was deleted meanwhile, say).
            Err(MailError::Gone(what)) => (MailOutcome::Failed, format!("no {what} to write to")),
            Err(error) => (retry(item, first_retry), error.to_string()),
        };
        let detail = without_addresses(&detail);
        match outcome {
            MailOutcome::Sent => tracing::info!(mail = %item.id, kind = %item.kind, "mail sent"),
            MailOutcome::Deferred { due_at } => {
                tracing::warn!(mail = %item.id, due_at, reason = %detail, "mail deferred")
            }
            MailOutcome::Failed => {
                tracing::warn!(mail = %item.id, reason = %detail, "mail failed for good")
            }
        }
        let recorded = mail
            .store
            .record_mail_attempt(&item.id, lease_until, now_unix(), outcome, &detail)
            .await?;
        if !recorded {
            tracing::warn!(mail = %item.id, "the claim on a message ran out before its outcome was recorded");
        }
    }
    Ok(due.len())
}

/// The next attempt after a temporary failure: `first` seconds (30 by default), then twice
/// that, … up to 6 h; given up after [`MAX_ATTEMPTS`].
fn retry(item: &OutboxMail, first: i64) -> MailOutcome {
    let attempt = item.attempts + 1;
    if attempt >= MAX_ATTEMPTS {
        return MailOutcome::Failed;
    }
    let wait = first
        .saturating_mul(1 << (attempt - 1).min(20))
        .min(6 * 3600);
    MailOutcome::Deferred {
        due_at: now_unix() + wait,
    }
}

/// A server's answer with every word that holds an `@` replaced: refusals quote the address.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| match word.contains('@') {
            true => "[address]",
            false => word,
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_answer_keeps_no_address() {
        assert_eq!(
            without_addresses("550 5.1.1 <anna@example.se>: Recipient address rejected"),
            "550 5.1.1 [address] Recipient address rejected"
        );
    }

    #[test]
    fn retries_back_off_and_stop() {
        let mut item = OutboxMail {
            id: "m".into(),
            site: "demo".into(),
            person_id: "p".into(),
            kind: "confirmation".into(),
            reference: "c".into(),
            language: "en".into(),
            attempts: 0,
            created_at: 0,
        };
        let MailOutcome::Deferred { due_at } = retry(&item, 30) else {
            panic!("deferred")
        };
        assert!((29..=31).contains(&(due_at - now_unix())));
        item.attempts = 5;
        let MailOutcome::Deferred { due_at } = retry(&item, 30) else {
            panic!("deferred")
        };
        assert!((959..=961).contains(&(due_at - now_unix())));
        item.attempts = MAX_ATTEMPTS - 1;
        assert_eq!(retry(&item, 30), MailOutcome::Failed);
    }
}
