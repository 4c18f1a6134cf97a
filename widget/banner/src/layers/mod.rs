//! The banner's two layers, and the pieces they share.
//!
//! Layers are plain functions of a [`View`], not components: the root component owns all state,
//! and every extra component would add its own copy of yew's lifecycle code to the wasm.
//! Every decision button is drawn by [`choice_button`], one class and one size for all, so that
//! Accept and Reject can never drift apart in prominence.

pub mod disclosure;
pub mod first;
pub mod second;

use yew::prelude::*;

use samtycke_shared::text::Text;

use crate::choice::{Action, Earlier, Shown};
use crate::host::HostRef;

/// What every part of a layer draws from.
pub struct View<'a> {
    pub shown: &'a Shown,
    pub text: &'static Text,
    /// Whether the browser sends Global Privacy Control.
    pub gpc: bool,
    /// A decision is being recorded: the buttons wait.
    pub saving: bool,
    /// The decision button whose press is being recorded: it shows that it is saving.
    pub pressed: Option<Action>,
    /// The visitor's decisions on record, and when they were made.
    pub earlier: &'a Earlier,
    /// The page around the banner.
    pub host: &'a HostRef,
    pub on_action: &'a Callback<Action>,
    /// Withdraws a consent given in a form on this browser.
    pub on_withdraw: &'a Callback<samtycke_shared::PurposeId>,
    /// Shows another of the policy's languages (an index in `policy.languages`).
    pub on_language: &'a Callback<usize>,
}

/// A decision button (no `type`: the banner's shadow root holds no form a button could submit,
/// and the first layer's markup goes to every visitor with the loader). `data-action` is stable: the browser tests click by it, and the loader
/// carries out a press that comes before the app is live. The pressed button says it is busy
/// (`aria-busy`, which styles.css draws), the others wait.
fn choice_button(
    data_action: &'static str,
    label: &'static str,
    saving: bool,
    pressed: bool,
    onclick: Callback<MouseEvent>,
) -> Html {
    let busy = pressed.then_some("true");
    html! {
        <button class="choice" data-action={data_action} disabled={saving}
            aria-busy={busy} {onclick}>
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
        view.pressed == Some(action),
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

/// The note that "Accept all" leaves special-category purposes off (Art 9).
fn special_note(view: &View) -> Html {
    if view.shown.has_special_category() {
        html! { <p class="note">{ view.text.special_note }</p> }
    } else {
        Html::default()
    }
}

/// One button per language of the policy, each named in its own language; none when the
/// policy has one. `data-language` is stable: the browser tests click by it.
fn language_switch(view: &View) -> Html {
    let languages = &view.shown.policy.languages;
    if languages.len() < 2 {
        return Html::default();
    }
    let current = view.shown.language.get();
    let buttons = languages.iter().enumerate().map(|(index, language)| {
        let tag = language.as_str();
        let name = Text::find(language).map_or(tag, |text| text.name);
        let pressed = if index == current { "true" } else { "false" };
        html! {
            <button class="language" data-language={tag.to_owned()}
                lang={tag.to_owned()} aria-pressed={pressed}
                onclick={view.on_language.reform(move |_| index)}>
                { name }
            </button>
        }
    });
    html! {
        <div class="languages" role="group" aria-label={view.text.language}>{ for buttons }</div>
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
fn heading(title: &'static str) -> Html {
    html! {
        <h2 id="samtycke-title" tabindex="-1">{ title }</h2>
    }
}
