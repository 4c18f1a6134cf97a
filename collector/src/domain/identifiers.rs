//! The identifiers a form opt-in sends beside its signed request: each is parsed (known type,
//! plausible e-mail address, well-formed salt) and must open one of the request's signed
//! commitments, and every commitment must be opened, so that the collector never countersigns a
//! commitment it cannot prove. Errors name positions, never values: an e-mail address must not
//! reach a problem document or a log.

use std::collections::HashSet;

use email_address::{EmailAddress, Options};
use samtycke_shared::commitment::{commitment, is_valid_salt, normalise};
use samtycke_shared::{CollectionMethod, Identifier};

use super::consent::IngestError;

/// The kinds of identifier the vault keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// An e-mail address.
    Email,
    /// A parent's or guardian's e-mail address, given in a form by someone below the age of
    /// digital consent: it receives the confirmation and is kept only until that settles,
    /// never as anyone's identifier.
    GuardianEmail,
}

impl IdentifierKind {
    /// The kind a wire `type` names, if known.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(IdentifierKind::Email),
            "guardian-email" => Some(IdentifierKind::GuardianEmail),
            _ => None,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Email => "email",
            IdentifierKind::GuardianEmail => "guardian-email",
        }
    }
}

/// An e-mail address, normalised as every commitment normalises it (trimmed, lower-cased) and
/// plausible: one `@`, a local part, a domain with a dot, no display name, no IP literal, no
/// spaces. Deliverability is double opt-in's business, not syntax's.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Normalises and checks `raw`; `None` if it is not a plausible address.
    pub fn parse(raw: &str) -> Option<Self> {
        let normalised = normalise(IdentifierKind::Email.as_str(), raw);
        let options = Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        let plausible = normalised.matches('@').count() == 1
            && !normalised
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
            && EmailAddress::parse_with_options(&normalised, options).is_ok();
        plausible.then_some(Self(normalised))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(..)")
    }
}

/// An identifier that passed every check and opens one of the request's commitments.
#[derive(Clone)]
pub struct CheckedIdentifier {
    /// Its kind.
    pub kind: IdentifierKind,
    /// The normalised value.
    pub value: String,
    /// The salt, as sent.
    pub salt: String,
    /// `commitment(kind, value, salt)`, as it appears in the signed request.
    pub commitment: String,
}

impl std::fmt::Debug for CheckedIdentifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedIdentifier")
            .field("kind", &self.kind)
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

/// Whether decisions collected this way may carry identifiers: a banner or its settings never
/// ask for an e-mail address, so identifiers there are a mistake or an injection.
fn takes_identifiers(method: CollectionMethod) -> bool {
    !matches!(
        method,
        CollectionMethod::Banner | CollectionMethod::Settings
    )
}

/// Checks the submitted identifiers against the signed commitments.
pub fn check(
    submitted: &[Identifier],
    committed: &[String],
    method: CollectionMethod,
) -> Result<Vec<CheckedIdentifier>, IngestError> {
    if submitted.is_empty() && committed.is_empty() {
        // A form's box stands beside the address it is for: an opt-in to e-mail with no
        // address could never be confirmed, used or withdrawn by link.
        return match method {
            CollectionMethod::Form => Err(IngestError::IdentifierRequired),
            _ => Ok(Vec::new()),
        };
    }
    if !takes_identifiers(method) {
        return Err(IngestError::IdentifiersNotAllowed(method.as_str()));
    }
    let signed: HashSet<&str> = committed.iter().map(String::as_str).collect();
    let mut checked: Vec<CheckedIdentifier> = Vec::with_capacity(submitted.len());
    for (index, identifier) in submitted.iter().enumerate() {
        let kind = IdentifierKind::parse(&identifier.kind)
            .ok_or(IngestError::UnknownIdentifierType { index })?;
        if !is_valid_salt(&identifier.salt) {
            return Err(IngestError::InvalidSalt { index });
        }
        let value = match kind {
            IdentifierKind::Email | IdentifierKind::GuardianEmail => {
                Email::parse(&identifier.value)
                    .ok_or(IngestError::InvalidEmail { index })?
                    .0
            }
        };
        let opened = commitment(kind.as_str(), &value, &identifier.salt);
        if checked.iter().any(|c| c.commitment == opened) {
            return Err(IngestError::DuplicateIdentifier { index });
        }
        if !signed.contains(opened.as_str()) {
            return Err(IngestError::UncommittedIdentifier { index });
        }
        checked.push(CheckedIdentifier {
            kind,
            value,
            salt: identifier.salt.clone(),
            commitment: opened,
        });
    }
    let mut seen = HashSet::new();
    for (index, signed) in committed.iter().enumerate() {
        if !seen.insert(signed.as_str()) {
            return Err(IngestError::DuplicateCommitment { index });
        }
        if !checked.iter().any(|c| &c.commitment == signed) {
            return Err(IngestError::UnopenedCommitment { index });
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALT: &str = "AAAAAAAAAAAAAAAAAAAAAA";

    fn email(value: &str, salt: &str) -> Identifier {
        Identifier {
            kind: "email".into(),
            value: value.into(),
            salt: salt.into(),
        }
    }

    #[test]
    fn plausible_addresses_are_normalised_and_implausible_ones_refused() {
        let parsed = Email::parse("  Anna@Example.SE ").expect("plausible");
        assert_eq!(parsed.as_str(), "anna@example.se");
        for bad in [
            "",
            "anna",
            "anna@",
            "@example.se",
            "anna@example",
            "a@b@example.se",
            "an na@example.se",
            "anna@example..se",
            "Anna <anna@example.se>",
            "anna@[127.0.0.1]",
            "\"a@b\"@example.se",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn an_identifier_must_open_a_commitment_and_every_commitment_must_be_opened() {
        let anna = [email("Anna@example.se", SALT)];
        let signed = commitment("email", "anna@example.se", SALT);
        let other = commitment("email", "bo@example.se", SALT);
        let form = CollectionMethod::Form;
        let ok = check(&anna, std::slice::from_ref(&signed), form).expect("matches");
        assert_eq!(ok[0].value, "anna@example.se");
        assert_eq!(ok[0].commitment, signed);
        assert!(matches!(
            check(&anna, std::slice::from_ref(&other), form),
            Err(IngestError::UncommittedIdentifier { index: 0 })
        ));
        assert!(matches!(
            check(&anna, &[signed.clone(), other], form),
            Err(IngestError::UnopenedCommitment { index: 1 })
        ));
        assert!(matches!(
            check(&[], std::slice::from_ref(&signed), form),
            Err(IngestError::UnopenedCommitment { index: 0 })
        ));
        assert!(matches!(
            check(&anna, &[signed.clone(), signed.clone()], form),
            Err(IngestError::DuplicateCommitment { index: 1 })
        ));
        let twice = [anna[0].clone(), anna[0].clone()];
        assert!(matches!(
            check(&twice, &[signed], form),
            Err(IngestError::DuplicateIdentifier { index: 1 })
        ));
    }

    #[test]
    fn each_malformed_part_has_its_own_refusal() {
        let signed = |i: &Identifier| vec![commitment(&i.kind, &i.value, &i.salt)];
        let bad_salt = email("anna@example.se", "AAAA");
        let bad_email = email("anna", SALT);
        let phone = Identifier {
            kind: "phone".into(),
            ..email("+46700000000", SALT)
        };
        let form = CollectionMethod::Form;
        assert!(matches!(
            check(std::slice::from_ref(&bad_salt), &signed(&bad_salt), form),
            Err(IngestError::InvalidSalt { index: 0 })
        ));
        assert!(matches!(
            check(std::slice::from_ref(&bad_email), &signed(&bad_email), form),
            Err(IngestError::InvalidEmail { index: 0 })
        ));
        assert!(matches!(
            check(std::slice::from_ref(&phone), &signed(&phone), form),
            Err(IngestError::UnknownIdentifierType { index: 0 })
        ));
    }

    #[test]
    fn banners_and_settings_take_no_identifiers_and_nothing_is_fine_anywhere() {
        let anna = email("anna@example.se", SALT);
        let signed = vec![commitment("email", "anna@example.se", SALT)];
        for method in [CollectionMethod::Banner, CollectionMethod::Settings] {
            assert!(matches!(
                check(std::slice::from_ref(&anna), &signed, method),
                Err(IngestError::IdentifiersNotAllowed(_))
            ));
            assert!(
                check(&[], &[], method)
                    .expect("nothing to check")
                    .is_empty()
            );
        }
        for method in [CollectionMethod::DoubleOptIn, CollectionMethod::Api] {
            assert_eq!(
                check(std::slice::from_ref(&anna), &signed, method)
                    .expect("allowed")
                    .len(),
                1
            );
        }
    }

    #[test]
    fn debug_output_hides_the_value_and_salt() {
        let checked = check(
            &[email("anna@example.se", SALT)],
            &[commitment("email", "anna@example.se", SALT)],
            CollectionMethod::Form,
        )
        .expect("matches");
        let shown = format!("{checked:?} {:?}", Email::parse("anna@example.se"));
        assert!(!shown.contains("anna"), "{shown}");
        assert!(!shown.contains(SALT), "{shown}");
    }
}
