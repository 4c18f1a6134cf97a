//! Form opt-ins: `<div data-samtycke-optin="PURPOSE" data-email="SELECTOR">` inside a site's own
//! form becomes an unticked box, "I want to receive …", with the purpose's full disclosure. When
//! the form is submitted with the box ticked and a plausible address in the e-mail field, a
//! request with `collectionMethod` `form`, that purpose granted and a salted commitment to the
//! address is signed and handed to the loader with the address beside it (DESIGN.md §7).
//!
//! Each box lives in an open shadow root on the site's own element, so the site's CSS cannot
//! reach in and ours cannot leak out; it inherits the form's font and colour. Anything the site
//! put inside the element (a fallback for visitors without JavaScript) stops showing once the
//! box is there. `view` draws the box, `form` watches the form and records the opt-in.

mod form;
mod pending;
mod view;

pub use pending::resume_all as resume_pending;

use std::rc::Rc;

use samtycke_shared::{AskedIn, PurposeId};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use web_sys::Element;
use yew::{Callback, Renderer};

use crate::bridge;
use crate::mount;
use form::OptInForm;
use samtycke_banner::choice::Shown;
use view::{OptIn, OptInProps};

const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/optin-optin.min.css"));

/// Puts a box in every opt-in element of the page. One that cannot be used (unknown purpose,
/// a purpose the banner asks, no form around it) is reported and left as it is: the site's form
/// works on, and no consent is collected there.
pub fn mount_all(shown: &Shown) {
    for element in bridge::optins() {
        if let Err(error) = mount(shown, &element) {
            bridge::report("samtycke: cannot show the form opt-in:", &error);
        }
    }
}

fn mount(shown: &Shown, element: &Element) -> Result<(), JsValue> {
    let named = element
        .get_attribute("data-samtycke-optin")
        .unwrap_or_default();
    let purpose = PurposeId::parse(&named)
        .ok()
        .filter(|id| {
            shown
                .policy
                .purpose(id)
                .is_some_and(|p| p.asked_in == AskedIn::Form)
        })
        .ok_or_else(|| {
            JsValue::from_str(
                &[
                    "data-samtycke-optin=\"",
                    &named,
                    "\" names no purpose the policy asks in a form (\"askedIn\": \"form\")",
                ]
                .concat(),
            )
        })?;
    let shown = Rc::new(shown.in_language(language_at(shown, element)));
    let form = Rc::new(OptInForm::new(
        element.clone(),
        Rc::clone(&shown),
        purpose.clone(),
    ));

    let on_submit = {
        let form = Rc::clone(&form);
        Closure::<dyn Fn()>::new(move || OptInForm::submitted(&form))
    };
    let on_input = {
        let form = Rc::clone(&form);
        Closure::<dyn Fn()>::new(move || OptInForm::edited(&form))
    };
    if !bridge::watch_form(element, &on_submit, &on_input) {
        return Err(JsValue::from_str(
            &[
                "data-samtycke-optin=\"",
                &named,
                "\" is not inside a <form>",
            ]
            .concat(),
        ));
    }
    // The form calls them for the life of the page.
    on_submit.forget();
    on_input.forget();

    let document = element.owner_document().ok_or("no document")?;
    let container = mount::shadow_container(&document, element, CSS)?;
    let props = OptInProps {
        shown,
        purpose,
        on_tick: {
            let form = Rc::clone(&form);
            Callback::from(move |on: bool| OptInForm::ticked(&form, on))
        },
        on_age: {
            let form = Rc::clone(&form);
            Callback::from(move |age| OptInForm::aged(&form, age))
        },
        on_guardian: Callback::from(move |text| OptInForm::guardian_typed(&form, text)),
    };
    // Lives as long as the page: the handle is not kept, nothing ever unmounts it.
    Renderer::<OptIn>::with_root_and_props(container, props).render();
    Ok(())
}

/// The language of the form the box sits in (the nearest `lang`), if the policy has it, by
/// primary subtag; else the language the banner picked for the visitor. The box is part of the
/// site's form: it reads in that form's language.
fn language_at(shown: &Shown, element: &Element) -> usize {
    let tag = bridge::lang_at(element);
    let primary = tag.split('-').next().unwrap_or_default();
    shown
        .policy
        .languages
        .iter()
        .position(|l| l.primary().eq_ignore_ascii_case(primary))
        .unwrap_or(shown.language.get())
}
