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
    pub open: &'static str,
    pub back: &'static str,
    pub card: &'static str,
    pub edit: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub saved: &'static str,
    pub consent_date: &'static str,
    pub consent_purpose: &'static str,
    pub basis_other: &'static str,
    pub source_other: &'static str,
    pub none: &'static str,
    pub export: &'static str,
    pub export_csv: &'static str,
    pub export_json: &'static str,
    pub delete: &'static str,
    pub delete_confirm: &'static str,
    pub delete_yes: &'static str,
    pub deleted: &'static str,
    pub profile: &'static str,
    pub phone: &'static str,
    pub overview: &'static str,
    pub by_purpose: &'static str,
    pub rate: &'static str,
    pub per_day: &'static str,
    pub grants: &'static str,
    pub refusals: &'static str,
    pub withdrawals: &'static str,
    pub requests: &'static str,
    pub open_requests: &'static str,
    pub overdue: &'static str,
    pub due_soon: &'static str,
    pub kind: &'static str,
    pub due: &'static str,
    pub select_all: &'static str,
    pub select_one: &'static str,
    pub export_selection: &'static str,
    pub bulk_title: &'static str,
    pub selected_count: &'static str,
    pub keep: &'static str,
    pub apply: &'static str,
    pub bulk_confirm: &'static str,
    pub bulk_done: &'static str,
    pub reveal: &'static str,
    pub reveal_reason: &'static str,
    pub revealed_note: &'static str,
    pub audit: &'static str,
    pub chain_intact: &'static str,
    pub chain_broken: &'static str,
    pub filter: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub details: &'static str,
    /// The legal bases, by wire name.
    pub bases: [(&'static str, &'static str); 7],
    /// The sources, by wire name.
    pub sources: [(&'static str, &'static str); 8],
}

impl Words {
    /// A consent state's words (`granted`, `denied`, …), as the API names them.
    pub fn state(&self, wire: &str) -> &'static str {
        match wire {
            "granted" => self.granted,
            "denied" => self.denied,
            "withdrawn" => self.withdrawn,
            "expired" => self.expired,
            "held" => self.held,
            _ => self.none,
        }
    }
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
    open: "Open",
    back: "Back to people",
    card: "Compliance card",
    edit: "Edit",
    save: "Save",
    cancel: "Cancel",
    saved: "Saved.",
    consent_date: "Consent date",
    consent_purpose: "Purpose of the consent",
    basis_other: "Which basis",
    source_other: "Which source",
    none: "—",
    export: "Export",
    export_csv: "CSV (16 columns)",
    export_json: "JSON (everything, with receipts)",
    delete: "Delete this person",
    delete_confirm: "Delete for good? Their details, card and history go; the receipts stay, anonymous, so that what was decided can still be proven.",
    delete_yes: "Yes, delete",
    deleted: "Deleted. The anonymous receipts remain.",
    profile: "Details",
    phone: "Phone",
    overview: "Overview",
    by_purpose: "Contacts by purpose and state",
    rate: "Share that may be contacted",
    per_day: "Decisions per day, last 30 days",
    grants: "Grants",
    refusals: "Refusals",
    withdrawals: "Withdrawals",
    requests: "Data-subject requests",
    open_requests: "Open",
    overdue: "Overdue",
    due_soon: "Due within 7 days",
    kind: "Kind",
    due: "Due",
    select_all: "Select everyone on this page",
    select_one: "Select",
    export_selection: "Export this selection (CSV)",
    bulk_title: "Change the compliance card of the selected",
    selected_count: "selected",
    keep: "Keep as it is",
    apply: "Apply",
    bulk_confirm: "Change the card of the {n} selected?",
    bulk_done: "{updated} changed, {unchanged} already so.",
    reveal: "Show in clear",
    reveal_reason: "Why (kept in the audit log)",
    revealed_note: "Shown in clear; the reason is in the audit log.",
    audit: "Audit log",
    chain_intact: "The log's chain is whole: {n} entries check.",
    chain_broken: "The log's chain breaks at entry {n}: an entry was changed, removed or moved.",
    filter: "Show only actions containing",
    when: "When (UTC)",
    who: "Who",
    what: "What",
    details: "Details",
    bases: [
        ("consent", "Consent"),
        ("legitimate_interest", "Legitimate interest"),
        ("contract", "Contract"),
        ("legal_obligation", "Legal obligation"),
        ("vital_interests", "Vital interests"),
        ("public_task", "Public task"),
        ("other", "Other"),
    ],
    sources: [
        ("widget", "Widget"),
        ("form", "Form"),
        ("crm_sync", "CRM sync"),
        ("import", "Import"),
        ("manual", "Entered by hand"),
        ("browser_extension", "Browser extension"),
        ("api", "API"),
        ("other", "Other"),
    ],
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
    open: "Öppna",
    back: "Tillbaka till personer",
    card: "Efterlevnadskort",
    edit: "Redigera",
    save: "Spara",
    cancel: "Avbryt",
    saved: "Sparat.",
    consent_date: "Datum för samtycke",
    consent_purpose: "Samtyckets ändamål",
    basis_other: "Vilken grund",
    source_other: "Vilken källa",
    none: "—",
    export: "Exportera",
    export_csv: "CSV (16 kolumner)",
    export_json: "JSON (allt, med kvitton)",
    delete: "Radera personen",
    delete_confirm: "Radera för gott? Uppgifterna, kortet och historiken försvinner; kvittona finns kvar, anonyma, så att det som beslutades fortfarande kan bevisas.",
    delete_yes: "Ja, radera",
    deleted: "Raderad. De anonyma kvittona finns kvar.",
    profile: "Uppgifter",
    phone: "Telefon",
    overview: "Översikt",
    by_purpose: "Kontakter per ändamål och status",
    rate: "Andel som får kontaktas",
    per_day: "Beslut per dag, senaste 30 dagarna",
    grants: "Samtycken",
    refusals: "Nej",
    withdrawals: "Återkallelser",
    requests: "Begäranden från registrerade",
    open_requests: "Öppna",
    overdue: "Försenade",
    due_soon: "Förfaller inom 7 dagar",
    kind: "Typ",
    due: "Senast",
    select_all: "Markera alla på sidan",
    select_one: "Markera",
    export_selection: "Exportera urvalet (CSV)",
    bulk_title: "Ändra efterlevnadskortet för de markerade",
    selected_count: "markerade",
    keep: "Behåll som det är",
    apply: "Verkställ",
    bulk_confirm: "Ändra kortet för de {n} markerade?",
    bulk_done: "{updated} ändrade, {unchanged} var redan så.",
    reveal: "Visa i klartext",
    reveal_reason: "Varför (sparas i granskningsloggen)",
    revealed_note: "Visas i klartext; skälet finns i granskningsloggen.",
    audit: "Granskningslogg",
    chain_intact: "Loggens kedja är hel: {n} poster stämmer.",
    chain_broken: "Loggens kedja bryts vid post {n}: en post har ändrats, tagits bort eller flyttats.",
    filter: "Visa bara händelser som innehåller",
    when: "När (UTC)",
    who: "Vem",
    what: "Vad",
    details: "Detaljer",
    bases: [
        ("consent", "Samtycke"),
        ("legitimate_interest", "Berättigat intresse"),
        ("contract", "Avtal"),
        ("legal_obligation", "Rättslig förpliktelse"),
        ("vital_interests", "Grundläggande intressen"),
        ("public_task", "Uppgift av allmänt intresse"),
        ("other", "Annat"),
    ],
    sources: [
        ("widget", "Widget"),
        ("form", "Formulär"),
        ("crm_sync", "CRM-synk"),
        ("import", "Import"),
        ("manual", "Inmatad för hand"),
        ("browser_extension", "Webbläsartillägg"),
        ("api", "API"),
        ("other", "Annan"),
    ],
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
