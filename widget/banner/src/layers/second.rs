//! The second layer: one row per purpose with its full disclosure, the form opt-ins this
//! browser gave (each withdrawable), the controller and the visitor's rights, the download of
//! their receipts, and Save / Accept all / Reject all.

use samtycke_shared::{AskedIn, PurposeId};
use yew::prelude::*;

use super::disclosure::{controller, purpose_row};
use super::{View, action_button, gpc_note, heading, language_switch, policy_link};
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
    let download = {
        let host = view.host.clone();
        Callback::from(move |_| host.download_receipts())
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
            { signups(view) }
            { controller(view.shown, text) }
            if view.host.has_receipts() {
                <p>
                    <button type="button" class="leave" data-action="download"
                        onclick={download}>
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

/// The consents this browser gave in the site's forms, each with a button that withdraws it:
/// one click, as one tick gave it. Only purposes the policy still asks in a form are listed.
fn signups(view: &View) -> Html {
    let policy = &view.shown.policy;
    let rows: Vec<Html> = view
        .host
        .signed_up()
        .iter()
        .filter_map(|id| PurposeId::parse(id).ok())
        .filter_map(|id| policy.purpose(&id))
        .filter(|purpose| purpose.asked_in == AskedIn::Form)
        .map(|purpose| {
            let id = purpose.id.clone();
            // The button names what it withdraws to screen readers too.
            let name_id = ["samtycke-signup-", purpose.id.as_str()].concat();
            html! {
                <li>
                    <span id={name_id.clone()}>{ view.shown.local(&purpose.name) }</span>
                    { " " }
                    <button type="button" class="leave" data-action="withdraw-optin"
                        aria-describedby={name_id}
                        data-purpose={purpose.id.as_str().to_owned()} disabled={view.saving}
                        onclick={view.on_withdraw.reform(move |_| id.clone())}>
                        { view.text.withdraw }
                    </button>
                </li>
            }
        })
        .collect();
    if rows.is_empty() {
        return Html::default();
    }
    html! {
        <section class="signups" aria-labelledby="samtycke-signups">
            <h3 id="samtycke-signups">{ view.text.signups }</h3>
            <ul>{ for rows }</ul>
        </section>
    }
}
