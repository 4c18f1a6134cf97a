//! Data-subject requests (GDPR Art 12–22) and the rights they carry out. A request has a kind,
//! the contact, how it arrived, a due date one month after it was received (extendable once, by
//! up to two months, with a recorded reason: Art 12(3)), a state and a history. Completing one
//! carries the right out (a restriction or an objection becomes a hold the marketer's one
//! selection already honours; access mails the person a copy of their data; erasure deletes the
//! contact, its receipts staying anonymous) and says whom to tell (Art 19).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::access::Access;
use crate::domain::contacts::export::rfc3339;
use crate::domain::contacts::profile::Profile;
use crate::domain::contacts::{ContactError, ContactService, ShownIdentifiers};
use crate::domain::sites::SiteRegistry;
use crate::store::mail::{NewMail, OutboxMail};
use crate::store::requests::{HoldChange, RequestChange, StoredRequest};
use crate::store::{Store, StoreError};
use crate::time::now_unix;

/// The kinds of request.
pub const KINDS: [&str; 7] = [
    "access",
    "portability",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "objection-automated",
];

/// How a request may arrive through the API (the preference centre and the public form come
/// with the verification journey).
pub const API_CHANNELS: [&str; 2] = ["dpo", "api"];

/// States a request is open in.
pub const OPEN: [&str; 3] = ["received", "verified", "in-progress"];

/// Logs, once a day, how many requests are open, overdue and due within a week (a warning when
/// any is overdue or due soon), until the process ends.
pub async fn remind(rights: Rights) {
    let mut last_day = None;
    loop {
        let today = time::OffsetDateTime::now_utc().date();
        if last_day != Some(today) {
            match rights.counts().await {
                Ok(counts) if counts.overdue > 0 || counts.due_within_7_days > 0 => {
                    last_day = Some(today);
                    tracing::warn!(
                        open = counts.open,
                        overdue = counts.overdue,
                        due_within_7_days = counts.due_within_7_days,
                        "data-subject requests are due"
                    );
                }
                Ok(counts) => {
                    last_day = Some(today);
                    tracing::info!(open = counts.open, "data-subject requests open");
                }
                Err(error) => tracing::warn!(%error, "cannot count data-subject requests"),
            }
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// Why a request cannot be made or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RightsError {
    /// A field is not acceptable; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// No such request.
    #[error("no request of that id")]
    NotFound,
    /// The request is not in a state that allows this.
    #[error("the request is {0}: this cannot be done now")]
    WrongState(String),
    /// It was extended before (Art 12(3) allows it once).
    #[error("the due date was extended before; Art 12(3) allows it once")]
    ExtendedAlready,
    /// The contact.
    #[error(transparent)]
    Contact(#[from] ContactError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A message that had to go at once did not.
    #[error(transparent)]
    Mail(#[from] crate::domain::mail::MailError),
}

/// A request as the DPO enters it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewRequest {
    /// One of `access`, `portability`, `rectification`, `erasure`, `restriction`, `objection`,
    /// `objection-automated`.
    pub kind: String,
    /// The contact.
    pub person_id: String,
    /// For an objection: the site and purpose objected to.
    #[serde(default)]
    pub site: Option<String>,
    /// For an objection: the purpose.
    #[serde(default)]
    pub purpose: Option<String>,
    /// `dpo` (arrived by e-mail or letter and entered by hand; the default) or `api`.
    #[serde(default)]
    pub channel: Option<String>,
    /// When it arrived (Unix seconds), when entered later; now when left out. The month runs
    /// from then.
    #[serde(default)]
    pub received_at: Option<i64>,
}

/// A request as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    /// Its id.
    pub id: String,
    /// The kind.
    pub kind: String,
    /// The contact (`null` once erased).
    pub person_id: Option<String>,
    /// For an objection: the site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// For an objection: the purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// How it arrived.
    pub channel: String,
    /// Where it stands.
    pub state: String,
    /// When it arrived (RFC 3339).
    pub received_at: String,
    /// When it must be answered (RFC 3339).
    pub due_at: String,
    /// Open past its due date.
    pub overdue: bool,
    /// Why the due date was extended, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension_reason: Option<String>,
    /// What was done, or why refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub outcome: Option<serde_json::Value>,
    /// Its history, oldest first (in a single request's view).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<serde_json::Value>,
}

/// Open requests, and those overdue or due within a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestCounts {
    /// Not yet done or refused.
    pub open: usize,
    /// Open past the due date.
    pub overdue: usize,
    /// Open and due within 7 days (not overdue).
    pub due_within_7_days: usize,
}

/// Requests and rights.
#[derive(Debug, Clone)]
pub struct Rights {
    store: Arc<dyn Store>,
    contacts: ContactService,
    sites: Arc<SiteRegistry>,
    access: Access,
    mail: crate::domain::mail::Mail,
}

/// What a rectification corrects: identifiers and profile fields, as in a contact's update.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Corrections {
    /// Identifiers to correct.
    #[serde(default)]
    pub identifiers: ShownIdentifiers,
    /// Profile fields to correct.
    #[serde(default)]
    pub profile: Profile,
}

impl Corrections {
    /// The names of what is corrected (never a value): for the outcome and the history.
    fn names(&self) -> serde_json::Value {
        let given = |value: serde_json::Value| -> Vec<String> {
            value
                .as_object()
                .map(|object| {
                    object
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        serde_json::json!({
            "identifiers": given(serde_json::to_value(&self.identifiers).unwrap_or_default()),
            "profileFields": given(serde_json::to_value(&self.profile).unwrap_or_default()),
        })
    }
}

/// The kinds a person may ask for themselves (an objection is unticking in the preference
/// centre; rectification goes to the DPO, who sees what to correct).
pub const PERSON_KINDS: [&str; 3] = ["access", "erasure", "restriction"];

impl Rights {
    /// Over these parts.
    pub fn new(
        store: Arc<dyn Store>,
        contacts: ContactService,
        sites: Arc<SiteRegistry>,
        access: Access,
        mail: crate::domain::mail::Mail,
    ) -> Self {
        Self {
            store,
            contacts,
            sites,
            access,
            mail,
        }
    }

    /// A request the person makes themselves (the preference centre, the public form): received
    /// now, and confirmed by a link mailed to their own address before anything is done or
    /// disclosed. Returns its id.
    pub async fn ask(
        &self,
        person_id: &str,
        site: &samtycke_shared::SiteId,
        kind: &str,
        channel: &'static str,
        language: &samtycke_shared::Language,
    ) -> Result<String, RightsError> {
        let kind = PERSON_KINDS.iter().find(|k| **k == kind).ok_or_else(|| {
            RightsError::Invalid(format!("kind: one of {}", PERSON_KINDS.join(", ")))
        })?;
        let now = now_unix();
        // The same request again within minutes (a double click, or someone filling the public
        // form for this address over and over) makes neither a second request nor a second mail.
        let since = now - i64::from(self.mail.settings().resend_after_minutes) * 60;
        let waiting = self.store.requests(&["received"], None, 10_000).await?;
        if let Some(same) = waiting.iter().find(|r| {
            r.person_id.as_deref() == Some(person_id) && r.kind == *kind && r.received_at >= since
        }) {
            return Ok(same.id.clone());
        }
        let request = StoredRequest {
            id: uuid::Uuid::new_v4().to_string(),
            kind: (*kind).to_owned(),
            person_id: Some(person_id.to_owned()),
            // The site it was asked on, whose words and controller its pages show.
            site: Some(site.to_string()),
            purpose: None,
            channel: channel.to_owned(),
            state: "received".into(),
            received_at: now,
            due_at: add_months(now, 1),
            extension_reason: None,
            outcome: None,
            settled_at: None,
            language: Some(language.to_string()),
        };
        let detail = serde_json::json!({"kind": kind, "channel": channel});
        self.store
            .insert_request(&request, "person", &detail.to_string())
            .await?;
        self.store
            .queue_mail(
                &NewMail {
                    id: uuid::Uuid::new_v4().to_string(),
                    site: site.to_string(),
                    person_id: person_id.to_owned(),
                    kind: "request-verification".into(),
                    reference: request.id.clone(),
                    language: language.to_string(),
                },
                now,
                i64::MAX,
            )
            .await?;
        Ok(request.id)
    }

    /// The click on a request's verification link: the request, verified now if it was waiting
    /// (and the link not past its days).
    pub async fn verify_by_link(&self, token: &str) -> Result<StoredRequest, RightsError> {
        let Ok(crate::domain::mail::links::Link::VerifyRequest { id }) =
            self.mail.links().open(token)
        else {
            return Err(RightsError::NotFound);
        };
        let request = self
            .store
            .request(&id)
            .await?
            .ok_or(RightsError::NotFound)?;
        let days = i64::from(self.mail.settings().confirmation_days);
        if request.state == "received" && now_unix() < request.received_at + days * 86_400 {
            let change = RequestChange {
                id: id.clone(),
                from: vec!["received"],
                state: Some("verified"),
                extend: None,
                outcome: None,
                at: now_unix(),
                actor: "mailbox".into(),
                action: "verified".into(),
                detail: "{}".into(),
                tell: None,
            };
            self.store.change_request(&change, &[]).await?;
        }
        self.store.request(&id).await?.ok_or(RightsError::NotFound)
    }

    /// What a verification link names, without changing anything.
    pub async fn request_by_link(&self, token: &str) -> Result<StoredRequest, RightsError> {
        let Ok(crate::domain::mail::links::Link::VerifyRequest { id }) =
            self.mail.links().open(token)
        else {
            return Err(RightsError::NotFound);
        };
        self.store.request(&id).await?.ok_or(RightsError::NotFound)
    }

    /// The public form: the contact an address belongs to, found by its blind index, or `None`
    /// (the caller answers the same either way).
    pub async fn contact_of(&self, address: &str) -> Result<Option<String>, RightsError> {
        let Ok(identifier) = crate::domain::contacts::identifiers::ContactIdentifier::parse(
            crate::domain::contacts::identifiers::IdentifierKind::Email,
            address,
        ) else {
            return Ok(None);
        };
        let lookup = self.contacts.vault().lookup(&identifier);
        Ok(self.store.contact_by_lookup(&lookup).await?)
    }

    /// Records a request; audited.
    pub async fn create(&self, actor: &str, new: NewRequest) -> Result<RequestView, RightsError> {
        let kind = KINDS
            .iter()
            .find(|k| **k == new.kind)
            .ok_or_else(|| RightsError::Invalid(format!("kind: one of {}", KINDS.join(", "))))?;
        let channel = new.channel.as_deref().unwrap_or("dpo");
        if !API_CHANNELS.contains(&channel) {
            return Err(RightsError::Invalid("channel: dpo or api".into()));
        }
        if self.store.contact(&new.person_id).await?.is_none() {
            return Err(ContactError::NotFound(new.person_id.clone()).into());
        }
        let (site, purpose) = match (*kind, &new.site, &new.purpose) {
            ("objection", Some(site), Some(purpose)) => {
                let known = samtycke_shared::SiteId::parse(site)
                    .ok()
                    .and_then(|id| self.sites.get(&id))
                    .and_then(|s| {
                        samtycke_shared::PurposeId::parse(purpose)
                            .ok()
                            .filter(|p| s.policy().policy.optional_purposes().any(|o| &o.id == p))
                    });
                if known.is_none() {
                    return Err(RightsError::Invalid(
                        "purpose: not an optional purpose of the site".into(),
                    ));
                }
                (Some(site.clone()), Some(purpose.clone()))
            }
            ("objection", _, _) => {
                return Err(RightsError::Invalid(
                    "site and purpose: an objection names the purpose objected to".into(),
                ));
            }
            (_, None, None) => (None, None),
            _ => {
                return Err(RightsError::Invalid(
                    "site and purpose: only an objection names a purpose".into(),
                ));
            }
        };
        let now = now_unix();
        let received_at = new.received_at.unwrap_or(now);
        if received_at > now + 60 || received_at < now - 366 * 86_400 {
            return Err(RightsError::Invalid(
                "receivedAt: not in the future nor over a year ago".into(),
            ));
        }
        let request = StoredRequest {
            id: uuid::Uuid::new_v4().to_string(),
            kind: (*kind).to_owned(),
            person_id: Some(new.person_id.clone()),
            site,
            purpose,
            channel: channel.to_owned(),
            state: "received".into(),
            received_at,
            due_at: add_months(received_at, 1),
            extension_reason: None,
            outcome: None,
            settled_at: None,
            language: None,
        };
        let detail = serde_json::json!({"kind": kind, "channel": channel});
        self.store
            .insert_request(&request, actor, &detail.to_string())
            .await?;
        self.access
            .record(
                actor,
                "request.create",
                serde_json::json!({"request": request.id, "kind": kind,
                    "personId": new.person_id}),
            )
            .await?;
        Ok(view(&request, now, Vec::new()))
    }

    /// One request with its history; audited.
    pub async fn get(&self, actor: &str, id: &str) -> Result<RequestView, RightsError> {
        let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
        let history = self
            .store
            .request_history(id)
            .await?
            .into_iter()
            .map(|(at, actor, action, detail)| {
                serde_json::json!({"at": rfc3339(at), "actor": actor, "action": action,
                    "detail": serde_json::from_str::<serde_json::Value>(&detail).unwrap_or_default()})
            })
            .collect();
        self.access
            .record(actor, "request.read", serde_json::json!({"request": id}))
            .await?;
        Ok(view(&request, now_unix(), history))
    }

    /// Requests in `states` (every state when empty) due before `due_before`; audited.
    pub async fn list(
        &self,
        actor: &str,
        states: &[&str],
        due_before: Option<i64>,
    ) -> Result<Vec<RequestView>, RightsError> {
        let now = now_unix();
        let requests = self.store.requests(states, due_before, 10_000).await?;
        self.access
            .record(
                actor,
                "requests.list",
                serde_json::json!({"states": states, "count": requests.len()}),
            )
            .await?;
        Ok(requests.iter().map(|r| view(r, now, Vec::new())).collect())
    }

    /// Open, overdue and due-within-a-week counts.
    pub async fn counts(&self) -> Result<RequestCounts, RightsError> {
        let now = now_unix();
        let open = self.store.requests(&OPEN, None, u32::MAX).await?;
        Ok(RequestCounts {
            open: open.len(),
            overdue: open.iter().filter(|r| r.due_at < now).count(),
            due_within_7_days: open
                .iter()
                .filter(|r| r.due_at >= now && r.due_at < now + 7 * 86_400)
                .count(),
        })
    }

    /// The person's identity is verified (a DPO who checked it by hand).
    pub async fn verify(&self, actor: &str, id: &str) -> Result<RequestView, RightsError> {
        self.change(
            actor,
            id,
            &["received"],
            Some("verified"),
            None,
            None,
            "verified",
            serde_json::json!({}),
            &[],
            None,
        )
        .await
    }

    /// Work on it has begun.
    pub async fn start(&self, actor: &str, id: &str) -> Result<RequestView, RightsError> {
        self.change(
            actor,
            id,
            &["verified"],
            Some("in-progress"),
            None,
            None,
            "started",
            serde_json::json!({}),
            &[],
            None,
        )
        .await
    }

    /// Extends the due date by one or two months, once, for a reason.
    pub async fn extend(
        &self,
        actor: &str,
        id: &str,
        months: u32,
        reason: &str,
    ) -> Result<RequestView, RightsError> {
        if !(1..=2).contains(&months) {
            return Err(RightsError::Invalid("months: 1 or 2 (Art 12(3))".into()));
        }
        let reason = required(reason)?;
        let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
        if request.extension_reason.is_some() {
            return Err(RightsError::ExtendedAlready);
        }
        // From when it arrived, so that a due date clamped to a short month's end does not
        // shorten the extension (received 30 January: due 28 February, extended to 30 April).
        let due_at = add_months(request.received_at, 1 + months);
        let view = self
            .change(
                actor,
                id,
                &OPEN,
                None,
                Some((due_at, reason.to_owned())),
                None,
                "extended",
                serde_json::json!({"months": months, "reason": reason, "dueAt": rfc3339(due_at)}),
                &[],
                Some("extended"),
            )
            .await?;
        Ok(view)
    }

    /// Refuses it, for a reason the person is told.
    pub async fn refuse(
        &self,
        actor: &str,
        id: &str,
        reason: &str,
    ) -> Result<RequestView, RightsError> {
        let reason = required(reason)?;
        let outcome = serde_json::json!({"refused": reason});
        let view = self
            .change(
                actor,
                id,
                &OPEN,
                Some("refused"),
                None,
                Some(outcome.clone()),
                "refused",
                outcome,
                &[],
                Some("refused"),
            )
            .await?;
        Ok(view)
    }

    /// Carries the right out and closes the request; returns it with what was done, and whom
    /// to tell (Art 19: the recipients of the purposes the person granted).
    pub async fn complete(
        &self,
        actor: &str,
        id: &str,
        note: Option<&str>,
        corrections: Option<Corrections>,
    ) -> Result<RequestView, RightsError> {
        let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
        if !matches!(request.state.as_str(), "verified" | "in-progress") {
            return Err(RightsError::WrongState(request.state));
        }
        if corrections.is_some() && request.kind != "rectification" {
            return Err(RightsError::Invalid(
                "corrections: only a rectification request corrects anything".into(),
            ));
        }
        let done = ["verified", "in-progress"];
        let Some(person_id) = request.person_id.clone() else {
            // The contact went already (retention, the DPO, an erasure that stopped half-way):
            // an erasure is done; anything else has no one to carry it out for.
            if request.kind != "erasure" {
                return Err(RightsError::WrongState("without a contact".into()));
            }
            let outcome = serde_json::json!({"erased": "before this request was completed"});
            return self
                .change(
                    actor,
                    id,
                    &done,
                    Some("done"),
                    None,
                    Some(outcome.clone()),
                    "done",
                    outcome,
                    &[],
                    None,
                )
                .await;
        };
        if request.kind == "erasure" {
            // Erased first, then closed: a crash between leaves the request open (its contact
            // null), and completing it again closes it. The blind indexes go on the
            // suppression list first, so that only the person's own opt-in brings them back.
            let recipients = self.recipients(&person_id).await?;
            // The answer goes now: the address goes with the contact. A mail server that does
            // not take it does not stop the erasure; the outcome says the person was not told.
            let told = match self.tell_now(&request, &person_id).await {
                Ok(()) => true,
                Err(error) => {
                    tracing::warn!(request = %request.id, %error, "the erasure's answer was not sent");
                    false
                }
            };
            if let Some(contact) = self.store.contact(&person_id).await? {
                let lookups: Vec<String> = contact
                    .identifiers
                    .iter()
                    .map(|i| i.lookup.clone())
                    .collect();
                self.store
                    .suppress(&lookups, Some(&request.id), now_unix())
                    .await?;
            }
            self.contacts.delete(actor, &person_id).await?;
            let mut outcome = serde_json::json!({
                "erased": true,
                "tellRecipients": recipients,
                "personTold": told,
            });
            if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
                outcome["note"] = note.into();
            }
            return self
                .change(
                    actor,
                    id,
                    &done,
                    Some("done"),
                    None,
                    Some(outcome.clone()),
                    "done",
                    outcome,
                    &[],
                    None,
                )
                .await;
        }
        let recipients = self.recipients(&person_id).await?;
        let mut holds = Vec::new();
        let mut outcome = serde_json::json!({"tellRecipients": recipients});
        match request.kind.as_str() {
            "restriction" => {
                holds.push(HoldChange {
                    person_id: person_id.clone(),
                    reason: "restricted",
                    site: None,
                    purpose: None,
                    on: true,
                });
                outcome["restricted"] = true.into();
            }
            "objection" => {
                holds.push(HoldChange {
                    person_id: person_id.clone(),
                    reason: "objected",
                    site: request.site.clone(),
                    purpose: request.purpose.clone(),
                    on: true,
                });
                outcome["objected"] =
                    serde_json::json!({"site": request.site, "purpose": request.purpose});
            }
            "objection-automated" => {
                outcome["automatedDecisions"] = "objected".into();
            }
            "access" | "portability" => {
                let (site, language) = self.answering_site(&request, &person_id).await?;
                self.store
                    .queue_mail(
                        &NewMail {
                            id: uuid::Uuid::new_v4().to_string(),
                            site,
                            person_id: person_id.clone(),
                            kind: "data-copy".into(),
                            reference: request.id.clone(),
                            language,
                        },
                        now_unix(),
                        i64::MAX,
                    )
                    .await?;
                outcome["delivered"] = format!(
                    "a single-use link to a copy of the data (JSON or CSV), valid {} days, \
                     mailed to the person",
                    crate::domain::mail::download::VALID_DAYS
                )
                .into();
            }
            "rectification" => {
                if let Some(corrections) = corrections {
                    let names = corrections.names();
                    self.contacts
                        .rectify(
                            actor,
                            &person_id,
                            corrections.identifiers,
                            corrections.profile,
                            &request.id,
                        )
                        .await?;
                    outcome["rectified"] = names;
                }
            }
            _ => {}
        }
        if let Some(note) = note.map(str::trim).filter(|n| !n.is_empty()) {
            outcome["note"] = note.into();
        }
        let view = self
            .change(
                actor,
                id,
                &["verified", "in-progress"],
                Some("done"),
                None,
                Some(outcome.clone()),
                "done",
                outcome,
                &holds,
                Some("done"),
            )
            .await?;
        Ok(view)
    }

    /// The site whose controller answers a request, and the language: the site it was asked
    /// on (else one the person has decisions on, else the first served), in the language the
    /// person asked in (else that policy's default).
    async fn answering_site(
        &self,
        request: &StoredRequest,
        person_id: &str,
    ) -> Result<(String, String), RightsError> {
        let asked_on = request
            .site
            .as_deref()
            .and_then(|s| samtycke_shared::SiteId::parse(s).ok())
            .and_then(|id| self.sites.get(&id));
        let site = match asked_on {
            Some(site) => site,
            None => {
                let states = self.store.contact_states(person_id).await?;
                states
                    .iter()
                    .find_map(|s| {
                        samtycke_shared::SiteId::parse(&s.site)
                            .ok()
                            .and_then(|id| self.sites.get(&id))
                    })
                    .or_else(|| self.sites.iter().next())
                    .ok_or_else(|| RightsError::Invalid("no site to write from".into()))?
            }
        };
        let current = site.policy();
        let policy = &current.policy;
        let language = request
            .language
            .as_deref()
            .and_then(|l| samtycke_shared::Language::parse(l).ok())
            .filter(|l| policy.languages.contains(l))
            .unwrap_or_else(|| policy.default_language().clone());
        Ok((site.id.to_string(), language.to_string()))
    }

    /// The mail that tells the person where their request stands (`stage`: done, refused,
    /// extended, lifted); `None` when it has no contact to write to.
    async fn answer(&self, id: &str, stage: &str) -> Result<Option<NewMail>, RightsError> {
        let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
        let Some(person_id) = request.person_id.clone() else {
            return Ok(None);
        };
        let (site, language) = self.answering_site(&request, &person_id).await?;
        Ok(Some(NewMail {
            id: uuid::Uuid::new_v4().to_string(),
            site,
            person_id,
            kind: "request-done".into(),
            reference: format!("{id}#{stage}"),
            language,
        }))
    }

    /// The erasure's answer, sent at once (not through the outbox, whose row would go with
    /// the contact).
    async fn tell_now(&self, request: &StoredRequest, person_id: &str) -> Result<(), RightsError> {
        let (site, language) = self.answering_site(request, person_id).await?;
        let mail = OutboxMail {
            id: uuid::Uuid::new_v4().to_string(),
            site,
            person_id: person_id.to_owned(),
            kind: "request-done".into(),
            reference: format!("{}#done", request.id),
            language,
            attempts: 0,
            created_at: now_unix(),
        };
        Ok(crate::domain::mail::sender::send_now(&self.mail, &mail).await?)
    }

    /// Lifts a restriction a done request put on (a recorded DPO action).
    pub async fn lift(
        &self,
        actor: &str,
        id: &str,
        reason: &str,
    ) -> Result<RequestView, RightsError> {
        let reason = required(reason)?;
        let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
        let (Some(person_id), "restriction" | "objection") =
            (request.person_id.clone(), request.kind.as_str())
        else {
            return Err(RightsError::Invalid(
                "only a restriction or an objection is lifted".into(),
            ));
        };
        let hold = HoldChange {
            person_id,
            reason: if request.kind == "restriction" {
                "restricted"
            } else {
                "objected"
            },
            site: request.site.clone(),
            purpose: request.purpose.clone(),
            on: false,
        };
        let view = self
            .change(
                actor,
                id,
                &["done"],
                None,
                None,
                None,
                "lifted",
                serde_json::json!({"reason": reason}),
                &[hold],
                Some("lifted"),
            )
            .await?;
        Ok(view)
    }

    /// Whom the person's data went to: the recipients of the purposes they granted.
    async fn recipients(&self, person_id: &str) -> Result<Vec<String>, RightsError> {
        let states = self.store.contact_states(person_id).await?;
        let mut names = std::collections::BTreeSet::new();
        for state in states.iter().filter(|s| s.decision == "granted") {
            let Some(site) = samtycke_shared::SiteId::parse(&state.site)
                .ok()
                .and_then(|id| self.sites.get(&id))
            else {
                continue;
            };
            let Ok(purpose) = samtycke_shared::PurposeId::parse(&state.purpose) else {
                continue;
            };
            if let Some(purpose) = site.policy().policy.purpose(&purpose) {
                names.extend(purpose.recipients.iter().map(|r| r.name.clone()));
            }
        }
        Ok(names.into_iter().collect())
    }

    #[allow(clippy::too_many_arguments)]
    async fn change(
        &self,
        actor: &str,
        id: &str,
        from: &[&'static str],
        state: Option<&'static str>,
        extend: Option<(i64, String)>,
        outcome: Option<serde_json::Value>,
        action: &str,
        detail: serde_json::Value,
        holds: &[HoldChange],
        tell: Option<&str>,
    ) -> Result<RequestView, RightsError> {
        let now = now_unix();
        // The person's answer is queued in the change's own transaction: told exactly when it
        // happens, or neither.
        let tell = match tell {
            Some(stage) => self.answer(id, stage).await?,
            None => None,
        };
        let change = RequestChange {
            id: id.to_owned(),
            from: from.to_vec(),
            state,
            extend,
            outcome: outcome.map(|o| o.to_string()),
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.to_string(),
            tell,
        };
        if !self.store.change_request(&change, holds).await? {
            let request = self.store.request(id).await?.ok_or(RightsError::NotFound)?;
            return Err(RightsError::WrongState(request.state));
        }
        self.access
            .record(
                actor,
                &format!("request.{action}"),
                serde_json::json!({"request": id}),
            )
            .await?;
        self.get(actor, id).await
    }
}

fn required(reason: &str) -> Result<&str, RightsError> {
    let reason = reason.trim();
    match reason.is_empty() || reason.chars().count() > 2000 {
        true => Err(RightsError::Invalid(
            "reason: say why (up to 2000 characters)".into(),
        )),
        false => Ok(reason),
    }
}

fn view(request: &StoredRequest, now: i64, history: Vec<serde_json::Value>) -> RequestView {
    RequestView {
        id: request.id.clone(),
        kind: request.kind.clone(),
        person_id: request.person_id.clone(),
        site: request.site.clone(),
        purpose: request.purpose.clone(),
        channel: request.channel.clone(),
        state: request.state.clone(),
        received_at: rfc3339(request.received_at),
        due_at: rfc3339(request.due_at),
        overdue: OPEN.contains(&request.state.as_str()) && request.due_at < now,
        extension_reason: request.extension_reason.clone(),
        outcome: request
            .outcome
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok()),
        history,
    }
}

/// `unix` plus `months` calendar months, the day kept where the month has it (else its last
/// day), the time of day kept: a request received on 31 January is due on 28 (29) February.
pub fn add_months(unix: i64, months: u32) -> i64 {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return unix;
    };
    let total = i64::from(at.month() as u8) - 1 + i64::from(months);
    let year = at.year() + i32::try_from(total / 12).unwrap_or(0);
    let Ok(month) = time::Month::try_from(u8::try_from(total % 12 + 1).unwrap_or(1)) else {
        return unix;
    };
    let day = at.day().min(time::util::days_in_month(month, year));
    time::Date::from_calendar_date(year, month, day)
        .map(|date| at.replace_date(date).unix_timestamp())
        .unwrap_or(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .expect("time")
            .unix_timestamp()
    }

    #[test]
    fn a_month_later_is_the_same_day_or_the_months_last() {
        assert_eq!(
            add_months(at("2026-01-15T10:00:00Z"), 1),
            at("2026-02-15T10:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-01-31T10:00:00Z"), 1),
            at("2026-02-28T10:00:00Z")
        );
        assert_eq!(
            add_months(at("2028-01-31T10:00:00Z"), 1),
            at("2028-02-29T10:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-12-05T08:30:00Z"), 1),
            at("2027-01-05T08:30:00Z")
        );
        assert_eq!(
            add_months(at("2026-11-30T00:00:00Z"), 2),
            at("2027-01-30T00:00:00Z")
        );
    }
}
