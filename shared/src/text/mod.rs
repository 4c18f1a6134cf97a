//! Samtycke's own words, one catalogue per language, each in its own file (`en.rs`, `sv.rs`).
//!
//! The policy brings the site's texts (names, notices, disclosures); everything Samtycke says
//! itself is here, so that adding a language is adding one file and one line in [`CATALOGUES`].
//! The widget compiles it in; the collector sends the loader the few strings it shows without
//! the app (`settings_control`, `load_embed`, `embed_provider`).

mod en;
mod sv;

use crate::{Language, LawfulBasis};

use en::EN;
use sv::SV;

/// Every string the widget shows that does not come from the policy.
#[derive(Debug)]
pub struct Text {
    /// The language's name in itself, for the language switch: "English", "Svenska".
    pub name: &'static str,
    /// Label of the language switch.
    pub language: &'static str,
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
    /// First layer, when a purpose uses special-category data: "Accept all" leaves it off.
    pub special_note: &'static str,
    /// Second layer, on each special-category purpose (Art 9).
    pub special_category: &'static str,
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
    /// Before the date and time of the decision on record: "Granted 23 Nov 2026, 10:15".
    pub granted_at: &'static str,
    pub denied_at: &'static str,
    pub withdrawn_at: &'static str,
    /// The button that saves the visitor's receipts as a file.
    pub download: &'static str,
    /// Heading, in the settings, of the form opt-ins this browser gave.
    pub signups: &'static str,
    /// The button that withdraws one of them.
    pub withdraw: &'static str,
    /// A form's opt-in box: this, a space, and the purpose's name ("the weekly newsletter").
    pub optin_label: &'static str,
    /// Under a form's opt-in box, followed by the controller's contact: that and how consent can
    /// be withdrawn (Art 7(3)): in the settings on this browser, or by writing, until the
    /// collector's unsubscribe and preference-centre journeys exist.
    pub optin_note: &'static str,
    /// The age question of a purpose that asks it (Art 8), and its two answers; `{age}` is the
    /// policy's minimum age.
    pub age_question: &'static str,
    pub age_at_least: &'static str,
    pub age_below: &'static str,
    /// Below the minimum age: the guardian's address field and what happens with it.
    pub guardian_label: &'static str,
    pub guardian_note: &'static str,
    pub basis_consent: &'static str,
    pub basis_contract: &'static str,
    pub basis_legal_obligation: &'static str,
    pub basis_vital_interests: &'static str,
    pub basis_public_task: &'static str,
    pub basis_legitimate_interests: &'static str,
    /// The loader's persistent control that reopens the settings.
    pub settings_control: &'static str,
    /// The button on a blocked embed's placeholder, which opens the settings.
    pub load_embed: &'static str,
    /// A blocked embed's placeholder, under the purpose's name: before the embed's host.
    pub embed_provider: &'static str,
}

/// The catalogues by primary language subtag.
pub const CATALOGUES: &[(&str, &Text)] = &[("en", &EN), ("sv", &SV)];

impl Text {
    /// The catalogue for a language, falling back to English.
    pub fn for_language(language: &Language) -> &'static Text {
        Self::find(language).unwrap_or(&EN)
    }

    /// The catalogue for a language, if there is one.
    pub fn find(language: &Language) -> Option<&'static Text> {
        CATALOGUES
            .iter()
            .find(|(tag, _)| *tag == language.primary())
            .map(|(_, text)| *text)
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
