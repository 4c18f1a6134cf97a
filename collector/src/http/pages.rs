//! The pages the collector shows people who follow a link from a mail (confirm, unsubscribe):
//! one `minijinja` template (`www/pages/page.html`), the words in the person's language, no
//! script, and a policy that allows nothing but the collector's own stylesheet and forms.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;

/// A page's policy: nothing runs, nothing is framed, forms post only here.
pub const MAIL_PAGE_CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

static PAGES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // Built in and checked by this module's test, so it always parses.
    if let Err(error) = env.add_template("page.html", include_str!("../../../www/pages/page.html"))
    {
        tracing::error!(%error, "the page template does not parse");
    }
    env
});

/// Marks a response as one of these pages, so that an error page stays a page for the person
/// who followed the link rather than becoming a problem document (`problem_fallback.rs`).
#[derive(Debug, Clone, Copy)]
pub struct OwnPage;

/// The stylesheet every page links.
pub const STYLESHEET: &str = include_str!("../../../www/pages/pages.css");

/// Whether the browser's first language is Swedish: the pages' words for a person whose site
/// (and so whose policy's languages) a page cannot tell.
pub fn prefers_swedish(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(accept_language::parse)
        .and_then(|tags| tags.into_iter().next())
        .is_some_and(|tag| tag.to_ascii_lowercase().starts_with("sv"))
}

/// A button that posts the link's token back.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    /// Where it posts.
    pub action: &'static str,
    /// The token, in a hidden field.
    pub token: String,
    /// The button's words.
    pub button: String,
    /// Instead of the one button, one per choice, each posting its value.
    pub choices: Vec<Choice>,
}

/// A button that posts `name=value` with the token.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// The field.
    pub name: &'static str,
    /// Its value.
    pub value: &'static str,
    /// The button's words.
    pub text: String,
}

/// A link below the text.
#[derive(Debug, Clone, Serialize)]
pub struct PageLink {
    /// Where to.
    pub href: String,
    /// Its words.
    pub text: String,
}

/// One page.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Its language.
    pub lang: String,
    /// Whose page it is (the site's controller).
    pub controller: String,
    /// The heading, and the title.
    pub title: String,
    /// The text.
    pub paragraphs: Vec<String>,
    /// The button, if it has one.
    pub form: Option<Form>,
    /// Links below.
    pub links: Vec<PageLink>,
}

impl Page {
    /// The page as an answer with `status`.
    pub fn respond(&self, status: StatusCode) -> Response {
        match PAGES.get_template("page.html").and_then(|t| t.render(self)) {
            Ok(html) => respond(status, html),
            Err(error) => {
                tracing::error!(%error, "cannot render a page");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// A page of these (`html`) as an answer: their policy, never cached, marked as ours.
pub fn respond(status: StatusCode, html: String) -> Response {
    let mut response = (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(MAIL_PAGE_CSP),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response();
    response.extensions_mut().insert(OwnPage);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_escapes_what_it_shows() {
        let page = Page {
            lang: "en".into(),
            controller: "A & B".into(),
            title: "<script>".into(),
            paragraphs: vec!["x".into()],
            form: Some(Form {
                action: "/mail/confirm",
                token: "t\"o".into(),
                button: "Yes".into(),
                choices: Vec::new(),
            }),
            links: vec![],
        };
        let html = PAGES
            .get_template("page.html")
            .and_then(|t| t.render(&page))
            .expect("renders");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("A &amp; B"), "{html}");
        assert!(html.contains("value=\"t&quot;o\""), "{html}");
    }
}
