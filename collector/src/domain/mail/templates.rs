//! The words of every message: `minijinja` templates named `KIND.LANG.subject`, `KIND.LANG.txt`
//! and `KIND.LANG.html` (HTML escaped, the rest not). The built-in ones are `www/mail/`; a site's
//! `mail_templates` folder overrides any of them by name. A language without templates is
//! written in English.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

/// The built-in templates, by name.
const BUILT_IN: &[(&str, &str)] = &[
    (
        "confirmation.en.subject",
        include_str!("../../../../www/mail/confirmation.en.subject"),
    ),
    (
        "confirmation.en.txt",
        include_str!("../../../../www/mail/confirmation.en.txt"),
    ),
    (
        "confirmation.en.html",
        include_str!("../../../../www/mail/confirmation.en.html"),
    ),
    (
        "confirmation.sv.subject",
        include_str!("../../../../www/mail/confirmation.sv.subject"),
    ),
    (
        "confirmation.sv.txt",
        include_str!("../../../../www/mail/confirmation.sv.txt"),
    ),
    (
        "confirmation.sv.html",
        include_str!("../../../../www/mail/confirmation.sv.html"),
    ),
    (
        "data-copy.en.subject",
        include_str!("../../../../www/mail/data-copy.en.subject"),
    ),
    (
        "data-copy.en.txt",
        include_str!("../../../../www/mail/data-copy.en.txt"),
    ),
    (
        "data-copy.en.html",
        include_str!("../../../../www/mail/data-copy.en.html"),
    ),
    (
        "data-copy.sv.subject",
        include_str!("../../../../www/mail/data-copy.sv.subject"),
    ),
    (
        "data-copy.sv.txt",
        include_str!("../../../../www/mail/data-copy.sv.txt"),
    ),
    (
        "data-copy.sv.html",
        include_str!("../../../../www/mail/data-copy.sv.html"),
    ),
    (
        "request-verification.en.subject",
        include_str!("../../../../www/mail/request-verification.en.subject"),
    ),
    (
        "request-verification.en.txt",
        include_str!("../../../../www/mail/request-verification.en.txt"),
    ),
    (
        "request-verification.en.html",
        include_str!("../../../../www/mail/request-verification.en.html"),
    ),
    (
        "request-verification.sv.subject",
        include_str!("../../../../www/mail/request-verification.sv.subject"),
    ),
    (
        "request-verification.sv.txt",
        include_str!("../../../../www/mail/request-verification.sv.txt"),
    ),
    (
        "request-verification.sv.html",
        include_str!("../../../../www/mail/request-verification.sv.html"),
    ),
    (
        "request-done.en.subject",
        include_str!("../../../../www/mail/request-done.en.subject"),
    ),
    (
        "request-done.en.txt",
        include_str!("../../../../www/mail/request-done.en.txt"),
    ),
    (
        "request-done.en.html",
        include_str!("../../../../www/mail/request-done.en.html"),
    ),
    (
        "request-done.sv.subject",
        include_str!("../../../../www/mail/request-done.sv.subject"),
    ),
    (
        "request-done.sv.txt",
        include_str!("../../../../www/mail/request-done.sv.txt"),
    ),
    (
        "request-done.sv.html",
        include_str!("../../../../www/mail/request-done.sv.html"),
    ),
    (
        "guardian-confirmation.en.subject",
        include_str!("../../../../www/mail/guardian-confirmation.en.subject"),
    ),
    (
        "guardian-confirmation.en.txt",
        include_str!("../../../../www/mail/guardian-confirmation.en.txt"),
    ),
    (
        "guardian-confirmation.en.html",
        include_str!("../../../../www/mail/guardian-confirmation.en.html"),
    ),
    (
        "guardian-confirmation.sv.subject",
        include_str!("../../../../www/mail/guardian-confirmation.sv.subject"),
    ),
    (
        "guardian-confirmation.sv.txt",
        include_str!("../../../../www/mail/guardian-confirmation.sv.txt"),
    ),
    (
        "guardian-confirmation.sv.html",
        include_str!("../../../../www/mail/guardian-confirmation.sv.html"),
    ),
];

/// Why a message cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// A site's template does not parse or render; the message names it and the line.
    #[error("mail template {name}: {source}")]
    Render {
        /// The template's name.
        name: String,
        /// What is wrong, and where.
        source: minijinja::Error,
    },
    /// Neither the site nor the built-ins have it.
    #[error("no mail template {0}")]
    Missing(String),
}

/// A message's three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// One line.
    pub subject: String,
    /// The text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Every site's templates.
#[derive(Debug)]
pub struct MailTemplates {
    built_in: Environment<'static>,
    per_site: HashMap<String, Environment<'static>>,
}

impl MailTemplates {
    /// The built-ins, and each site's folder (`site id → folder`), read and checked now so that
    /// a broken template stops the start rather than a message.
    pub fn load(folders: &[(String, PathBuf)]) -> Result<Self, TemplateError> {
        let mut built_in = Environment::new();
        for (name, source) in BUILT_IN {
            built_in
                .add_template(name, source)
                .map_err(|source| TemplateError::Render {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        let mut per_site = HashMap::new();
        for (site, folder) in folders {
            let mut env = Environment::new();
            for (name, source) in BUILT_IN {
                let path = folder.join(name);
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => (*source).to_owned(),
                    Err(e) => {
                        return Err(TemplateError::Render {
                            name: path.display().to_string(),
                            source: minijinja::Error::new(
                                minijinja::ErrorKind::InvalidOperation,
                                e.to_string(),
                            ),
                        });
                    }
                };
                env.add_template_owned((*name).to_owned(), text)
                    .map_err(|source| TemplateError::Render {
                        name: display(folder, name),
                        source,
                    })?;
            }
            per_site.insert(site.clone(), env);
        }
        Ok(Self { built_in, per_site })
    }

    /// Writes `kind` for `site` in `language` (English when the language has none).
    pub fn write(
        &self,
        site: &str,
        kind: &str,
        language: &str,
        context: &impl Serialize,
    ) -> Result<Written, TemplateError> {
        let env = self.per_site.get(site).unwrap_or(&self.built_in);
        let language = match env.get_template(&format!("{kind}.{language}.txt")) {
            Ok(_) => language,
            Err(_) => "en",
        };
        let render = |part: &str| {
            let name = format!("{kind}.{language}.{part}");
            let template = env
                .get_template(&name)
                .map_err(|_| TemplateError::Missing(name.clone()))?;
            template
                .render(context)
                .map_err(|source| TemplateError::Render { name, source })
        };
        Ok(Written {
            subject: render("subject")?.trim().to_owned(),
            text: render("txt")?,
            html: render("html")?,
        })
    }
}

fn display(folder: &Path, name: &str) -> String {
    folder.join(name).display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_text_is_not_and_a_site_overrides_by_name() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("confirmation.en.subject"),
            "Yes to {{ purpose }}?",
        )
        .expect("write");
        let templates =
            MailTemplates::load(&[("shop".into(), dir.path().to_owned())]).expect("loads");
        let context = serde_json::json!({"purpose": "<b>news</b>", "controller": "A & B",
            "confirm_url": "https://c/x?t=1", "unsubscribe_url": "https://c/u?t=2",
            "days": 7, "expires": "2026-12-12", "controller_contact": "a@b", "policy_url": "https://p"});
        let shop = templates
            .write("shop", "confirmation", "en", &context)
            .expect("writes");
        assert_eq!(shop.subject, "Yes to <b>news</b>?");
        assert!(shop.text.contains("send <b>news</b> to"), "{}", shop.text);
        assert!(
            shop.html.contains("&lt;b&gt;news&lt;&#x2f;b&gt;"),
            "{}",
            shop.html
        );
        let other = templates
            .write("other", "confirmation", "sv", &context)
            .expect("writes");
        assert!(other.subject.starts_with("Bekräfta"), "{}", other.subject);
        let fallback = templates
            .write("other", "confirmation", "de", &context)
            .expect("writes");
        assert!(fallback.subject.starts_with("Please confirm"));
    }

    #[test]
    fn a_broken_site_template_stops_the_start_naming_it() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(dir.path().join("confirmation.sv.txt"), "Hej {{ purpose").expect("write");
        let error = MailTemplates::load(&[("shop".into(), dir.path().to_owned())])
            .expect_err("refused")
            .to_string();
        assert!(error.contains("confirmation.sv.txt"), "{error}");
    }
}
