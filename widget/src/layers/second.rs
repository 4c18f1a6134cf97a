//! The second layer: one row per purpose with its full disclosure, the controller and the
//! visitor's rights, the download of their receipts, and Save / Accept all / Reject all.

use samtycke_shared::{AskedIn, PurposeId};
use yew::prelude::*;

use super::disclosure::{controller, purpose_row};
use super::{View, action_button, gpc_note, heading, language_switch, policy_link};
use crate::bridge;
use crate::choice::{Action, Choices};

/// `can_close`: a decision is on record, so leaving closes the banner instead of going back.
pub fn view(
    view: &View,
    ticked: &Choices,
    can_close: bool,
    on_toggle: &Callback<(PurposeId, bool)>,
    on_leave: &Callback<()>,
) -> Html {
    let text = view.text;
    let (leave_action, leave_label) = if can_close {
        ("close", text.close)
    } else {
        ("back", text.back)
    };
    // Purposes asked in a form have their box there, never a toggle here.
    let purposes = view.shown.policy.purposes.iter();
    let rows = purposes
        .filter(|p| p.asked_in == AskedIn::Banner)
        .map(|purpose| {
            let on = ticked.get(&purpose.id).copied().unwrap_or(false);
            purpose_row(view, purpose, on, on_toggle)
        });
    html! {
        <>
            <div class="head">
                { heading(text.settings_title) }
                { language_switch(view) }
                <button type="button" class="leave" data-action={leave_action}
                    onclick={on_leave.reform(|_| ())}>
                    { leave_label }
                </button>
            </div>
            <p id="samtycke-notice">{ text.settings_intro }</p>
            { gpc_note(view) }
            <div class="purposes">{ for rows }</div>
            { controller(view.shown, text) }
            if bridge::has_receipts() {
                <p>
                    <button type="button" class="leave" data-action="download"
                        onclick={Callback::from(|_| bridge::download_receipts())}>
                        { text.download }
                    </button>
                </p>
            }
            { policy_link(view) }
            <div class="actions">
                { action_button(view, Action::Save) }
                { action_button(view, Action::AcceptAll) }
                { action_button(view, Action::RejectAll) }
            </div>
        </>
    }
}
