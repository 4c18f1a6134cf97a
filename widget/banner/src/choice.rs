//! Turning what the visitor ticked into decisions, the request their device signs, and the
//! record the loader keeps.
//!
//! Pure functions over the shared wire types, so the rules (only the banner's optional purposes
//! are decided, never those asked in a form; un-ticking a granted purpose withdraws it; "Accept
//! all" leaves special-category purposes and, under GPC, sale/sharing purposes to their own tick)
//! are unit-tested natively. Maps are filled by `insert`, not `collect`: collecting into a
//! `BTreeMap` sorts, and every sort instantiation costs the wasm kilobytes.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::by_purpose::ByPurpose;
use samtycke_shared::{
    CollectionMethod, Decision, Language, LocalizedText, Policy, PurposeId, ReceiptId,
    ReceiptRequest,
};

/// The policy document as shown, with what a receipt must cite about it.
#[derive(Debug)]
pub struct Shown {
    /// The parsed document, shared by the banner and each form's opt-in box.
    pub policy: Rc<Policy>,
    /// Hex SHA-256 of the exact bytes received.
    pub sha256: String,
    /// Index in `policy.languages` of the language shown. The visitor may switch it, so it
    /// sits in a `Cell`: the one `Shown` outlives the banner and keeps their choice on reopening.
    pub language: Cell<usize>,
}

/// One `Shown` exists per page; comparing by identity spares the wasm a deep `Policy`
/// comparison that yew's props would otherwise instantiate.
impl PartialEq for Shown {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Shown {
    /// The same document shown in another of its languages (an index in `policy.languages`):
    /// a form's opt-in box speaks its form's language, whatever the banner speaks.
    pub fn in_language(&self, index: usize) -> Shown {
        Shown {
            policy: Rc::clone(&self.policy),
            sha256: self.sha256.clone(),
            language: Cell::new(index),
        }
    }

    /// The language shown.
    pub fn language(&self) -> &Language {
        let languages = &self.policy.languages;
        languages
            .get(self.language.get())
            .unwrap_or(self.policy.default_language())
    }

    /// A policy text in the shown language, else the policy's default.
    pub fn local<'a>(&'a self, text: &'a LocalizedText) -> &'a str {
        text.get(self.language(), self.policy.default_language())
    }

    /// Whether a purpose that "Accept all" leaves to its own tick (Art 9) is on offer.
    pub fn has_special_category(&self) -> bool {
        self.policy.banner_purposes().any(|p| p.special_category)
    }

    /// Whether a purpose that GPC keeps off under "Accept all" is on offer.
    pub fn has_sale_or_sharing(&self) -> bool {
        self.policy.banner_purposes().any(|p| p.sale_or_sharing)
    }
}

/// Ticked or not, per optional purpose.
pub type Choices = ByPurpose<bool>;

/// The visitor's earlier, still valid decisions (empty on a first visit).
pub type Prior = BTreeMap<PurposeId, Decision>;

/// When each decision was made, milliseconds since the Unix epoch.
pub type Times = ByPurpose<u64>;

/// What the visitor decided before, and when, as the loader's record holds it.
#[derive(Debug, Default)]
pub struct Earlier {
    /// The still valid decisions.
    pub decisions: Prior,
    /// When each of them was made.
    pub at: Times,
}

/// By identity, like [`Shown`]: one `Earlier` per showing of the banner.
impl PartialEq for Earlier {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// The three ways to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Grant every optional purpose, except those left to their own tick: special-category
    /// ones, and sale/sharing ones under Global Privacy Control.
    AcceptAll,
    /// Deny every optional purpose.
    RejectAll,
    /// Take the ticks as they are.
    Save,
}

/// The boxes as the second layer first shows them: ticked only where the visitor granted
/// before. Never pre-ticked otherwise: consent must be an act.
pub fn initial(policy: &Policy, prior: &Prior) -> Choices {
    let mut choices = Choices::new();
    for p in policy.banner_purposes() {
        choices.insert(p.id.clone(), prior.get(&p.id) == Some(&Decision::Granted));
    }
    choices
}

/// What an action means for each optional purpose.
pub fn apply(action: Action, policy: &Policy, gpc: bool, ticked: &Choices) -> Choices {
    let mut choices = Choices::new();
    for p in policy.banner_purposes() {
        let ticked = ticked.get(&p.id).copied().unwrap_or(false);
        let on = match action {
            // Special categories need explicit consent (Art 9), and GPC is an objection to
            // sale/sharing (DESIGN.md §2): a blanket "accept" grants neither; only ticking the
            // purpose itself does.
            Action::AcceptAll if p.special_category || (gpc && p.sale_or_sharing) => ticked,
            Action::AcceptAll => true,
            Action::RejectAll => false,
            Action::Save => ticked,
        };
        choices.insert(p.id.clone(), on);
    }
    choices
}

/// One decision per optional purpose. Un-ticking what was granted is a withdrawal, so the
/// receipt chain says "said yes before, no now" rather than a plain refusal.
pub fn decisions(choices: &Choices, prior: &Prior) -> BTreeMap<PurposeId, Decision> {
    let mut decisions = BTreeMap::new();
    for (id, &on) in choices.iter() {
        let decision = if on {
            Decision::Granted
        } else if prior.get(id) == Some(&Decision::Granted) {
            Decision::Withdrawn
        } else {
            Decision::Denied
        };
        decisions.insert(id.clone(), decision);
    }
    decisions
}

/// The moment and identity of one decision.
#[derive(Debug, Clone, Copy)]
pub struct Occasion {
    /// The idempotency key, from `crypto.randomUUID()`.
    pub receipt_id: ReceiptId,
    /// `Date.now()`, milliseconds since the Unix epoch.
    pub now_ms: u64,
    /// First layer or second.
    pub method: CollectionMethod,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
}

/// One purpose decided, nothing else: what a form's box or a withdrawal of it records, leaving
/// the banner's decisions as they are.
pub fn only(purpose: &PurposeId, decision: Decision) -> BTreeMap<PurposeId, Decision> {
    let mut decisions = BTreeMap::new();
    decisions.insert(purpose.clone(), decision);
    decisions
}

/// The payload the device key signs.
pub fn request(
    shown: &Shown,
    decisions: BTreeMap<PurposeId, Decision>,
    occasion: Occasion,
) -> ReceiptRequest {
    ReceiptRequest {
        receipt_id: occasion.receipt_id,
        site: shown.policy.site.clone(),
        policy_version: shown.policy.version,
        policy_sha256: shown.sha256.clone(),
        consent_timestamp: (occasion.now_ms / 1000) as i64,
        collection_method: occasion.method,
        language: shown.language().clone(),
        gpc: occasion.gpc,
        decisions,
        identifier_commitments: Vec::new(),
        age: None,
    }
}

/// When each decision was made: a decision that did not change keeps its earlier time, any
/// other is made now.
pub fn times(decisions: &BTreeMap<PurposeId, Decision>, earlier: &Earlier, now_ms: u64) -> Times {
    let mut times = Times::new();
    for (id, decision) in decisions {
        let kept = match earlier.decisions.get(id) {
            Some(before) if before == decision => earlier.at.get(id).copied(),
            _ => None,
        };
        times.insert(id.clone(), kept.unwrap_or(now_ms));
    }
    times
}

/// What the loader stores in `localStorage["samtycke:SITE"]` (the widget writes it as a JS
/// object, with the receipt id as `id`). `g` is the Google Consent Mode state, so that a
/// returning visitor's loader can update Consent Mode without the policy; `t` says when each
/// decision in `d` was made (see [`times`]).
#[derive(Debug)]
pub struct Record<'a> {
    pub v: u32,
    pub at: u64,
    pub d: &'a BTreeMap<PurposeId, Decision>,
    pub g: ConsentMode<'a>,
    pub t: Times,
}

/// Google Consent Mode types and their state, `"granted"` or `"denied"`, in the order the
/// policy first names them. A list, not a map: a few entries, and one map type fewer in the wasm.
pub type ConsentMode<'a> = Vec<(&'a str, &'static str)>;

/// The loader's record of a decision.
pub fn record<'a>(
    policy: &'a Policy,
    decisions: &'a BTreeMap<PurposeId, Decision>,
    earlier: &Earlier,
    occasion: Occasion,
) -> Record<'a> {
    Record {
        v: policy.version,
        at: occasion.now_ms,
        d: decisions,
        g: consent_mode(policy, decisions),
        t: times(decisions, earlier, occasion.now_ms),
    }
}

/// Google Consent Mode v2 types the policy maps to purposes: a type is granted when a granted
/// purpose lists it, denied otherwise.
pub fn consent_mode<'a>(
    policy: &'a Policy,
    decisions: &BTreeMap<PurposeId, Decision>,
) -> ConsentMode<'a> {
    let mut state = ConsentMode::new();
    for purpose in policy.banner_purposes() {
        let granted = decisions.get(&purpose.id) == Some(&Decision::Granted);
        for kind in &purpose.consent_mode {
            let kind = kind.as_str();
            let at = match state.iter().position(|(known, _)| *known == kind) {
                Some(at) => at,
                None => {
                    state.push((kind, "denied"));
                    state.len() - 1
                }
            };
            if granted {
                state[at].1 = "granted";
            }
        }
    }
    state
}

/// The declared cookies of every purpose not granted (denied or withdrawn), space-separated:
/// they go on refusal and withdrawal.
pub fn refused_cookies(policy: &Policy, decisions: &BTreeMap<PurposeId, Decision>) -> String {
    let mut names = String::new();
    for purpose in policy.banner_purposes() {
        if decisions.get(&purpose.id) != Some(&Decision::Granted) {
            for cookie in &purpose.cookies {
                if !names.is_empty() {
                    names.push(' ');
                }
                names.push_str(cookie);
            }
        }
    }
    names
}

#[cfg(test)]
#[path = "choice_tests.rs"]
mod tests;
