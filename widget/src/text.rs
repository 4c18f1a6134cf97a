//! The widget's own words, one catalogue per language.
//!
//! The policy brings the site's texts (names, notices, disclosures); everything the widget says
//! itself is here, so that adding a language is adding one `Text` value and nothing else.

use samtycke_shared::{Language, LawfulBasis};

/// Every string the widget shows that does not come from the policy.
#[derive(Debug)]
pub struct Text {
    pub dialog_title: &'static str,
    pub policy_link: &'static str,
    pub accept_all: &'static str,
    pub reject_all: &'static str,
    pub settings: &'static str,
    pub save: &'static str,
    pub back: &'static str,
    pub close: &'static str,
    pub settings_title: &'static str,
    pub settings_intro: &'static str,
    pub necessary_note: &'static str,
    pub disclosure: &'static str,
    pub data_categories: &'static str,
    pub lawful_basis: &'static str,
    pub recipients: &'static str,
    pub no_recipients: &'static str,
    pub transfers: &'static str,
    pub no_transfers: &'static str,
    pub retention: &'static str,
    pub automated: &'static str,
    pub no_automated: &'static str,
    pub if_refused: &'static str,
    pub cookies: &'static str,
    pub controller: &'static str,
    pub contact: &'static str,
    pub dpo: &'static str,
    pub authority: &'static str,
    pub rights: &'static str,
    pub gpc_note: &'static str,
    pub saving: &'static str,
    pub failed: &'static str,
    pub basis_consent: &'static str,
    pub basis_contract: &'static str,
    pub basis_legal_obligation: &'static str,
    pub basis_vital_interests: &'static str,
    pub basis_public_task: &'static str,
    pub basis_legitimate_interests: &'static str,
}

/// The catalogues by primary language subtag; Swedish comes next.
const CATALOGUES: &[(&str, &Text)] = &[("en", &EN)];

/// English.
pub const EN: Text = Text {
    dialog_title: "Your privacy choices",
    policy_link: "Read the full privacy policy",
    accept_all: "Accept all",
    reject_all: "Reject all",
    settings: "Settings",
    save: "Save choices",
    back: "Back",
    close: "Close",
    settings_title: "Privacy settings",
    settings_intro: "Choose purpose by purpose. Nothing optional is switched on until you say so, \
                     and you can change your mind at any time.",
    necessary_note: "Always on: strictly necessary processing needs no consent.",
    disclosure: "Full details",
    data_categories: "Data used",
    lawful_basis: "Lawful basis",
    recipients: "Recipients",
    no_recipients: "No one outside the controller",
    transfers: "Transfers outside the EU/EEA",
    no_transfers: "None",
    retention: "Kept for",
    automated: "Automated decisions and profiling",
    no_automated: "None",
    if_refused: "If you say no",
    cookies: "Cookies",
    controller: "Who is responsible, and your rights",
    contact: "Contact",
    dpo: "Data protection officer",
    authority: "Supervisory authority",
    rights: "You may ask for access to your data, have it corrected or erased, restrict its use, \
             receive a portable copy, and object to processing. You can withdraw consent at any \
             time, as easily as you gave it, and complain to the supervisory authority.",
    gpc_note: "Your browser sends a Global Privacy Control signal, so purposes that share your \
               data for advertising stay off unless you switch them on in Settings.",
    saving: "Saving…",
    failed: "Your choice could not be saved. Please try again.",
    basis_consent: "Your consent (GDPR Art. 6(1)(a))",
    basis_contract: "A contract with you (GDPR Art. 6(1)(b))",
    basis_legal_obligation: "A legal obligation (GDPR Art. 6(1)(c))",
    basis_vital_interests: "Vital interests (GDPR Art. 6(1)(d))",
    basis_public_task: "A task in the public interest (GDPR Art. 6(1)(e))",
    basis_legitimate_interests: "Legitimate interests (GDPR Art. 6(1)(f))",
};

impl Text {
    /// The catalogue for a language, falling back to English.
    pub fn for_language(language: &Language) -> &'static Text {
        CATALOGUES
            .iter()
            .find(|(tag, _)| *tag == language.primary())
            .map_or(&EN, |(_, text)| text)
    }

    /// How a lawful basis is named to the visitor.
    pub fn basis<'a>(&'static self, basis: &'a LawfulBasis) -> &'a str {
        match basis {
            LawfulBasis::Consent => self.basis_consent,
            LawfulBasis::Contract => self.basis_contract,
            LawfulBasis::LegalObligation => self.basis_legal_obligation,
            LawfulBasis::VitalInterests => self.basis_vital_interests,
            LawfulBasis::PublicTask => self.basis_public_task,
            LawfulBasis::LegitimateInterests => self.basis_legitimate_interests,
            LawfulBasis::Other(text) => text,
        }
    }
}
