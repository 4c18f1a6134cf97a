//! Recording a form opt-in. A ticked box and the address in the form's e-mail field become a
//! request (that purpose granted, `collectionMethod` `form`, a salted commitment to the address)
//! signed by the device key, handed to the loader with the address and salt beside it when the
//! form is submitted. Nothing is sent while the box is unticked.
//!
//! Signing is asynchronous (WebCrypto), but a submitted form may navigate away at once: so the
//! request is signed ahead, whenever the box is ticked or the address changes while it is, and
//! the submit event only hands the ready request to the loader, which queues it in
//! `localStorage` before it returns. Should the form be submitted before the signature for its
//! address is ready, the opt-in is written down at once and signed then, or on the next page
//! (`pending`). The form's submission is never stopped, delayed or prevented. A request signed
//! ahead and never submitted is dropped.
//!
//! A purpose that asks the age (Art 8) also needs the visitor's answer and, below the site's
//! minimum age, a parent's or guardian's address: the request carries the answer and commits to
//! both addresses, and nothing is recorded until the answer is complete.

use std::cell::RefCell;
use std::rc::Rc;

use samtycke_shared::{AgeAnswer, CollectionMethod, Decision, PurposeId, ReceiptRequest};
use wasm_bindgen::JsValue;
use web_sys::Element;

use super::pending;
use crate::bridge;
use crate::{submit, write};
use samtycke_banner::choice::{self, Occasion, Shown};

/// One opt-in box and the form around it.
pub struct OptInForm {
    element: Element,
    shown: Rc<Shown>,
    purpose: PurposeId,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    ticked: bool,
    /// Raised on every untick: a signature under way for an earlier tick no longer counts.
    generation: u32,
    /// The answer to the age question, where the purpose asks it.
    age: Option<AgeAnswer>,
    /// What was typed as the guardian's address.
    guardian: String,
    /// A request signed ahead for what the form holds now.
    prepared: Option<Prepared>,
    /// What a signature is under way for.
    preparing: Option<Wanted>,
}

/// What a signed request says: the visitor's normalised address and, where the age is asked,
/// the answer and (below the minimum) the guardian's normalised address.
#[derive(Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The visitor's address.
    pub email: String,
    /// The answer to the age question.
    pub age: Option<AgeAnswer>,
    /// The guardian's address, for a child.
    pub guardian: Option<String>,
}

/// A signed request, ready to hand to the loader.
struct Prepared {
    /// What it says.
    wanted: Wanted,
    /// The request's receipt id, as `crypto.randomUUID()` wrote it.
    id: String,
    /// The compact JWS.
    jws: String,
    /// `[{type, value, salt}, …]`: what opens the request's commitments.
    identifiers: JsValue,
}

impl OptInForm {
    pub fn new(element: Element, shown: Rc<Shown>, purpose: PurposeId) -> Self {
        Self {
            element,
            shown,
            purpose,
            state: RefCell::new(State::default()),
        }
    }

    /// The visitor ticked (`true`) or unticked the box.
    pub fn ticked(form: &Rc<Self>, on: bool) {
        {
            let mut state = form.state.borrow_mut();
            state.ticked = on;
            if !on {
                state.generation += 1;
                state.prepared = None;
                state.preparing = None;
                return;
            }
        }
        Self::sign_ahead(form);
    }

    /// A field of the form changed: while the box is ticked, sign for the new address.
    pub fn edited(form: &Rc<Self>) {
        if form.state.borrow().ticked {
            Self::sign_ahead(form);
        }
    }

    /// The visitor answered the age question.
    pub fn aged(form: &Rc<Self>, age: AgeAnswer) {
        form.state.borrow_mut().age = Some(age);
        Self::edited(form);
    }

    /// The visitor typed in the guardian's address field.
    pub fn guardian_typed(form: &Rc<Self>, text: String) {
        form.state.borrow_mut().guardian = text;
        Self::edited(form);
    }

    /// The form is being submitted: with the box ticked and a plausible address, the opt-in
    /// goes to the loader now if its request is ready, else as soon as it is signed.
    pub fn submitted(form: &Rc<Self>) {
        if !form.state.borrow().ticked {
            return;
        }
        let Some(wanted) = form.wanted() else {
            web_sys::console::warn_1(&JsValue::from_str(
                "samtycke: the form was sent with its opt-in ticked but no valid e-mail address \
                 (or, where the age is asked, no answer or no guardian's address); no consent \
                 was recorded",
            ));
            return;
        };
        let ready = {
            let mut state = form.state.borrow_mut();
            match state.prepared.take() {
                Some(prepared) if prepared.wanted == wanted => Some(prepared),
                other => {
                    state.prepared = other;
                    None
                }
            }
        };
        match ready {
            Some(prepared) => report(hand_over(&prepared, &form.purpose)),
            None => report(pending::keep_and_complete(
                &form.shown,
                &form.purpose,
                &wanted,
            )),
        }
    }

    /// Signs a request for what the form holds, unless one is ready or under way for it.
    fn sign_ahead(form: &Rc<Self>) {
        let Some(wanted) = form.wanted() else {
            return;
        };
        let generation = {
            let mut state = form.state.borrow_mut();
            let ready = state.prepared.as_ref().is_some_and(|p| p.wanted == wanted);
            if ready || state.preparing.as_ref() == Some(&wanted) {
                return;
            }
            state.preparing = Some(wanted.clone());
            state.generation
        };
        let form = Rc::clone(form);
        wasm_bindgen_futures::spawn_local(async move {
            let signed = form.sign(wanted.clone()).await;
            let current = form.wanted();
            let mut state = form.state.borrow_mut();
            if state.preparing.as_ref() == Some(&wanted) {
                state.preparing = None;
            }
            match signed {
                Ok(prepared)
                    if state.ticked
                        && state.generation == generation
                        && current.as_ref() == Some(&wanted) =>
                {
                    state.prepared = Some(prepared);
                }
                Ok(_) => {}
                Err(error) => bridge::report("samtycke: cannot sign the opt-in:", &error),
            }
        });
    }

    /// What the form holds, if it is complete: a plausible address in its e-mail field and,
    /// where the purpose asks the age, an answer and (below the minimum) a plausible guardian's
    /// address other than the visitor's.
    fn wanted(&self) -> Option<Wanted> {
        let email = bridge::email_at(&self.element)?;
        let asks_age = self
            .shown
            .policy
            .purpose(&self.purpose)
            .is_some_and(|p| p.ask_age);
        if !asks_age {
            return Some(Wanted {
                email,
                age: None,
                guardian: None,
            });
        }
        let state = self.state.borrow();
        let guardian = match state.age? {
            AgeAnswer::AtLeastMinimum => None,
            AgeAnswer::BelowMinimum => {
                Some(bridge::plausible_email(&state.guardian).filter(|g| *g != email)?)
            }
        };
        Some(Wanted {
            email,
            age: state.age,
            guardian,
        })
    }

    /// Fresh salts, the commitments, the request, its signature.
    async fn sign(&self, wanted: Wanted) -> Result<Prepared, JsValue> {
        let own = bridge::commit_email(&wanted.email, "email").await?;
        let mut commitments = vec![own.commitment()];
        let identifiers = js_sys::Array::of1(&own.identifier());
        if let Some(guardian) = &wanted.guardian {
            let theirs = bridge::commit_email(guardian, "guardian-email").await?;
            commitments.push(theirs.commitment());
            identifiers.push(&theirs.identifier());
        }
        let (id, occasion) = submit::now(CollectionMethod::Form, bridge::gpc())?;
        let request = ReceiptRequest {
            age: wanted.age,
            ..request(&self.shown, &self.purpose, commitments, occasion)
        };
        let jws = bridge::sign(&write::request(&request, &id)).await?;
        Ok(Prepared {
            wanted,
            id,
            jws,
            identifiers: identifiers.into(),
        })
    }
}

/// Hands a signed opt-in to the loader, which queues it before anything else and sends it. The
/// POST body (`SubmitReceipt`) is built in the bridge, from the identifier it made.
fn hand_over(prepared: &Prepared, purpose: &PurposeId) -> Result<(), JsValue> {
    bridge::submit_opt_in(
        &prepared.id,
        &prepared.jws,
        &prepared.identifiers,
        purpose.as_str(),
    )
}

fn report(result: Result<(), JsValue>) {
    if let Err(error) = result {
        bridge::report("samtycke: cannot record the opt-in:", &error);
    }
}

/// What a ticked box asks: that one purpose granted, nothing else decided (the banner's
/// decisions stand as they are), in the language of the box, committing to the address (the
/// commitments are empty while the digest is yet to be made: `pending`).
pub fn request(
    shown: &Shown,
    purpose: &PurposeId,
    commitments: Vec<String>,
    occasion: Occasion,
) -> ReceiptRequest {
    ReceiptRequest {
        identifier_commitments: commitments,
        age: None,
        ..choice::request(shown, choice::only(purpose, Decision::Granted), occasion)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::BTreeMap;

    use samtycke_shared::{Policy, ReceiptId};

    use super::*;

    #[test]
    fn a_ticked_box_grants_only_its_purpose_by_form_with_the_commitment() {
        let policy =
            Policy::parse(include_bytes!("../../../www/policies/demo.json")).expect("demo policy");
        let shown = Shown {
            policy: Rc::new(policy),
            sha256: "ab".repeat(32),
            language: Cell::new(1),
        };
        let newsletter = PurposeId::parse("newsletter").expect("id");
        let occasion = Occasion {
            receipt_id: ReceiptId::parse("3f1c8a52-8d7e-4f51-9a0e-3c0b1b7e2f10").expect("uuid"),
            now_ms: 1_763_850_000_123,
            method: CollectionMethod::Form,
            gpc: false,
        };
        let request = request(&shown, &newsletter, vec!["c0mm1tment".into()], occasion);
        assert_eq!(request.collection_method, CollectionMethod::Form);
        assert_eq!(
            request.decisions,
            BTreeMap::from([(newsletter, Decision::Granted)])
        );
        assert_eq!(request.identifier_commitments, ["c0mm1tment"]);
        assert_eq!(request.language.as_str(), "sv");
        assert_eq!(request.consent_timestamp, 1_763_850_000);
    }
}
