//! The e-mail journeys in a real browser, through a real SMTP server: a sign-up on the demo's
//! newsletter page is confirmed from the mailbox (and counts only then), and the preference
//! centre's plain forms change it; every page passes axe-core in English and Swedish.

use fantoccini::Locator;
use samtycke_collector::store::contacts::{Selection, SelectionState};
use samtycke_e2e::smtp::SmtpServer;
use samtycke_e2e::{BrowserOptions, DemoCollector, DemoSite};

use crate::accessibility::assert_page_passes_axe;
use crate::helpers::{WAIT, acknowledged_decision, click_in_widget, visit_page};
use crate::optin::{OPTIN, sign_up, tick};

/// How many contacts may be e-mailed the newsletter now.
async fn processable(collector: &DemoCollector) -> i64 {
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("store");
    store
        .count_contacts(&Selection {
            site: "demo".into(),
            purpose: "newsletter".into(),
            state: SelectionState::Granted,
            basis: None,
            source: None,
            lookup: None,
            now: samtycke_collector::time::now_unix(),
        })
        .await
        .expect("counts")
}

/// The first link in the message's text to `path`.
fn link_in(message: &[u8], path: &str) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(message)
        .expect("a message");
    let text = parsed.body_text(0).expect("a text part").into_owned();
    text.split_whitespace()
        .find(|word| word.contains(path))
        .unwrap_or_else(|| panic!("no link to {path}: {text}"))
        .to_owned()
}

async fn heading(browser: &samtycke_e2e::Browser) -> String {
    browser
        .client
        .find(Locator::Css("h1"))
        .await
        .expect("a heading")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_sign_up_counts_once_confirmed_from_the_mailbox_and_the_preference_centre_changes_it() {
    let smtp = SmtpServer::start();
    let collector = DemoCollector::start_with(DemoSite {
        smtp_port: Some(smtp.port),
        ..Default::default()
    })
    .await
    .expect("collector");
    let browser = visit_page(&collector, "/newsletter.html", BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;
    tick(&browser).await;
    browser
        .client
        .find(Locator::Css("#email"))
        .await
        .expect("e-mail field")
        .send_keys("anna@example.se")
        .await
        .expect("type");
    sign_up(&browser).await;

    let messages = smtp.wait_for(1).await;
    assert_eq!(processable(&collector).await, 0, "not before the click");
    let confirm = link_in(&messages[0], "/mail/confirm?t=");
    browser.client.goto(&confirm).await.expect("opens the link");
    assert_eq!(
        heading(&browser).await,
        "Confirm: the Fika & Co. newsletter by e-mail"
    );
    assert_page_passes_axe(&browser, "the confirmation page").await;
    assert_eq!(
        processable(&collector).await,
        0,
        "opening the link confirms nothing"
    );
    browser
        .client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("confirm");
    browser
        .wait_for(
            "the confirmed page",
            "return document.querySelector('h1')?.textContent === 'Confirmed';",
            WAIT,
        )
        .await
        .expect("confirmed");
    assert_page_passes_axe(&browser, "the confirmed page").await;
    assert_eq!(processable(&collector).await, 1);

    let preferences = link_in(&messages[0], "/mail/preferences?t=");
    browser.client.goto(&preferences).await.expect("opens");
    assert_eq!(heading(&browser).await, "Your choices");
    assert_page_passes_axe(&browser, "the preference centre").await;
    browser
        .client
        .find(Locator::LinkText("Svenska"))
        .await
        .expect("the language switch")
        .click()
        .await
        .expect("switch");
    browser
        .wait_for(
            "the Swedish page",
            "return document.documentElement.lang === 'sv';",
            WAIT,
        )
        .await
        .expect("Swedish");
    assert_eq!(heading(&browser).await, "Dina val");
    // Every disclosure opened, so that axe sees them too.
    browser
        .eval("document.querySelectorAll('details').forEach((d) => d.open = true);")
        .await
        .expect("open details");
    assert_page_passes_axe(&browser, "the preference centre in Swedish").await;
    browser
        .client
        .find(Locator::Css("#p-newsletter"))
        .await
        .expect("the newsletter's box")
        .click()
        .await
        .expect("untick");
    browser
        .client
        .find(Locator::Css("button[value=save]"))
        .await
        .expect("save")
        .click()
        .await
        .expect("save");
    browser
        .wait_for(
            "the saved page",
            "return document.querySelector('[role=status]')?.textContent.startsWith('Sparat');",
            WAIT,
        )
        .await
        .expect("saved");
    assert_eq!(
        processable(&collector).await,
        0,
        "withdrawn in the preference centre"
    );
    // The public request form, in both languages.
    for lang in ["en", "sv"] {
        browser
            .client
            .goto(&format!(
                "{}/mail/requests?site=demo&lang={lang}",
                collector.url
            ))
            .await
            .expect("the request form");
        assert_page_passes_axe(&browser, &format!("the request form ({lang})")).await;
    }
    let console = browser.console_messages().await.expect("console");
    assert!(console.is_empty(), "{console:?}");
    browser.close().await.expect("browser closes");
}

/// The demo's policy with a newsletter that asks the age (minimum 13) instead of a double
/// opt-in, written into `dir`.
fn policy_asking_the_age(dir: &std::path::Path) -> std::path::PathBuf {
    let mut policy: serde_json::Value = serde_json::from_slice(
        &std::fs::read(samtycke_e2e::paths::root().join("www/policies/demo.json")).expect("policy"),
    )
    .expect("JSON");
    policy["minimumAge"] = 13.into();
    for purpose in policy["purposes"].as_array_mut().expect("purposes") {
        if purpose["id"] == "newsletter"
            && let Some(object) = purpose.as_object_mut()
        {
            object.remove("doubleOptIn");
            object.insert("askAge".into(), true.into());
        }
    }
    let path = dir.join("policy.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&policy).expect("JSON")).expect("writes");
    path
}

#[tokio::test]
async fn a_child_names_a_guardian_whose_confirmation_alone_makes_the_sign_up_count() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().expect("dir");
    let collector = DemoCollector::start_with(DemoSite {
        policy: policy_asking_the_age(dir.path()),
        smtp_port: Some(smtp.port),
        ..Default::default()
    })
    .await
    .expect("collector");
    let browser = visit_page(&collector, "/newsletter.html", BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;
    tick(&browser).await;
    let under = browser
        .shadow_element(OPTIN, "input[value=below-minimum]", WAIT)
        .await
        .expect("the age question");
    under.click().await.expect("answer");
    browser
        .shadow_element(OPTIN, "#samtycke-guardian", WAIT)
        .await
        .expect("the guardian's field, once under 13 is chosen")
        .send_keys("Mum@Example.SE")
        .await
        .expect("type");
    browser
        .client
        .find(Locator::Css("#email"))
        .await
        .expect("e-mail field")
        .send_keys("kid@example.se")
        .await
        .expect("type");
    assert_page_passes_axe(&browser, "the opt-in with its age question answered").await;
    sign_up(&browser).await;

    let messages = smtp.wait_for(1).await;
    let parsed = mail_parser::MessageParser::default()
        .parse(&messages[0])
        .expect("a message");
    assert_eq!(
        parsed
            .to()
            .and_then(|t| t.first())
            .and_then(|a| a.address()),
        Some("mum@example.se"),
        "the guardian is asked, not the child"
    );
    assert_eq!(processable(&collector).await, 0, "not before the guardian");
    let confirm = link_in(&messages[0], "/mail/confirm?t=");
    browser.client.goto(&confirm).await.expect("opens the link");
    let page = browser.client.source().await.expect("page");
    assert!(page.contains("under the age of digital consent"), "{page}");
    assert_page_passes_axe(&browser, "the guardian's confirmation page").await;
    browser
        .client
        .find(Locator::Css("form button[type=submit]"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("confirm");
    browser
        .wait_for(
            "the confirmed page",
            "return document.querySelector('h1')?.textContent === 'Confirmed';",
            WAIT,
        )
        .await
        .expect("confirmed");
    assert_eq!(processable(&collector).await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "nothing to the child");
}
