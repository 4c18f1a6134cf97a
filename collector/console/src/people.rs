//! The People page: the marketer's query (site and purpose, state, basis, source, an exact
//! address found through the blind index), a page at a time with a cursor, masked for
//! marketers; ticking people, a whole page, or everyone the selection holds, for a bulk change
//! of the compliance card; and the selection's export. The filters live in the address, so
//! that back, a bookmark and a shared link show the same selection.

use std::collections::BTreeSet;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError, BulkTarget, ContactPage, Session, Site};
use crate::bulk;
use crate::person;
use crate::route::{PeopleQuery, Route};
use crate::table::Table;
use crate::words::{Lang, Words};

#[derive(Properties, PartialEq)]
pub struct PeopleProps {
    pub words: &'static Words,
    pub lang: Lang,
    pub session: Rc<Session>,
    pub on_signed_out: Callback<()>,
}

/// Which page of the selection is shown.
#[derive(Debug, Clone, PartialEq)]
struct Paging {
    /// Cursors of the pages before this one, and this one's.
    cursors: Vec<Option<String>>,
    /// Raised to read the same page again (after a bulk change).
    reload: u32,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            cursors: vec![None],
            reload: 0,
        }
    }
}

/// Who is ticked for a bulk change.
#[derive(Debug, Clone, PartialEq, Default)]
enum Ticked {
    /// Nobody.
    #[default]
    None,
    /// These people.
    Some(BTreeSet<String>),
    /// Everyone the selection holds.
    AllMatching,
}

fn value_of<T>(node: &NodeRef, read: impl Fn(T) -> String) -> String
where
    T: AsRef<web_sys::Node> + From<wasm_bindgen::JsValue> + wasm_bindgen::JsCast,
{
    node.cast::<T>().map(read).unwrap_or_default()
}

#[function_component]
pub fn People(props: &PeopleProps) -> Html {
    let words = props.words;
    let navigator = use_navigator();
    let location = use_location();
    let query: PeopleQuery = location
        .as_ref()
        .and_then(|l| l.query::<PeopleQuery>().ok())
        .unwrap_or_default();
    let selection = query.selection();
    let sites = use_state(Vec::<Site>::new);
    let paging = use_state(Paging::default);
    let page = use_state(|| None::<Result<ContactPage, ApiError>>);
    let total = use_state(|| None::<u64>);
    let ticked = use_state(Ticked::default);
    let said = use_state(|| None::<String>);
    let refs = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
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
    // A new selection starts on its first page, with nobody ticked.
    {
        let (paging, ticked) = (paging.clone(), ticked.clone());
        use_effect_with(selection.clone(), move |_| {
            paging.set(Paging::default());
            ticked.set(Ticked::None);
        });
    }
    {
        let total = total.clone();
        use_effect_with((selection.clone(), paging.reload), move |(selection, _)| {
            total.set(None);
            if let Some(selection) = selection.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    total.set(api::count(&selection).await.ok());
                });
            }
        });
    }
    {
        let page = page.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with(
            (selection.clone(), (*paging).clone()),
            move |(selection, paging)| {
                page.set(None);
                if let Some(selection) = selection.clone() {
                    let after = paging.cursors.last().cloned().flatten();
                    wasm_bindgen_futures::spawn_local(async move {
                        let answer = api::contacts(&selection, after.as_deref()).await;
                        if answer == Err(ApiError::SignedOut) {
                            on_signed_out.emit(());
                        }
                        page.set(Some(answer));
                    });
                }
            },
        );
    }
    let onsubmit = {
        let refs = refs.clone();
        let navigator = navigator.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let select = |node: &NodeRef| value_of(node, |s: HtmlSelectElement| s.value());
            // Each purpose option is `site/purpose`: a purpose belongs to its site.
            let chosen = select(&refs.0);
            let Some((site, purpose)) = chosen.split_once('/') else {
                return;
            };
            let optional = |text: String| (!text.trim().is_empty()).then(|| text.trim().to_owned());
            let asked = PeopleQuery {
                site: Some(site.to_owned()),
                purpose: Some(purpose.to_owned()),
                state: optional(select(&refs.1)),
                basis: optional(select(&refs.2)),
                source: optional(select(&refs.3)),
                email: optional(value_of(&refs.4, |i: HtmlInputElement| i.value())),
            };
            if let Some(navigator) = &navigator {
                let _ = navigator.push_with_query(&Route::People, &asked);
            }
        })
    };
    let next = {
        let (paging, page) = (paging.clone(), page.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(Ok(found)) = &*page
                && let Some(cursor) = found.next.clone()
            {
                let mut cursors = paging.cursors.clone();
                cursors.push(Some(cursor));
                paging.set(Paging {
                    cursors,
                    reload: paging.reload,
                });
            }
        })
    };
    let first = {
        let paging = paging.clone();
        Callback::from(move |_: MouseEvent| {
            paging.set(Paging {
                cursors: vec![None],
                reload: paging.reload,
            })
        })
    };
    let states = [
        ("granted", words.granted),
        ("held", words.held),
        ("expired", words.expired),
        ("denied", words.denied),
        ("withdrawn", words.withdrawn),
    ];
    let chosen_purpose = match (&query.site, &query.purpose) {
        (Some(site), Some(purpose)) => format!("{site}/{purpose}"),
        _ => String::new(),
    };
    let purposes = sites.iter().flat_map(|site| {
        let chosen_purpose = chosen_purpose.clone();
        site.purposes.iter().map(move |purpose| {
            let name = purpose
                .name
                .get(props.lang.tag())
                .or_else(|| purpose.name.values().next())
                .cloned()
                .unwrap_or_else(|| purpose.id.clone());
            let value = format!("{}/{}", site.id, purpose.id);
            let selected = value == chosen_purpose;
            html! {
                <option {selected} {value}>
                    { format!("{} — {name}", site.id) }
                </option>
            }
        })
    });
    let choices =
        |list: &[(&'static str, &'static str)], chosen: &Option<String>, any: &'static str| {
            let chosen = chosen.clone().unwrap_or_default();
            html! {
                <>
                    <option value="" selected={chosen.is_empty()}>{ any }</option>
                    { for list.iter().map(|(wire, text)| html! {
                        <option value={*wire} selected={chosen == *wire}>{ *text }</option>
                    }) }
                </>
            }
        };
    let results = match (&*page, &selection) {
        (_, None) => Html::default(),
        (None, Some(_)) => html! { <p role="status">{ words.loading }</p> },
        (Some(Err(_)), _) => html! { <p role="alert">{ words.trouble }</p> },
        (Some(Ok(found)), _) if found.contacts.is_empty() => {
            html! { <p role="status">{ words.none_found }</p> }
        }
        (Some(Ok(found)), Some(selection)) => {
            let table = table(props, found, &query, &ticked, navigator.as_ref());
            let state = query.state.clone().unwrap_or_else(|| "granted".to_owned());
            // A marketer exports only whom they may process (the API refuses the rest).
            let may_export = props.session.user.role != "marketer" || state == "granted";
            let export = may_export.then(|| {
                let mut pairs: Vec<String> = selection
                    .iter()
                    .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v)))
                    .collect();
                pairs.push("format=csv".to_owned());
                format!("/v1/contacts/export?{}", pairs.join("&"))
            });
            let on_page: Vec<String> = found.contacts.iter().map(|c| c.person_id.clone()).collect();
            let page_all_ticked = match &*ticked {
                Ticked::AllMatching => true,
                Ticked::Some(set) => on_page.iter().all(|id| set.contains(id)),
                Ticked::None => false,
            };
            let beyond_page = found.next.is_some() || paging.cursors.len() > 1;
            let target = match &*ticked {
                Ticked::None => None,
                Ticked::Some(set) if set.is_empty() => None,
                Ticked::Some(set) => Some(BulkTarget::People(set.iter().cloned().collect())),
                Ticked::AllMatching => Some(BulkTarget::Matching {
                    selection: selection.clone(),
                    count: total.unwrap_or_default(),
                }),
            };
            let all_matching = {
                let ticked = ticked.clone();
                Callback::from(move |_: MouseEvent| ticked.set(Ticked::AllMatching))
            };
            let clear = {
                let ticked = ticked.clone();
                Callback::from(move |_: MouseEvent| ticked.set(Ticked::None))
            };
            let on_done = {
                let (ticked, said, paging) = (ticked.clone(), said.clone(), paging.clone());
                Callback::from(move |message: String| {
                    ticked.set(Ticked::None);
                    said.set(Some(message));
                    paging.set(Paging {
                        cursors: paging.cursors.clone(),
                        reload: paging.reload + 1,
                    });
                })
            };
            let paged = paging.cursors.len() > 1;
            html! {
                <>
                    { table }
                    if page_all_ticked && beyond_page {
                        <p class="note">
                        if *ticked == Ticked::AllMatching {
                            { words.all_matching_ticked.replace("{n}", &total.unwrap_or_default().to_string()) }
                            { " " }<button type="button" class="link" onclick={clear}>{ words.clear_selection }</button>
                        } else if let Some(total) = *total {
                            { words.page_ticked }{ " " }
                            <button type="button" class="link" onclick={all_matching}>
                                { words.tick_all_matching.replace("{n}", &total.to_string()) }
                            </button>
                        }
                        </p>
                    }
                    <div class="paging">
                        if paged { <button type="button" onclick={first}>{ words.first_page }</button> }
                        if found.next.is_some() {
                            <button type="button" onclick={next}>{ words.next_page }</button>
                        }
                    </div>
                    if let Some(export) = export {
                        <p><a href={export} download="">{ words.export_selection }</a></p>
                    }
                    if let Some(target) = target {
                        <bulk::Bulk {words} session={Rc::clone(&props.session)} {target} {on_done} />
                    }
                </>
            }
        }
    };
    let matched = match (&selection, *total) {
        (Some(_), Some(1)) => words.matching_one.to_owned(),
        (Some(_), Some(total)) => words.matching.replace("{n}", &total.to_string()),
        _ => String::new(),
    };
    html! {
        <section aria-labelledby="people-title">
            <h1 id="people-title">{ words.people }</h1>
            <form class="filters" {onsubmit}>
                <div class="field">
                    <label for="purpose">{ words.purpose }</label>
                    <select id="purpose" ref={refs.0.clone()} required=true>
                        <option value="" selected={chosen_purpose.is_empty()}>{ words.any_purpose }</option>
                        { for purposes }
                    </select>
                </div>
                <div class="field">
                    <label for="state">{ words.state }</label>
                    <select id="state" ref={refs.1.clone()}>
                        { for states.iter().map(|(value, label)| html! {
                            <option value={*value}
                                selected={query.state.as_deref().unwrap_or("granted") == *value}>
                                { *label }
                            </option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="basis">{ words.basis }</label>
                    <select id="basis" ref={refs.2.clone()}>
                        { choices(&words.bases, &query.basis, words.any) }
                    </select>
                </div>
                <div class="field">
                    <label for="source">{ words.source }</label>
                    <select id="source" ref={refs.3.clone()}>
                        { choices(&words.sources, &query.source, words.any) }
                    </select>
                </div>
                <div class="field">
                    <label for="find-email">{ words.exact_email }</label>
                    <input id="find-email" type="email" ref={refs.4.clone()} autocomplete="off"
                        aria-describedby="find-email-note"
                        value={query.email.clone().unwrap_or_default()} />
                    <p id="find-email-note" class="hint">{ words.exact_email_note }</p>
                </div>
                <div class="field submit">
                    <button type="submit">{ words.show }</button>
                </div>
            </form>
            <p class="status" role="status">
                { matched }{ " " }{ (*said).clone().unwrap_or_default() }
            </p>
            { results }
        </section>
    }
}

/// The page's people as a table, with a box to tick each one and one for the whole page.
fn table(
    props: &PeopleProps,
    found: &ContactPage,
    query: &PeopleQuery,
    ticked: &UseStateHandle<Ticked>,
    navigator: Option<&Navigator>,
) -> Html {
    let words = props.words;
    let masked = found.contacts.iter().any(|c| c.masked);
    let on_page: Vec<String> = found.contacts.iter().map(|c| c.person_id.clone()).collect();
    let is_ticked = |id: &str| match &**ticked {
        Ticked::AllMatching => true,
        Ticked::Some(set) => set.contains(id),
        Ticked::None => false,
    };
    let all_ticked = on_page.iter().all(|id| is_ticked(id));
    let tick_page = {
        let (ticked, on_page) = (ticked.clone(), on_page.clone());
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            let mut now = match &*ticked {
                Ticked::Some(set) => set.clone(),
                _ => BTreeSet::new(),
            };
            for id in &on_page {
                if on {
                    now.insert(id.clone());
                } else {
                    now.remove(id);
                }
            }
            ticked.set(Ticked::Some(now));
        })
    };
    let tick_one = |id: String| {
        let (ticked, on_page) = (ticked.clone(), on_page.clone());
        Callback::from(move |event: Event| {
            let on = event.target_unchecked_into::<HtmlInputElement>().checked();
            let mut now = match &*ticked {
                Ticked::Some(set) => set.clone(),
                // Unticking one of "everyone" leaves the rest of this page ticked.
                Ticked::AllMatching => on_page.iter().cloned().collect(),
                Ticked::None => BTreeSet::new(),
            };
            if on {
                now.insert(id.clone());
            } else {
                now.remove(&id);
            }
            ticked.set(Ticked::Some(now));
        })
    };
    let open = |id: &str| {
        let route = Route::Person { id: id.to_owned() };
        let href = format!("{}?{}", route.to_path(), query_string(query));
        let navigator = navigator.cloned();
        let query = query.clone();
        let onclick = Callback::from(move |event: MouseEvent| {
            if event.ctrl_key() || event.meta_key() || event.shift_key() || event.button() != 0 {
                return;
            }
            if let Some(navigator) = &navigator {
                event.prevent_default();
                let _ = navigator.push_with_query(&route, &query);
            }
        });
        (href, onclick)
    };
    html! {
        <>
            if masked { <p class="note">{ words.masked_note }</p> }
            <Table label={words.people} head={html! {<>
                        <th scope="col"><input type="checkbox" aria-label={words.select_all}
                            checked={all_ticked} onchange={tick_page} /></th>
                        <th scope="col">{ words.email }</th>
                        <th scope="col">{ words.name }</th>
                        <th scope="col">{ words.basis }</th>
                        <th scope="col">{ words.source }</th>
                        <th scope="col">{ words.consents }</th>
                    </>}}>
                        { for found.contacts.iter().map(|contact| {
                            let email = contact.identifiers.email.clone();
                            let (href, onclick) = open(&contact.person_id);
                            html! {
                                <tr>
                                    <td><input type="checkbox"
                                        aria-label={format!("{} {}", words.select_one,
                                            email.clone().unwrap_or_default())}
                                        checked={is_ticked(&contact.person_id)}
                                        onchange={tick_one(contact.person_id.clone())} /></td>
                                    <td><a {href} {onclick}>
                                        { email.unwrap_or_else(|| words.open.to_owned()) }
                                    </a></td>
                                    <td>{ [contact.profile.first_name.clone(), contact.profile.last_name.clone()]
                                        .into_iter().flatten().collect::<Vec<_>>().join(" ") }</td>
                                    <td>{ person::label(&words.bases, contact.card.basis.as_deref()) }</td>
                                    <td>{ person::label(&words.sources, contact.card.source.as_deref()) }</td>
                                    <td>{ contact.consents.iter()
                                        .map(|c| format!("{}/{}: {}", c.site, c.purpose, words.state(&c.state)))
                                        .collect::<Vec<_>>().join(", ") }</td>
                                </tr>
                            }
                        }) }
                    </Table>
        </>
    }
}

/// The filters as a query string (for a link's address).
pub fn query_string(query: &PeopleQuery) -> String {
    query
        .selection()
        .unwrap_or_default()
        .iter()
        .map(|(k, v)| format!("{k}={}", js_sys::encode_uri_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}
