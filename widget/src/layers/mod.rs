//! The banner's two layers, and the pieces they share.
//!
//! Layers are plain functions of a [`View`], not components: the root component owns all state,
//! and every extra component would add its own copy of yew's lifecycle code to the wasm.
//! Every decision button is drawn by [`choice_button`], one class and one size for all, so that
//! Accept and Reject can never drift apart in prominence.

mod disclosure;
pub mod first;
pub mod second;

use yew::prelude::*;

use crate::choice::{Action, Shown};
use crate::text::Text;

/// What every part of a layer draws from.
pub struct View<'a> {
    pub shown: &'a Shown,
    pub text: &'static Text,
    /// Whether the browser sends Global Privacy Control.
    pub gpc: bool,
    /// A decision is being recorded: the buttons wait.
    pub saving: bool,
    /// The layer's heading, focused when the layer opens.
    pub heading: &'a NodeRef,
    pub on_action: &'a Callback<Action>,
}

/// A decision button. `data-action` is stable: the browser tests click by it.
fn choice_button(
    data_action: &'static str,
    label: &'static str,
    saving: bool,
    onclick: Callback<MouseEvent>,
) -> Html {
    html! {
        <button type="button" class="choice" data-action={data_action} disabled={saving} {onclick}>
            { label }
        </button>
    }
}

/// A button that emits `action`.
fn action_button(view: &View, action: Action) -> Html {
    let (data_action, label) = match action {
        Action::AcceptAll => ("accept-all", view.text.accept_all),
        Action::RejectAll => ("reject-all", view.text.reject_all),
        Action::Save => ("save", view.text.save),
    };
    choice_button(
        data_action,
        label,
        view.saving,
        view.on_action.reform(move |_| action),
    )
}

/// The note under Global Privacy Control, where it changes what "Accept all" does.
fn gpc_note(view: &View) -> Html {
    if view.gpc && view.shown.has_sale_or_sharing() {
        html! { <p class="note">{ view.text.gpc_note }</p> }
    } else {
        Html::default()
    }
}

/// The full privacy policy, linked only when it is a web address.
fn policy_link(view: &View) -> Html {
    let url = &view.shown.policy.policy_url;
    if url.starts_with("https://") || url.starts_with("http://") {
        html! { <p class="policy"><a href={url.clone()}>{ view.text.policy_link }</a></p> }
    } else {
        Html::default()
    }
}

/// The layer's heading, which takes the focus when the layer opens.
fn heading(view: &View, title: &'static str) -> Html {
    html! {
        <h2 id="samtycke-title" tabindex="-1" ref={view.heading.clone()}>{ title }</h2>
    }
}
