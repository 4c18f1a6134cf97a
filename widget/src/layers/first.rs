//! The first layer: who asks, the short notice, and three equal answers, in this order:
//! Accept all, Reject all, Settings (styles.css draws them alike).

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
            { gpc_note(view) }
            { special_note(view) }
            { policy_link(view) }
            <div class="actions">
                { action_button(view, Action::AcceptAll) }
                { action_button(view, Action::RejectAll) }
                { choice_button("settings", view.text.settings, view.saving, on_settings.reform(|_| ())) }
            </div>
        </>
    }
}
