//! What a visitor must be told before deciding (GDPR Art 13): one row per purpose with its
//! full disclosure, and who the controller is with the visitor's rights. A form's opt-in box
//! (the widget's `optin` module) shows the same [`details`] and [`controller`].

use samtycke_shared::{Decision, Purpose, PurposeId};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::View;
use crate::choice::Shown;
use samtycke_shared::text::Text;

/// A purpose: its box (unticked unless the visitor ticks it; locked on when strictly
/// necessary) labelled by its name, the decision on record and when it was made, what it is
/// (first, when it uses special-category data), and the details behind a `<details>`.
pub fn purpose_row(
    view: &View,
    purpose: &Purpose,
    ticked: bool,
    on_toggle: &Callback<(PurposeId, bool)>,
) -> Html {
    let (shown, text) = (view.shown, view.text);
    // Joined, not `format!`ted: formatting machinery costs the wasm kilobytes.
    let input_id = ["samtycke-p-", purpose.id.as_str()].concat();
    let about_id = ["samtycke-d-", purpose.id.as_str()].concat();
    let checkbox = if purpose.necessary {
        html! {
            <input type="checkbox" id={input_id.clone()} checked=true disabled=true
                aria-describedby={about_id.clone()} />
        }
    } else {
        let id = purpose.id.clone();
        let onchange = on_toggle.reform(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            (id.clone(), input.checked())
        });
        html! {
            <input type="checkbox" id={input_id.clone()} data-purpose={purpose.id.as_str().to_owned()}
                checked={ticked} {onchange} aria-describedby={about_id.clone()} />
        }
    };
    html! {
        <section class="purpose" key={purpose.id.as_str()}>
            <div class="toggle">
                { checkbox }
                <h3><label for={input_id}>{ shown.local(&purpose.name) }</label></h3>
                { decided(view, purpose) }
            </div>
            <p id={about_id}>
                if purpose.special_category {
                    <strong class="special">{ text.special_category }</strong>
                }
                { shown.local(&purpose.description) }
                if purpose.necessary {
                    <span class="locked">{ " " }{ text.necessary_note }</span>
                }
            </p>
            <details>
                <summary>{ text.disclosure }</summary>
                { details(shown, purpose, text) }
            </details>
        </section>
    }
}

/// "Granted 23 Nov 2026, 10:15": the decision on record and when it was made, in the shown
/// language.
fn decided(view: &View, purpose: &Purpose) -> Html {
    let earlier = view.earlier;
    let (Some(decision), Some(at)) = (
        earlier.decisions.get(&purpose.id),
        earlier.at.get(&purpose.id),
    ) else {
        return Html::default();
    };
    let label = match decision {
        Decision::Granted => view.text.granted_at,
        Decision::Denied => view.text.denied_at,
        Decision::Withdrawn => view.text.withdrawn_at,
    };
    let when = view.host.format_time(*at, view.shown.language().as_str());
    html! { <span class="decided">{ label }{ " " }{ when }</span> }
}

/// A purpose's full disclosure: data, basis, recipients, transfers, retention, automated
/// decisions, what refusing means, cookies.
pub fn details(shown: &Shown, purpose: &Purpose, text: &'static Text) -> Html {
    let recipients = if purpose.recipients.is_empty() {
        html! { { text.no_recipients } }
    } else {
        html! {
            <ul>
                { for purpose.recipients.iter().map(|r| html! {
                    <li><strong>{ &r.name }</strong>{ ": " }{ shown.local(&r.role) }</li>
                }) }
            </ul>
        }
    };
    let transfers = match &purpose.transfers {
        Some(t) => [&t.countries.join(", "), ": ", shown.local(&t.safeguard)].concat(),
        None => text.no_transfers.to_owned(),
    };
    let automated = purpose
        .automated_decisions
        .as_ref()
        .map_or(text.no_automated, |t| shown.local(t));
    html! {
        <dl>
            { row(text.data_categories, html! { { shown.local(&purpose.data_categories) } }) }
            { row(text.lawful_basis, html! { { text.basis(&purpose.lawful_basis) } }) }
            { row(text.recipients, recipients) }
            { row(text.transfers, html! { { transfers } }) }
            { row(text.retention, html! { { shown.local(&purpose.retention) } }) }
            { row(text.automated, html! { { automated } }) }
            { row(text.if_refused, html! { { shown.local(&purpose.if_refused) } }) }
            if !purpose.cookies.is_empty() {
                { row(text.cookies, html! { { purpose.cookies.join(", ") } }) }
            }
        </dl>
    }
}

fn row(term: &'static str, value: Html) -> Html {
    html! { <><dt>{ term }</dt><dd>{ value }</dd></> }
}

/// Who is responsible, how to reach them, and the visitor's rights (Art 13(1)(a)–(b), 13(2)).
pub fn controller(shown: &Shown, text: &'static Text) -> Html {
    let controller = &shown.policy.controller;
    html! {
        <details class="controller">
            <summary>{ text.controller }</summary>
            <dl>
                { row(text.contact, html! {
                    <>
                        <strong>{ &controller.name }</strong><br />
                        { &controller.contact }
                        if let Some(address) = &controller.address {
                            <br />{ address }
                        }
                    </>
                }) }
                if let Some(dpo) = &controller.dpo_contact {
                    { row(text.dpo, html! { { dpo } }) }
                }
                { row(text.authority, html! { { &controller.supervisory_authority } }) }
            </dl>
            <p>{ text.rights }</p>
        </details>
    }
}
