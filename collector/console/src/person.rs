//! A person's page: their details (masked for a marketer), consent per site and purpose, the
//! compliance card with its edit form (consent makes its date and purpose appear and be
//! required; "other" asks for its text), exports, and, for the DPO, deletion with a confirmation
//! that says what stays.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use yew_router::prelude::*;

use crate::api::{self, ApiError, Card, Contact, Session};
use crate::route::{PeopleQuery, Route};
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct PersonProps {
    pub words: &'static Words,
    pub session: Rc<Session>,
    pub person_id: String,
    pub on_signed_out: Callback<()>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Loading,
    Failed,
    Gone,
    Shown(Box<Contact>),
}

/// The words for a wire value among `options` (a basis, a source); a dash for none.
pub(crate) fn label<'a>(
    options: &'a [(&'static str, &'static str)],
    value: Option<&str>,
) -> &'a str {
    value
        .and_then(|v| options.iter().find(|(wire, _)| *wire == v))
        .map_or("—", |(_, text)| *text)
}

#[function_component]
pub fn Person(props: &PersonProps) -> Html {
    let words = props.words;
    let navigator = use_navigator();
    let location = use_location();
    let loaded = use_state(|| Loaded::Loading);
    let editing = use_state(|| false);
    let confirming = use_state(|| false);
    let message = use_state(|| None::<String>);
    let reason = use_state(String::new);
    let history = use_state(Vec::<api::SubscriptionEvent>::new);
    {
        let history = history.clone();
        use_effect_with(props.person_id.clone(), move |id| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(found) = api::subscriptions(&id).await {
                    history.set(found);
                }
            });
        });
    }
    let reveal_problem = use_state(String::new);
    {
        let loaded = loaded.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with(props.person_id.clone(), move |id| {
            let id = id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                loaded.set(match api::contact(&id).await {
                    Ok(contact) => Loaded::Shown(Box::new(contact)),
                    Err(ApiError::SignedOut) => {
                        on_signed_out.emit(());
                        Loaded::Failed
                    }
                    Err(ApiError::Failed(404)) => Loaded::Gone,
                    Err(_) => Loaded::Failed,
                });
            });
        });
    }
    // Back to the People page with the filters this person was found by.
    let found_by: PeopleQuery = location
        .as_ref()
        .and_then(|l| l.query::<PeopleQuery>().ok())
        .unwrap_or_default();
    let back_href = match crate::people::query_string(&found_by) {
        query if query.is_empty() => Route::People.to_path(),
        query => format!("{}?{query}", Route::People.to_path()),
    };
    let back = {
        let navigator = navigator.clone();
        Callback::from(move |event: MouseEvent| {
            if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                return;
            }
            if let Some(navigator) = &navigator {
                event.prevent_default();
                let _ = navigator.push_with_query(&Route::People, &found_by);
            }
        })
    };
    let back = html! { <a class="back" href={back_href} onclick={back}>{ words.back }</a> };
    let contact = match &*loaded {
        Loaded::Loading => return html! { <p role="status">{ words.loading }</p> },
        Loaded::Failed => return html! { <p role="alert">{ words.trouble }</p> },
        Loaded::Gone => {
            return html! {
                <section>
                    <p role="status">{ words.deleted }</p>
                    { back }
                </section>
            };
        }
        Loaded::Shown(contact) => contact.clone(),
    };
    let id = props.person_id.clone();
    let export = |format: &str| format!("/v1/contacts/{id}/export?format={format}");
    let card = &contact.card;
    let name = [
        contact.profile.first_name.clone(),
        contact.profile.last_name.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let title = contact
        .identifiers
        .email
        .clone()
        .unwrap_or_else(|| contact.person_id.clone());
    let card_view = if *editing {
        let on_saved = {
            let (loaded, editing, message) = (loaded.clone(), editing.clone(), message.clone());
            Callback::from(move |saved: Contact| {
                loaded.set(Loaded::Shown(Box::new(saved)));
                editing.set(false);
                message.set(Some(words.saved.to_owned()));
            })
        };
        let on_cancel = {
            let editing = editing.clone();
            Callback::from(move |()| editing.set(false))
        };
        html! {
            <CardForm {words} card={card.clone()} session={Rc::clone(&props.session)}
                person_id={id.clone()} {on_saved} {on_cancel} />
        }
    } else {
        let edit = {
            let (editing, message) = (editing.clone(), message.clone());
            Callback::from(move |_: MouseEvent| {
                message.set(None);
                editing.set(true);
            })
        };
        html! {
            <>
                <dl>
                    <dt>{ words.basis }</dt>
                    <dd>{ label(&words.bases, card.basis.as_deref()) }
                        if let Some(other) = &card.basis_other { { ": " }{ other } }</dd>
                    if card.basis.as_deref() == Some("consent") {
                        <dt>{ words.consent_date }</dt>
                        <dd>{ card.consent_date.clone().unwrap_or_default() }</dd>
                        <dt>{ words.consent_purpose }</dt>
                        <dd>{ card.consent_purpose.clone().unwrap_or_default() }</dd>
                    }
                    <dt>{ words.source }</dt>
                    <dd>{ label(&words.sources, card.source.as_deref()) }
                        if let Some(other) = &card.source_other { { ": " }{ other } }</dd>
                </dl>
                <button type="button" onclick={edit}>{ words.edit }</button>
            </>
        }
    };
    let is_dpo = matches!(props.session.user.role.as_str(), "dpo" | "admin");
    // The DPO sees a person's values in clear only with a reason, which the audit log keeps.
    let reveal = if is_dpo && contact.masked {
        let onsubmit = {
            let (loaded, reason, problem) =
                (loaded.clone(), reason.clone(), reveal_problem.clone());
            let (csrf, id) = (props.session.csrf_token.clone(), id.clone());
            Callback::from(move |event: SubmitEvent| {
                event.prevent_default();
                let (loaded, problem) = (loaded.clone(), problem.clone());
                let (csrf, id, why) = (csrf.clone(), id.clone(), (*reason).clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::reveal(&id, &why, &csrf).await {
                        Ok(Ok(contact)) => loaded.set(Loaded::Shown(Box::new(contact))),
                        Ok(Err(detail)) => problem.set(detail),
                        Err(_) => problem.set(words.trouble.to_owned()),
                    }
                });
            })
        };
        let oninput = {
            let reason = reason.clone();
            Callback::from(move |event: InputEvent| {
                reason.set(event.target_unchecked_into::<HtmlInputElement>().value());
            })
        };
        html! {
            <form class="reveal" {onsubmit}>
                <label for="reveal-reason">{ words.reveal_reason }</label>
                <input id="reveal-reason" type="text" required=true value={(*reason).clone()} {oninput} />
                <p class="problem" role="alert">{ (*reveal_problem).clone() }</p>
                <button type="submit">{ words.reveal }</button>
            </form>
        }
    } else {
        Html::default()
    };
    let deletion = if !is_dpo {
        Html::default()
    } else if *confirming {
        let yes = {
            let (loaded, confirming) = (loaded.clone(), confirming.clone());
            let csrf = props.session.csrf_token.clone();
            let id = id.clone();
            Callback::from(move |_: MouseEvent| {
                let (loaded, confirming) = (loaded.clone(), confirming.clone());
                let (csrf, id) = (csrf.clone(), id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match api::delete_contact(&id, &csrf).await {
                        Ok(()) => loaded.set(Loaded::Gone),
                        Err(_) => loaded.set(Loaded::Failed),
                    }
                    confirming.set(false);
                });
            })
        };
        let no = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(false))
        };
        html! {
            <div class="confirm" role="alertdialog" aria-labelledby="delete-text">
                <p id="delete-text">{ words.delete_confirm }</p>
                <button type="button" class="danger" onclick={yes}>{ words.delete_yes }</button>
                <button type="button" onclick={no}>{ words.cancel }</button>
            </div>
        }
    } else {
        let ask = {
            let confirming = confirming.clone();
            Callback::from(move |_: MouseEvent| confirming.set(true))
        };
        html! { <button type="button" class="danger" onclick={ask}>{ words.delete }</button> }
    };
    html! {
        <section aria-labelledby="person-title">
            { back.clone() }
            <h1 id="person-title">{ title }</h1>
            if contact.masked { <p class="note">{ words.masked_note }</p> }
            else if is_dpo { <p class="note">{ words.revealed_note }</p> }
            { reveal }
            <h2>{ words.profile }</h2>
            <dl>
                <dt>{ words.name }</dt><dd>{ if name.is_empty() { words.none.to_owned() } else { name } }</dd>
                <dt>{ words.email }</dt><dd>{ contact.identifiers.email.clone().unwrap_or_default() }</dd>
            </dl>
            <h2>{ words.card }</h2>
            <p class="status" role="status">{ (*message).clone().unwrap_or_default() }</p>
            { card_view }
            <h2>{ words.consents }</h2>
            <ul>
                { for contact.consents.iter().map(|c| html! {
                    <li>{ format!("{} / {}: {}", c.site, c.purpose, words.state(&c.state)) }</li>
                }) }
            </ul>
            <h2>{ words.receipts }</h2>
            <crate::receipts::Receipts {words} person_id={props.person_id.clone()} />
            <h2>{ words.history }</h2>
            <ul class="history">
                { for history.iter().map(|e| {
                    let event = if e.event == "subscribe" { words.subscribed } else { words.unsubscribed };
                    html! {
                        <li>{ format!("{} — {} / {}: {event} ({})",
                            e.at.get(..10).unwrap_or(&e.at), e.site, e.purpose, e.source) }</li>
                    }
                }) }
            </ul>
            <h2>{ words.export }</h2>
            <ul class="exports">
                <li><a href={export("csv")} download="">{ words.export_csv }</a></li>
                <li><a href={export("json")} download="">{ words.export_json }</a></li>
            </ul>
            { deletion }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CardFormProps {
    words: &'static Words,
    card: Card,
    session: Rc<Session>,
    person_id: String,
    on_saved: Callback<Contact>,
    on_cancel: Callback<()>,
}

/// The card's edit form. The collector checks every rule again and names the field it refuses.
#[function_component]
fn CardForm(props: &CardFormProps) -> Html {
    let words = props.words;
    let basis = use_state(|| props.card.basis.clone().unwrap_or_default());
    let source = use_state(|| props.card.source.clone().unwrap_or_default());
    let problem = use_state(String::new);
    // Each text is held here as typed, so that a re-render (another field changing) keeps it.
    let card = &props.card;
    let basis_other = use_state(|| card.basis_other.clone().unwrap_or_default());
    let consent_date = use_state(|| card.consent_date.clone().unwrap_or_default());
    let consent_purpose = use_state(|| card.consent_purpose.clone().unwrap_or_default());
    let source_other = use_state(|| card.source_other.clone().unwrap_or_default());
    let typed = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            state.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let on_basis = {
        let basis = basis.clone();
        Callback::from(move |event: Event| {
            basis.set(event.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let on_source = {
        let source = source.clone();
        Callback::from(move |event: Event| {
            source.set(event.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let onsubmit = {
        let (basis, source, problem) = (basis.clone(), source.clone(), problem.clone());
        let (basis_other, consent_date, consent_purpose, source_other) = (
            basis_other.clone(),
            consent_date.clone(),
            consent_purpose.clone(),
            source_other.clone(),
        );
        let (csrf, id) = (props.session.csrf_token.clone(), props.person_id.clone());
        let on_saved = props.on_saved.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let some = |value: &str| (!value.trim().is_empty()).then(|| value.to_owned());
            // Only what the chosen basis and source take: the collector refuses the rest.
            let consent = *basis == "consent";
            let card = Card {
                basis: some(&basis),
                basis_other: some(&basis_other).filter(|_| *basis == "other"),
                consent_date: some(&consent_date).filter(|_| consent),
                consent_purpose: some(&consent_purpose).filter(|_| consent),
                source: some(&source),
                source_other: some(&source_other).filter(|_| *source == "other"),
            };
            let (problem, on_saved) = (problem.clone(), on_saved.clone());
            let (csrf, id) = (csrf.clone(), id.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::put_card(&id, &card, &csrf).await {
                    Ok(Ok(contact)) => on_saved.emit(contact),
                    Ok(Err(detail)) => problem.set(detail),
                    Err(_) => problem.set(words.trouble.to_owned()),
                }
            });
        })
    };
    let cancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(()))
    };
    let options = |list: &[(&'static str, &'static str)], chosen: &str| {
        list.iter()
            .map(|(wire, text)| {
                html! { <option value={*wire} selected={*wire == chosen}>{ *text }</option> }
            })
            .collect::<Html>()
    };
    html! {
        <form class="card" {onsubmit}>
            <label for="basis">{ words.basis }</label>
            <select id="basis" onchange={on_basis}>
                <option value="" selected={basis.is_empty()}>{ words.none }</option>
                { options(&words.bases, &basis) }
            </select>
            if *basis == "consent" {
                <label for="consent-date">{ words.consent_date }</label>
                <input id="consent-date" type="date" required=true
                    value={(*consent_date).clone()} oninput={typed(&consent_date)} />
                <label for="consent-purpose">{ words.consent_purpose }</label>
                <input id="consent-purpose" type="text" required=true
                    value={(*consent_purpose).clone()} oninput={typed(&consent_purpose)} />
            }
            if *basis == "other" {
                <label for="basis-other">{ words.basis_other }</label>
                <input id="basis-other" type="text" required=true
                    value={(*basis_other).clone()} oninput={typed(&basis_other)} />
            }
            <label for="source">{ words.source }</label>
            <select id="source" onchange={on_source}>
                <option value="" selected={source.is_empty()}>{ words.none }</option>
                { options(&words.sources, &source) }
            </select>
            if *source == "other" {
                <label for="source-other">{ words.source_other }</label>
                <input id="source-other" type="text" required=true
                    value={(*source_other).clone()} oninput={typed(&source_other)} />
            }
            <p class="problem" role="alert">{ (*problem).clone() }</p>
            <div class="actions">
                <button type="submit">{ words.save }</button>
                <button type="button" class="secondary" onclick={cancel}>{ words.cancel }</button>
            </div>
        </form>
    }
}
