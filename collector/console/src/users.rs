//! The console's users, for admins: who may sign in and with which role, making a user (the
//! collector checks the address, the role and the password's length), ending a user's sessions
//! and disabling a user. The same as `samtycke user …` and `/v1/users`.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, ApiError, ListedUser, Session};
use crate::table::Table;
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct UsersProps {
    pub words: &'static Words,
    pub session: Rc<Session>,
    pub on_signed_out: Callback<()>,
}

#[function_component]
pub fn Users(props: &UsersProps) -> Html {
    let words = props.words;
    let users = use_state(|| None::<Result<Vec<ListedUser>, ApiError>>);
    let reload = use_state(|| 0_u32);
    let said = use_state(String::new);
    let problem = use_state(String::new);
    let disabling = use_state(|| None::<ListedUser>);
    let (email, role, password) = (use_node_ref(), use_node_ref(), use_node_ref());
    {
        let users = users.clone();
        let on_signed_out = props.on_signed_out.clone();
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::users().await;
                if answer == Err(ApiError::SignedOut) {
                    on_signed_out.emit(());
                }
                users.set(Some(answer));
            });
        });
    }
    let csrf = props.session.csrf_token.clone();
    let onsubmit = {
        let (email, role, password) = (email.clone(), role.clone(), password.clone());
        let (said, problem, reload, csrf) =
            (said.clone(), problem.clone(), reload.clone(), csrf.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let input = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (address, secret) = (input(&email), input(&password));
            let chosen = role
                .cast::<HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            let (said, problem, reload, csrf) =
                (said.clone(), problem.clone(), reload.clone(), csrf.clone());
            let password = password.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match api::create_user(&address, &chosen, &secret, &csrf).await {
                    Ok(Ok(made)) => {
                        problem.set(String::new());
                        said.set(words.user_made.replace("{email}", &made.email));
                        // The password is not kept on the page once it has been sent.
                        if let Some(field) = password.cast::<HtmlInputElement>() {
                            field.set_value("");
                        }
                        reload.set(*reload + 1);
                    }
                    Ok(Err(detail)) => problem.set(detail),
                    Err(_) => problem.set(words.trouble.to_owned()),
                }
            });
        })
    };
    let act = |user: &ListedUser, disable: bool| {
        let (said, reload, csrf, disabling) = (
            said.clone(),
            reload.clone(),
            csrf.clone(),
            disabling.clone(),
        );
        let user = user.clone();
        Callback::from(move |_: MouseEvent| {
            let (said, reload, csrf, disabling) = (
                said.clone(),
                reload.clone(),
                csrf.clone(),
                disabling.clone(),
            );
            let user = user.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let done = if disable {
                    api::disable_user(&user.id, &csrf).await
                } else {
                    api::end_sessions(&user.id, &csrf).await
                };
                let message = match (done, disable) {
                    (Ok(()), true) => words.user_disabled,
                    (Ok(()), false) => words.sessions_ended,
                    (Err(_), _) => words.trouble,
                };
                said.set(message.replace("{email}", &user.email));
                disabling.set(None);
                reload.set(*reload + 1);
            });
        })
    };
    let list = match &*users {
        None => html! { <p role="status">{ words.loading }</p> },
        Some(Err(_)) => html! { <p role="alert">{ words.trouble }</p> },
        Some(Ok(users)) => html! {
            <Table label={words.users} head={html! {<>
                        <th scope="col">{ words.email }</th>
                        <th scope="col">{ words.role }</th>
                        <th scope="col">{ words.made }</th>
                        <th scope="col">{ words.state }</th>
                        <th scope="col">{ words.actions }</th>
                    </>}}>
                        { for users.iter().map(|user| {
                            let ask = {
                                let (disabling, user) = (disabling.clone(), user.clone());
                                Callback::from(move |_: MouseEvent| disabling.set(Some(user.clone())))
                            };
                            html! {
                                <tr>
                                    <td>{ &user.email }</td>
                                    <td>{ role_name(words, &user.role) }</td>
                                    <td>{ user.created_at.get(..10).unwrap_or(&user.created_at) }</td>
                                    <td>{ match &user.disabled_at {
                                        Some(at) => format!("{} {}", words.disabled_since, at.get(..10).unwrap_or(at)),
                                        None => words.active.to_owned(),
                                    } }</td>
                                    <td>
                                    if user.disabled_at.is_none() {
                                        <button type="button" class="secondary" onclick={act(user, false)}
                                            aria-label={format!("{} ({})", words.end_sessions, user.email)}>
                                            { words.end_sessions }</button>
                                        { " " }
                                        <button type="button" class="danger" onclick={ask}
                                            aria-label={format!("{} ({})", words.disable, user.email)}>
                                            { words.disable }</button>
                                    }
                                    </td>
                                </tr>
                            }
                        }) }
                    </Table>
        },
    };
    let confirm = (*disabling).clone().map(|user| {
        let no = {
            let disabling = disabling.clone();
            Callback::from(move |_: MouseEvent| disabling.set(None))
        };
        html! {
            <div class="confirm" role="alertdialog" aria-labelledby="disable-text">
                <p id="disable-text">{ words.disable_confirm.replace("{email}", &user.email) }</p>
                <button type="button" class="danger" onclick={act(&user, true)}>{ words.disable }</button>
                <button type="button" onclick={no}>{ words.cancel }</button>
            </div>
        }
    });
    html! {
        <section aria-labelledby="users-title">
            <h1 id="users-title">{ words.users }</h1>
            <p class="status" role="status">{ (*said).clone() }</p>
            { list }
            { for confirm }
            <form class="new-user" {onsubmit} aria-labelledby="new-user-title">
                <h2 id="new-user-title">{ words.new_user }</h2>
                <label for="new-email">{ words.email }</label>
                <input id="new-email" type="email" required=true autocomplete="off" ref={email} />
                <label for="new-role">{ words.role }</label>
                <select id="new-role" ref={role}>
                    { for ["marketer", "dpo", "admin"].iter().map(|wire| html! {
                        <option value={*wire} selected={*wire == "marketer"}>{ role_name(words, wire) }</option>
                    }) }
                </select>
                <label for="new-password">{ words.password }</label>
                <input id="new-password" type="password" required=true minlength="12"
                    autocomplete="new-password" aria-describedby="new-password-note" ref={password} />
                <p id="new-password-note" class="hint">{ words.password_note }</p>
                <p class="problem" role="alert">{ (*problem).clone() }</p>
                <button type="submit">{ words.make_user }</button>
            </form>
        </section>
    }
}

/// A role's name in the console's language.
fn role_name(words: &Words, wire: &str) -> &'static str {
    match wire {
        "admin" => words.role_admin,
        "dpo" => words.role_dpo,
        _ => words.role_marketer,
    }
}
