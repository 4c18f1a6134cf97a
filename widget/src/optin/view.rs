//! The opt-in box as the visitor sees it: unticked, labelled "I want to receive …" with the
//! purpose's name, what it is, that consent can be withdrawn, and the full disclosure and the
//! controller behind `<details>`, as in the banner's second layer.

use std::rc::Rc;

use samtycke_shared::PurposeId;
use samtycke_shared::text::Text;
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
    let onchange = props.on_tick.reform(|event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.checked()
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
