//! The sign-in form: an address and a password, answered with the session (its cookie is set
//! by the collector, out of the page's reach) or with why not.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, Session};
use crate::words::Words;

#[derive(Properties, PartialEq)]
pub struct SignInProps {
    pub words: &'static Words,
    pub on_signed_in: Callback<Session>,
}

/// The sign-in form.
#[function_component]
pub fn SignIn(props: &SignInProps) -> Html {
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
