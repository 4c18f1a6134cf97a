//! Why JSON someone sent is not of the expected shape, said without quoting what it holds.
//! serde's messages quote values (`invalid type: string "anna@example.se"`) and paths name map
//! keys, and either may be personal data sent in the wrong place; problem documents and logs
//! must name fields and positions only. The collector describes every body and every signed
//! payload it refuses with this one type.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

/// A description of a JSON shape error: where (a path of field names and indexes) and what
/// (serde's message with every quoted value replaced by `…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    path: String,
    reason: String,
    syntax: bool,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.as_str() {
            "" => f.write_str(&self.reason),
            path => write!(f, "{path}: {}", self.reason),
        }
    }
}

impl WireError {
    /// Bytes that are not JSON at all.
    pub fn not_json() -> Self {
        Self {
            path: String::new(),
            reason: "not valid JSON".to_owned(),
            syntax: true,
        }
    }

    /// Whether the text is not JSON (rather than JSON of the wrong shape).
    pub fn is_syntax(&self) -> bool {
        self.syntax
    }

    /// Reads a `T` from a parsed JSON value.
    pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Self> {
        serde_path_to_error::deserialize(value).map_err(Self::from)
    }

    /// Reads a `T` from JSON text.
    pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Self> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(Self::from)?;
        deserializer
            .end()
            .map_err(|e| Self::from_json(String::new(), &e))?;
        Ok(value)
    }

    fn from_json(path: String, error: &serde_json::Error) -> Self {
        let syntax = !matches!(error.classify(), serde_json::error::Category::Data);
        Self {
            path,
            reason: without_values(&error.to_string()),
            syntax,
        }
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for WireError {
    fn from(error: serde_path_to_error::Error<serde_json::Error>) -> Self {
        Self::from_json(render_path(error.path()), error.inner())
    }
}

/// `identifiers[0].salt`: field names that look like names, indexes as they are, any other map
/// key as `…`. A key is data when a map is keyed by what was sent (a purpose id, or an address
/// put where a name belongs).
fn render_path(path: &Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(if is_name(key) { key } else { "…" });
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}

/// A field or purpose name: a letter, then letters, digits and `-`, at most 64. Addresses
/// (`@`, `.`), numbers and free text are not names.
fn is_name(key: &str) -> bool {
    let mut bytes = key.bytes();
    key.len() <= 64
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// serde's message with the values it quotes replaced by `…`. It still names what was expected,
/// but what the JSON held is not repeated. serde quotes a string value in `"…"` (escaped as
/// Rust's `{:?}` does) and an unknown key or a number in backticks; after "expected" come only
/// our own type and field names, which stay.
pub fn without_values(message: &str) -> String {
    // An unknown key may itself hold a backtick, so its quote ends at the last "`, expected"
    // (or "`, there are no fields"), not at the next backtick.
    for marker in ["unknown field `", "unknown variant `"] {
        let Some(start) = message.find(marker) else {
            continue;
        };
        let open = start + marker.len();
        let close = ["`, expected", "`, there are no"]
            .iter()
            .filter_map(|end| message.rfind(end))
            .filter(|&at| at >= open)
            .max();
        return match close {
            Some(close) => format!(
                "{}…{}",
                without_values(&message[..open - 1]) + "`",
                &message[close..]
            ),
            None => format!("{}…`", without_values(&message[..open - 1])),
        };
    }
    let mut out = String::with_capacity(message.len());
    let mut closing = None;
    let mut escaped = false;
    for (at, c) in message.char_indices() {
        match closing {
            Some(end) => match c {
                _ if escaped => escaped = false,
                '\\' if end == '"' => escaped = true,
                _ if c == end => {
                    closing = None;
                    out.push('…');
                    out.push(c);
                }
                _ => {}
            },
            None if message[at..].starts_with("expected") => {
                out.push_str(&message[at..]);
                return out;
            }
            None => {
                out.push(c);
                if c == '"' || c == '`' {
                    closing = Some(c);
                }
            }
        }
    }
    if closing.is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;
    use crate::ids::{Language, PurposeId};

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        language: Language,
        #[serde(default)]
        items: Vec<Item>,
        #[serde(default)]
        decisions: BTreeMap<PurposeId, bool>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        salt: String,
    }

    fn refusal(json: &str) -> WireError {
        WireError::from_slice::<Body>(json.as_bytes()).expect_err("refused")
    }

    #[test]
    fn an_address_in_the_wrong_field_is_not_repeated() {
        let error = refusal(r#"{"language": "anna@example.se"}"#);
        let shown = error.to_string();
        assert!(!shown.contains("anna"), "{shown}");
        assert!(shown.starts_with("language: invalid language"), "{shown}");
        assert!(!error.is_syntax());
    }

    #[test]
    fn unknown_keys_are_not_repeated_in_the_path_or_the_message() {
        for json in [
            r#"{"language": "sv", "anna@example.se": 1}"#,
            r#"{"language": "sv", "items": [{"salt": "x", "anna@example.se": 1}]}"#,
            r#"{"language": "sv", "decisions": {"anna@example.se": true}}"#,
            r#"{"language": "sv", "decisions": {"46701234567": "yes"}}"#,
        ] {
            let shown = refusal(json).to_string();
            assert!(
                !shown.contains("anna") && !shown.contains("4670"),
                "{json}: {shown}"
            );
        }
        let shown = refusal(r#"{"language": "sv", "items": [{"salt": 7}]}"#).to_string();
        assert!(shown.starts_with("items[0].salt: invalid type"), "{shown}");
    }

    #[test]
    fn text_that_is_not_json_is_a_syntax_error() {
        assert!(refusal("{").is_syntax());
        assert!(refusal(r#"{"language": "sv"} x"#).is_syntax());
    }

    #[test]
    fn quoted_values_are_left_out_and_field_names_kept() {
        let message = r#"identifiers[0]: invalid type: string "anna@example.se", expected struct Identifier at line 1 column 40"#;
        assert_eq!(
            without_values(message),
            r#"identifiers[0]: invalid type: string "…", expected struct Identifier at line 1 column 40"#
        );
        let escaped = r#"request: invalid value: string "a\"anna@example.se", expected a JWS"#;
        assert!(!without_values(escaped).contains("anna"));
        assert!(!without_values(r#"x: "unterminated anna@"#).contains("anna"));
        let key =
            "identifiers[0]: unknown field `anna@example.se`, expected `type`, `value` or `salt`";
        assert_eq!(
            without_values(key),
            "identifiers[0]: unknown field `…`, expected `type`, `value` or `salt`"
        );
        let ticked = "unknown field `x`anna@example.se`, expected `type`, `value` or `salt`";
        assert_eq!(
            without_values(ticked),
            "unknown field `…`, expected `type`, `value` or `salt`"
        );
        let tricked = "unknown field `a`, expected `b`anna@x`, expected `type` or `salt`";
        assert!(
            !without_values(tricked).contains("anna"),
            "{}",
            without_values(tricked)
        );
        let none = "unknown field `anna@example.se`, there are no fields";
        assert_eq!(
            without_values(none),
            "unknown field `…`, there are no fields"
        );
        let inside = r#"request: invalid type: string "anna-expected@example.se", expected a JWS"#;
        assert!(!without_values(inside).contains("example.se"));
        let number = "request: invalid type: integer `46701234567`, expected a string";
        assert!(!without_values(number).contains("4670"));
    }
}
