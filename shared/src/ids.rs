//! Identifier newtypes: each is checked once, when parsed, and is valid from then on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// A site or purpose id must be a short lower-case slug.
    #[error(
        "{kind} {value:?} must be 1–64 characters of a–z, 0–9 and '-', starting with a letter or digit"
    )]
    BadSlug {
        /// Which kind of id was being parsed.
        kind: &'static str,
        /// The rejected text.
        value: String,
    },
    /// A receipt id must be a UUID, the widget's idempotency key.
    #[error("receipt id {0:?} is not a UUID")]
    BadReceiptId(String),
    /// A language must be a BCP 47 tag such as `sv` or `en-GB`.
    #[error("language {0:?} is not a BCP 47 tag such as \"sv\" or \"en-GB\"")]
    BadLanguage(String),
}

impl IdError {
    /// The message without the rejected text, for data someone sent: a value in the wrong
    /// field may be personal data (an e-mail address sent as `language`), and must not come
    /// back in a problem document or reach a log.
    pub fn without_value(&self) -> String {
        match self {
            IdError::BadSlug { kind, .. } => format!(
                "invalid {kind}: expected 1–64 characters of a–z, 0–9 and '-', starting with a letter or digit"
            ),
            IdError::BadReceiptId(_) => "invalid receipt id: expected a UUID".to_owned(),
            IdError::BadLanguage(_) => {
                "invalid language: expected a BCP 47 tag such as \"sv\" or \"en-GB\"".to_owned()
            }
        }
    }
}

fn is_slug(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a slug: 1–64 characters of `a-z`, `0-9` and `-`.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                if is_slug(value) {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(IdError::BadSlug { kind: $kind, value: value.to_owned() })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(|e| serde::de::Error::custom(e.without_value()))
            }
        }
    };
}

slug_id!(
    /// A site, as named in the collector's configuration and in the script tag `/s/SITE.js`.
    SiteId,
    "site id"
);
slug_id!(
    /// A purpose of processing within a site's policy, such as `analytics`.
    PurposeId,
    "purpose id"
);

/// The id the widget chooses for a consent request; the collector's idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReceiptId(uuid::Uuid);

impl ReceiptId {
    /// Parses a UUID in its hyphenated form.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        uuid::Uuid::try_parse(value)
            .map(Self)
            .map_err(|_| IdError::BadReceiptId(value.to_owned()))
    }

    /// Wraps an existing UUID.
    pub fn from_uuid(id: uuid::Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for ReceiptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl<'de> Deserialize<'de> for ReceiptId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|e| serde::de::Error::custom(e.without_value()))
    }
}

/// A language tag (BCP 47, simplified): a 2–3 letter primary language and optional subtags.
/// Stored lower-case in the primary part so that `SV` and `sv` are one language.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// Parses a tag such as `sv`, `en` or `en-GB`.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let mut parts = value.split('-');
        let primary = parts.next().unwrap_or_default();
        let primary_ok =
            (2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic());
        let rest_ok = parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !(primary_ok && rest_ok) {
            return Err(IdError::BadLanguage(value.to_owned()));
        }
        let (head, tail) = value.split_at(primary.len());
        let mut tag = head.to_ascii_lowercase();
        tag.push_str(tail);
        Ok(Self(tag))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag: `en` for `en-GB`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Language {
    type Err = IdError;
    fn from_str(value: &str) -> Result<Self, IdError> {
        Self::parse(value)
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(|e| serde::de::Error::custom(e.without_value()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs_accept_lower_case_words_with_hyphens() {
        assert!(PurposeId::parse("marketing-email").is_ok());
        assert!(SiteId::parse("demo").is_ok());
    }

    #[test]
    fn slugs_refuse_upper_case_spaces_and_empty_text() {
        for bad in [
            "",
            "Analytics",
            "a b",
            "-lead",
            "x".repeat(65).as_str(),
            "å",
        ] {
            assert!(PurposeId::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn languages_lower_case_their_primary_subtag() {
        assert_eq!(
            Language::parse("SV").map(|l| l.to_string()),
            Ok("sv".into())
        );
        assert_eq!(
            Language::parse("en-GB").map(|l| l.primary().to_owned()),
            Ok("en".into())
        );
        assert!(Language::parse("english").is_err());
        assert!(Language::parse("en_GB").is_err());
    }

    #[test]
    fn receipt_ids_must_be_uuids() {
        assert!(ReceiptId::parse("3f1c8a52-8d7e-4f51-9a0e-3c0b1b7e2f10").is_ok());
        assert!(ReceiptId::parse("not-a-uuid").is_err());
    }

    proptest! {
        #[test]
        fn every_parsed_slug_round_trips_through_json(s in "[a-z0-9][a-z0-9-]{0,63}") {
            let id = PurposeId::parse(&s).expect("matches the slug grammar");
            let json = serde_json::to_string(&id).expect("serialises");
            let back: PurposeId = serde_json::from_str(&json).expect("deserialises");
            prop_assert_eq!(back, id);
        }

        #[test]
        fn deserialising_never_accepts_what_parse_refuses(s in ".{0,70}") {
            let json = serde_json::to_string(&s).expect("serialises");
            let via_serde = serde_json::from_str::<PurposeId>(&json).is_ok();
            prop_assert_eq!(via_serde, PurposeId::parse(&s).is_ok());
        }
    }
}
