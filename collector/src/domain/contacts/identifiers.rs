//! What a contact is known by: an e-mail address (the same normalisation and blind index as a
//! form opt-in's), a phone number, a Salesforce id. Values are checked and normalised here, so
//! that one person typed two ways is one blind index; error messages never repeat the value.

use crate::domain::identifiers::Email;

/// Kinds of contact identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    /// An e-mail address.
    Email,
    /// A phone number, digits with an optional leading `+`.
    Phone,
    /// A Salesforce record id (15 or 18 characters).
    Salesforce,
}

impl IdentifierKind {
    /// Every kind.
    pub const ALL: [IdentifierKind; 3] = [
        IdentifierKind::Email,
        IdentifierKind::Phone,
        IdentifierKind::Salesforce,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Salesforce => "salesforce",
        }
    }

    /// The kind a stored name names.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Why a value is not an identifier of its kind (the value itself is never repeated).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct IdentifierError {
    /// The field, e.g. `email`.
    pub field: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// A checked, normalised identifier.
#[derive(Clone, PartialEq, Eq)]
pub struct ContactIdentifier {
    kind: IdentifierKind,
    value: String,
}

impl std::fmt::Debug for ContactIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactIdentifier")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl ContactIdentifier {
    /// Checks and normalises `raw` as an identifier of `kind`.
    pub fn parse(kind: IdentifierKind, raw: &str) -> Result<Self, IdentifierError> {
        let raw = raw.trim();
        let value = match kind {
            IdentifierKind::Email => Email::parse(raw)
                .map(|email| email.as_str().to_owned())
                .ok_or(IdentifierError {
                    field: "email",
                    reason: "is not an e-mail address",
                })?,
            IdentifierKind::Phone => normalise_phone(raw)?,
            IdentifierKind::Salesforce => {
                let plausible =
                    matches!(raw.len(), 15 | 18) && raw.chars().all(|c| c.is_ascii_alphanumeric());
                if !plausible {
                    return Err(IdentifierError {
                        field: "salesforceId",
                        reason: "is not a Salesforce id (15 or 18 letters and digits)",
                    });
                }
                raw.to_owned()
            }
        };
        Ok(Self { kind, value })
    }

    /// An identifier as a vault kept it (checked when it was sealed).
    pub(crate) fn from_vault(kind: IdentifierKind, value: String) -> Self {
        Self { kind, value }
    }

    /// Its kind.
    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// The normalised value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Digits only, with a leading `+` kept: `+46 (0)70-123 45 67` and `+46701234567` differ (the
/// trunk zero is not guessed at), but spaces, dashes, dots and brackets never make two.
fn normalise_phone(raw: &str) -> Result<String, IdentifierError> {
    let error = IdentifierError {
        field: "phone",
        reason: "is not a phone number (6 to 15 digits, optionally after a +)",
    };
    let (plus, rest) = match raw.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", raw),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return Err(error),
        }
    }
    if !(6..=15).contains(&digits.len()) {
        return Err(error);
    }
    Ok(format!("{plus}{digits}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_lose_their_punctuation_but_keep_the_plus() {
        let phone = ContactIdentifier::parse(IdentifierKind::Phone, " +46 70-123 45.67 ")
            .expect("a number");
        assert_eq!(phone.value(), "+46701234567");
        for bad in ["12345", "+46 70 abc", "1234567890123456", "++46701234567"] {
            let error = ContactIdentifier::parse(IdentifierKind::Phone, bad).expect_err(bad);
            assert!(!error.to_string().contains(bad));
        }
    }

    #[test]
    fn emails_normalise_as_form_opt_ins_do_and_salesforce_ids_have_15_or_18_characters() {
        let email = ContactIdentifier::parse(IdentifierKind::Email, " Anna@Example.SE ")
            .expect("an address");
        assert_eq!(email.value(), "anna@example.se");
        assert!(ContactIdentifier::parse(IdentifierKind::Email, "not an address").is_err());
        assert!(ContactIdentifier::parse(IdentifierKind::Salesforce, "0035g00000AbCdE").is_ok());
        assert!(ContactIdentifier::parse(IdentifierKind::Salesforce, "0035g00000AbCdEFGH").is_ok());
        assert!(ContactIdentifier::parse(IdentifierKind::Salesforce, "0035g00000AbCd").is_err());
        assert!(ContactIdentifier::parse(IdentifierKind::Salesforce, "0035g00000AbCd-").is_err());
    }
}
