//! The policy document: what a site asks consent for, and everything a visitor must be told
//! (GDPR Art 13/14) before deciding. The collector serves the site owner's file byte for byte and
//! receipts cite its SHA-256, so this type only reads and checks it; it never re-writes it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{Language, PurposeId, SiteId};

/// Why a policy document cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The bytes are not JSON of the policy's shape; serde's message names line and column.
    #[error("policy is not valid: {0}")]
    Json(#[from] serde_json::Error),
    /// A policy must name at least one language, the first being the default.
    #[error("policy lists no languages")]
    NoLanguages,
    /// A policy without purposes asks nothing.
    #[error("policy declares no purposes")]
    NoPurposes,
    /// Two purposes share one id, so a decision could not say which it means.
    #[error("purpose {0} is declared twice")]
    DuplicatePurpose(PurposeId),
    /// Every text must exist in the default language, so nothing is ever shown blank.
    #[error("{field} has no text in the default language {language}")]
    MissingText {
        /// Where the text is, e.g. `purposes[analytics].retention`.
        field: String,
        /// The policy's default language.
        language: Language,
    },
    /// Strictly necessary processing cannot rest on consent: it would have to stop on refusal.
    #[error("purpose {0} is strictly necessary, so its lawful basis cannot be consent")]
    NecessaryByConsent(PurposeId),
    /// Version 0 is reserved for "no decision yet" in the browser.
    #[error("policy version must be 1 or more")]
    VersionZero,
    /// A box in a form asks for consent; processing on another basis needs no box.
    #[error("purpose {0} is asked in a form, so its lawful basis must be consent")]
    FormWithoutConsent(PurposeId),
    /// A form's opt-in changes nothing on the page, so nothing on the page may wait for it.
    #[error(
        "purpose {0} is asked in a form, so it cannot declare cookies or consentMode: the page \
         never acts on a form's opt-in"
    )]
    FormOnPage(PurposeId),
    /// Only an opt-in that comes with an e-mail address can be confirmed from a mailbox.
    #[error(
        "purpose {0} asks for double opt-in, so it must be asked in a form (\"askedIn\": \"form\")"
    )]
    DoubleOptInOutsideForm(PurposeId),
    /// Only a form's opt-in box asks the visitor's age.
    #[error(
        "purpose {0} asks the visitor's age, so it must be asked in a form (\"askedIn\": \"form\")"
    )]
    AgeOutsideForm(PurposeId),
    /// Art 8(1): member states set the age of digital consent between 13 and 16.
    #[error("minimumAge {0}: must be from 13 to 16 (GDPR Art 8(1))")]
    MinimumAge(u8),
    /// Storing or reading anything on the visitor's device needs consent unless strictly
    /// necessary (ePrivacy Art 5(3)); the EDPB cookie-banner taskforce lists "legitimate
    /// interest" for cookies as an infringement.
    #[error(
        "purpose {0} stores or reads on the visitor's device (it declares cookies or \
         consentMode), which needs consent unless strictly necessary (ePrivacy Art 5(3)): make \
         its lawfulBasis \"consent\" or, if it truly is, mark it necessary"
    )]
    DeviceAccessWithoutConsent(PurposeId),
}

/// Text in several languages. Every text has the policy's default language; others are optional
/// and fall back to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub BTreeMap<Language, String>);

impl LocalizedText {
    /// The text in `language`, else in its primary language (`en` for `en-GB`), else in
    /// `fallback`.
    pub fn get(&self, language: &Language, fallback: &Language) -> &str {
        self.0
            .get(language)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(l, _)| l.as_str() == language.primary())
                    .map(|(_, t)| t)
            })
            .or_else(|| self.0.get(fallback))
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn has(&self, language: &Language) -> bool {
        self.0.get(language).is_some_and(|t| !t.trim().is_empty())
    }
}

/// The lawful basis of processing (GDPR Art 6(1)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LawfulBasis {
    /// Art 6(1)(a): the person agreed; the only basis a banner toggle can change.
    Consent,
    /// Art 6(1)(b).
    Contract,
    /// Art 6(1)(c).
    LegalObligation,
    /// Art 6(1)(d).
    VitalInterests,
    /// Art 6(1)(e).
    PublicTask,
    /// Art 6(1)(f).
    LegitimateInterests,
    /// Anything else, described in text.
    Other(String),
}

/// The controller responsible for the processing, and how to reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Controller {
    /// Legal name.
    pub name: String,
    /// E-mail address or URL for privacy questions.
    pub contact: String,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Contact of the data-protection officer, where one is appointed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpo_contact: Option<String>,
    /// The supervisory authority a visitor may complain to (Art 77).
    pub supervisory_authority: String,
}

/// Someone who receives the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Recipient {
    /// Who receives it.
    pub name: String,
    /// What they do with it.
    pub role: LocalizedText,
}

/// A transfer outside the EU/EEA (Art 44–49).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Transfer {
    /// Destination countries, ISO 3166 codes.
    pub countries: Vec<String>,
    /// The safeguard: adequacy decision, standard contractual clauses, …
    pub safeguard: LocalizedText,
}

/// Where the visitor is asked about a purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AskedIn {
    /// A toggle in the consent banner: processing on this site, by this browser.
    #[default]
    Banner,
    /// Only an opt-in box in the site's own form (`data-samtycke-optin`), with the e-mail address
    /// the form collects: e-mail marketing, say. Never a banner toggle.
    Form,
}

impl AskedIn {
    fn is_banner(&self) -> bool {
        *self == AskedIn::Banner
    }
}

/// One purpose of processing with its full disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Purpose {
    /// Stable id; decisions are keyed by it.
    pub id: PurposeId,
    /// Strictly necessary: shown locked on, never asked.
    #[serde(default)]
    pub necessary: bool,
    /// Where the visitor is asked: the banner (default) or a form's opt-in box. Left out when
    /// it is the banner, so that the disclosure fingerprint of policies written before this
    /// field existed stays the same.
    #[serde(default, skip_serializing_if = "AskedIn::is_banner")]
    pub asked_in: AskedIn,
    /// A form opt-in for it counts only once the person confirms it from their own mailbox
    /// (only for purposes asked in a form). Left out when false, as `askedIn` is, so that the
    /// disclosure fingerprint of policies written before it stays the same.
    #[serde(default, skip_serializing_if = "is_false")]
    pub double_opt_in: bool,
    /// The form's box asks whether the visitor is at least the site's `minimumAge` (Art 8):
    /// below it, the opt-in counts only once a parent or guardian confirms it from their own
    /// mailbox. Only for purposes asked in a form; left out when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub ask_age: bool,
    /// Short name shown beside the toggle. For a purpose asked in a form, it completes "I want
    /// to receive …" ("the weekly newsletter").
    pub name: LocalizedText,
    /// What is done and why.
    pub description: LocalizedText,
    /// Which personal data are processed.
    pub data_categories: LocalizedText,
    /// Why the processing is lawful.
    pub lawful_basis: LawfulBasis,
    /// Who receives the data.
    #[serde(default)]
    pub recipients: Vec<Recipient>,
    /// Transfers outside the EU/EEA, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfers: Option<Transfer>,
    /// How long the data are kept.
    pub retention: LocalizedText,
    /// Automated decision-making or profiling (Art 22), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_decisions: Option<LocalizedText>,
    /// What happens if the visitor says no.
    pub if_refused: LocalizedText,
    /// Uses special-category data (Art 9): needs its own explicit tick.
    #[serde(default)]
    pub special_category: bool,
    /// Sale, sharing or targeted advertising: refused from the start under Global Privacy Control.
    #[serde(default)]
    pub sale_or_sharing: bool,
    /// Names of the cookies this purpose sets; deleted on withdrawal.
    #[serde(default)]
    pub cookies: Vec<String>,
    /// Google Consent Mode v2 types granted with this purpose (`analytics_storage`, …).
    #[serde(default)]
    pub consent_mode: Vec<String>,
}

/// A site's policy document, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Policy {
    /// The site this policy belongs to.
    pub site: SiteId,
    /// Raised by the site owner on every change; receipts cite it.
    pub version: u32,
    /// Languages the texts come in; the first is the default and must be complete.
    pub languages: Vec<Language>,
    /// Legal jurisdiction, e.g. `SE`.
    pub jurisdiction: String,
    /// Who is responsible.
    pub controller: Controller,
    /// The full privacy policy, for people who want more than the banner.
    pub policy_url: String,
    /// How long a consent stays valid before the visitor is asked again.
    #[serde(default = "default_consent_validity_days")]
    pub consent_validity_days: u32,
    /// How long a refusal is remembered before the visitor may be asked again.
    #[serde(default = "default_refusal_validity_days")]
    pub refusal_validity_days: u32,
    /// The first layer's short text.
    pub notice: LocalizedText,
    /// What consent is asked for.
    pub purposes: Vec<Purpose>,
    /// The age of digital consent where the site's visitors are (Art 8(1): 13 to 16 by member
    /// state; 16 when left out), for purposes that ask the age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_age: Option<u8>,
}

/// The age of digital consent when a policy does not set one (Art 8(1)).
pub const DEFAULT_MINIMUM_AGE: u8 = 16;

fn default_consent_validity_days() -> u32 {
    365
}

fn default_refusal_validity_days() -> u32 {
    183
}

impl Policy {
    /// The age of digital consent its purposes that ask the age hold visitors to.
    pub fn minimum_age(&self) -> u8 {
        self.minimum_age.unwrap_or(DEFAULT_MINIMUM_AGE)
    }

    /// Reads and checks a policy document; the first problem found, if any.
    pub fn parse(bytes: &[u8]) -> Result<Self, PolicyError> {
        serde_json::from_slice::<Policy>(bytes)?.checked()
    }

    /// Reads a document's shape only, leaving its rules unchecked: for a caller that lists
    /// every problem at once with [`Policy::problems`] and its own rules (the collector, when
    /// an admin publishes a version). serde stops at the first shape error, so a document of
    /// the wrong shape has one problem, at its place. Anything else reads with
    /// [`Policy::parse`].
    pub fn read_unchecked(bytes: &[u8]) -> Result<Self, PolicyProblem> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let policy: Policy =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|error| PolicyProblem {
                path: json_pointer(error.path()),
                error: PolicyError::Json(error.into_inner()),
            })?;
        deserializer.end().map_err(|error| PolicyProblem {
            path: String::new(),
            error: PolicyError::Json(error),
        })?;
        Ok(policy)
    }

    /// Checks a policy document read some other way than [`Policy::parse`]. (The widget reads
    /// the browser's `JSON.parse` of the document the collector checked, and does not check it
    /// again.)
    pub fn checked(self) -> Result<Self, PolicyError> {
        match self.problems().into_iter().next() {
            Some(first) => Err(first.error),
            None => Ok(self),
        }
    }

    /// The default language, the one every text has.
    pub fn default_language(&self) -> &Language {
        // `check` guarantees one; parse is the only way to a checked policy.
        &self.languages[0]
    }

    /// The purpose with this id.
    pub fn purpose(&self, id: &PurposeId) -> Option<&Purpose> {
        self.purposes.iter().find(|p| &p.id == id)
    }

    /// Purposes the visitor decides on (all but the strictly necessary), wherever asked.
    pub fn optional_purposes(&self) -> impl Iterator<Item = &Purpose> {
        self.purposes.iter().filter(|p| !p.necessary)
    }

    /// Purposes the banner shows a toggle for: the optional ones not asked in a form.
    pub fn banner_purposes(&self) -> impl Iterator<Item = &Purpose> {
        self.optional_purposes()
            .filter(|p| p.asked_in == AskedIn::Banner)
    }

    /// Every rule the document breaks, in the order the rules are written (so the first is
    /// what [`Policy::checked`] reports), each with where it is broken. An empty list: valid.
    pub fn problems(&self) -> Vec<PolicyProblem> {
        let mut found = Problems::default();
        if self.version == 0 {
            found.add("/version", PolicyError::VersionZero);
        }
        let language = self.languages.first();
        if language.is_none() {
            found.add("/languages", PolicyError::NoLanguages);
        }
        if let Some(age) = self.minimum_age
            && !(13..=16).contains(&age)
        {
            found.add("/minimumAge", PolicyError::MinimumAge(age));
        }
        if self.purposes.is_empty() {
            found.add("/purposes", PolicyError::NoPurposes);
        }
        // Without a default language no text can be missing from it: that is one problem,
        // reported above, not one per text.
        let require = |found: &mut Problems, path: String, field: String, text: &LocalizedText| {
            if let Some(language) = language
                && !text.has(language)
            {
                found.add(
                    format!("{path}/{language}"),
                    PolicyError::MissingText {
                        field,
                        language: language.clone(),
                    },
                );
            }
        };
        require(&mut found, "/notice".into(), "notice".into(), &self.notice);
        let mut seen = BTreeSet::new();
        for (index, purpose) in self.purposes.iter().enumerate() {
            let pointer = |member: &str| format!("/purposes/{index}/{member}");
            let id = || purpose.id.clone();
            if !seen.insert(&purpose.id) {
                found.add(pointer("id"), PolicyError::DuplicatePurpose(id()));
            }
            if purpose.necessary && purpose.lawful_basis == LawfulBasis::Consent {
                found.add(
                    pointer("lawfulBasis"),
                    PolicyError::NecessaryByConsent(id()),
                );
            }
            let touches_device = !purpose.cookies.is_empty() || !purpose.consent_mode.is_empty();
            if touches_device && !purpose.necessary && purpose.lawful_basis != LawfulBasis::Consent
            {
                found.add(
                    pointer("lawfulBasis"),
                    PolicyError::DeviceAccessWithoutConsent(id()),
                );
            }
            if purpose.asked_in == AskedIn::Form {
                // Necessary purposes are never asked, so this also refuses a necessary one.
                if purpose.lawful_basis != LawfulBasis::Consent {
                    found.add(
                        pointer("lawfulBasis"),
                        PolicyError::FormWithoutConsent(id()),
                    );
                }
                if !purpose.cookies.is_empty() {
                    found.add(pointer("cookies"), PolicyError::FormOnPage(id()));
                } else if !purpose.consent_mode.is_empty() {
                    found.add(pointer("consentMode"), PolicyError::FormOnPage(id()));
                }
            }
            if purpose.double_opt_in && purpose.asked_in != AskedIn::Form {
                found.add(
                    pointer("doubleOptIn"),
                    PolicyError::DoubleOptInOutsideForm(id()),
                );
            }
            if purpose.ask_age && purpose.asked_in != AskedIn::Form {
                found.add(pointer("askAge"), PolicyError::AgeOutsideForm(id()));
            }
            let field = |name: &str| format!("purposes[{}].{name}", purpose.id);
            let texts = [
                ("name", "name", Some(&purpose.name)),
                ("description", "description", Some(&purpose.description)),
                (
                    "dataCategories",
                    "dataCategories",
                    Some(&purpose.data_categories),
                ),
                ("retention", "retention", Some(&purpose.retention)),
                ("ifRefused", "ifRefused", Some(&purpose.if_refused)),
                (
                    "automatedDecisions",
                    "automatedDecisions",
                    purpose.automated_decisions.as_ref(),
                ),
                (
                    "transfers/safeguard",
                    "transfers.safeguard",
                    purpose.transfers.as_ref().map(|t| &t.safeguard),
                ),
            ];
            for (member, name, text) in texts {
                if let Some(text) = text {
                    require(&mut found, pointer(member), field(name), text);
                }
            }
            for (at, recipient) in purpose.recipients.iter().enumerate() {
                require(
                    &mut found,
                    pointer(&format!("recipients/{at}/role")),
                    field(&format!("recipients[{}].role", recipient.name)),
                    &recipient.role,
                );
            }
        }
        found.0
    }
}

/// One rule a policy document breaks, and where: `path` is a JSON Pointer (RFC 6901) into the
/// document, e.g. `/purposes/2/retention/en` for a text missing in the default language `en`.
#[derive(Debug)]
pub struct PolicyProblem {
    /// Where in the document; empty for the document as a whole.
    pub path: String,
    /// Which rule.
    pub error: PolicyError,
}

impl PolicyProblem {
    /// Why, in words: the rule's message, or for a document not of the policy's shape serde's
    /// message without the values it quotes (see [`crate::wire_error::without_values`]).
    pub fn reason(&self) -> String {
        match &self.error {
            PolicyError::Json(error) => crate::wire_error::without_values(&error.to_string()),
            other => other.to_string(),
        }
    }
}

/// The problems found so far, in order.
#[derive(Default)]
struct Problems(Vec<PolicyProblem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, error: PolicyError) {
        self.0.push(PolicyProblem {
            path: path.into(),
            error,
        });
    }
}

/// A serde path as a JSON Pointer (RFC 6901): `/purposes/2/retention`.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => pointer.push('-'),
        }
    }
    pointer
}

/// For `skip_serializing_if`: a flag left out when it is off.
fn is_false(flag: &bool) -> bool {
    !*flag
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small valid policy; tests change one thing at a time.
    pub(crate) fn sample_json() -> serde_json::Value {
        serde_json::json!({
            "site": "demo", "version": 1, "languages": ["en", "sv"], "jurisdiction": "SE",
            "controller": { "name": "Demo AB", "contact": "privacy@demo.example",
                            "supervisoryAuthority": "IMY" },
            "policyUrl": "https://demo.example/privacy",
            "notice": { "en": "We ask before we track.", "sv": "Vi frågar först." },
            "purposes": [
                { "id": "necessary", "necessary": true, "name": { "en": "Necessary" },
                  "description": { "en": "Keeps the site working." },
                  "dataCategories": { "en": "Session id" }, "lawfulBasis": "legitimate-interests",
                  "retention": { "en": "Session" }, "ifRefused": { "en": "Cannot be refused." } },
                { "id": "analytics", "name": { "en": "Analytics" },
                  "description": { "en": "Counting visits." },
                  "dataCategories": { "en": "Pages viewed" }, "lawfulBasis": "consent",
                  "retention": { "en": "13 months" }, "ifRefused": { "en": "Nothing changes." },
                  "cookies": ["_demo_a"] }
            ]
        })
    }

    fn parse(value: serde_json::Value) -> Result<Policy, PolicyError> {
        Policy::parse(value.to_string().as_bytes())
    }

    #[test]
    fn a_complete_policy_parses_with_default_validity_periods() {
        let policy = parse(sample_json()).expect("valid");
        assert_eq!(policy.consent_validity_days, 365);
        assert_eq!(policy.refusal_validity_days, 183);
        assert_eq!(policy.optional_purposes().count(), 1);
    }

    #[test]
    fn a_text_missing_in_the_default_language_is_named() {
        let mut json = sample_json();
        json["purposes"][1]["retention"] = serde_json::json!({ "sv": "13 månader" });
        let err = parse(json).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "purposes[analytics].retention has no text in the default language en"
        );
    }

    #[test]
    fn duplicate_purposes_and_necessary_consent_are_refused() {
        let mut json = sample_json();
        json["purposes"][1]["id"] = "necessary".into();
        assert!(matches!(parse(json), Err(PolicyError::DuplicatePurpose(_))));
        let mut json = sample_json();
        json["purposes"][0]["lawfulBasis"] = "consent".into();
        assert!(matches!(
            parse(json),
            Err(PolicyError::NecessaryByConsent(_))
        ));
    }

    #[test]
    fn cookies_or_consent_mode_on_legitimate_interest_are_refused_unless_necessary() {
        for (member, value) in [
            ("cookies", serde_json::json!(["_demo_a"])),
            ("consentMode", serde_json::json!(["analytics_storage"])),
        ] {
            let mut json = sample_json();
            json["purposes"][1]["lawfulBasis"] = "legitimate-interests".into();
            json["purposes"][1]["cookies"] = serde_json::json!([]);
            json["purposes"][1][member] = value;
            let err = parse(json).expect_err("must fail");
            assert!(matches!(err, PolicyError::DeviceAccessWithoutConsent(_)));
            assert!(err.to_string().contains("purpose analytics"), "{err}");
        }
        // Strictly necessary cookies need no consent.
        let mut json = sample_json();
        json["purposes"][0]["cookies"] = serde_json::json!(["session"]);
        assert!(parse(json).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused_so_typos_do_not_vanish() {
        let mut json = sample_json();
        json["purposes"][1]["retension"] = serde_json::json!({ "en": "x" });
        assert!(matches!(parse(json), Err(PolicyError::Json(_))));
    }

    fn newsletter() -> serde_json::Value {
        serde_json::json!({ "id": "newsletter", "askedIn": "form", "name": { "en": "the newsletter" },
            "description": { "en": "News by e-mail." }, "dataCategories": { "en": "E-mail address" },
            "lawfulBasis": "consent", "retention": { "en": "Until you unsubscribe" },
            "ifRefused": { "en": "No e-mails." } })
    }

    #[test]
    fn the_age_is_asked_only_in_a_form_and_the_minimum_is_an_age_of_digital_consent() {
        let mut json = sample_json();
        let mut asking = newsletter();
        asking["askAge"] = true.into();
        json["purposes"].as_array_mut().expect("array").push(asking);
        let policy = parse(json.clone()).expect("valid");
        assert_eq!(policy.minimum_age(), DEFAULT_MINIMUM_AGE);
        for (age, ok) in [(12, false), (13, true), (16, true), (17, false)] {
            let mut json = json.clone();
            json["minimumAge"] = age.into();
            match parse(json) {
                Ok(policy) => assert!(ok && policy.minimum_age() == age, "{age}"),
                Err(error) => {
                    assert!(!ok, "{age}: {error}");
                    assert!(matches!(error, PolicyError::MinimumAge(_)));
                    assert!(error.to_string().contains("13 to 16"), "{error}");
                }
            }
        }
        let mut json = sample_json();
        json["purposes"][1]["askAge"] = true.into();
        assert!(matches!(parse(json), Err(PolicyError::AgeOutsideForm(_))));
    }

    #[test]
    fn a_purpose_asked_in_a_form_is_optional_but_no_banner_toggle() {
        let mut json = sample_json();
        json["purposes"]
            .as_array_mut()
            .expect("array")
            .push(newsletter());
        let policy = parse(json).expect("valid");
        let optional: Vec<_> = policy.optional_purposes().map(|p| p.id.as_str()).collect();
        let banner: Vec<_> = policy.banner_purposes().map(|p| p.id.as_str()).collect();
        assert_eq!(optional, ["analytics", "newsletter"]);
        assert_eq!(banner, ["analytics"]);
        assert_eq!(policy.purposes[2].asked_in, AskedIn::Form);
    }

    #[test]
    fn a_form_purpose_must_rest_on_consent_and_leave_the_page_alone() {
        let mut json = sample_json();
        let mut purpose = newsletter();
        purpose["lawfulBasis"] = "legitimate-interests".into();
        json["purposes"]
            .as_array_mut()
            .expect("array")
            .push(purpose);
        assert_eq!(
            parse(json).expect_err("must fail").to_string(),
            "purpose newsletter is asked in a form, so its lawful basis must be consent"
        );
        let mut json = sample_json();
        json["purposes"][0]["askedIn"] = "form".into();
        assert!(matches!(
            parse(json),
            Err(PolicyError::FormWithoutConsent(_))
        ));
        for (field, value) in [("cookies", "_nl"), ("consentMode", "ad_storage")] {
            let mut json = sample_json();
            let mut purpose = newsletter();
            purpose[field] = serde_json::json!([value]);
            json["purposes"]
                .as_array_mut()
                .expect("array")
                .push(purpose);
            assert!(
                matches!(parse(json), Err(PolicyError::FormOnPage(_))),
                "{field}"
            );
        }
    }

    #[test]
    fn a_banner_purpose_is_written_without_asked_in() {
        // The collector fingerprints the purposes as serde writes them: policies that never
        // mention `askedIn` must keep their fingerprint, or every visitor would be asked again.
        let policy = parse(sample_json()).expect("valid");
        let written = serde_json::to_string(&policy.purposes).expect("json");
        assert!(!written.contains("askedIn"), "{written}");
        assert!(!written.contains("doubleOptIn"), "{written}");
    }

    #[test]
    fn only_a_form_purpose_may_ask_for_double_opt_in() {
        let mut json = sample_json();
        let mut purpose = newsletter();
        purpose["doubleOptIn"] = true.into();
        json["purposes"]
            .as_array_mut()
            .expect("array")
            .push(purpose);
        let policy = parse(json).expect("valid");
        assert!(policy.purposes[2].double_opt_in);
        let mut json = sample_json();
        json["purposes"][1]["doubleOptIn"] = true.into();
        assert_eq!(
            parse(json).expect_err("must fail").to_string(),
            "purpose analytics asks for double opt-in, so it must be asked in a form \
             (\"askedIn\": \"form\")"
        );
    }

    #[test]
    fn every_problem_is_listed_with_its_json_pointer_and_the_first_is_what_parse_reports() {
        let mut json = sample_json();
        json["version"] = 0.into();
        json["purposes"][0]["lawfulBasis"] = "consent".into();
        json["purposes"][1]["retention"] = serde_json::json!({ "sv": "13 månader" });
        json["purposes"][1]["doubleOptIn"] = true.into();
        let bytes = json.to_string().into_bytes();
        let problems = Policy::read_unchecked(&bytes)
            .expect("its shape")
            .problems();
        let listed: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            listed,
            [
                "/version",
                "/purposes/0/lawfulBasis",
                "/purposes/1/doubleOptIn",
                "/purposes/1/retention/en"
            ]
        );
        assert!(
            problems[3]
                .reason()
                .contains("no text in the default language en"),
            "{}",
            problems[3].reason()
        );
        let first = Policy::parse(&bytes).expect_err("must fail");
        assert_eq!(first.to_string(), problems[0].reason());
        let valid = Policy::read_unchecked(sample_json().to_string().as_bytes()).expect("shape");
        assert!(valid.problems().is_empty());
    }

    #[test]
    fn a_document_of_the_wrong_shape_is_one_problem_at_its_place_without_its_values() {
        let mut json = sample_json();
        json["purposes"][1]["retention"] = "kept for ever, write to anna@example.se".into();
        let problem = Policy::read_unchecked(json.to_string().as_bytes()).expect_err("must fail");
        assert_eq!(problem.path, "/purposes/1/retention");
        assert!(!problem.reason().contains("anna"), "{}", problem.reason());
        let trailing = format!("{} x", sample_json());
        let problem = Policy::read_unchecked(trailing.as_bytes()).expect_err("must fail");
        assert_eq!(problem.path, "");
    }

    #[test]
    fn other_lawful_basis_carries_its_text() {
        let basis: LawfulBasis =
            serde_json::from_str(r#"{"other":"Collective agreement"}"#).expect("parses");
        assert_eq!(basis, LawfulBasis::Other("Collective agreement".into()));
    }

    #[test]
    fn text_falls_back_to_primary_then_default_language() {
        let policy = parse(sample_json()).expect("valid");
        let en_gb = Language::parse("en-GB").expect("tag");
        let sv = Language::parse("sv").expect("tag");
        assert_eq!(
            policy.notice.get(&en_gb, policy.default_language()),
            "We ask before we track."
        );
        assert_eq!(
            policy.notice.get(&sv, policy.default_language()),
            "Vi frågar först."
        );
        let name = &policy.purposes[1].name;
        assert_eq!(name.get(&sv, policy.default_language()), "Analytics");
    }
}
