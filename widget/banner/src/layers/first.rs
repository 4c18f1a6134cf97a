//! The first layer: who asks, the short notice, the purposes asked about by name, and three
//! equal answers, in this order: Accept all, Reject all, Settings (styles.css draws them alike).
//!
//! The collector renders this layer on the server for the loader to show before the app has
//! loaded, so it reads nothing from the host: everything comes from the policy and the props.

use yew::prelude::*;

use super::{
    View, action_button, choice_button, gpc_note, heading, language_switch, policy_link,
    special_note,
};
use crate::choice::Action;

pub fn view(view: &View, on_settings: &Callback<()>) -> Html {
    let shown = view.shown;
    html! {
        <>
            <div class="head">
                { heading(view.text.dialog_title) }
                { language_switch(view) }
            </div>
            <p class="controller">{ &shown.policy.controller.name }</p>
            <p id="samtycke-notice">{ shown.local(&shown.policy.notice) }</p>
            { purpose_names(view) }
            { gpc_note(view) }
            { special_note(view) }
            { policy_link(view) }
            <div class="actions">
                { action_button(view, Action::AcceptAll) }
                { action_button(view, Action::RejectAll) }
                { choice_button("settings", view.text.settings, view.saving, false, on_settings.reform(|_| ())) }
            </div>
        </>
    }
}

/// The purposes the visitor is asked about, by name: the notice speaks of them, and a choice
/// is only informed if the visitor can see what "Accept all" covers before pressing it.
fn purpose_names(view: &View) -> Html {
    let shown = view.shown;
    let names = shown.policy.banner_purposes().map(|purpose| {
        html! { <li>{ shown.local(&purpose.name) }</li> }
    });
    html! {
        <ul class="asked">{ for names }</ul>
    }
}
