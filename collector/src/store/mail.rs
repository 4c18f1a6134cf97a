//! Double opt-in confirmations and the mail outbox in the store. A confirmation is started in
//! a form opt-in's append transaction (`PendingConfirmation`); the rest is here. The SQL is the
//! same on both backends (`mail_sql.rs`).

use async_trait::async_trait;

use super::StoreError;

/// A double opt-in's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConfirmation {
    /// Its id.
    pub id: String,
    /// The contact.
    pub person_id: String,
    /// The site.
    pub site: String,
    /// The purpose.
    pub purpose: String,
    /// The form opt-in's receipt id; `None` when asked for in the preference centre.
    pub form_receipt: Option<String>,
    /// The form's language.
    pub language: String,
    /// `pending`, `confirmed` or `expired`.
    pub state: String,
    /// Unix seconds.
    pub created_at: i64,
    /// When the link stops working.
    pub expires_at: i64,
    /// The double-opt-in receipt's id, once confirmed.
    pub receipt_id: Option<String>,
    /// A parent's or guardian's address, sealed, while a child's opt-in waits for them (Art
    /// 8); cleared when it settles.
    pub guardian: Option<super::StoredVaultKey>,
}

/// Where a contact stands on a purpose, for a new form opt-in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OptInStanding {
    /// May be processed now (granted, not expired, no hold): nothing to confirm again.
    pub processable: bool,
    /// A confirmation for it is pending and was made at or after the time asked about.
    pub recently_mailed: bool,
}

/// A message due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// Its id.
    pub id: String,
    /// The site it is from.
    pub site: String,
    /// The contact it goes to.
    pub person_id: String,
    /// What it is (`confirmation`).
    pub kind: String,
    /// What it is about (a confirmation's id).
    pub reference: String,
    /// Its language.
    pub language: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When it was queued.
    pub created_at: i64,
}

/// How an attempt to send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    /// The server accepted it.
    Sent,
    /// A temporary failure: try again at `due_at`.
    Deferred {
        /// The next attempt.
        due_at: i64,
    },
    /// A permanent failure, or the last attempt: never sent.
    Failed,
}

impl MailOutcome {
    /// The send log's name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailOutcome::Sent => "sent",
            MailOutcome::Deferred { .. } => "deferred",
            MailOutcome::Failed => "failed",
        }
    }
}

/// One line of the send log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailLogEntry {
    /// The message.
    pub mail_id: String,
    /// Unix seconds.
    pub at: i64,
    /// `sent`, `deferred` or `failed`.
    pub outcome: String,
    /// The server's answer, addresses removed.
    pub detail: String,
}

/// A message to queue outside an append (a data copy asked for in the preference centre).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    /// Its random id.
    pub id: String,
    /// The site it is from.
    pub site: String,
    /// The contact it goes to.
    pub person_id: String,
    /// What it is.
    pub kind: String,
    /// What it is about.
    pub reference: String,
    /// Its language.
    pub language: String,
}

/// A grant asked for in the preference centre, to confirm from the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedConfirmation {
    /// The confirmation's random id.
    pub id: String,
    /// Its mail's random id.
    pub mail_id: String,
    /// The contact.
    pub person_id: String,
    /// The site.
    pub site: String,
    /// The purpose.
    pub purpose: String,
    /// The page's language.
    pub language: String,
    /// When the link stops working.
    pub expires_at: i64,
}

/// Something that keeps a contact out of processing besides its decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredHold {
    /// The site, or every site.
    pub site: Option<String>,
    /// The purpose, or every purpose.
    pub purpose: Option<String>,
    /// `restricted`, `objected` or `pending`.
    pub reason: String,
}

/// Confirmations and the outbox.
#[async_trait]
pub trait MailStore {
    /// A contact's holds.
    async fn holds(&self, person_id: &str) -> Result<Vec<StoredHold>, StoreError>;

    /// Lifts the `pending` hold of a contact's site and purpose and settles its pending
    /// confirmations as confirmed by `receipt_id` (a choice made in the preference centre,
    /// whose link proves the mailbox as a confirmation link does), noting it in the history as
    /// `actor`'s. Returns whether anything was pending.
    async fn release_pending(
        &self,
        person_id: &str,
        site: &str,
        purpose: &str,
        receipt_id: &str,
        now: i64,
        actor: &str,
    ) -> Result<bool, StoreError>;

    /// Records a grant asked for in the preference centre, to be confirmed from the mailbox:
    /// the confirmation and its mail, and the contact's history, in one transaction. Unless one
    /// for the same purpose is pending and was made at or after `unless_since`; returns whether
    /// one was made.
    async fn ask_confirmation(
        &self,
        asked: &AskedConfirmation,
        now: i64,
        unless_since: i64,
    ) -> Result<bool, StoreError>;

    /// Queues a message, unless one of its kind went to the contact at or after
    /// `unless_since`; returns whether it was queued.
    async fn queue_mail(
        &self,
        mail: &NewMail,
        now: i64,
        unless_since: i64,
    ) -> Result<bool, StoreError>;

    /// Where the contact stands on the site's purpose at `now`, and whether a confirmation for
    /// it is pending that was made at or after `mailed_since`.
    async fn opt_in_standing(
        &self,
        person_id: &str,
        site: &str,
        purpose: &str,
        now: i64,
        mailed_since: i64,
    ) -> Result<OptInStanding, StoreError>;

    /// A confirmation by id.
    async fn confirmation(&self, id: &str) -> Result<Option<StoredConfirmation>, StoreError>;

    /// Lets the pending confirmations of a contact's site and purpose lapse now (the person, or
    /// the guardian, said no), clearing any guardian's address; returns how many.
    async fn cancel_confirmations(
        &self,
        person_id: &str,
        site: &str,
        purpose: &str,
        now: i64,
    ) -> Result<u64, StoreError>;

    /// Whether a guardian's confirmation of this contact's site and purpose is pending (Art 8):
    /// then no other confirmation may count for it.
    async fn guardian_waiting(
        &self,
        person_id: &str,
        site: &str,
        purpose: &str,
    ) -> Result<bool, StoreError>;

    /// Settles a confirmation as confirmed by `receipt_id`, with every other one pending for
    /// the same contact, site and purpose, lifts the `pending` hold and notes it in the
    /// contact's history, in one transaction. `false` when it was no longer pending.
    async fn confirm_opt_in(
        &self,
        id: &str,
        receipt_id: &str,
        now: i64,
    ) -> Result<bool, StoreError>;

    /// Settles every pending confirmation past its expiry as expired, noting each in its
    /// contact's history (the hold stays: the opt-in never counted). Returns how many.
    async fn expire_confirmations(&self, now: i64) -> Result<u64, StoreError>;

    /// Claims up to `limit` messages due at `now` until `lease_until`: no other sender takes
    /// them meanwhile, and if this one stops, they come due again when the lease ends.
    async fn claim_mail(
        &self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> Result<Vec<OutboxMail>, StoreError>;

    /// Records how an attempt ended, in the outbox row and the send log, in one transaction —
    /// only while this sender's claim (`lease_until`, as claimed) still holds the row; `false`
    /// when it does not (the lease ran out and another sender took it, or the contact was
    /// deleted meanwhile), and then nothing is written.
    async fn record_mail_attempt(
        &self,
        id: &str,
        lease_until: i64,
        now: i64,
        outcome: MailOutcome,
        detail: &str,
    ) -> Result<bool, StoreError>;

    /// A contact's messages' send log, oldest first.
    async fn mail_log(&self, person_id: &str) -> Result<Vec<MailLogEntry>, StoreError>;

    /// Messages per outbox state (`queued`, `sent`, `failed`).
    async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError>;

    /// A site's form sign-ups asked to confirm between `from` and `to` (Unix seconds, `to`
    /// excluded), per purpose and state (`pending`, `confirmed`, `expired`).
    async fn confirmation_counts(
        &self,
        site: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
}
