//! `/mailbox`: the demo's mailbox. With `[mail] folder` and `mailbox_page = true`, the messages
//! the collector wrote into the folder are listed, newest first, and each can be read with its
//! links, so that a newcomer to `cargo xtask demo` can click a confirmation link without a
//! mail server. It shows addresses, so it is off unless the configuration asks for it.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use mail_parser::MessageParser;

use super::Error;
use super::error::Problem;
use super::pages::{Page, PageLink};
use super::path::Path as UrlPath;
use crate::state::AppState;

/// The routes; they answer 404 unless the configuration asks for the page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mailbox", get(mailbox))
        .route("/mailbox/{id}", get(message))
}

/// The folder, when the page is on.
fn folder(state: &AppState) -> Result<PathBuf, Error> {
    let settings = state.mail.settings();
    match (&settings.folder, settings.mailbox_page) {
        (Some(folder), true) => Ok(folder.clone()),
        _ => Err(Error::NotFound),
    }
}

/// One stored message, read back.
struct Stored {
    id: String,
    modified: std::time::SystemTime,
    subject: String,
    to: String,
    text: String,
}

fn read_all(folder: &Path) -> Vec<Stored> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut messages: Vec<Stored> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| read_one(&e.path()))
        .collect();
    messages.sort_by_key(|m| std::cmp::Reverse(m.modified));
    messages
}

fn read_one(path: &PathBuf) -> Option<Stored> {
    let bytes = std::fs::read(path).ok()?;
    let message = MessageParser::default().parse(&bytes)?;
    Some(Stored {
        id: path.file_stem()?.to_str()?.to_owned(),
        modified: std::fs::metadata(path).and_then(|m| m.modified()).ok()?,
        subject: message.subject().unwrap_or_default().to_owned(),
        to: message
            .to()
            .and_then(|to| to.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        text: message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    })
}

fn demo_page(title: String, paragraphs: Vec<String>, links: Vec<PageLink>) -> Page {
    Page {
        lang: "en".into(),
        controller: "Samtycke demo".into(),
        title,
        paragraphs,
        form: None,
        links,
    }
}

#[utoipa::path(get, path = "/mailbox", tag = "mail",
    responses((status = 200, description = "The demo's mailbox: the messages written into `[mail] folder`, newest first (only with `mailbox_page = true`)", body = String, content_type = "text/html"),
              (status = 404, description = "The page is off (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json")))]
pub(super) async fn mailbox(State(state): State<AppState>) -> Result<Response, Error> {
    let folder = folder(&state)?;
    let messages = tokio::task::spawn_blocking(move || read_all(&folder))
        .await
        .unwrap_or_default();
    let paragraphs = vec![match messages.len() {
        0 => "No mail yet. Sign up for the newsletter on the demo shop, then come back.".into(),
        n => format!(
            "{n} messages, newest first. The collector wrote them into its mail folder instead of sending them."
        ),
    }];
    let links = messages
        .iter()
        .map(|m| PageLink {
            href: format!("/mailbox/{}", m.id),
            text: format!("{} — to {}", m.subject, m.to),
        })
        .collect();
    Ok(demo_page("Demo mailbox".into(), paragraphs, links).respond(StatusCode::OK))
}

#[utoipa::path(get, path = "/mailbox/{id}", tag = "mail",
    params(("id" = String, Path, description = "The message's file name without `.eml`")),
    responses((status = 200, description = "One message of the demo's mailbox, with its links", body = String, content_type = "text/html"),
              (status = 404, description = "No such message, or the page is off", body = String, content_type = "text/html")))]
pub(super) async fn message(
    State(state): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, Error> {
    let folder = folder(&state)?;
    // A name from the URL is only ever looked up among the folder's own files.
    let found =
        tokio::task::spawn_blocking(move || read_all(&folder).into_iter().find(|m| m.id == id))
            .await
            .ok()
            .flatten();
    let Some(found) = found else {
        return Ok(demo_page(
            "No such message".into(),
            vec!["It may have been removed from the mail folder.".into()],
            vec![PageLink {
                href: "/mailbox".into(),
                text: "Back to the mailbox".into(),
            }],
        )
        .respond(StatusCode::NOT_FOUND));
    };
    let mut paragraphs = vec![format!("To: {}", found.to)];
    let mut links = Vec::new();
    let mut before = String::new();
    for line in found.text.lines().map(str::trim) {
        if line.starts_with("http://") || line.starts_with("https://") {
            links.push(PageLink {
                href: line.to_owned(),
                text: match before.trim_end_matches(':') {
                    "" => line.to_owned(),
                    label => label.to_owned(),
                },
            });
        } else if let Some((label, url)) = line.split_once(": http") {
            links.push(PageLink {
                href: format!("http{url}"),
                text: label.to_owned(),
            });
        } else if !line.is_empty() {
            paragraphs.push(line.to_owned());
        }
        before = line.to_owned();
    }
    links.push(PageLink {
        href: "/mailbox".into(),
        text: "Back to the mailbox".into(),
    });
    Ok(demo_page(found.subject, paragraphs, links).respond(StatusCode::OK))
}
