//! A JSON extractor whose rejections are our problem documents, not axum's plain text.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};

use super::error::Error;

/// Like `axum::Json`, with problem+json errors: 415 without a JSON content type, 400 for bytes
/// that are not JSON, 422 for JSON of the wrong shape (serde's message names the field).
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(Error::NotJson),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(Error::InvalidBody(without_values(&e.body_text())))
            }
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::TooLarge)
            }
            Err(e) => Err(Error::MalformedBody(e.body_text())),
        }
    }
}

/// serde's message with the values it quotes replaced by `…`. It still names the field and
/// what was expected, but a body of the wrong shape cannot have what it holds (an e-mail address
/// in the wrong place, or as a key) echoed into a problem document or a log line. serde quotes a
/// string value in `"…"` (escaped as Rust's `{:?}` does) and an unknown key or a number in
/// backticks; after "expected" come only our own type and field names, which stay.
fn without_values(message: &str) -> String {
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
    use super::without_values;

    #[test]
    fn quoted_values_are_left_out_and_field_names_kept() {
        let message = r#"identifiers[0]: invalid type: string "anna@example.se", expected struct Identifier at line 1 column 40"#;
        assert_eq!(
            without_values(message),
            r#"identifiers[0]: invalid type: string "…", expected struct Identifier at line 1 column 40"#
        );
        let escaped = r#"request: invalid value: string "a\"anna@example.se", expected a JWS"#;
        assert!(
            !without_values(escaped).contains("anna"),
            "{}",
            without_values(escaped)
        );
        assert!(!without_values(r#"x: "unterminated anna@"#).contains("anna"));
        let key =
            "identifiers[0]: unknown field `anna@example.se`, expected `type`, `value` or `salt`";
        assert_eq!(
            without_values(key),
            "identifiers[0]: unknown field `…`, expected `type`, `value` or `salt`"
        );
        let inside = r#"request: invalid type: string "anna-expected@example.se", expected a JWS"#;
        assert!(
            !without_values(inside).contains("example.se"),
            "{}",
            without_values(inside)
        );
        let number = "request: invalid type: integer `46701234567`, expected a string";
        assert!(
            !without_values(number).contains("4670"),
            "{}",
            without_values(number)
        );
    }
}
