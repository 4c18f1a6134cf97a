//! English.

use super::Text;

pub const EN: Text = Text {
    name: "English",
    language: "Language",
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
    special_note: "Some purposes use special categories of personal data (GDPR Art. 9). \
                   “Accept all” does not switch them on: each needs your explicit consent, \
                   given by ticking it in Settings.",
    special_category: "Uses special categories of personal data (GDPR Art. 9) — needs your \
                       explicit consent: it is only switched on if you tick it here.",
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
    granted_at: "Granted",
    denied_at: "Refused",
    withdrawn_at: "Withdrawn",
    download: "Download my receipts",
    signups: "Your sign-ups",
    withdraw: "Withdraw consent",
    optin_label: "I want to receive",
    optin_note: "You can withdraw your consent at any time: under Privacy settings on this site, or by writing to",
    basis_consent: "Your consent (GDPR Art. 6(1)(a))",
    basis_contract: "A contract with you (GDPR Art. 6(1)(b))",
    basis_legal_obligation: "A legal obligation (GDPR Art. 6(1)(c))",
    basis_vital_interests: "Vital interests (GDPR Art. 6(1)(d))",
    basis_public_task: "A task in the public interest (GDPR Art. 6(1)(e))",
    basis_legitimate_interests: "Legitimate interests (GDPR Art. 6(1)(f))",
    settings_control: "Privacy settings",
    load_embed: "Load after consent",
    embed_provider: "Provider:",
};
