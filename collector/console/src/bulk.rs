//! A bulk change of the selected people's compliance card: the basis (with what it requires)
//! and/or the source, confirmed with the number it will touch, and answered with how many
//! changed. All or none: the collector refuses the whole change if one card cannot take it.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, BulkTarget, Session};
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct BulkProps {
    pub words: &'static Words,
    pub session: Rc<Session>,
    /// Whom it is for.
    pub target: BulkTarget,
    /// After a change, with what to say.
    pub on_done: Callback<String>,
}

#[function_component]
pub fn Bulk(props: &BulkProps) -> Html {
    let words = props.words;
    let basis = use_state(String::new);
    let source = use_state(String::new);
    let confirming = use_state(|| false);
    let problem = use_state(String::new);
    let (consent_date, consent_purpose, basis_other, source_other) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    let choose = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: Event| {
            state.set(event.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    let onsubmit = {
        let (confirming, problem) = (confirming.clone(), problem.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            problem.set(String::new());
            confirming.set(true);
        })
    };
    let apply = {
        let (basis, source, confirming, problem) = (
            basis.clone(),
            source.clone(),
            confirming.clone(),
            problem.clone(),
        );
        let refs = (
            consent_date.clone(),
            consent_purpose.clone(),
            basis_other.clone(),
            source_other.clone(),
        );
        let (target, csrf, on_done) = (
            props.target.clone(),
            props.session.csrf_token.clone(),
            props.on_done.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let text = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .filter(|v| !v.trim().is_empty())
            };
            let basis_change = (!basis.is_empty()).then(|| {
                serde_json::json!({
                    "basis": *basis,
                    "basisOther": text(&refs.2),
                    "consentDate": text(&refs.0),
                    "consentPurpose": text(&refs.1),
                })
            });
            let source_change = (!source.is_empty())
                .then(|| serde_json::json!({ "source": *source, "sourceOther": text(&refs.3) }));
            let (target, csrf, on_done) = (target.clone(), csrf.clone(), on_done.clone());
            let (confirming, problem) = (confirming.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::bulk_update(&target, basis_change, source_change, &csrf).await {
                    Ok(Ok(answer)) => on_done.emit(
                        words
                            .bulk_done
                            .replace("{updated}", &answer.updated.to_string())
                            .replace("{unchanged}", &answer.unchanged.to_string()),
                    ),
                    Ok(Err(detail)) => problem.set(detail),
                    Err(_) => problem.set(words.trouble.to_owned()),
                }
                confirming.set(false);
            });
        })
    };
    let cancel = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(false))
    };
    // Each option says whether it is chosen: yew inserts a list's nodes last first, and a select
    // whose options say nothing keeps the first one inserted, which is the last.
    let options = |list: &[(&'static str, &'static str)], chosen: &str| {
        list.iter()
            .map(|(wire, text)| {
                html! { <option value={*wire} selected={*wire == chosen}>{ *text }</option> }
            })
            .collect::<Html>()
    };
    let count = props.target.count();
    html! {
        <form class="bulk" {onsubmit} aria-labelledby="bulk-title">
            <h2 id="bulk-title">{ words.bulk_title }{ format!(" ({count} {})", words.selected_count) }</h2>
            <label for="bulk-basis">{ words.basis }</label>
            <select id="bulk-basis" onchange={choose(&basis)}>
                <option value="" selected={basis.is_empty()}>{ words.keep }</option>
                { options(&words.bases, &basis) }
            </select>
            if *basis == "consent" {
                <label for="bulk-consent-date">{ words.consent_date }</label>
                <input id="bulk-consent-date" type="date" required=true ref={consent_date} />
                <label for="bulk-consent-purpose">{ words.consent_purpose }</label>
                <input id="bulk-consent-purpose" type="text" required=true ref={consent_purpose} />
            }
            if *basis == "other" {
                <label for="bulk-basis-other">{ words.basis_other }</label>
                <input id="bulk-basis-other" type="text" required=true ref={basis_other} />
            }
            <label for="bulk-source">{ words.source }</label>
            <select id="bulk-source" onchange={choose(&source)}>
                <option value="" selected={source.is_empty()}>{ words.keep }</option>
                { options(&words.sources, &source) }
            </select>
            if *source == "other" {
                <label for="bulk-source-other">{ words.source_other }</label>
                <input id="bulk-source-other" type="text" required=true ref={source_other} />
            }
            <p class="problem" role="alert">{ (*problem).clone() }</p>
            if *confirming {
                <div class="confirm" role="alertdialog" aria-labelledby="bulk-confirm">
                    <p id="bulk-confirm">{ words.bulk_confirm.replace("{n}", &count.to_string()) }</p>
                    <button type="button" class="apply" onclick={apply}>{ words.apply }</button>
                    <button type="button" class="secondary" onclick={cancel}>{ words.cancel }</button>
                </div>
            } else {
                <button type="submit" disabled={basis.is_empty() && source.is_empty()}>
                    { words.apply }
                </button>
            }
        </form>
    }
}
