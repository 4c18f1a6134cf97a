//! The audit log, for the DPO and admins: whether its hash chain is whole (checked by the
//! collector now), and its entries 50 at a time, filtered by action on the page.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, AuditCheck, AuditPage};
use crate::table::Table;
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct AuditProps {
    pub words: &'static Words,
    pub on_signed_out: Callback<()>,
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC).
pub(crate) fn when(at: i64) -> String {
    let date = js_date(at);
    date.get(..19).unwrap_or(&date).replace('T', " ")
}

fn js_date(at: i64) -> String {
    let millis = (at as f64) * 1000.0;
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis))
        .to_iso_string()
        .into()
}

#[function_component]
pub fn Audit(props: &AuditProps) -> Html {
    let words = props.words;
    let check = use_state(|| None::<AuditCheck>);
    let page = use_state(|| None::<Result<AuditPage, ApiError>>);
    let after = use_state(|| 0_i64);
    let filter = use_state(String::new);
    {
        let check = check.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                check.set(api::audit_check().await.ok());
            });
        });
    }
    {
        let page = page.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with(*after, move |after| {
            let after = *after;
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::audit(after).await;
                if answer == Err(ApiError::SignedOut) {
                    on_signed_out.emit(());
                }
                page.set(Some(answer));
            });
        });
    }
    let state = match &*check {
        None => html! { <p role="status">{ words.loading }</p> },
        Some(c) if c.intact => html! {
            <p class="chain ok" role="status">{ words.chain_intact.replace("{n}", &c.entries.to_string()) }</p>
        },
        Some(c) => html! {
            <p class="chain broken" role="alert">
                { words.chain_broken.replace("{n}", &c.broken_at.unwrap_or_default().to_string()) }
            </p>
        },
    };
    let oninput = {
        let filter = filter.clone();
        Callback::from(move |event: InputEvent| {
            filter.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let entries = match &*page {
        None => html! { <p role="status">{ words.loading }</p> },
        Some(Err(_)) => html! { <p role="alert">{ words.trouble }</p> },
        Some(Ok(found)) => {
            let needle = filter.trim().to_lowercase();
            let shown = found
                .entries
                .iter()
                .filter(|e| needle.is_empty() || e.action.to_lowercase().contains(&needle));
            let next = found.next.map(|cursor| {
                let after = after.clone();
                Callback::from(move |_: MouseEvent| after.set(cursor))
            });
            let first = (*after != 0).then(|| {
                let after = after.clone();
                Callback::from(move |_: MouseEvent| after.set(0))
            });
            html! {
                <>
                    <Table label={words.audit} head={html! {<>
                                <th scope="col">{ "#" }</th>
                                <th scope="col">{ words.when }</th>
                                <th scope="col">{ words.who }</th>
                                <th scope="col">{ words.what }</th>
                                <th scope="col">{ words.details }</th>
                            </>}}>
                                { for shown.map(|e| html! {
                                    <tr>
                                        <td>{ e.sequence }</td>
                                        <td>{ when(e.at) }</td>
                                        <td>{ &e.actor }</td>
                                        <td>{ &e.action }</td>
                                        <td><code>{ e.detail.to_string() }</code></td>
                                    </tr>
                                }) }
                            </Table>
                    <div class="paging">
                        if let Some(first) = first {
                            <button type="button" onclick={first}>{ words.first_page }</button>
                        }
                        if let Some(next) = next {
                            <button type="button" onclick={next}>{ words.next_page }</button>
                        }
                    </div>
                </>
            }
        }
    };
    html! {
        <section aria-labelledby="audit-title">
            <h1 id="audit-title">{ words.audit }</h1>
            { state }
            <label for="audit-filter">{ words.filter }</label>
            <input id="audit-filter" type="search" value={(*filter).clone()} {oninput} />
            { entries }
        </section>
    }
}
