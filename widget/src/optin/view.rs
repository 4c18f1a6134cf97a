//! The opt-in box as the visitor sees it: unticked, labelled "I want to receive …" with the
//! purpose's name, what it is, that consent can be withdrawn, and the full disclosure and the
//! controller behind `<details>`, as in the banner's second layer.

use std::rc::Rc;

use samtycke_shared::text::Text;
use samtycke_shared::{AgeAnswer, PurposeId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use samtycke_banner::choice::Shown;
use samtycke_banner::layers::disclosure::{controller, details};

#[derive(Properties, PartialEq)]
pub struct OptInProps {
    /// The policy, in the language of the box's form.
    pub shown: Rc<Shown>,
    /// The purpose asked; the policy has it, asked in a form.
    pub purpose: PurposeId,
    /// The box was ticked (`true`) or unticked.
    pub on_tick: Callback<bool>,
    /// The age question was answered (purposes that ask it).
    pub on_age: Callback<AgeAnswer>,
    /// The guardian's address field changed.
    pub on_guardian: Callback<String>,
}

/// No state of its own: the box is never pre-ticked, the browser keeps its tick, and the form
/// watcher hears of each change through `on_tick`. Ids need only be unique in the box's own
/// shadow root.
#[function_component]
pub fn OptIn(props: &OptInProps) -> Html {
    let shown = &*props.shown;
    let Some(purpose) = shown.policy.purpose(&props.purpose) else {
        return Html::default();
    };
    let text = Text::for_language(shown.language());
    let below = use_state(|| false);
    let onchange = props.on_tick.reform(|event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.checked()
    });
    // Art 8: asked after the box, so the question reads as part of the opt-in; the guardian's
    // field appears only for the answer that needs it.
    let age = purpose.ask_age.then(|| {
        let minimum = shown.policy.minimum_age().to_string();
        let answer = |value: AgeAnswer| {
            let below = below.clone();
            let on_age = props.on_age.clone();
            Callback::from(move |_: Event| {
                below.set(value == AgeAnswer::BelowMinimum);
                on_age.emit(value);
            })
        };
        let on_guardian = props.on_guardian.reform(|event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            input.value()
        });
        html! {
            <fieldset class="age">
                <legend>{ text.age_question }</legend>
                <label><input type="radio" name="samtycke-age" value="at-least-minimum"
                    onchange={answer(AgeAnswer::AtLeastMinimum)} />
                    { text.age_at_least.replace("{age}", &minimum) }</label>
                <label><input type="radio" name="samtycke-age" value="below-minimum"
                    onchange={answer(AgeAnswer::BelowMinimum)} />
                    { text.age_below.replace("{age}", &minimum) }</label>
                if *below {
                    <label for="samtycke-guardian" class="guardian">{ text.guardian_label }</label>
                    <input type="email" id="samtycke-guardian" autocomplete="off"
                        aria-describedby="samtycke-guardian-note" oninput={on_guardian} />
                    <p id="samtycke-guardian-note">{ text.guardian_note }</p>
                }
            </fieldset>
        }
    });
    html! {
        <div class="optin" lang={shown.language().as_str().to_owned()}>
            <div class="box">
                <input type="checkbox" id="samtycke-optin" data-purpose={purpose.id.as_str().to_owned()}
                    aria-describedby="samtycke-optin-about" {onchange} />
                <label for="samtycke-optin">
                    { text.optin_label }{ " " }{ shown.local(&purpose.name) }
                </label>
            </div>
            { for age }
            <p id="samtycke-optin-about">
                { shown.local(&purpose.description) }{ " " }{ text.optin_note }{ " " }
                { &shown.policy.controller.contact }{ "." }
            </p>
            <details>
                <summary>{ text.disclosure }</summary>
                { details(shown, purpose, text) }
            </details>
            { controller(shown, text) }
        </div>
    }
}
