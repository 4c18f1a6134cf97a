//! Samtycke's console: the page marketers and the DPO work in (`/console`), a yew app on the
//! collector's own API. Signing in sets the session cookie; every call after rides on it, and
//! every change carries the session's CSRF token (`api.rs`). Nothing the console does is
//! unavailable to an API client. Each page has its own address (`route.rs`).

pub mod api;
mod audit;
mod bulk;
mod imports;
mod overview;
mod people;
mod person;
mod receipts;
pub mod route;
mod sign_in;
mod sites;
mod table;
mod users;
pub mod words;

use std::rc::Rc;

use wasm_bindgen::prelude::*;
use yew::prelude::*;
use yew_router::prelude::*;

use api::Session;
use route::{NavLink, Route};
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

/// Puts the language on the document (for screen readers and hyphenation) and names the page
/// in the title (what a tab, the history and a screen reader announce).
fn mark_document(lang: Lang, page: &str, words: &Words) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Some(html) = document.document_element() {
        let _ = html.set_attribute("lang", lang.tag());
    }
    document.set_title(&format!("{page} — {}", words.title));
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

#[function_component]
fn App() -> Html {
    html! {
        <BrowserRouter>
            <Frame />
        </BrowserRouter>
    }
}

/// A page's name, for the title.
fn page_name(route: Option<&Route>, words: &Words) -> &'static str {
    match route {
        Some(Route::People) | None => words.people,
        Some(Route::Person { .. }) => words.person,
        Some(Route::Overview) => words.overview,
        Some(Route::Imports) => words.imports,
        Some(Route::Sites) => words.sites,
        Some(Route::Users) => words.users,
        Some(Route::Audit) => words.audit,
        Some(Route::NotFound) => words.not_found,
    }
}

/// The header (language, pages, who is signed in) and the page the address names.
#[function_component]
fn Frame() -> Html {
    let lang = use_state(initial_lang);
    let signed = use_state(|| Signed::Checking);
    let route = use_route::<Route>();
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
    let words = lang.words();
    mark_document(*lang, page_name(route.as_ref(), words), words);
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
        let signed = signed.clone();
        Callback::from(move |session: Session| signed.set(Signed::In(Rc::new(session))))
    };
    let on_signed_out = {
        let signed = signed.clone();
        Callback::from(move |()| signed.set(Signed::Out))
    };
    let user = match &*signed {
        Signed::In(session) => {
            let sign_out = {
                let (session, on_signed_out) = (Rc::clone(session), on_signed_out.clone());
                Callback::from(move |_: MouseEvent| {
                    let (session, on_signed_out) = (Rc::clone(&session), on_signed_out.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        let _ = api::sign_out(&session.csrf_token).await;
                        on_signed_out.emit(());
                    });
                })
            };
            let role = session.user.role.as_str();
            let link = |to: Route, text: &'static str| {
                if to.open_to(role) {
                    html! { <NavLink {to}>{ text }</NavLink> }
                } else {
                    Html::default()
                }
            };
            html! {
                <>
                <nav aria-label={words.title}>
                    { link(Route::People, words.people) }
                    { link(Route::Overview, words.overview) }
                    { link(Route::Imports, words.imports) }
                    { link(Route::Audit, words.audit) }
                    { link(Route::Sites, words.sites) }
                    { link(Route::Users, words.users) }
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
        Signed::Out => html! { <sign_in::SignIn {words} {on_signed_in} /> },
        Signed::In(session) => {
            let (session, lang) = (Rc::clone(session), *lang);
            let render = Callback::from(move |route: Route| {
                page(&route, words, lang, &session, &on_signed_out)
            });
            html! { <Switch<Route> {render} /> }
        }
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

/// The page a route names, or why this user cannot have it.
fn page(
    route: &Route,
    words: &'static Words,
    lang: Lang,
    session: &Rc<Session>,
    on_signed_out: &Callback<()>,
) -> Html {
    let (session, on_signed_out) = (Rc::clone(session), on_signed_out.clone());
    if !route.open_to(&session.user.role) {
        return html! {
            <section aria-labelledby="refused-title">
                <h1 id="refused-title">{ page_name(Some(route), words) }</h1>
                <p role="alert">{ words.not_for_role }</p>
            </section>
        };
    }
    match route {
        Route::People => html! { <people::People {words} {lang} {session} {on_signed_out} /> },
        Route::Person { id } => html! {
            <person::Person {words} {session} person_id={id.clone()} {on_signed_out} />
        },
        Route::Overview => html! {
            <overview::Overview {words} {lang} {session} {on_signed_out} />
        },
        Route::Imports => html! { <imports::Imports {words} {lang} {session} {on_signed_out} /> },
        Route::Sites => html! { <sites::Sites {words} {session} {on_signed_out} /> },
        Route::Users => html! { <users::Users {words} {session} {on_signed_out} /> },
        Route::Audit => html! { <audit::Audit {words} {on_signed_out} /> },
        Route::NotFound => html! {
            <section aria-labelledby="missing-title">
                <h1 id="missing-title">{ words.not_found }</h1>
                <p><NavLink to={Route::People}>{ words.people }</NavLink></p>
            </section>
        },
    }
}
