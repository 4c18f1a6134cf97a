//! The links in Samtycke's mail: `/mail/confirm` (double opt-in) and `/mail/unsubscribe`
//! (RFC 8058 one-click, and a page with a button), plus the pages' stylesheet. A GET only ever
//! shows a page; every change is a POST. The token travels as `t` in the query string or the
//! form body, never in the path, so that it stays out of the request log.

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use samtycke_shared::{Language, Policy};

use super::pages::{Form, Page, PageLink, STYLESHEET};
use super::widget::loader::language;
use crate::domain::mail::ONE_CLICK;
use crate::domain::mail::links::{CONFIRM_PATH, Link, UNSUBSCRIBE_PATH};
use crate::domain::mail::opt_in::{Asked, ConfirmError, Confirmation, purpose_name};
use crate::domain::mail::unsubscribe::{Subscription, UnsubscribeError};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        // The paths are `links::CONFIRM_PATH` and `links::UNSUBSCRIBE_PATH`, written out so
        // that the OpenAPI test sees them.
        .route("/mail/confirm", get(confirm_page).post(confirm))
        .route("/mail/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .route("/mail/pages.css", get(stylesheet))
}

/// The token from the query string, or from a form body (`t=…`).
fn token(uri: &Uri, body: &[u8]) -> Option<String> {
    let field = |bytes: &[u8]| {
        form_urlencoded::parse(bytes)
            .find(|(name, _)| name == "t")
            .map(|(_, value)| value.into_owned())
    };
    uri.query()
        .and_then(|query| field(query.as_bytes()))
        .or_else(|| field(body))
}

#[utoipa::path(get, path = "/mail/pages.css", tag = "mail",
    responses((status = 200, description = "The stylesheet of the mail links' pages", body = String, content_type = "text/css")))]
pub(super) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        STYLESHEET,
    )
        .into_response()
}

#[utoipa::path(get, path = "/mail/confirm", tag = "mail",
    params(("t" = String, Query, description = "The link's sealed token")),
    responses((status = 200, description = "A page: a button to confirm, or that it is confirmed or expired (a GET changes nothing)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html"),
              (status = 410, description = "A page: the purpose is no longer offered", body = String, content_type = "text/html")))]
pub(super) async fn confirm_page(State(state): State<AppState>, uri: Uri) -> Response {
    let Some(token) = token(&uri, b"") else {
        return invalid_page(&HeaderMap::new());
    };
    let looked = state.double_opt_in.look(&token).await;
    confirmation_page(&state, looked, Some(token))
}

#[utoipa::path(post, path = "/mail/confirm", tag = "mail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`t=TOKEN` (the page's button), or the token in the query"),
    responses((status = 200, description = "A page: confirmed (a collector-signed double-opt-in receipt), or expired", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html"),
              (status = 410, description = "A page: the purpose is no longer offered", body = String, content_type = "text/html")))]
pub(super) async fn confirm(
    State(state): State<AppState>,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let Some(token) = token(&uri, &body) else {
        return invalid_page(&HeaderMap::new());
    };
    let confirmed = state.double_opt_in.confirm(&token).await;
    confirmation_page(&state, confirmed, None)
}

fn confirmation_page(
    state: &AppState,
    outcome: Result<Confirmation, ConfirmError>,
    token: Option<String>,
) -> Response {
    let (asked, status) = match &outcome {
        Ok(Confirmation::Pending(a) | Confirmation::Confirmed(a) | Confirmation::Expired(a)) => {
            (a, StatusCode::OK)
        }
        Err(ConfirmError::PurposeGone(a)) => (a, StatusCode::GONE),
        Err(ConfirmError::GuardianWaiting(a)) => (a, StatusCode::CONFLICT),
        Err(ConfirmError::Invalid) => return invalid_page(&HeaderMap::new()),
        Err(error) => {
            tracing::error!(%error, "cannot confirm an opt-in");
            return trouble_page(None);
        }
    };
    let Some(site) = state.sites.get(&asked.site) else {
        return invalid_page(&HeaderMap::new());
    };
    let words = Words::of(&asked.language);
    let current = site.policy();
    let policy = &current.policy;
    let purpose = purpose_name(&current, asked);
    let fill = |text: &str| fill(text, &policy.controller.name, &purpose);
    let (title, paragraph, form) = match outcome {
        Ok(Confirmation::Pending(ref pending)) => (
            fill(words.confirm_title),
            fill(if pending.for_guardian {
                words.guardian_text
            } else {
                words.confirm_text
            }),
            token.map(|token| Form {
                action: CONFIRM_PATH,
                token,
                button: words.confirm_button.to_owned(),
                choices: Vec::new(),
            }),
        ),
        Ok(Confirmation::Confirmed(_)) => (
            words.confirmed_title.to_owned(),
            fill(words.confirmed_text),
            None,
        ),
        Ok(Confirmation::Expired(_)) => (
            words.expired_title.to_owned(),
            fill(words.expired_text),
            None,
        ),
        Err(ConfirmError::GuardianWaiting(_)) => (
            words.guardian_title.to_owned(),
            fill(words.guardian_waiting),
            None,
        ),
        Err(_) => (words.gone_title.to_owned(), fill(words.gone_text), None),
    };
    page(policy, &asked.language, title, vec![paragraph], form).respond(status)
}

#[utoipa::path(get, path = "/mail/unsubscribe", tag = "mail",
    params(("t" = String, Query, description = "The link's sealed token")),
    responses((status = 200, description = "A page with a button to unsubscribe (a GET changes nothing)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn unsubscribe_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some(token) = token(&uri, b"") else {
        return invalid_page(&headers);
    };
    match state.unsubscribe.look(&token) {
        Ok(subscription) => {
            let Some((policy, language, purpose)) = described(&state, &subscription, &headers)
            else {
                return invalid_page(&headers);
            };
            let words = Words::of(&language);
            let fill = |text: &str| fill(text, &policy.controller.name, &purpose);
            page(
                &policy,
                &language,
                fill(words.unsubscribe_title),
                vec![fill(words.unsubscribe_text)],
                Some(Form {
                    action: UNSUBSCRIBE_PATH,
                    token,
                    button: words.unsubscribe_button.to_owned(),
                    choices: Vec::new(),
                }),
            )
            .respond(StatusCode::OK)
        }
        Err(_) => invalid_page(&headers),
    }
}

/// The one-click POST of RFC 8058 (body `List-Unsubscribe=One-Click`, token in the URL), and
/// the page's button (token in the body). A mail client gets a status; a browser a page.
#[utoipa::path(post, path = "/mail/unsubscribe", tag = "mail",
    params(("t" = Option<String>, Query, description = "The link's sealed token (as in `List-Unsubscribe`)")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`List-Unsubscribe=One-Click` (RFC 8058), or `t=TOKEN` from the page"),
    responses((status = 200, description = "Withdrawn (a collector-signed unsubscribe receipt), or already: a page for a browser, an empty answer for a mail client's one-click POST", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn unsubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let one_click = body.as_ref() == ONE_CLICK.as_bytes();
    let Some(token) = token(&uri, &body) else {
        return invalid_page(&headers);
    };
    let outcome = state.unsubscribe.unsubscribe(&token).await;
    let subscription = match (&outcome, state.unsubscribe.look(&token)) {
        (Ok(_), Ok(subscription)) => subscription,
        (Err(UnsubscribeError::Invalid), _) | (_, Err(_)) => {
            return invalid_page(&headers);
        }
        (Err(error), _) => {
            tracing::error!(%error, "cannot unsubscribe");
            return trouble_page(Some(&headers));
        }
    };
    if one_click && !wants_html(&headers) {
        return StatusCode::OK.into_response();
    }
    let Some((policy, language, purpose)) = described(&state, &subscription, &headers) else {
        return invalid_page(&headers);
    };
    let words = Words::of(&language);
    let fill = |text: &str| fill(text, &policy.controller.name, &purpose);
    let mut done = page(
        &policy,
        &language,
        words.unsubscribed_title.to_owned(),
        vec![fill(words.unsubscribed_text)],
        None,
    );
    if let Ok(href) = state.mail.links().url(&Link::Preferences {
        person_id: subscription.person_id.clone(),
        site: subscription.site.to_string(),
    }) {
        done.links.push(PageLink {
            href,
            text: words.preferences.to_owned(),
        });
    }
    done.respond(StatusCode::OK)
}

/// The site's policy, the page's language (from `Accept-Language`) and the purpose's name.
fn described(
    state: &AppState,
    subscription: &Subscription,
    headers: &HeaderMap,
) -> Option<(Policy, Language, String)> {
    let site = state.sites.get(&subscription.site)?;
    let current = site.policy();
    let policy = current.policy.clone();
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let language = policy.languages.get(language(&policy, accept))?.clone();
    let asked = Asked {
        site: subscription.site.clone(),
        purpose: subscription.purpose.clone(),
        language: language.clone(),
        for_guardian: false,
    };
    let purpose = purpose_name(&current, &asked);
    Some((policy, language, purpose))
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

fn page(
    policy: &Policy,
    language: &Language,
    title: String,
    paragraphs: Vec<String>,
    form: Option<Form>,
) -> Page {
    Page {
        lang: language.to_string(),
        controller: policy.controller.name.clone(),
        title,
        paragraphs,
        form,
        links: Vec::new(),
    }
}

/// A link that is not one of ours (or whose contact is gone): 404, in the browser's language.
pub(super) fn invalid_page(headers: &HeaderMap) -> Response {
    let words = Words::of_header(headers);
    Page {
        lang: words.lang.to_owned(),
        controller: String::new(),
        title: words.invalid_title.to_owned(),
        paragraphs: vec![words.invalid_text.to_owned()],
        form: None,
        links: Vec::new(),
    }
    .respond(StatusCode::NOT_FOUND)
}

/// The store failed: nothing was changed; try again.
pub(super) fn trouble_page(headers: Option<&HeaderMap>) -> Response {
    let words = headers.map_or(&EN, Words::of_header);
    Page {
        lang: words.lang.to_owned(),
        controller: String::new(),
        title: words.trouble_title.to_owned(),
        paragraphs: vec![words.trouble_text.to_owned()],
        form: None,
        links: Vec::new(),
    }
    .respond(StatusCode::SERVICE_UNAVAILABLE)
}

fn fill(text: &str, controller: &str, purpose: &str) -> String {
    text.replace("{controller}", controller)
        .replace("{purpose}", purpose)
}

/// The pages' words in one language.
struct Words {
    lang: &'static str,
    confirm_title: &'static str,
    confirm_text: &'static str,
    confirm_button: &'static str,
    guardian_text: &'static str,
    guardian_title: &'static str,
    guardian_waiting: &'static str,
    confirmed_title: &'static str,
    confirmed_text: &'static str,
    expired_title: &'static str,
    expired_text: &'static str,
    gone_title: &'static str,
    gone_text: &'static str,
    unsubscribe_title: &'static str,
    unsubscribe_text: &'static str,
    unsubscribe_button: &'static str,
    unsubscribed_title: &'static str,
    unsubscribed_text: &'static str,
    invalid_title: &'static str,
    invalid_text: &'static str,
    trouble_title: &'static str,
    trouble_text: &'static str,
    preferences: &'static str,
}

impl Words {
    fn of(language: &Language) -> &'static Words {
        match language.primary() {
            "sv" => &SV,
            _ => &EN,
        }
    }

    fn of_header(headers: &HeaderMap) -> &'static Words {
        if super::pages::prefers_swedish(headers) {
            &SV
        } else {
            &EN
        }
    }
}

const EN: Words = Words {
    lang: "en",
    confirm_title: "Confirm: {purpose}",
    confirm_text: "You asked {controller} to send you {purpose}. Nothing is sent until you confirm.",
    confirm_button: "Confirm",
    guardian_title: "A parent or guardian must confirm",
    guardian_waiting: "You told us you are under the age of digital consent, so {controller} sends you {purpose} only once your parent or guardian confirms it from the mail we sent them.",
    guardian_text: "Someone under the age of digital consent asked {controller} for {purpose} and gave your address as their parent's or guardian's. Nothing is sent to them unless you confirm.",
    confirmed_title: "Confirmed",
    confirmed_text: "Thank you. {controller} may now send you {purpose}. Every mail has a link to stop it at once.",
    expired_title: "This link has expired",
    expired_text: "It was not confirmed in time, so {controller} sends you nothing. To sign up for {purpose}, use the form again.",
    gone_title: "No longer offered",
    gone_text: "{controller} no longer offers {purpose}, so there is nothing to confirm.",
    unsubscribe_title: "Unsubscribe from {purpose}?",
    unsubscribe_text: "{controller} stops at once. You can sign up again whenever you like.",
    unsubscribe_button: "Unsubscribe",
    unsubscribed_title: "You are unsubscribed",
    unsubscribed_text: "{controller} no longer uses your address for {purpose}.",
    invalid_title: "This link does not work",
    invalid_text: "It may have been cut short: open it again from the mail, or copy the whole link.",
    trouble_title: "Something went wrong",
    trouble_text: "Nothing was changed. Please try again in a moment.",
    preferences: "All your choices",
};

const SV: Words = Words {
    lang: "sv",
    confirm_title: "Bekräfta: {purpose}",
    confirm_text: "Du har bett {controller} att skicka {purpose} till dig. Inget skickas innan du har bekräftat.",
    confirm_button: "Bekräfta",
    guardian_title: "En förälder eller vårdnadshavare måste bekräfta",
    guardian_waiting: "Du har angett att du är under åldersgränsen för digitalt samtycke, så {controller} skickar {purpose} till dig först när din förälder eller vårdnadshavare har bekräftat i mejlet vi skickade.",
    guardian_text: "Någon under åldersgränsen för digitalt samtycke har bett {controller} om {purpose} och angett din adress som förälderns eller vårdnadshavarens. Inget skickas till hen om du inte bekräftar.",
    confirmed_title: "Bekräftat",
    confirmed_text: "Tack! Nu får {controller} skicka {purpose} till dig. I varje utskick finns en länk för att sluta direkt.",
    expired_title: "Länken har gått ut",
    expired_text: "Den bekräftades inte i tid, så {controller} skickar ingenting till dig. Vill du ha {purpose}, använd formuläret igen.",
    gone_title: "Erbjuds inte längre",
    gone_text: "{controller} erbjuder inte längre {purpose}, så det finns inget att bekräfta.",
    unsubscribe_title: "Avsluta {purpose}?",
    unsubscribe_text: "{controller} slutar direkt. Du kan anmäla dig igen när du vill.",
    unsubscribe_button: "Avsluta",
    unsubscribed_title: "Du har avslutat",
    unsubscribed_text: "{controller} använder inte längre din adress för {purpose}.",
    invalid_title: "Länken fungerar inte",
    invalid_text: "Den kan ha blivit avkortad: öppna den igen från mejlet, eller kopiera hela länken.",
    trouble_title: "Något gick fel",
    trouble_text: "Inget ändrades. Försök igen om en stund.",
    preferences: "Alla dina val",
};
