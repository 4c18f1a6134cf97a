//! The first layer: who asks, the short notice, and three equal answers.

use yew::prelude::*;

use super::{View, action_button, choice_button, gpc_note, heading, policy_link};
use crate::choice::Action;

pub fn view(view: &View, on_settings: &Callback<()>) -> Html {
    let shown = view.shown;
    html! {
        <>
            { heading(view, view.text.dialog_title) }
            <p class="controller">{ &shown.policy.controller.name }</p>
            <p id="samtycke-notice">{ shown.local(&shown.policy.notice) }</p>
            { gpc_note(view) }
            { policy_link(view) }
            <div class="actions">
                { action_button(view, Action::AcceptAll) }
                { action_button(view, Action::RejectAll) }
                { choice_button("settings", view.text.settings, view.saving, on_settings.reform(|_| ())) }
            </div>
        </>
    }
}
