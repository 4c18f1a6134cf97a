//! Every string the console shows, in English and Swedish: one catalogue, chosen from the
//! browser's language and switchable (remembered in this browser).

/// The console's languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Swedish.
    Sv,
}

impl Lang {
    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// The other one (the switch).
    pub fn other(self) -> Self {
        match self {
            Lang::En => Lang::Sv,
            Lang::Sv => Lang::En,
        }
    }

    /// From a tag (`sv-SE` is Swedish); English otherwise.
    pub fn from_tag(tag: &str) -> Self {
        if tag.to_ascii_lowercase().starts_with("sv") {
            Lang::Sv
        } else {
            Lang::En
        }
    }

    /// The catalogue.
    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::Sv => &SV,
        }
    }
}

/// The catalogue.
#[derive(Debug, PartialEq, Eq)]
pub struct Words {
    pub title: &'static str,
    pub switch_to: &'static str,
    pub sign_in: &'static str,
    pub sign_in_lead: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in_failed: &'static str,
    pub throttled: &'static str,
    pub trouble: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub people: &'static str,
    pub site: &'static str,
    pub purpose: &'static str,
    pub state: &'static str,
    pub any_purpose: &'static str,
    pub show: &'static str,
    pub granted: &'static str,
    pub denied: &'static str,
    pub withdrawn: &'static str,
    pub expired: &'static str,
    pub held: &'static str,
    pub person: &'static str,
    pub name: &'static str,
    pub basis: &'static str,
    pub source: &'static str,
    pub consents: &'static str,
    pub none_found: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub loading: &'static str,
    pub masked_note: &'static str,
}

const EN: Words = Words {
    title: "Samtycke console",
    switch_to: "Svenska",
    sign_in: "Sign in",
    sign_in_lead: "Sign in with the address and password your administrator gave you.",
    email: "E-mail address",
    password: "Password",
    sign_in_failed: "The address or the password is not right.",
    throttled: "Too many failed attempts for this address. Wait a quarter of an hour and try again.",
    trouble: "Something went wrong. Please try again in a moment.",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    people: "People",
    site: "Site",
    purpose: "Purpose",
    state: "State",
    any_purpose: "Choose a purpose",
    show: "Show",
    granted: "May be contacted",
    denied: "Refused",
    withdrawn: "Withdrawn",
    expired: "Expired",
    held: "Held (restricted, objected, waiting or inactive)",
    person: "Person",
    name: "Name",
    basis: "Basis",
    source: "Source",
    consents: "Consents",
    none_found: "Nobody matches.",
    next_page: "Next page",
    first_page: "First page",
    loading: "Loading…",
    masked_note: "Addresses are masked for your role.",
};

const SV: Words = Words {
    title: "Samtyckes konsol",
    switch_to: "English",
    sign_in: "Logga in",
    sign_in_lead: "Logga in med adressen och lösenordet du fick av din administratör.",
    email: "E-postadress",
    password: "Lösenord",
    sign_in_failed: "Adressen eller lösenordet stämmer inte.",
    throttled: "För många misslyckade försök för den här adressen. Vänta en kvart och försök igen.",
    trouble: "Något gick fel. Försök igen om en stund.",
    sign_out: "Logga ut",
    signed_in_as: "Inloggad som",
    people: "Personer",
    site: "Webbplats",
    purpose: "Ändamål",
    state: "Status",
    any_purpose: "Välj ett ändamål",
    show: "Visa",
    granted: "Får kontaktas",
    denied: "Nekat",
    withdrawn: "Återkallat",
    expired: "Utgånget",
    held: "Spärrad (begränsad, invändning, väntar eller inaktiv)",
    person: "Person",
    name: "Namn",
    basis: "Rättslig grund",
    source: "Källa",
    consents: "Samtycken",
    none_found: "Ingen matchar.",
    next_page: "Nästa sida",
    first_page: "Första sidan",
    loading: "Laddar…",
    masked_note: "Adresserna är maskerade för din roll.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_language_picks_the_catalogue() {
        assert_eq!(Lang::from_tag("sv-SE"), Lang::Sv);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("de"), Lang::En);
        assert_eq!(Lang::Sv.other(), Lang::En);
        assert_ne!(Lang::En.words().sign_in, Lang::Sv.words().sign_in);
    }
}
