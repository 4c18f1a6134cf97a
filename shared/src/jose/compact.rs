//! A compact JWS (RFC 7515 §7.1) taken apart strictly: three parts, canonical unpadded
//! base64url, and a header that is one JSON object with no member twice. A JSON text with a
//! repeated member can be read two ways (most parsers keep the last, some the first), so a
//! signed text that has one is refused rather than read the way this parser happens to.

use std::collections::BTreeSet;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Which part of a compact JWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The protected header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Why a text is not a compact JWS this module accepts. Messages name the part, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompactError {
    /// Not three dot-separated parts.
    #[error("expected three dot-separated parts")]
    Parts,
    /// A part is not canonical unpadded base64url.
    #[error("the {0} is not unpadded base64url")]
    Base64(Part),
    /// A part that must be JSON is not.
    #[error("the {0} is not JSON")]
    Json(Part),
    /// A part that must be a JSON object is another JSON value.
    #[error("the {0} is not a JSON object")]
    NotObject(Part),
    /// A member name appears twice in one object of a part.
    #[error("the {0} has a member name twice in one object")]
    DuplicateMember(Part),
}

/// The three parts of a compact JWS, decoded.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The protected header's members.
    pub header: Map<String, Value>,
    /// The payload as sent.
    pub payload: Vec<u8>,
    /// The signature's bytes.
    pub signature: Vec<u8>,
}

impl<'a> CompactJws<'a> {
    /// Splits and decodes `jws`; the header must be a JSON object without repeated members.
    pub fn parse(jws: &'a str) -> Result<Self, CompactError> {
        let mut parts = jws.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CompactError::Parts);
        };
        let signing_input = &jws.as_bytes()[..header.len() + 1 + payload.len()];
        let header = unique_object(&decode(header, Part::Header)?, Part::Header)?;
        Ok(Self {
            signing_input,
            header,
            payload: decode(payload, Part::Payload)?,
            signature: decode(signature, Part::Signature)?,
        })
    }
}

/// Canonical unpadded base64url: the `base64` engine refuses padding and stray trailing bits, so
/// one byte string has exactly one text.
pub fn decode(text: &str, part: Part) -> Result<Vec<u8>, CompactError> {
    URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| CompactError::Base64(part))
}

/// Parses a JSON object in which no object, at any depth, names a member twice.
pub fn unique_object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, CompactError> {
    match unique_value(bytes, part)? {
        Value::Object(members) => Ok(members),
        _ => Err(CompactError::NotObject(part)),
    }
}

/// Parses a JSON value in which no object, at any depth, names a member twice.
pub fn unique_value(bytes: &[u8], part: Part) -> Result<Value, CompactError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = Unique::deserialize(&mut deserializer).and_then(|unique| {
        deserializer.end()?;
        Ok(unique.0)
    });
    parsed.map_err(|err| {
        if err.to_string().starts_with(DUPLICATE) {
            CompactError::DuplicateMember(part)
        } else {
            CompactError::Json(part)
        }
    })
}

/// The message `Unique` fails with on a repeated member (it never names the member).
const DUPLICATE: &str = "duplicate member";

/// A JSON value read by a visitor that refuses repeated member names.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
        Ok(Unique(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
        Ok(Unique(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
        Ok(Unique(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
        Ok(Unique(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
        Ok(Unique(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Unique, E> {
        Ok(Unique(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Unique, A::Error> {
        let mut values = Vec::new();
        while let Some(Unique(value)) = items.next_element()? {
            values.push(value);
        }
        Ok(Unique(Value::Array(values)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Unique, A::Error> {
        let mut seen = BTreeSet::new();
        let mut map = Map::new();
        while let Some(name) = members.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(DUPLICATE));
            }
            let Unique(value) = members.next_value()?;
            map.insert(name, value);
        }
        Ok(Unique(map.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_member_is_refused_at_any_depth() {
        for text in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":{"b":1,"b":1}}"#,
            r#"{"a":[{"b":1},{"c":1,"c":2}]}"#,
        ] {
            assert_eq!(
                unique_value(text.as_bytes(), Part::Payload),
                Err(CompactError::DuplicateMember(Part::Payload)),
                "{text}"
            );
        }
        let fine = unique_value(br#"{"a":{"b":1},"b":[1,2.5,"x",null,true]}"#, Part::Payload);
        assert!(fine.is_ok(), "{fine:?}");
    }

    #[test]
    fn trailing_text_and_non_objects_are_refused() {
        assert_eq!(
            unique_object(br#"{"a":1} {"a":2}"#, Part::Header),
            Err(CompactError::Json(Part::Header))
        );
        assert_eq!(
            unique_object(b"[1]", Part::Header),
            Err(CompactError::NotObject(Part::Header))
        );
    }

    #[test]
    fn padded_or_non_canonical_base64url_is_refused() {
        assert!(decode("QQ", Part::Signature).is_ok());
        // "QR" has trailing bits set: it decodes to the same byte as "QQ" in lenient decoders.
        for text in ["QQ==", "QR", "Q+", "Q/"] {
            assert_eq!(
                decode(text, Part::Signature),
                Err(CompactError::Base64(Part::Signature)),
                "{text}"
            );
        }
    }

    #[test]
    fn a_jws_has_exactly_three_parts() {
        for text in ["", "a.b", "a.b.c.d"] {
            assert!(matches!(
                CompactJws::parse(text),
                Err(CompactError::Parts | CompactError::Base64(_))
            ));
        }
    }
}
