//! The e-mail journeys through a real SMTP server (Debian's `python3-aiosmtpd`, which `cargo
//! xtask test` installs): double opt-in, one-click unsubscribe, and the outbox across a
//! `kill -9`.

mod children;
mod double_opt_in;
mod outbox;
mod preferences;
mod requests;
mod rights;
mod unsubscribe;

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Method, Request, header};
use samtycke_collector::Application;
use samtycke_collector::domain::mail::config::{SmtpConfig, SmtpTls};

use crate::helpers::*;

// The real SMTP server, shared with the browser tests' harness.
#[path = "../../../../tests/src/smtp.rs"]
mod smtp;
pub use smtp::SmtpServer;

/// The SMTP section for a server on this port (no TLS: it is on this machine).
pub fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls: SmtpTls::None,
        timeout_secs: 5,
    }
}

/// A collector serving the demo's own policy (its newsletter asks for double opt-in), sending
/// to `smtp`, running with its outbox's sender; stopped when the guard drops.
pub async fn mail_collector(
    smtp: &SmtpServer,
) -> (TestCollector, tokio::sync::oneshot::Sender<()>) {
    mail_collector_with(smtp, |_| {}).await
}

/// [`mail_collector`] serving the demo's policy as `change` leaves it.
pub async fn mail_collector_with(
    smtp: &SmtpServer,
    change: impl FnOnce(&mut serde_json::Value),
) -> (TestCollector, tokio::sync::oneshot::Sender<()>) {
    clean_test_databases().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut policy: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo_policy_path()).expect("policy")).expect("JSON");
    change(&mut policy);
    std::fs::write(
        dir.path().join("policy.json"),
        serde_json::to_vec_pretty(&policy).expect("JSON"),
    )
    .expect("write policy");
    let mut config = TestCollector::config(dir.path());
    config.smtp = Some(smtp_config(smtp.port));
    config.mail.from = Some("Fika & Co. <news@shop.example>".into());
    config.mail.retry_after_secs = 1;
    let app = Application::build(config).await.expect("collector starts");
    let router = app.router();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (TestCollector { dir, router }, stop)
}

/// A message, parsed.
pub fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a MIME message")
}

/// A raw header's value, unfolded.
pub fn header_of(message: &mail_parser::Message<'_>, name: &str) -> String {
    message
        .header_raw(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .replace("\r\n", "")
        .replace('\n', "")
        .trim()
        .to_owned()
}

/// The path and query of the first link in the message's text that leads to `path`.
pub fn link_to(message: &mail_parser::Message<'_>, path: &str) -> String {
    let text = message.body_text(0).expect("a text part");
    let url = text
        .split_whitespace()
        .find(|word| word.contains(path))
        .unwrap_or_else(|| panic!("no link to {path} in {text}"));
    let at = url.find(path).expect("path");
    url[at..].to_owned()
}

/// A GET of a page, as a browser asks for it.
pub async fn get_page(collector: &TestCollector, path_and_query: &str) -> Answer {
    collector
        .send(
            Request::builder()
                .uri(path_and_query)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .expect("request"),
        )
        .await
}

/// A form POST with this urlencoded body.
pub async fn post_form(
    collector: &TestCollector,
    path_and_query: &str,
    body: &str,
    accept: &str,
) -> Answer {
    collector
        .send(
            Request::builder()
                .method(Method::POST)
                .uri(path_and_query)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, accept)
                .body(Body::from(body.to_owned()))
                .expect("request"),
        )
        .await
}

/// The `t` of a link's query.
pub fn token_of(path_and_query: &str) -> String {
    path_and_query
        .split_once("?t=")
        .expect("a token")
        .1
        .to_owned()
}

/// The page's text.
pub fn text(answer: &Answer) -> String {
    String::from_utf8_lossy(&answer.bytes).into_owned()
}

/// The demo policy's file, for configurations written by hand.
pub fn demo_policy_file(dir: &Path) -> PathBuf {
    let path = dir.join("policy.json");
    std::fs::copy(demo_policy_path(), &path).expect("copy policy");
    path
}

/// The collection method of each receipt in `listed["receipts"]` (an export, a download).
pub fn methods(listed: &serde_json::Value) -> Vec<String> {
    listed["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .map(|r| {
            let claims: serde_json::Value =
                serde_json::from_str(&jws_payload(r["receipt"].as_str().expect("jwt")))
                    .expect("claims");
            claims["collectionMethod"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The collection method of each of a contact's receipts, from the DPO's export.
pub async fn receipt_methods(collector: &TestCollector, token: &str, id: &str) -> Vec<String> {
    let answer = crate::contacts::get_as(
        collector,
        token,
        &format!("/v1/contacts/{id}/export?format=json"),
    )
    .await;
    methods(&answer.json())
}

/// The path and query of a contact's unsubscribe link for the newsletter, from the API.
pub async fn unsubscribe_path(collector: &TestCollector, token: &str, id: &str) -> String {
    let answer = crate::contacts::get_as(
        collector,
        token,
        &format!("/v1/contacts/{id}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await;
    let url = answer.json()["url"].as_str().expect("url").to_owned();
    url[url.find("/mail/unsubscribe").expect("path")..].to_owned()
}

/// A mail client's RFC 8058 one-click POST to an unsubscribe link.
pub async fn one_click(collector: &TestCollector, path_and_query: &str) -> Answer {
    post_form(
        collector,
        path_and_query,
        "List-Unsubscribe=One-Click",
        "*/*",
    )
    .await
}
