//! `/mail/download`: the link in a data-copy mail. A GET shows a page with one button per
//! format and spends nothing (mail scanners open links); the button's POST hands the file over
//! and spends the link (`domain/mail/download.rs`).

use axum::Router;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use samtycke_shared::Language;

use super::mail::{invalid_page, trouble_page};
use super::pages::{Choice, Form, Page};
use crate::domain::mail::download::{DownloadError, Format, Standing};
use crate::domain::mail::links::DOWNLOAD_PATH;
use crate::state::AppState;
use crate::store::requests::DataDownload;

/// The routes.
pub fn router() -> Router<AppState> {
    // The path is `links::DOWNLOAD_PATH`, written out so that the OpenAPI test sees it.
    Router::new().route("/mail/download", get(download_page).post(download))
}

/// `t` and `format`, from the query string or the form body.
fn fields(uri: &Uri, body: &[u8]) -> (Option<String>, Option<String>) {
    let mut token = None;
    let mut format = None;
    for (name, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .chain(form_urlencoded::parse(body))
    {
        match name.as_ref() {
            "t" if token.is_none() => token = Some(value.into_owned()),
            "format" if format.is_none() => format = Some(value.into_owned()),
            _ => {}
        }
    }
    (token, format)
}

#[utoipa::path(get, path = "/mail/download", tag = "mail",
    params(("t" = String, Query, description = "The link's sealed token")),
    responses((status = 200, description = "A page with a button per format (a GET spends nothing)", body = String, content_type = "text/html"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html"),
              (status = 410, description = "A page: the link was used or has expired", body = String, content_type = "text/html")))]
pub(super) async fn download_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let (Some(token), _) = fields(&uri, b"") else {
        return invalid_page(&headers);
    };
    match state.mail.look_download(&token).await {
        Ok((download, Standing::Ready)) => ready_page(&state, &download, token),
        Ok((download, standing)) => spent_page(&state, &download, &standing),
        Err(error) => failed(&headers, error),
    }
}

#[utoipa::path(post, path = "/mail/download", tag = "mail",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`t=TOKEN&format=json|csv` (the page's buttons)"),
    responses((status = 200, description = "The file (JSON: everything, with every receipt; CSV: the 16 columns), as an attachment; the link is spent", content_type = "application/json"),
              (status = 404, description = "A page: not a valid link", body = String, content_type = "text/html"),
              (status = 410, description = "A page: the link was used or has expired", body = String, content_type = "text/html")))]
pub(super) async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    RawForm(body): RawForm,
) -> Response {
    let (Some(token), format) = fields(&uri, &body) else {
        return invalid_page(&headers);
    };
    let format = format
        .as_deref()
        .and_then(Format::parse)
        .unwrap_or(Format::Json);
    match state.mail.take_download(&token, format).await {
        Ok((_, file)) => {
            let mut response = (StatusCode::OK, file.body).into_response();
            let answer = response.headers_mut();
            answer.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            );
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name))
            {
                answer.insert(header::CONTENT_DISPOSITION, value);
            }
            answer.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(DownloadError::Spent(download, standing)) => spent_page(&state, &download, &standing),
        Err(error) => failed(&headers, error),
    }
}

fn failed(headers: &HeaderMap, error: DownloadError) -> Response {
    match error {
        DownloadError::Invalid(_) => invalid_page(headers),
        error => {
            tracing::error!(%error, "cannot hand over a copy of the data");
            trouble_page(Some(headers))
        }
    }
}

/// The page's words: the site's controller, in the mail's language.
fn words_of(state: &AppState, download: &DataDownload) -> (&'static Words, String, String) {
    let language = Language::parse(&download.language).ok();
    let words = match language.as_ref().map(Language::primary) {
        Some("sv") => &SV,
        _ => &EN,
    };
    let controller = samtycke_shared::SiteId::parse(&download.site)
        .ok()
        .and_then(|id| state.sites.get(&id))
        .map(|site| site.policy().policy.controller.name.clone())
        .unwrap_or_default();
    (words, words.lang.to_owned(), controller)
}

fn ready_page(state: &AppState, download: &DataDownload, token: String) -> Response {
    let (words, lang, controller) = words_of(state, download);
    let expires = crate::domain::contacts::export::rfc3339(download.expires_at);
    Page {
        lang,
        controller,
        title: words.ready_title.to_owned(),
        paragraphs: vec![words.ready_text.replace(
            "{expires}",
            &expires.get(..16).unwrap_or(&expires).replace('T', " "),
        )],
        form: Some(Form {
            action: DOWNLOAD_PATH,
            token,
            button: words.json.to_owned(),
            choices: vec![
                Choice {
                    name: "format",
                    value: "json",
                    text: words.json.to_owned(),
                },
                Choice {
                    name: "format",
                    value: "csv",
                    text: words.csv.to_owned(),
                },
            ],
        }),
        links: Vec::new(),
    }
    .respond(StatusCode::OK)
}

fn spent_page(state: &AppState, download: &DataDownload, standing: &Standing) -> Response {
    let (words, lang, controller) = words_of(state, download);
    let (title, text) = match standing {
        Standing::Used => (words.used_title, words.used_text),
        _ => (words.expired_title, words.expired_text),
    };
    Page {
        lang,
        controller,
        title: title.to_owned(),
        paragraphs: vec![text.to_owned()],
        form: None,
        links: Vec::new(),
    }
    .respond(StatusCode::GONE)
}

/// The page's words in one language.
struct Words {
    lang: &'static str,
    ready_title: &'static str,
    ready_text: &'static str,
    json: &'static str,
    csv: &'static str,
    used_title: &'static str,
    used_text: &'static str,
    expired_title: &'static str,
    expired_text: &'static str,
}

const EN: Words = Words {
    lang: "en",
    ready_title: "Your data",
    ready_text: "Download it once, in the format you choose, until {expires} UTC. JSON holds \
        everything, with every consent receipt and the policies you were shown; CSV holds your \
        details in the columns a spreadsheet or CRM reads.",
    json: "Download everything (JSON)",
    csv: "Download your details (CSV)",
    used_title: "This link was used",
    used_text: "A copy was downloaded with it already. If that was not you, or you need another, \
        ask again from your preferences or write to us.",
    expired_title: "This link has expired",
    expired_text: "For your safety it worked for a week only. Ask for a new copy from your \
        preferences or write to us.",
};

const SV: Words = Words {
    lang: "sv",
    ready_title: "Dina uppgifter",
    ready_text: "Hämta dem en gång, i det format du väljer, fram till {expires} UTC. JSON \
        innehåller allt, med varje samtyckeskvitto och de villkor du fick se; CSV innehåller \
        dina uppgifter i de kolumner ett kalkylark eller CRM läser.",
    json: "Hämta allt (JSON)",
    csv: "Hämta dina uppgifter (CSV)",
    used_title: "Länken har redan använts",
    used_text: "En kopia har redan hämtats med den. Var det inte du, eller behöver du en till, be \
        om en ny från dina inställningar eller skriv till oss.",
    expired_title: "Länken har gått ut",
    expired_text: "För din säkerhet fungerade den bara i en vecka. Be om en ny kopia från dina \
        inställningar eller skriv till oss.",
};
