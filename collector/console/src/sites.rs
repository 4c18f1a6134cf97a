//! Sites and policies (admins): each site's policy versions with the SHA-256 receipts cite them
//! by, and publishing a new version. The document is checked in full first, with every problem
//! listed, and whether visitors will be asked again; only then can it be published. A published
//! version's bytes never change (receipts hash them).

use std::rc::Rc;

use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::api::{self, ApiError, PolicyAccepted, PolicyRefusal, PolicyVersions, Session, Site};
use crate::table::Table;
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct SitesProps {
    pub words: &'static Words,
    pub session: Rc<Session>,
    pub on_signed_out: Callback<()>,
}

/// Where the new version stands.
#[derive(Debug, Clone, PartialEq)]
enum Draft {
    /// Being written.
    Editing,
    /// Checked and acceptable: it may be published.
    Acceptable(PolicyAccepted),
    /// Refused, with every problem.
    Refused(PolicyRefusal),
    /// Published.
    Published(PolicyAccepted),
    /// No answer.
    Failed,
}

#[function_component]
pub fn Sites(props: &SitesProps) -> Html {
    let words = props.words;
    let sites = use_state(Vec::<Site>::new);
    let chosen = use_state(|| None::<String>);
    let versions = use_state(|| None::<Result<PolicyVersions, ApiError>>);
    let document = use_state(String::new);
    let draft = use_state(|| Draft::Editing);
    let reload = use_state(|| 0_u32);
    {
        let (sites, chosen) = (sites.clone(), chosen.clone());
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::sites().await {
                    Ok(found) => {
                        chosen.set(found.first().map(|s| s.id.clone()));
                        sites.set(found);
                    }
                    Err(ApiError::SignedOut) => on_signed_out.emit(()),
                    Err(_) => {}
                }
            });
        });
    }
    {
        let (versions, document, draft) = (versions.clone(), document.clone(), draft.clone());
        use_effect_with(((*chosen).clone(), *reload), move |(chosen, _)| {
            if let Some(site) = chosen.clone() {
                versions.set(None);
                wasm_bindgen_futures::spawn_local(async move {
                    versions.set(Some(api::policy_versions(&site).await));
                    // The current document is where a new version starts.
                    if let Ok(text) = api::current_policy(&site).await {
                        document.set(text);
                    }
                    if !matches!(*draft, Draft::Published(_)) {
                        draft.set(Draft::Editing);
                    }
                });
            }
        });
    }
    let on_site = {
        let (chosen, draft) = (chosen.clone(), draft.clone());
        Callback::from(move |event: Event| {
            draft.set(Draft::Editing);
            chosen.set(Some(
                event.target_unchecked_into::<HtmlSelectElement>().value(),
            ));
        })
    };
    let on_text = {
        let (document, draft) = (document.clone(), draft.clone());
        Callback::from(move |event: InputEvent| {
            document.set(event.target_unchecked_into::<HtmlTextAreaElement>().value());
            draft.set(Draft::Editing);
        })
    };
    let submit = |publish: bool| {
        let (chosen, document, draft, reload) = (
            chosen.clone(),
            document.clone(),
            draft.clone(),
            reload.clone(),
        );
        let csrf = props.session.csrf_token.clone();
        move || {
            let Some(site) = (*chosen).clone() else {
                return;
            };
            let (text, draft, reload, csrf) = (
                (*document).clone(),
                draft.clone(),
                reload.clone(),
                csrf.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                draft.set(
                    match api::submit_policy(&site, &text, publish, &csrf).await {
                        Ok(Ok(accepted)) if publish => {
                            reload.set(*reload + 1);
                            Draft::Published(accepted)
                        }
                        Ok(Ok(accepted)) => Draft::Acceptable(accepted),
                        Ok(Err(refusal)) => Draft::Refused(refusal),
                        Err(_) => Draft::Failed,
                    },
                );
            });
        }
    };
    let check = {
        let check = submit(false);
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            check();
        })
    };
    let publish = {
        let publish = submit(true);
        Callback::from(move |_: MouseEvent| publish())
    };
    let table = match &*versions {
        None => html! { <p role="status">{ words.loading }</p> },
        Some(Err(_)) => html! { <p role="alert">{ words.trouble }</p> },
        Some(Ok(found)) => {
            let site = (*chosen).clone().unwrap_or_default();
            html! {
                <Table label={words.policy_versions} class="versions" head={html! {<>
                            <th scope="col">{ words.version }</th>
                            <th scope="col">{ "SHA-256" }</th>
                            <th scope="col">{ words.first_served }</th>
                            <th scope="col">{ words.state }</th>
                        </>}}>
                            { for found.versions.iter().map(|v| html! {
                                <tr>
                                    <td><a href={format!("/v1/sites/{site}/policies/{}", v.version)}>
                                        { v.version }</a></td>
                                    <td><code class="hash">{ &v.sha256 }</code></td>
                                    <td>{ v.first_served.clone().unwrap_or_default() }</td>
                                    <td>{ if v.version == found.current {
                                        words.current_version.to_owned()
                                    } else {
                                        match &v.superseded_at {
                                            Some(at) => format!("{} {at}", words.superseded_since),
                                            None => words.superseded_since.to_owned(),
                                        }
                                    } }</td>
                                </tr>
                            }) }
                        </Table>
            }
        }
    };
    let verdict = match &*draft {
        Draft::Editing => Html::default(),
        Draft::Failed => html! { <p role="alert">{ words.trouble }</p> },
        Draft::Refused(refusal) => html! {
            <div role="alert" class="problems">
                <p class="problem">{ words.policy_refused.replace("{n}", &refusal.problems.len().max(1).to_string()) }
                    { " " }{ &refusal.detail }</p>
                <ul>
                    { for refusal.problems.iter().map(|p| html! {
                        <li><code>{ if p.path.is_empty() { "/" } else { &p.path } }</code>{ ": " }{ &p.reason }</li>
                    }) }
                </ul>
            </div>
        },
        Draft::Acceptable(accepted) => html! {
            <div role="status">
                <p>{ words.policy_acceptable.replace("{version}", &accepted.version.to_string()) }</p>
                <p>{ if accepted.disclosure_changed { words.asks_again } else { words.asks_not_again } }</p>
                <p><code class="hash">{ &accepted.sha256 }</code></p>
                <button type="button" onclick={publish}>
                    { words.publish_version.replace("{version}", &accepted.version.to_string()) }
                </button>
            </div>
        },
        Draft::Published(accepted) => html! {
            <p role="status">{ words.policy_published.replace("{version}", &accepted.version.to_string()) }</p>
        },
    };
    html! {
        <section aria-labelledby="sites-title">
            <h1 id="sites-title">{ words.sites }</h1>
            <label for="policy-site">{ words.site }</label>
            <select id="policy-site" onchange={on_site}>
                { for sites.iter().map(|site| html! {
                    <option value={site.id.clone()} selected={Some(&site.id) == chosen.as_ref()}>
                        { format!("{} (v{})", site.id, site.version) }
                    </option>
                }) }
            </select>
            <h2>{ words.policy_versions }</h2>
            { table }
            <form class="publish" onsubmit={check} aria-labelledby="publish-title">
                <h2 id="publish-title">{ words.new_version }</h2>
                <label for="policy-document">{ words.policy_document }</label>
                <p id="policy-document-note" class="hint">{ words.policy_document_note }</p>
                <textarea id="policy-document" rows="18" spellcheck="false"
                    aria-describedby="policy-document-note"
                    value={(*document).clone()} oninput={on_text} />
                <button type="submit">{ words.check_policy }</button>
            </form>
            { verdict }
        </section>
    }
}
