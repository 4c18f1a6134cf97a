//! Samtycke's console: the page marketers and the DPO work in (`/console`), a yew app on the
//! collector's own API. Signing in sets the session cookie; every call after rides on it, and
//! every change carries the session's CSRF token (`api.rs`). Nothing the console does is
//! unavailable to an API client.

pub mod api;
mod audit;
mod bulk;
mod overview;
mod person;
pub mod words;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use api::{ApiError, ContactPage, Session, Site};
use words::{Lang, Words};

/// Where this browser remembers the chosen language.
const LANG_KEY: &str = "samtycke-console-lang";

/// Runs when the page's module instantiates the wasm.
#[wasm_bindgen(start)]
fn start() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("console"));
    if let Some(root) = root {
        yew::Renderer::<App>::with_root(root).render();
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The remembered language, else the browser's.
fn initial_lang() -> Lang {
    let remembered = storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten());
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    Lang::from_tag(&remembered.or(browser).unwrap_or_default())
}

/// Puts the language on the document, for screen readers and hyphenation.
fn mark_lang(lang: Lang) {
    if let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = html.set_attribute("lang", lang.tag());
    }
}

/// Where the session stands.
#[derive(Debug, Clone, PartialEq)]
enum Signed {
    /// Asking the collector.
    Checking,
    /// No session.
    Out,
    /// Signed in.
    In(Rc<Session>),
}

/// The pages one moves between in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    People,
    Overview,
    Audit,
}

#[function_component]
fn App() -> Html {
    let lang = use_state(initial_lang);
    let signed = use_state(|| Signed::Checking);
    let page = use_state(|| Page::People);
    {
        let signed = signed.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                signed.set(match api::current().await {
                    Ok(Some(session)) => Signed::In(Rc::new(session)),
                    _ => Signed::Out,
                });
            });
        });
    }
    mark_lang(*lang);
    let words = lang.words();
    let switch = {
        let lang = lang.clone();
        Callback::from(move |_: MouseEvent| {
            let next = lang.other();
            if let Some(storage) = storage() {
                let _ = storage.set_item(LANG_KEY, next.tag());
            }
            lang.set(next);
        })
    };
    let on_signed_in = {
        let (signed, page) = (signed.clone(), page.clone());
        Callback::from(move |session: Session| {
            page.set(Page::People);
            signed.set(Signed::In(Rc::new(session)));
        })
    };
    let on_signed_out = {
        let signed = signed.clone();
        Callback::from(move |()| signed.set(Signed::Out))
    };
    let user = match &*signed {
        Signed::In(session) => {
            let session = Rc::clone(session);
            let on_signed_out = on_signed_out.clone();
            let sign_out = Callback::from(move |_: MouseEvent| {
                let session = Rc::clone(&session);
                let on_signed_out = on_signed_out.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::sign_out(&session.csrf_token).await;
                    on_signed_out.emit(());
                });
            });
            let Signed::In(session) = &*signed else {
                return Html::default();
            };
            let go = |to: Page| {
                let page = page.clone();
                Callback::from(move |_: MouseEvent| page.set(to))
            };
            let current = |at: Page| (*page == at).then_some("page");
            html! {
                <>
                <nav aria-label={words.title}>
                    <button type="button" aria-current={current(Page::People)}
                        onclick={go(Page::People)}>{ words.people }</button>
                    <button type="button" aria-current={current(Page::Overview)}
                        onclick={go(Page::Overview)}>{ words.overview }</button>
                    if matches!(session.user.role.as_str(), "dpo" | "admin") {
                        <button type="button" aria-current={current(Page::Audit)}
                            onclick={go(Page::Audit)}>{ words.audit }</button>
                    }
                </nav>
                <div class="user">
                    <span>{ words.signed_in_as }{ " " }<strong>{ &session.user.email }</strong>
                        { " (" }{ &session.user.role }{ ")" }</span>
                    <button type="button" onclick={sign_out}>{ words.sign_out }</button>
                </div>
                </>
            }
        }
        _ => Html::default(),
    };
    let main = match &*signed {
        Signed::Checking => html! { <p role="status">{ words.loading }</p> },
        Signed::Out => html! { <SignIn {words} {on_signed_in} /> },
        Signed::In(session) => match *page {
            Page::People => html! {
                <People {words} lang={*lang} session={Rc::clone(session)} {on_signed_out} />
            },
            Page::Overview => html! {
                <overview::Overview {words} lang={*lang} session={Rc::clone(session)} {on_signed_out} />
            },
            Page::Audit => html! { <audit::Audit {words} {on_signed_out} /> },
        },
    };
    html! {
        <>
            <header>
                <p class="brand">{ words.title }</p>
                <button type="button" class="lang" lang={lang.other().tag()} onclick={switch}>
                    { words.switch_to }
                </button>
                { user }
            </header>
            <main>{ main }</main>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SignInProps {
    words: &'static Words,
    on_signed_in: Callback<Session>,
}

/// The sign-in form.
#[function_component]
fn SignIn(props: &SignInProps) -> Html {
    let words = props.words;
    let email = use_node_ref();
    let password = use_node_ref();
    let problem = use_state(|| None::<&'static str>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (email, password) = (email.clone(), password.clone());
        let (problem, busy) = (problem.clone(), busy.clone());
        let on_signed_in = props.on_signed_in.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            let (address, secret) = (value(&email), value(&password));
            let (problem, busy) = (problem.clone(), busy.clone());
            let on_signed_in = on_signed_in.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in(&address, &secret).await {
                    Ok(session) => on_signed_in.emit(session),
                    Err(ApiError::WrongCredentials) => problem.set(Some(words.sign_in_failed)),
                    Err(ApiError::Throttled) => problem.set(Some(words.throttled)),
                    Err(_) => problem.set(Some(words.trouble)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <section class="sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{ words.sign_in }</h1>
            <p>{ words.sign_in_lead }</p>
            <form {onsubmit}>
                <label for="email">{ words.email }</label>
                <input id="email" type="email" autocomplete="username" required=true ref={email} />
                <label for="password">{ words.password }</label>
                <input id="password" type="password" autocomplete="current-password" required=true
                    ref={password} />
                <p class="problem" role="alert">{ problem.unwrap_or_default() }</p>
                <button type="submit" disabled={*busy}>{ words.sign_in }</button>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PeopleProps {
    words: &'static Words,
    lang: Lang,
    session: Rc<Session>,
    on_signed_out: Callback<()>,
}

/// What the People page shows.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    site: String,
    purpose: String,
    state: String,
    /// Cursors of the pages before this one, and this one's.
    cursors: Vec<Option<String>>,
    /// Raised to read the same page again (after a bulk change).
    reload: u32,
}

/// The marketer's query: site, purpose and state, a page at a time.
#[function_component]
fn People(props: &PeopleProps) -> Html {
    let words = props.words;
    let sites = use_state(Vec::<Site>::new);
    let shown = use_state(|| None::<Shown>);
    let page = use_state(|| None::<Result<ContactPage, ApiError>>);
    let (purpose_ref, state_ref) = (use_node_ref(), use_node_ref());
    let open = use_state(|| None::<String>);
    let selected = use_state(std::collections::BTreeSet::<String>::new);
    let said = use_state(|| None::<String>);
    if let Some(person_id) = (*open).clone() {
        let on_back = {
            let open = open.clone();
            Callback::from(move |()| open.set(None))
        };
        return html! {
            <person::Person {words} session={Rc::clone(&props.session)} {person_id} {on_back}
                on_signed_out={props.on_signed_out.clone()} />
        };
    }
    {
        let sites = sites.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                match api::sites().await {
                    Ok(found) => sites.set(found),
                    Err(ApiError::SignedOut) => on_signed_out.emit(()),
                    Err(_) => {}
                }
            });
        });
    }
    {
        let page = page.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with((*shown).clone(), move |shown| {
            if let Some(shown) = shown.clone() {
                page.set(None);
                wasm_bindgen_futures::spawn_local(async move {
                    let after = shown.cursors.last().cloned().flatten();
                    let answer =
                        api::contacts(&shown.site, &shown.purpose, &shown.state, after.as_deref())
                            .await;
                    if answer == Err(ApiError::SignedOut) {
                        on_signed_out.emit(());
                    }
                    page.set(Some(answer));
                });
            }
        });
    }
    let select = |node: &NodeRef| {
        node.cast::<HtmlSelectElement>()
            .map(|s| s.value())
            .unwrap_or_default()
    };
    let onsubmit = {
        let shown = shown.clone();
        let (purpose_ref, state_ref) = (purpose_ref.clone(), state_ref.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            // Each option is `site/purpose`: a purpose belongs to its site.
            let chosen = select(&purpose_ref);
            let Some((site, purpose)) = chosen.split_once('/') else {
                return;
            };
            shown.set(Some(Shown {
                site: site.to_owned(),
                purpose: purpose.to_owned(),
                state: select(&state_ref),
                cursors: vec![None],
                reload: 0,
            }));
        })
    };
    let next = {
        let shown = shown.clone();
        let page = page.clone();
        Callback::from(move |_: MouseEvent| {
            let cursor = match &*page {
                Some(Ok(found)) => found.next.clone(),
                _ => None,
            };
            if let (Some(cursor), Some(current)) = (cursor, (*shown).clone()) {
                let mut cursors = current.cursors.clone();
                cursors.push(Some(cursor));
                shown.set(Some(Shown { cursors, ..current }));
            }
        })
    };
    let first = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(current) = (*shown).clone() {
                shown.set(Some(Shown {
                    cursors: vec![None],
                    ..current
                }));
            }
        })
    };
    let states = [
        ("granted", words.granted),
        ("denied", words.denied),
        ("withdrawn", words.withdrawn),
        ("expired", words.expired),
        ("held", words.held),
    ];
    let purposes = sites.iter().flat_map(|site| {
        site.purposes.iter().map(move |purpose| {
            let name = purpose
                .name
                .get(props.lang.tag())
                .or_else(|| purpose.name.values().next())
                .cloned()
                .unwrap_or_else(|| purpose.id.clone());
            html! {
                <option value={format!("{}/{}", site.id, purpose.id)}>
                    { format!("{} — {name}", site.id) }
                </option>
            }
        })
    });
    let results = match &*page {
        None if shown.is_some() => html! { <p role="status">{ words.loading }</p> },
        None => Html::default(),
        Some(Err(_)) => html! { <p role="alert">{ words.trouble }</p> },
        Some(Ok(found)) if found.contacts.is_empty() => {
            html! { <p role="status">{ words.none_found }</p> }
        }
        Some(Ok(found)) => {
            let masked = found.contacts.iter().any(|c| c.masked);
            let on_page: Vec<String> = found.contacts.iter().map(|c| c.person_id.clone()).collect();
            let all_selected = on_page.iter().all(|id| selected.contains(id));
            let select_all = {
                let (selected, on_page) = (selected.clone(), on_page.clone());
                Callback::from(move |event: Event| {
                    let on = event.target_unchecked_into::<HtmlInputElement>().checked();
                    let mut now = (*selected).clone();
                    for id in &on_page {
                        if on {
                            now.insert(id.clone());
                        } else {
                            now.remove(id);
                        }
                    }
                    selected.set(now);
                })
            };
            // A marketer exports only whom they may process (the API refuses the rest).
            let may_export = props.session.user.role != "marketer"
                || shown.as_ref().is_some_and(|s| s.state == "granted");
            let export = shown.as_ref().filter(|_| may_export).map(|s| {
                format!(
                    "/v1/contacts/export?site={}&purpose={}&state={}&format=csv",
                    s.site, s.purpose, s.state
                )
            });
            let on_done = {
                let (selected, said, shown) = (selected.clone(), said.clone(), shown.clone());
                Callback::from(move |message: String| {
                    selected.set(std::collections::BTreeSet::new());
                    said.set(Some(message));
                    if let Some(current) = (*shown).clone() {
                        shown.set(Some(Shown {
                            reload: current.reload + 1,
                            ..current
                        }));
                    }
                })
            };
            let paged = shown.as_ref().is_some_and(|s| s.cursors.len() > 1);
            html! {
                <>
                    if masked { <p class="note">{ words.masked_note }</p> }
                    // Scrolls sideways on a narrow screen: reachable and named for the keyboard.
                    <div class="table" tabindex="0" role="region" aria-label={words.people}>
                        <table>
                            <caption>{ words.people }</caption>
                            <thead><tr>
                                <th scope="col"><input type="checkbox" aria-label={words.select_all}
                                    checked={all_selected} onchange={select_all} /></th>
                                <th scope="col">{ words.email }</th>
                                <th scope="col">{ words.name }</th>
                                <th scope="col">{ words.basis }</th>
                                <th scope="col">{ words.source }</th>
                                <th scope="col">{ words.consents }</th>
                            </tr></thead>
                            <tbody>
                                { for found.contacts.iter().map(|contact| html! {
                                    <tr>
                                        <td><input type="checkbox"
                                            aria-label={format!("{} {}", words.select_one,
                                                contact.identifiers.email.clone().unwrap_or_default())}
                                            checked={selected.contains(&contact.person_id)}
                                            onchange={{
                                                let (selected, id) = (selected.clone(), contact.person_id.clone());
                                                Callback::from(move |event: Event| {
                                                    let on = event.target_unchecked_into::<HtmlInputElement>().checked();
                                                    let mut now = (*selected).clone();
                                                    if on { now.insert(id.clone()); } else { now.remove(&id); }
                                                    selected.set(now);
                                                })
                                            }} /></td>
                                        <td><button type="button" class="link" onclick={{
                                            let (open, id) = (open.clone(), contact.person_id.clone());
                                            Callback::from(move |_: MouseEvent| open.set(Some(id.clone())))
                                        }}>{ contact.identifiers.email.clone().unwrap_or_else(|| words.open.to_owned()) }</button></td>
                                        <td>{ [contact.profile.first_name.clone(), contact.profile.last_name.clone()]
                                            .into_iter().flatten().collect::<Vec<_>>().join(" ") }</td>
                                        <td>{ person::label(&words.bases, contact.card.basis.as_deref()) }</td>
                                        <td>{ person::label(&words.sources, contact.card.source.as_deref()) }</td>
                                        <td>{ contact.consents.iter()
                                            .map(|c| format!("{}/{}: {}", c.site, c.purpose, words.state(&c.state)))
                                            .collect::<Vec<_>>().join(", ") }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                    if let Some(export) = export {
                        <p><a href={export} download="">{ words.export_selection }</a></p>
                    }
                    if !selected.is_empty() {
                        <bulk::Bulk {words} session={Rc::clone(&props.session)}
                            selected={selected.iter().cloned().collect::<Vec<_>>()} {on_done} />
                    }
                    <div class="paging">
                        if paged { <button type="button" onclick={first}>{ words.first_page }</button> }
                        if found.next.is_some() {
                            <button type="button" onclick={next}>{ words.next_page }</button>
                        }
                    </div>
                </>
            }
        }
    };
    html! {
        <section aria-labelledby="people-title">
            <h1 id="people-title">{ words.people }</h1>
            <form class="filters" {onsubmit}>
                <label for="purpose">{ words.purpose }</label>
                <select id="purpose" ref={purpose_ref} required=true>
                    <option value="">{ words.any_purpose }</option>
                    { for purposes }
                </select>
                <label for="state">{ words.state }</label>
                <select id="state" ref={state_ref}>
                    { for states.iter().map(|(value, label)| html! {
                        <option value={*value}>{ *label }</option>
                    }) }
                </select>
                <button type="submit">{ words.show }</button>
            </form>
            <p class="status" role="status">{ (*said).clone().unwrap_or_default() }</p>
            { results }
        </section>
    }
}
