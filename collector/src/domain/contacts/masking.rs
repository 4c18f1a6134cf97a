//! Masked values for those who may act on a contact but not read it (marketers): enough to tell
//! contacts apart in a list, not enough to write to them. `a***@e*****.se`; the last four digits
//! of a number; the first letter of a name.

use super::identifiers::{ContactIdentifier, IdentifierKind};

/// An identifier, masked for its kind.
pub fn identifier(identifier: &ContactIdentifier) -> String {
    match identifier.kind() {
        IdentifierKind::Email => email(identifier.value()),
        IdentifierKind::Phone | IdentifierKind::Salesforce => last_four(identifier.value()),
    }
}

/// `anna@example.se` → `a***@e*****.se`: the first character of the local part and of the
/// domain, and the top-level domain. The stars are fixed in number, so lengths do not show.
pub fn email(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let tld = domain.rsplit_once('.').map(|(_, tld)| tld).unwrap_or("");
    format!("{}***@{}*****.{tld}", first_char(local), first_char(domain))
}

/// All but the last four characters become stars (`*******4567`); four or fewer: all stars.
pub fn last_four(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let shown = if chars.len() > 4 {
        chars.len() - 4
    } else {
        chars.len()
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < shown { '*' } else { *c })
        .collect()
}

/// A profile value: its first character, then `***`.
pub fn text(value: &str) -> String {
    format!("{}***", first_char(value))
}

fn first_char(text: &str) -> String {
    text.chars().next().map(String::from).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_keep_two_letters_and_the_top_level_domain() {
        assert_eq!(email("anna@example.se"), "a***@e*****.se");
        assert_eq!(email("bo@mail.foretag.co.uk"), "b***@m*****.uk");
        assert_eq!(email("a@b.se"), "a***@b*****.se");
    }

    #[test]
    fn numbers_keep_their_last_four_characters() {
        assert_eq!(last_four("+46701234567"), "********4567");
        assert_eq!(last_four("1234"), "****");
        assert_eq!(text("Åsa"), "Å***");
    }
}
