//! Requests a person makes themselves: the public request form (`/mail/requests`) and the
//! verification link mailed to them (`/mail/requests/verify`). The form answers every address
//! the same, at once, and does its work after answering, so that neither the page nor its
//! timing tells whether an address is known; only the mailbox of a known address gets a link.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use minijinja::Environment;
use samtycke_shared::{Language, SiteId};
use serde::Serialize;

use super::mail::invalid_page;
use super::pages::{Form, Page, respond};
use super::widget::loader::language as accepted_language;
use crate::domain::rights::PERSON_KINDS;
use crate::domain::sites::Site;
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail/requests", get(form).post(submit))
        .route("/mail/requests/verify", get(verify_page).post(verify))
}

static TEMPLATE: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    if let Err(error) = env.add_template(
        "request-form.html",
        include_str!("../../../www/pages/request-form.html"),
    ) {
        tracing::error!(%error, "the request form's template does not parse");
    }
    env
});

fn fields(uri: &Uri, body: &[u8]) -> std::collections::HashMap<String, String> {
    let query = uri.query().unwrap_or_default().as_bytes();
    form_urlencoded::parse(query)
        .chain(form_urlencoded::parse(body))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The site asked for, and the page's language (asked for, else the browser's).
fn site_and_language<'a>(
    state: &'a AppState,
    fields: &std::collections::HashMap<String, String>,
    headers: &HeaderMap,
) -> Option<(&'a Site, Language)> {
    let site = SiteId::parse(fields.get("site")?).ok()?;
    let site = state.sites.get(&site)?;
    let current = site.policy();
    let policy = &current.policy;
    let asked = fields
        .get("lang")
        .and_then(|l| Language::parse(l).ok())
        .filter(|l| policy.languages.contains(l));
    let language = asked.unwrap_or_else(|| {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        policy
            .languages
            .get(accepted_language(policy, accept))
            .unwrap_or(policy.default_language())
            .clone()
    });
    Some((site, language))
}

#[derive(Serialize)]
struct View<'a> {
    lang: String,
    controller: &'a str,
    site: &'a str,
    notice: Option<&'static str>,
    w: &'static Words,
}

fn form_page(
    site: &Site,
    language: &Language,
    notice: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let view = View {
        lang: language.to_string(),
        controller: &site.policy().policy.controller.name,
        site: site.id.as_str(),
        notice,
        w: Words::of(language),
    };
    match TEMPLATE
        .get_template("request-form.html")
        .and_then(|t| t.render(&view))
    {
        Ok(html) => respond(status, html),
        Err(error) => {
            tracing::error!(%error, "cannot render the request form");
            axum::response::IntoResponse::into_response(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

#[utoipa::path(get, path = "/mail/requests", tag = "mail",
    params(("site" = String, Query, description = "Site id"),
           ("lang" = Option<String>, Query, description = "A language of the site's policy")),
    responses((status = 200, description = "The public request form: an address and what is asked (a copy, erasure, restriction)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: no such site", body = String, content_type = "text/html")))]
pub(super) async fn form(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let fields = fields(&uri, b"");
    match site_and_language(&state, &fields, &headers) {
        Some((site, language)) => form_page(site, &language, None, StatusCode::OK),
        None => invalid_page(&headers),
    }
}

#[utoipa::path(post, path = "/mail/requests", tag = "mail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`site`, `email`, `kind` (access, erasure, restriction), `lang`"),
    responses((status = 200, description = "The same answer for every address: a link was mailed if it is known", body = String, content_type = "text/html"),
              (status = 422, description = "The form again: no plausible address or kind", body = String, content_type = "text/html")))]
pub(super) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let fields = fields(&uri, &body);
    let Some((site, language)) = site_and_language(&state, &fields, &headers) else {
        return invalid_page(&headers);
    };
    let words = Words::of(&language);
    let kind = fields.get("kind").map(String::as_str).unwrap_or_default();
    let address = fields
        .get("email")
        .map(|e| e.trim().to_owned())
        .unwrap_or_default();
    let plausible = crate::domain::contacts::identifiers::ContactIdentifier::parse(
        crate::domain::contacts::identifiers::IdentifierKind::Email,
        &address,
    )
    .is_ok();
    if !PERSON_KINDS.contains(&kind) || !plausible {
        return form_page(
            site,
            &language,
            Some(words.invalid),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // Answered now, worked on after: the same page at the same speed whether or not anyone
    // holds the address.
    let (rights, site_id, kind, lang) = (
        state.rights.clone(),
        site.id.clone(),
        kind.to_owned(),
        language.clone(),
    );
    tokio::spawn(async move {
        match rights.contact_of(&address).await {
            Ok(Some(person_id)) => {
                if let Err(error) = rights
                    .ask(&person_id, &site_id, &kind, "public-form", &lang)
                    .await
                {
                    tracing::warn!(%error, "cannot record a request from the public form");
                }
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "cannot look a request's address up"),
        }
    });
    form_page(site, &language, Some(words.sent), StatusCode::OK)
}

#[utoipa::path(get, path = "/mail/requests/verify", tag = "mail",
    params(("t" = String, Query, description = "The link's sealed token")),
    responses((status = 200, description = "A page with a button confirming the request (a GET changes nothing)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn verify_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some(token) = fields(&uri, b"").remove("t") else {
        return invalid_page(&headers);
    };
    match state.rights.request_by_link(&token).await {
        Ok(request) => {
            let (words, lang, controller) = page_words(&state, &headers, request.site.as_deref());
            let page = Page {
                lang,
                controller,
                title: words.verify_title.to_owned(),
                paragraphs: vec![
                    words
                        .verify_text
                        .replace("{kind}", kind_words(words, &request.kind)),
                ],
                form: (request.state == "received").then(|| Form {
                    action: "/mail/requests/verify",
                    token,
                    button: words.verify_button.to_owned(),
                    choices: Vec::new(),
                }),
                links: Vec::new(),
            };
            page.respond(StatusCode::OK)
        }
        Err(_) => invalid_page(&headers),
    }
}

#[utoipa::path(post, path = "/mail/requests/verify", tag = "mail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`t=TOKEN`"),
    responses((status = 200, description = "The request confirmed (verified), or where it stands", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let Some(token) = fields(&uri, &body).remove("t") else {
        return invalid_page(&headers);
    };
    match state.rights.verify_by_link(&token).await {
        Ok(request) => {
            let (words, lang, controller) = page_words(&state, &headers, request.site.as_deref());
            let due = crate::domain::contacts::export::rfc3339(request.due_at);
            let text = match request.state.as_str() {
                "received" => words.expired.to_owned(),
                _ => words
                    .verified_text
                    .replace("{due}", due.get(..10).unwrap_or(&due)),
            };
            Page {
                lang,
                controller,
                title: words.verified_title.to_owned(),
                paragraphs: vec![text],
                form: None,
                links: Vec::new(),
            }
            .respond(StatusCode::OK)
        }
        Err(_) => invalid_page(&headers),
    }
}

/// The words in the browser's language (English or Swedish), and whose page it is.
fn page_words(
    state: &AppState,
    headers: &HeaderMap,
    site: Option<&str>,
) -> (&'static Words, String, String) {
    let controller = site
        .and_then(|id| SiteId::parse(id).ok())
        .and_then(|id| state.sites.get(&id))
        .map(|s| s.policy().policy.controller.name.clone())
        .unwrap_or_default();
    match super::pages::prefers_swedish(headers) {
        true => (&SV, "sv".into(), controller),
        false => (&EN, "en".into(), controller),
    }
}

fn kind_words(words: &'static Words, kind: &str) -> &'static str {
    match kind {
        "erasure" => words.erasure,
        "restriction" => words.restriction,
        _ => words.access,
    }
}

/// The pages' words in one language.
#[derive(Serialize)]
struct Words {
    title: &'static str,
    intro: &'static str,
    email: &'static str,
    what: &'static str,
    access: &'static str,
    erasure: &'static str,
    restriction: &'static str,
    send: &'static str,
    #[serde(skip)]
    sent: &'static str,
    #[serde(skip)]
    invalid: &'static str,
    #[serde(skip)]
    verify_title: &'static str,
    #[serde(skip)]
    verify_text: &'static str,
    #[serde(skip)]
    verify_button: &'static str,
    #[serde(skip)]
    verified_title: &'static str,
    #[serde(skip)]
    verified_text: &'static str,
    #[serde(skip)]
    expired: &'static str,
}

impl Words {
    fn of(language: &Language) -> &'static Words {
        match language.primary() {
            "sv" => &SV,
            _ => &EN,
        }
    }
}

const EN: Words = Words {
    title: "Your data: ask us",
    intro: "Ask for a copy of what we hold about you, for its erasure, or to restrict its use. We send a link to your address to confirm it is you; nothing is done or disclosed before.",
    email: "Your e-mail address",
    what: "What you ask for",
    access: "a copy of the data we hold about you",
    erasure: "that we erase the data we hold about you",
    restriction: "that we restrict the use of your data",
    send: "Send",
    sent: "Thank you. If we hold data about this address, we have sent a message to it: confirm your request there.",
    invalid: "Please give an e-mail address and choose what you ask for.",
    verify_title: "Confirm your request",
    verify_text: "You asked for {kind}. Nothing is done before you confirm.",
    verify_button: "Confirm my request",
    verified_title: "Your request is confirmed",
    verified_text: "Thank you. We answer by {due} at the latest.",
    expired: "This link has expired: please ask again.",
};

const SV: Words = Words {
    title: "Dina uppgifter: fråga oss",
    intro: "Be om en kopia av det vi har om dig, att vi raderar det, eller att vi begränsar användningen. Vi skickar en länk till din adress för att bekräfta att det är du; inget görs eller lämnas ut innan dess.",
    email: "Din e-postadress",
    what: "Vad du ber om",
    access: "en kopia av uppgifterna vi har om dig",
    erasure: "att vi raderar uppgifterna vi har om dig",
    restriction: "att vi begränsar användningen av dina uppgifter",
    send: "Skicka",
    sent: "Tack! Har vi uppgifter om den här adressen har vi skickat ett meddelande dit: bekräfta din begäran där.",
    invalid: "Ange en e-postadress och välj vad du ber om.",
    verify_title: "Bekräfta din begäran",
    verify_text: "Du har bett om {kind}. Inget görs innan du har bekräftat.",
    verify_button: "Bekräfta min begäran",
    verified_title: "Din begäran är bekräftad",
    verified_text: "Tack! Vi svarar senast {due}.",
    expired: "Länken har gått ut: fråga oss igen.",
};
