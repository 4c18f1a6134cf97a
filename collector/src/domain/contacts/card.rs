//! The compliance card: a contact's lawful basis (GDPR Art 6) and where its data came from.
//! With consent, the date and the purpose of processing are what prove it, so they are required;
//! with any other basis they would claim a consent that does not exist, so they are refused.
//! "Other" needs its text, and only "other" may have one.

use serde::{Deserialize, Serialize};

use crate::store::contacts::StoredCard;

/// Lawful bases (GDPR Art 6(1)), plus "other" with a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// (a) consent.
    Consent,
    /// (f) legitimate interests.
    LegitimateInterest,
    /// (b) performance of a contract.
    Contract,
    /// (c) a legal obligation.
    LegalObligation,
    /// (d) vital interests.
    VitalInterests,
    /// (e) a task in the public interest or official authority.
    PublicTask,
    /// Something else, said in `basisOther`.
    Other,
}

/// Where a contact's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The consent banner.
    Widget,
    /// A web form's opt-in.
    Form,
    /// Synchronised from a CRM.
    CrmSync,
    /// An import.
    Import,
    /// Typed in by a person.
    Manual,
    /// A browser extension.
    BrowserExtension,
    /// The API.
    Api,
    /// Something else, said in `sourceOther`.
    Other,
}

fn wire<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn from_wire<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

impl Basis {
    /// The wire name.
    pub fn as_wire(self) -> String {
        wire(self)
    }

    /// The basis a wire name names.
    pub fn parse(text: &str) -> Option<Self> {
        from_wire(text)
    }
}

impl Source {
    /// The wire name.
    pub fn as_wire(self) -> String {
        wire(self)
    }

    /// The source a wire name names.
    pub fn parse(text: &str) -> Option<Self> {
        from_wire(text)
    }
}

/// A card as the API sends and takes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Card {
    /// Lawful basis.
    #[serde(default)]
    pub basis: Option<Basis>,
    /// With `other`.
    #[serde(default)]
    pub basis_other: Option<String>,
    /// With consent: `YYYY-MM-DD`.
    #[serde(default)]
    pub consent_date: Option<String>,
    /// With consent: the purpose of processing.
    #[serde(default)]
    pub consent_purpose: Option<String>,
    /// Where the data came from.
    #[serde(default)]
    pub source: Option<Source>,
    /// With `other`.
    #[serde(default)]
    pub source_other: Option<String>,
}

/// Why a card is refused: the field and the rule (a 422 naming the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct CardError {
    /// The field's wire name.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// The longest text a card's free-text field takes.
const MAX_TEXT_CHARS: usize = 500;

impl Card {
    /// Checks the card's rules; returns it with texts trimmed.
    pub fn checked(mut self, today: time::Date) -> Result<Self, CardError> {
        for (field, value) in [
            ("basisOther", &mut self.basis_other),
            ("consentPurpose", &mut self.consent_purpose),
            ("sourceOther", &mut self.source_other),
            ("consentDate", &mut self.consent_date),
        ] {
            if let Some(text) = value.take() {
                let text = text.trim();
                if text.chars().count() > MAX_TEXT_CHARS {
                    return Err(CardError {
                        field,
                        reason: "is longer than 500 characters",
                    });
                }
                if text.chars().any(char::is_control) {
                    return Err(CardError {
                        field,
                        reason: "contains control characters",
                    });
                }
                if !text.is_empty() {
                    *value = Some(text.to_owned());
                }
            }
        }
        let consent = self.basis == Some(Basis::Consent);
        match (consent, &self.consent_date) {
            (true, None) => return Err(required("consentDate")),
            (false, Some(_)) => return Err(consent_only("consentDate")),
            (true, Some(date)) => {
                let format = time::macros::format_description!("[year]-[month]-[day]");
                let date = time::Date::parse(date, &format).map_err(|_| CardError {
                    field: "consentDate",
                    reason: "is not a date (YYYY-MM-DD)",
                })?;
                if date > today {
                    return Err(CardError {
                        field: "consentDate",
                        reason: "is in the future",
                    });
                }
            }
            (false, None) => {}
        }
        match (consent, &self.consent_purpose) {
            (true, None) => return Err(required("consentPurpose")),
            (false, Some(_)) => return Err(consent_only("consentPurpose")),
            _ => {}
        }
        match (self.basis == Some(Basis::Other), &self.basis_other) {
            (true, None) => return Err(required("basisOther")),
            (false, Some(_)) => return Err(other_only("basisOther")),
            _ => {}
        }
        match (self.source == Some(Source::Other), &self.source_other) {
            (true, None) => return Err(required("sourceOther")),
            (false, Some(_)) => return Err(other_only("sourceOther")),
            _ => {}
        }
        Ok(self)
    }

    /// As stored.
    pub fn to_stored(&self) -> StoredCard {
        StoredCard {
            basis: self.basis.map(Basis::as_wire),
            basis_other: self.basis_other.clone(),
            consent_date: self.consent_date.clone(),
            consent_purpose: self.consent_purpose.clone(),
            source: self.source.map(Source::as_wire),
            source_other: self.source_other.clone(),
        }
    }

    /// From the store (values the store's CHECK constraints allow).
    pub fn from_stored(stored: &StoredCard) -> Self {
        Self {
            basis: stored.basis.as_deref().and_then(Basis::parse),
            basis_other: stored.basis_other.clone(),
            consent_date: stored.consent_date.clone(),
            consent_purpose: stored.consent_purpose.clone(),
            source: stored.source.as_deref().and_then(Source::parse),
            source_other: stored.source_other.clone(),
        }
    }
}

fn required(field: &'static str) -> CardError {
    CardError {
        field,
        reason: "is required with this basis or source",
    }
}

fn consent_only(field: &'static str) -> CardError {
    CardError {
        field,
        reason: "is only for the basis consent",
    }
}

fn other_only(field: &'static str) -> CardError {
    CardError {
        field,
        reason: "is only for \"other\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> time::Date {
        time::macros::date!(2026 - 12 - 01)
    }

    fn consent() -> Card {
        Card {
            basis: Some(Basis::Consent),
            consent_date: Some("2026-11-30".into()),
            consent_purpose: Some("newsletter".into()),
            source: Some(Source::Form),
            ..Card::default()
        }
    }

    #[test]
    fn consent_needs_its_date_and_purpose() {
        assert!(consent().checked(today()).is_ok());
        let no_date = Card {
            consent_date: None,
            ..consent()
        };
        assert_eq!(no_date.checked(today()).expect_err("").field, "consentDate");
        let blank_purpose = Card {
            consent_purpose: Some("  ".into()),
            ..consent()
        };
        assert_eq!(
            blank_purpose.checked(today()).expect_err("").field,
            "consentPurpose"
        );
        for date in ["2026-13-01", "yesterday", "2026-12-02"] {
            let bad = Card {
                consent_date: Some(date.into()),
                ..consent()
            };
            assert_eq!(bad.checked(today()).expect_err(date).field, "consentDate");
        }
    }

    #[test]
    fn another_basis_refuses_a_consent_date_or_purpose() {
        let contract = Card {
            basis: Some(Basis::Contract),
            ..consent()
        };
        assert_eq!(
            contract.checked(today()).expect_err("").field,
            "consentDate"
        );
        let contract = Card {
            basis: Some(Basis::Contract),
            consent_date: None,
            ..consent()
        };
        assert_eq!(
            contract.checked(today()).expect_err("").field,
            "consentPurpose"
        );
        let unset = Card {
            basis: None,
            consent_purpose: None,
            ..consent()
        };
        assert_eq!(unset.checked(today()).expect_err("").field, "consentDate");
    }

    #[test]
    fn other_needs_its_text_and_only_other_may_have_one() {
        let other = Card {
            basis: Some(Basis::Other),
            ..Card::default()
        };
        assert_eq!(other.checked(today()).expect_err("").field, "basisOther");
        let with_text = Card {
            basis: Some(Basis::Other),
            basis_other: Some("a collective agreement".into()),
            source: Some(Source::Other),
            source_other: Some("a fair".into()),
            ..Card::default()
        };
        assert!(with_text.checked(today()).is_ok());
        let stray = Card {
            source: Some(Source::Import),
            source_other: Some("x".into()),
            ..Card::default()
        };
        assert_eq!(stray.checked(today()).expect_err("").field, "sourceOther");
    }

    #[test]
    fn wire_names_round_trip() {
        assert_eq!(Basis::LegitimateInterest.as_wire(), "legitimate_interest");
        assert_eq!(Basis::parse("public_task"), Some(Basis::PublicTask));
        assert_eq!(Source::parse("crm_sync"), Some(Source::CrmSync));
        assert_eq!(Source::parse("fax"), None);
        let card = consent().checked(today()).expect("fine");
        assert_eq!(Card::from_stored(&card.to_stored()), card);
    }
}
