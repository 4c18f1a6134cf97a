//! E-mail journeys: the mail Samtycke sends (double opt-in confirmations; every message with
//! RFC 8058 one-click unsubscribe headers) and what its links do. Sending never blocks a
//! request: messages are rows of a durable outbox (`store::mail`), written in the transaction
//! that calls for them and sent by [`sender`] with back-off; the address is read from the
//! contact's vault, and the message written, only when it is sent.

pub mod config;
pub mod download;
pub mod links;
pub mod opt_in;
pub mod preferences;
pub mod sender;
pub mod templates;
pub mod transport;
pub mod unsubscribe;

use std::collections::HashMap;
use std::sync::Arc;

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use samtycke_shared::{Language, SiteId};

use self::config::MailConfig;
use self::links::{Link, Links};
use self::templates::{MailTemplates, TemplateError};
use self::transport::Transport;
use crate::domain::contacts::ContactService;
use crate::domain::contacts::export::rfc3339;
use crate::domain::contacts::identifiers::IdentifierKind;
use crate::domain::contacts::vault::ContactVault;
use crate::domain::sites::SiteRegistry;
use crate::store::Store;
use crate::store::mail::OutboxMail;

/// The value of `List-Unsubscribe-Post` (RFC 8058): a POST with it as the body unsubscribes.
pub const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

/// Why mail cannot be set up or a message written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// A site asks for double opt-in but no mail goes anywhere.
    #[error(
        "site {0} asks for double opt-in, so the collector must send mail: configure [smtp] \
         (or [mail] folder)"
    )]
    NoTransport(SiteId),
    /// A site sends mail but has no From.
    #[error("site {0} sends mail but has no sender: set mail_from for it or [mail] from")]
    NoSender(SiteId),
    /// A From is not a mailbox.
    #[error("site {site}: the sender {from:?} is not an address (Name <address>)")]
    BadSender {
        /// The site.
        site: SiteId,
        /// What was configured.
        from: String,
    },
    /// The transport.
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    /// A template.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The message cannot be built (a header lettre refuses).
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The mail server did not take a message sent at once (its answer, addresses removed).
    #[error("the mail server did not take the message: {0}")]
    NotTaken(String),
    /// The contact, its address or what the message is about is gone.
    #[error("{0}")]
    Gone(&'static str),
    /// The store.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What every journey needs to write and address mail.
#[derive(Debug, Clone)]
pub struct Mail {
    store: Arc<dyn Store>,
    sites: Arc<SiteRegistry>,
    vault: ContactVault,
    links: Links,
    templates: Arc<MailTemplates>,
    transport: Option<Transport>,
    senders: Arc<HashMap<SiteId, Mailbox>>,
    settings: MailConfig,
    contacts: Option<ContactService>,
}

impl Mail {
    /// Checks the configuration against the sites: every site that asks for double opt-in
    /// needs a transport and a sender.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        sites: Arc<SiteRegistry>,
        vault: ContactVault,
        links: Links,
        templates: MailTemplates,
        transport: Option<Transport>,
        site_senders: &[(SiteId, Option<String>)],
        settings: MailConfig,
    ) -> Result<Self, MailError> {
        let mut senders = HashMap::new();
        for (site, from) in site_senders {
            let Some(from) = from.as_ref().or(settings.from.as_ref()) else {
                continue;
            };
            let mailbox = from.parse::<Mailbox>().map_err(|_| MailError::BadSender {
                site: site.clone(),
                from: from.clone(),
            })?;
            senders.insert(site.clone(), mailbox);
        }
        for site in sites.iter() {
            // Double opt-in and a child's opt-in (Art 8) are both confirmed by mail.
            if site
                .policy()
                .policy
                .purposes
                .iter()
                .any(|p| p.double_opt_in || p.ask_age)
            {
                if transport.is_none() {
                    return Err(MailError::NoTransport(site.id.clone()));
                }
                if !senders.contains_key(&site.id) {
                    return Err(MailError::NoSender(site.id.clone()));
                }
            }
        }
        Ok(Self {
            store,
            sites,
            vault,
            links,
            templates: Arc::new(templates),
            transport,
            senders: Arc::new(senders),
            settings,
            contacts: None,
        })
    }

    /// Writes data copies from `contacts`' exports.
    pub fn with_contacts(mut self, contacts: ContactService) -> Self {
        self.contacts = Some(contacts);
        self
    }

    /// The links' maker.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The settings.
    pub fn settings(&self) -> &MailConfig {
        &self.settings
    }

    /// Whether mail goes anywhere.
    pub fn can_send(&self) -> bool {
        self.transport.is_some()
    }

    /// The unsubscribe URL of a contact and purpose, and the two RFC 8058 header values.
    pub fn unsubscribe_headers(
        &self,
        person_id: &str,
        site: &str,
        purpose: &str,
    ) -> Result<UnsubscribeHeaders, MailError> {
        let url = self
            .links
            .url(&Link::Unsubscribe {
                person_id: person_id.to_owned(),
                site: site.to_owned(),
                purpose: purpose.to_owned(),
            })
            .map_err(|e| MailError::Build(e.to_string()))?;
        let preferences_url = self
            .links
            .url(&Link::Preferences {
                person_id: person_id.to_owned(),
                site: site.to_owned(),
            })
            .map_err(|e| MailError::Build(e.to_string()))?;
        Ok(UnsubscribeHeaders {
            list_unsubscribe: format!("<{url}>"),
            list_unsubscribe_post: ONE_CLICK.to_owned(),
            url,
            preferences_url,
        })
    }

    /// Writes an outbox row's message, reading the address from the contact's vault.
    pub(crate) async fn message(&self, mail: &OutboxMail) -> Result<Message, MailError> {
        let site_id = SiteId::parse(&mail.site).map_err(|_| MailError::Gone("site"))?;
        let site = self.sites.get(&site_id).ok_or(MailError::Gone("site"))?;
        let from = self
            .senders
            .get(&site_id)
            .cloned()
            .ok_or_else(|| MailError::NoSender(site_id.clone()))?;
        // A restricted contact (Art 18) gets no mail but what its own request sends.
        if mail.kind == "confirmation"
            && self
                .store
                .holds(&mail.person_id)
                .await?
                .iter()
                .any(|h| h.reason == "restricted" && h.site.is_none())
        {
            return Err(MailError::Gone("unrestricted contact"));
        }
        let current = site.policy();
        let policy = &current.policy;
        let language =
            Language::parse(&mail.language).unwrap_or_else(|_| policy.default_language().clone());
        // A child's confirmation goes to the guardian's address (Art 8); the rest to the
        // contact's own.
        let mut guardian = None;
        let (written, purpose) = match mail.kind.as_str() {
            "confirmation" => {
                let (written, purpose, to_guardian) =
                    opt_in::write_confirmation(self, mail, policy, &language).await?;
                guardian = to_guardian;
                (written, Some(purpose))
            }
            "data-copy" => (self.write_data_copy(mail, policy, &language).await?, None),
            "request-verification" => (
                self.write_request_verification(mail, policy, &language)
                    .await?,
                None,
            ),
            "request-done" => (
                self.write_request_done(mail, policy, &language).await?,
                None,
            ),
            _ => return Err(MailError::Gone("kind")),
        };
        // Every message can be left with one click: a confirmation for its purpose, anything
        // else for every purpose the person has granted here (the first such, for the header,
        // with the preference centre for the rest).
        let purpose = match purpose {
            Some(purpose) => purpose,
            None => {
                self.first_granted(&mail.person_id, &mail.site, policy)
                    .await?
            }
        };
        let to = match guardian {
            Some(address) => address
                .parse::<lettre::Address>()
                .map(|address| Mailbox::new(None, address))
                .map_err(|_| MailError::Gone("guardian's address"))?,
            None => self.address(&mail.person_id).await?,
        };
        let headers = self.unsubscribe_headers(&mail.person_id, &mail.site, &purpose)?;
        let domain = from.email.domain().to_owned();
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(written.subject)
            // Derived from the outbox row, so that a message sent again after a crash between
            // the server's acceptance and our record of it carries the same id.
            .message_id(Some(format!("<{}@{domain}>", mail.id)));
        let body = MultiPart::alternative()
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(written.text),
            )
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_HTML)
                    .body(written.html),
            );
        let mut message = message
            .multipart(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        for (name, value) in [
            ("List-Unsubscribe", headers.list_unsubscribe),
            ("List-Unsubscribe-Post", headers.list_unsubscribe_post),
        ] {
            let name = HeaderName::new_from_ascii(name.to_owned())
                .map_err(|e| MailError::Build(e.to_string()))?;
            message
                .headers_mut()
                .insert_raw(HeaderValue::new(name, value));
        }
        Ok(message)
    }

    /// A purpose the person has granted on the site (the first in the policy's order), for a
    /// message that is not about one; the policy's first form purpose when none is granted.
    async fn first_granted(
        &self,
        person_id: &str,
        site: &str,
        policy: &samtycke_shared::Policy,
    ) -> Result<String, MailError> {
        let states = self.store.contact_states(person_id).await?;
        let granted = policy.optional_purposes().find(|p| {
            states
                .iter()
                .any(|s| s.site == site && s.purpose == p.id.as_str() && s.decision == "granted")
        });
        granted
            .or_else(|| {
                policy
                    .optional_purposes()
                    .find(|p| p.asked_in == samtycke_shared::AskedIn::Form)
            })
            .or_else(|| policy.optional_purposes().next())
            .map(|p| p.id.to_string())
            .ok_or(MailError::Gone("purpose"))
    }

    /// A data copy's message: a single-use, expiring link to the person's whole export
    /// (`download.rs`), never the data itself.
    async fn write_data_copy(
        &self,
        mail: &OutboxMail,
        policy: &samtycke_shared::Policy,
        language: &Language,
    ) -> Result<templates::Written, MailError> {
        let (download_url, expires_at) = self
            .issue_download(&mail.id, &mail.person_id, &mail.site, language)
            .await?;
        let expires = time::OffsetDateTime::from_unix_timestamp(expires_at)
            .ok()
            .and_then(|at| {
                at.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .ok()
            })
            .unwrap_or_default();
        let links = self.unsubscribe_headers(&mail.person_id, &mail.site, "-")?;
        let words = serde_json::json!({
            "controller": policy.controller.name,
            "controller_contact": policy.controller.contact,
            "policy_url": policy.policy_url,
            "preferences_url": links.preferences_url,
            "download_url": download_url,
            "expires": expires,
        });
        self.templates
            .write(&mail.site, "data-copy", language.as_str(), &words)
            .map_err(Into::into)
    }

    /// The answer to a request: done (and what was done) or refused (and why), Art 12(3)–(4).
    async fn write_request_done(
        &self,
        mail: &OutboxMail,
        policy: &samtycke_shared::Policy,
        language: &Language,
    ) -> Result<templates::Written, MailError> {
        // `ID#STAGE`: the request, and which of its answers this is.
        let (id, stage) = mail
            .reference
            .split_once('#')
            .unwrap_or((&mail.reference, "done"));
        let request = self
            .store
            .request(id)
            .await?
            .ok_or(MailError::Gone("request"))?;
        let outcome: serde_json::Value = request
            .outcome
            .as_deref()
            .and_then(|o| serde_json::from_str(o).ok())
            .unwrap_or_default();
        let swedish = language.primary() == "sv";
        let purpose = request
            .purpose
            .as_deref()
            .and_then(|p| samtycke_shared::PurposeId::parse(p).ok())
            .and_then(|p| policy.purpose(&p))
            .map(|p| p.name.get(language, policy.default_language()).to_owned())
            .or_else(|| request.purpose.clone())
            .unwrap_or_default();
        let fields: Vec<String> = ["identifiers", "profileFields"]
            .iter()
            .flat_map(|part| {
                outcome["rectified"][part]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|name| name.as_str().map(|n| field_words(n, swedish)))
            .collect();
        let preferences = self.unsubscribe_headers(&mail.person_id, &mail.site, "-")?;
        let words = serde_json::json!({
            "controller": policy.controller.name,
            "controller_contact": policy.controller.contact,
            "policy_url": policy.policy_url,
            "preferences_url": preferences.preferences_url,
            "kind": request.kind,
            "stage": stage,
            "asked": asked_words(&request.kind, &purpose, swedish),
            "purpose": purpose,
            "reason": match stage {
                "extended" => request.extension_reason.clone().unwrap_or_default(),
                _ => outcome["refused"].as_str().unwrap_or_default().to_owned(),
            },
            "due": rfc3339(request.due_at).get(..10).unwrap_or_default().to_owned(),
            "fields": fields.join(", "),
            // Sent just before the erasure: its links would lead nowhere.
            "erased": request.kind == "erasure" && stage == "done",
        });
        Ok(self
            .templates
            .write(&mail.site, "request-done", language.as_str(), &words)?)
    }

    /// A request's verification mail: what was asked and the link that confirms it.
    async fn write_request_verification(
        &self,
        mail: &OutboxMail,
        policy: &samtycke_shared::Policy,
        language: &Language,
    ) -> Result<templates::Written, MailError> {
        let request = self
            .store
            .request(&mail.reference)
            .await?
            .ok_or(MailError::Gone("request"))?;
        let link = self
            .links
            .url(&Link::VerifyRequest {
                id: request.id.clone(),
            })
            .map_err(|e| MailError::Build(e.to_string()))?;
        let preferences = self.unsubscribe_headers(&mail.person_id, &mail.site, "-")?;
        let words = serde_json::json!({
            "controller": policy.controller.name,
            "controller_contact": policy.controller.contact,
            "policy_url": policy.policy_url,
            "preferences_url": preferences.preferences_url,
            "kind": request.kind,
            "verify_url": link,
            "days": self.settings.confirmation_days,
        });
        Ok(self.templates.write(
            &mail.site,
            "request-verification",
            language.as_str(),
            &words,
        )?)
    }

    /// The contact's e-mail address, from its vault.
    async fn address(&self, person_id: &str) -> Result<Mailbox, MailError> {
        let contact = self
            .store
            .contact(person_id)
            .await?
            .ok_or(MailError::Gone("contact"))?;
        let open = self
            .vault
            .open(&contact.person_id, &contact.key)
            .map_err(|_| MailError::Gone("vault"))?;
        let identifiers = self
            .vault
            .identifiers(&open, &contact)
            .map_err(|_| MailError::Gone("vault"))?;
        let email = identifiers
            .iter()
            .find(|i| i.kind() == IdentifierKind::Email)
            .ok_or(MailError::Gone("address"))?;
        email
            .value()
            .parse::<lettre::Address>()
            .map(|address| Mailbox::new(None, address))
            .map_err(|_| MailError::Gone("address"))
    }
}

/// What a marketer's mail tool puts into each message it sends for a purpose.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeHeaders {
    /// The unsubscribe page (GET) and one-click endpoint (POST).
    pub url: String,
    /// `List-Unsubscribe`: the URL in angle brackets.
    pub list_unsubscribe: String,
    /// `List-Unsubscribe-Post`: always `List-Unsubscribe=One-Click`.
    pub list_unsubscribe_post: String,
    /// The contact's preference centre for the site, for the message's footer.
    pub preferences_url: String,
}

/// What a request asked for, as the end of "You asked … for …".
fn asked_words(kind: &str, purpose: &str, swedish: bool) -> String {
    let words = match (kind, swedish) {
        ("access", false) => "a copy of the data we hold about you",
        ("access", true) => "en kopia av det vi har om dig",
        ("portability", false) => "your data in a format you can take elsewhere",
        ("portability", true) => "dina uppgifter i ett format du kan ta med dig",
        ("rectification", false) => "a correction of your data",
        ("rectification", true) => "rättelse av dina uppgifter",
        ("erasure", false) => "the erasure of your data",
        ("erasure", true) => "radering av dina uppgifter",
        ("restriction", false) => "a restriction of how your data is used",
        ("restriction", true) => "begränsning av hur dina uppgifter används",
        ("objection", false) => "an end to the use of your data for {purpose}",
        ("objection", true) => "att vi slutar använda dina uppgifter för {purpose}",
        ("objection-automated", false) => "no decisions about you by automated means alone",
        ("objection-automated", true) => "att inga beslut om dig fattas enbart automatiskt",
        (other, _) => other,
    };
    words.replace("{purpose}", purpose)
}

/// A corrected field's name for the person (`firstName` → "first name").
fn field_words(name: &str, swedish: bool) -> String {
    let known = match (name, swedish) {
        ("email", false) => Some("e-mail address"),
        ("email", true) => Some("e-postadress"),
        ("phone", false) => Some("phone number"),
        ("phone", true) => Some("telefonnummer"),
        ("firstName", true) => Some("förnamn"),
        ("lastName", true) => Some("efternamn"),
        ("company", true) => Some("företag"),
        ("title", true) => Some("titel"),
        ("website", true) => Some("webbplats"),
        ("other", true) => Some("övrigt"),
        _ => None,
    };
    known.map(str::to_owned).unwrap_or_else(|| {
        name.chars()
            .flat_map(|c| {
                let space = c.is_ascii_uppercase().then_some(' ');
                space
                    .into_iter()
                    .chain(std::iter::once(c.to_ascii_lowercase()))
            })
            .collect()
    })
}
