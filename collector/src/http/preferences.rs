//! `/mail/preferences`: the preference centre, linked from every message. Plain HTML forms, no
//! script; the purposes' disclosures are `samtycke-banner`'s own components rendered on the
//! server, so that they read exactly as in the banner. English or Swedish from the browser,
//! switchable on the page.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::Environment;
use samtycke_banner::server::Disclosures;
use samtycke_shared::{Decision, Language};
use serde::Serialize;

use super::mail::{invalid_page, trouble_page};
use super::pages::respond;
use super::widget::loader::language as accepted_language;
use crate::domain::mail::preferences::{PreferencesError, Saved, Standing, Subscriber};
use crate::state::AppState;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail/preferences", get(page).post(change))
        .route("/mail/preferences/receipts", get(receipts))
}

static TEMPLATE: std::sync::LazyLock<Environment<'static>> = std::sync::LazyLock::new(|| {
    let mut env = Environment::new();
    if let Err(error) = env.add_template(
        "preferences.html",
        include_str!("../../../www/pages/preferences.html"),
    ) {
        tracing::error!(%error, "the preference centre's template does not parse");
    }
    env
});

/// The form's fields (and the query's): the token, the language, the action and the ticks.
#[derive(Debug, Default)]
struct Fields {
    token: Option<String>,
    lang: Option<String>,
    action: Option<String>,
    granted: BTreeSet<String>,
}

fn fields(uri: &Uri, body: &[u8]) -> Fields {
    let mut fields = Fields::default();
    let query = uri.query().unwrap_or_default().as_bytes();
    for (name, value) in form_urlencoded::parse(query).chain(form_urlencoded::parse(body)) {
        let value = value.into_owned();
        match name.as_ref() {
            "t" => fields.token = Some(value),
            "lang" => fields.lang = Some(value),
            "action" => fields.action = Some(value),
            "granted" => {
                fields.granted.insert(value);
            }
            _ => {}
        }
    }
    fields
}

#[utoipa::path(get, path = "/mail/preferences", tag = "mail",
    params(("t" = String, Query, description = "The link's sealed token"),
           ("lang" = Option<String>, Query, description = "A language of the site's policy; else the browser's")),
    responses((status = 200, description = "The preference centre: every purpose with its disclosure and state, forms to change them, withdraw everything, download the receipts, ask for a copy", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn page(State(state): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let fields = fields(&uri, b"");
    let Some(token) = fields.token.clone() else {
        return invalid_page(&headers);
    };
    match state.preferences.open(&token).await {
        Ok(subscriber) => render(&state, &headers, &fields, &token, &subscriber, None).await,
        Err(PreferencesError::Invalid) => invalid_page(&headers),
        Err(error) => {
            tracing::error!(%error, "cannot show the preference centre");
            trouble_page(Some(&headers))
        }
    }
}

#[utoipa::path(post, path = "/mail/preferences", tag = "mail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`t=TOKEN`, `action=save|withdraw-all|copy`, `granted=PURPOSE` for each ticked box, `lang`"),
    responses((status = 200, description = "The preference centre again, saying what was done (a collector-signed preference-centre receipt for any change)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html"),
              (status = 422, description = "The preference centre, saying which purpose cannot be chosen", body = String, content_type = "text/html")))]
pub(super) async fn change(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let fields = fields(&uri, &body);
    let Some(token) = fields.token.clone() else {
        return invalid_page(&headers);
    };
    let centre = &state.preferences;
    let subscriber = match centre.open(&token).await {
        Ok(subscriber) => subscriber,
        Err(PreferencesError::Invalid) => return invalid_page(&headers),
        Err(error) => {
            tracing::error!(%error, "cannot open the preference centre");
            return trouble_page(Some(&headers));
        }
    };
    let language = page_language(&subscriber, &headers, fields.lang.as_deref());
    let words = Words::of(&language);
    let outcome = match fields.action.as_deref() {
        Some("save") => centre
            .save(&subscriber, &fields.granted, &language)
            .await
            .map(|saved| saved_notice(words, &saved, &subscriber, &language)),
        Some("withdraw-all") => centre
            .save(&subscriber, &BTreeSet::new(), &language)
            .await
            .map(|_| words.withdrawn_all.to_owned()),
        Some(asked @ ("request-erasure" | "request-restriction")) => state
            .rights
            .ask(
                &subscriber.person_id,
                &subscriber.site,
                asked.trim_start_matches("request-"),
                "preference-centre",
                &language,
            )
            .await
            .map(|_| words.request_sent.to_owned())
            .map_err(PreferencesError::from),
        Some("copy") => centre
            .send_copy(&subscriber, &language)
            .await
            .map(|queued| match queued {
                true => words.copy_sent.to_owned(),
                false => words.copy_recent.to_owned(),
            }),
        _ => Ok(words.unchanged.to_owned()),
    };
    match outcome {
        Ok(notice) => render(&state, &headers, &fields, &token, &subscriber, Some(notice)).await,
        Err(PreferencesError::UnknownPurpose(_)) => {
            let mut response = render(
                &state,
                &headers,
                &fields,
                &token,
                &subscriber,
                Some(words.unknown_purpose.to_owned()),
            )
            .await;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
        Err(PreferencesError::Invalid) => invalid_page(&headers),
        Err(error) => {
            tracing::error!(%error, "cannot change preferences");
            trouble_page(Some(&headers))
        }
    }
}

#[utoipa::path(get, path = "/mail/preferences/receipts", tag = "mail",
    params(("t" = String, Query, description = "The preference link's sealed token")),
    responses((status = 200, description = "The person's receipts on the site, with where to verify them: `{site, receipts: [{sequence, receipt}], jwks}`", body = Object),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html")))]
pub(super) async fn receipts(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let Some(token) = fields(&uri, b"").token else {
        return invalid_page(&headers);
    };
    let listed = match state.preferences.open(&token).await {
        Ok(subscriber) => state.preferences.receipts(&subscriber).await,
        Err(error) => Err(error),
    };
    match listed {
        Ok(listed) => {
            let site = listed["site"].as_str().unwrap_or("site").to_owned();
            let mut response = axum::Json(listed).into_response();
            if let Ok(value) = HeaderValue::from_str(&format!(
                "attachment; filename=\"samtycke-receipts-{site}.json\""
            )) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(PreferencesError::Invalid) => invalid_page(&headers),
        Err(error) => {
            tracing::error!(%error, "cannot list receipts");
            trouble_page(Some(&headers))
        }
    }
}

/// What a save did, in the person's words: each part that happened, in one notice.
fn saved_notice(
    words: &Words,
    saved: &Saved,
    subscriber: &Subscriber,
    language: &Language,
) -> String {
    if saved.nothing() {
        return words.unchanged.to_owned();
    }
    let policy = &subscriber.policy.policy;
    let names = |purposes: &[samtycke_shared::PurposeId]| {
        purposes
            .iter()
            .filter_map(|id| policy.purpose(id))
            .map(|p| p.name.get(language, policy.default_language()).to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !saved.withdrawn.is_empty() {
        parts.push(words.saved.to_owned());
    }
    if !saved.mailed.is_empty() {
        parts.push(words.mailed.replace("{purposes}", &names(&saved.mailed)));
    }
    if !saved.waiting.is_empty() {
        parts.push(words.waiting.replace("{purposes}", &names(&saved.waiting)));
    }
    if !saved.unavailable.is_empty() {
        parts.push(
            words
                .unavailable
                .replace("{purposes}", &names(&saved.unavailable)),
        );
    }
    parts.join(" ")
}

/// The page's language: asked for, else the browser's, among the policy's.
fn page_language(subscriber: &Subscriber, headers: &HeaderMap, asked: Option<&str>) -> Language {
    let policy = &subscriber.policy.policy;
    let asked = asked
        .and_then(|tag| Language::parse(tag).ok())
        .filter(|tag| policy.languages.contains(tag));
    asked.unwrap_or_else(|| {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        policy
            .languages
            .get(accepted_language(policy, accept))
            .unwrap_or(policy.default_language())
            .clone()
    })
}

#[derive(Serialize)]
struct PurposeView {
    id: String,
    name: String,
    description: String,
    granted: bool,
    state: String,
    disclosure: String,
}

#[derive(Serialize)]
struct LanguageLink {
    code: String,
    name: &'static str,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct View<'a> {
    lang: String,
    controller: String,
    token: &'a str,
    notice: Option<String>,
    w: &'static Words,
    purposes: Vec<PurposeView>,
    languages: Vec<LanguageLink>,
    controller_disclosure: String,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    fields: &Fields,
    token: &str,
    subscriber: &Subscriber,
    notice: Option<String>,
) -> Response {
    let standings = match state.preferences.standings(subscriber).await {
        Ok(standings) => standings,
        Err(error) => {
            tracing::error!(%error, "cannot read preferences");
            return trouble_page(Some(headers));
        }
    };
    let language = page_language(subscriber, headers, fields.lang.as_deref());
    let words = Words::of(&language);
    let policy = &subscriber.policy.policy;
    let index = policy
        .languages
        .iter()
        .position(|l| *l == language)
        .unwrap_or(0);
    let disclosures = Disclosures {
        policy: policy.clone(),
        language: index,
    };
    let mut purposes = Vec::with_capacity(standings.len());
    for standing in &standings {
        let Some(purpose) = policy.purpose(&standing.purpose) else {
            continue;
        };
        let local = |text: &samtycke_shared::LocalizedText| {
            text.get(&language, policy.default_language()).to_owned()
        };
        purposes.push(PurposeView {
            id: standing.purpose.to_string(),
            name: local(&purpose.name),
            description: local(&purpose.description),
            granted: standing.granted() && !standing.pending,
            state: state_text(words, standing),
            disclosure: disclosures.render(Some(standing.purpose.clone())).await,
        });
    }
    let token_query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("t", token)
        .finish();
    let languages = policy
        .languages
        .iter()
        .map(|l| LanguageLink {
            code: l.to_string(),
            name: match l.primary() {
                "sv" => "Svenska",
                "en" => "English",
                _ => "",
            },
            href: format!("/mail/preferences?{token_query}&lang={l}"),
            current: *l == language,
        })
        .filter(|l| !l.name.is_empty())
        .collect();
    let view = View {
        lang: language.to_string(),
        controller: policy.controller.name.clone(),
        token,
        notice,
        w: words,
        purposes,
        languages,
        controller_disclosure: disclosures.render(None).await,
    };
    let html = match TEMPLATE
        .get_template("preferences.html")
        .and_then(|t| t.render(&view))
    {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "cannot render the preference centre");
            return trouble_page(Some(headers));
        }
    };
    respond(StatusCode::OK, html)
}

fn state_text(words: &Words, standing: &Standing) -> String {
    let day = standing
        .decided_at
        .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok())
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    let template = match (standing.decision, standing.pending) {
        (Some(Decision::Granted), true) => words.state_pending,
        (Some(Decision::Granted), false) => words.state_granted,
        (Some(Decision::Denied), _) => words.state_denied,
        (Some(Decision::Withdrawn), _) => words.state_withdrawn,
        (None, _) => words.state_none,
    };
    template.replace("{date}", &day)
}

/// The preference centre's words in one language.
#[derive(Serialize)]
struct Words {
    title: &'static str,
    intro: &'static str,
    languages: &'static str,
    yes_to: &'static str,
    details: &'static str,
    save: &'static str,
    withdraw_all: &'static str,
    your_data: &'static str,
    download: &'static str,
    copy: &'static str,
    erase: &'static str,
    restrict: &'static str,
    #[serde(skip)]
    state_granted: &'static str,
    #[serde(skip)]
    state_pending: &'static str,
    #[serde(skip)]
    state_denied: &'static str,
    #[serde(skip)]
    state_withdrawn: &'static str,
    #[serde(skip)]
    state_none: &'static str,
    #[serde(skip)]
    saved: &'static str,
    #[serde(skip)]
    unchanged: &'static str,
    #[serde(skip)]
    withdrawn_all: &'static str,
    #[serde(skip)]
    copy_sent: &'static str,
    #[serde(skip)]
    copy_recent: &'static str,
    #[serde(skip)]
    unknown_purpose: &'static str,
    #[serde(skip)]
    request_sent: &'static str,
    #[serde(skip)]
    mailed: &'static str,
    #[serde(skip)]
    waiting: &'static str,
    #[serde(skip)]
    unavailable: &'static str,
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
    title: "Your choices",
    intro: "Here you decide what may be done with your e-mail address. A change counts at once, and each one is recorded in a receipt you can verify.",
    languages: "Language",
    yes_to: "Yes to",
    details: "What this means",
    save: "Save my choices",
    withdraw_all: "Withdraw everything",
    your_data: "Your data",
    download: "Download my receipts",
    copy: "Send me a copy of my data",
    erase: "Ask us to erase my data",
    restrict: "Ask us to restrict the use of my data",
    state_granted: "Given on {date}.",
    state_pending: "Waiting for your confirmation from the e-mail we sent.",
    state_denied: "Refused on {date}.",
    state_withdrawn: "Withdrawn on {date}.",
    state_none: "Not given.",
    saved: "Saved: what you unticked is withdrawn from now.",
    unchanged: "Nothing changed.",
    withdrawn_all: "Everything is withdrawn.",
    copy_sent: "A copy of your data is on its way to your address.",
    copy_recent: "A copy was sent a few minutes ago: please look in your mailbox.",
    unknown_purpose: "One of the choices is not offered here; nothing was changed.",
    request_sent: "We sent you an e-mail: confirm your request there, and we answer within a month.",
    mailed: "We sent you an e-mail: confirm it there and {purposes} counts.",
    waiting: "A confirmation for {purposes} went out a few minutes ago: please look in your mailbox.",
    unavailable: "{purposes}: to give your consent again, please use the form on the site.",
};

const SV: Words = Words {
    title: "Dina val",
    intro: "Här bestämmer du vad din e-postadress får användas till. En ändring gäller direkt, och varje ändring sparas i ett kvitto som du kan kontrollera.",
    languages: "Språk",
    yes_to: "Ja till",
    details: "Vad det innebär",
    save: "Spara mina val",
    withdraw_all: "Återkalla allt",
    your_data: "Dina uppgifter",
    download: "Ladda ner mina kvitton",
    copy: "Skicka en kopia av mina uppgifter",
    erase: "Be oss radera mina uppgifter",
    restrict: "Be oss begränsa användningen av mina uppgifter",
    state_granted: "Lämnat {date}.",
    state_pending: "Väntar på din bekräftelse från mejlet vi skickade.",
    state_denied: "Nekat {date}.",
    state_withdrawn: "Återkallat {date}.",
    state_none: "Inte lämnat.",
    saved: "Sparat: det du kryssade ur är återkallat från och med nu.",
    unchanged: "Inget ändrades.",
    withdrawn_all: "Allt är återkallat.",
    copy_sent: "En kopia av dina uppgifter är på väg till din adress.",
    copy_recent: "En kopia skickades för några minuter sedan: titta i din inkorg.",
    unknown_purpose: "Ett av valen erbjuds inte här; inget ändrades.",
    request_sent: "Vi har skickat ett mejl till dig: bekräfta din begäran där, så svarar vi inom en månad.",
    mailed: "Vi har skickat ett mejl till dig: bekräfta där, så gäller {purposes}.",
    waiting: "En bekräftelse för {purposes} skickades för några minuter sedan: titta i din inkorg.",
    unavailable: "{purposes}: använd formuläret på webbplatsen för att lämna ditt samtycke igen.",
};
