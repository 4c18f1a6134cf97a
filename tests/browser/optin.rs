//! Form opt-in: the demo's newsletter sign-up shows an unticked box with its wording and
//! disclosure; submitted unticked it posts nothing; submitted ticked it posts a receipt whose
//! request commits to the e-mail address without holding it, and the address reaches only the
//! collector's encrypted vault.

use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use samtycke_collector::domain::vault::SubjectVault;
use samtycke_collector::keys::DataKeys;
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector};
use samtycke_shared::commitment::commitment;
use samtycke_shared::{CollectionMethod, Decision, PurposeId};
use serde_json::Value;

use crate::helpers::{WAIT, acknowledged_decision, click_in_widget, stored_receipt, visit_page};

pub(crate) const OPTIN: &str = "[data-samtycke-optin]";
const TYPED: &str = "Anna.Svensson@Example.SE";
const ADDRESS: &str = "anna.svensson@example.se";

/// Counts the page's posts to the collector from now on.
async fn count_posts(browser: &Browser) {
    browser
        .eval(
            "window.posts = 0; const f = window.fetch; \
             window.fetch = (url, init) => { \
               if (String(url).endsWith('/v1/receipts')) window.posts++; return f(url, init); };",
        )
        .await
        .expect("wrap fetch");
}

/// A visitor on the newsletter page who has answered the banner (Reject all), as most have by
/// the time they sign up; and that answer as stored.
async fn newsletter_after_the_banner(collector: &DemoCollector) -> (Browser, Value) {
    let browser = visit_page(collector, "/newsletter.html", BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    let banner = acknowledged_decision(&browser).await;
    (browser, banner)
}

/// Ticks the opt-in box with a click.
pub(crate) async fn tick(browser: &Browser) {
    browser
        .shadow_element(OPTIN, "input[type=checkbox]", WAIT)
        .await
        .expect("the opt-in box")
        .click()
        .await
        .expect("tick");
}

/// Types the address into the sign-up form's e-mail field.
async fn type_address(browser: &Browser) {
    browser
        .client
        .find(Locator::Css("#email"))
        .await
        .expect("e-mail field")
        .send_keys(TYPED)
        .await
        .expect("type");
}

/// Submits the sign-up form with its own button, and waits for the shop's thanks.
pub(crate) async fn sign_up(browser: &Browser) {
    browser
        .client
        .find(Locator::Css("#signup button[type=submit]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("submit");
    browser
        .wait_for(
            "the shop's thanks",
            "return !document.getElementById('thanks').hidden;",
            WAIT,
        )
        .await
        .expect("the form was submitted");
}

#[tokio::test]
async fn the_box_starts_unticked_with_its_wording_and_disclosure_and_unticked_posts_nothing() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit_page(&collector, "/newsletter.html", BrowserOptions::default()).await;
    let checkbox = browser
        .shadow_element(OPTIN, "input[type=checkbox]", WAIT)
        .await
        .expect("the opt-in box renders");
    assert_eq!(
        checkbox.prop("checked").await.expect("prop").as_deref(),
        Some("false"),
        "never pre-ticked"
    );
    let shown = browser
        .eval(
            "const r = document.querySelector('[data-samtycke-optin]').shadowRoot; \
             const box = r.querySelector('input[type=checkbox]'); \
             return { label: box.labels[0].textContent, \
                      described: r.getElementById(box.getAttribute('aria-describedby')).textContent, \
                      details: [...r.querySelectorAll('details')].map(d => d.textContent).join(' '), \
                      summaries: r.querySelectorAll('details > summary').length };",
        )
        .await
        .expect("eval");
    assert_eq!(
        shown["label"],
        "I want to receive the Fika & Co. newsletter by e-mail"
    );
    let described = shown["described"].as_str().unwrap_or_default();
    assert!(described.contains("About once a month"), "{described}");
    assert!(described.contains("withdraw"), "{described}");
    let details = shown["details"].as_str().unwrap_or_default();
    for disclosed in [
        "Your e-mail address",
        "Demo Mail AB",
        "Until you unsubscribe",
        "You get no newsletter",
        "Samtycke Demo AB",
        "Integritetsskyddsmyndigheten",
    ] {
        assert!(details.contains(disclosed), "{disclosed} in {details}");
    }
    assert_eq!(
        shown["summaries"], 2,
        "disclosure and controller, each expandable"
    );

    // The banner, shown too on a first visit, has no toggle for a purpose asked in a form.
    click_in_widget(&browser, "[data-action=settings]").await;
    browser
        .widget_element("input[data-purpose=analytics]", WAIT)
        .await
        .expect("second layer");
    let toggle = browser
        .eval(
            "return !!document.getElementById('samtycke').shadowRoot \
             .querySelector('input[data-purpose=newsletter]');",
        )
        .await
        .expect("eval");
    assert_eq!(
        toggle,
        Value::Bool(false),
        "no banner toggle for the newsletter"
    );
    // Out of the way, and from now on every post would be the form's.
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;

    count_posts(&browser).await;
    type_address(&browser).await;
    sign_up(&browser).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let after = browser
        .eval("return { posts: window.posts, queue: localStorage.getItem('samtycke:demo:queue') };")
        .await
        .expect("eval");
    assert_eq!(after["posts"], 0, "unticked: nothing is posted");
    assert!(
        matches!(&after["queue"], Value::Null) || after["queue"] == "[]",
        "nothing is queued: {after}"
    );
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn form_opt_in_posts_a_receipt_with_a_commitment_and_no_clear_email() {
    let collector = DemoCollector::start().await.expect("collector");
    // A decision in the banner first: the opt-in must leave it as it is.
    let (browser, banner) = newsletter_after_the_banner(&collector).await;

    type_address(&browser).await;
    let checkbox = browser
        .shadow_element(OPTIN, "input[type=checkbox]", WAIT)
        .await
        .expect("the opt-in box");
    // Keyboard only: the box takes the focus and Space ticks it.
    checkbox.send_keys(" ").await.expect("tick with Space");
    assert_eq!(
        checkbox.prop("checked").await.expect("prop").as_deref(),
        Some("true")
    );
    // The request is signed ahead; give it a moment, then check that the submit event itself
    // queues it, so that a form that navigates away at once loses nothing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser
        .eval(
            "window.changes = 0; \
             document.addEventListener('samtycke:change', () => window.changes++); \
             document.addEventListener('submit', () => { \
               window.queuedAtSubmit = JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]'); });",
        )
        .await
        .expect("listen");
    sign_up(&browser).await;

    let queued = browser
        .eval("return window.queuedAtSubmit;")
        .await
        .expect("eval");
    assert_eq!(
        queued.as_array().map(Vec::len),
        Some(1),
        "queued within the submit event: {queued}"
    );
    let item = &queued[0];
    let id = item["id"].as_str().expect("receipt id").to_owned();
    let identifiers = &item["body"]["identifiers"];
    assert_eq!(identifiers[0]["type"], "email");
    assert_eq!(identifiers[0]["value"], ADDRESS, "sent normalised");
    let salt = identifiers[0]["salt"].as_str().expect("salt").to_owned();
    assert_eq!(salt.len(), 22, "16 bytes, unpadded base64url: {salt}");

    browser
        .wait_for(
            "the opt-in's receipt",
            &format!(
                "return samtycke._receipts().some(r => r.id === {id:?} && r.receipt) && \
                 JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]').length === 0;"
            ),
            WAIT,
        )
        .await
        .expect("acknowledged");
    let (jwt, receipt) = stored_receipt(&collector, &id).await;
    let claims = &receipt.claims;
    assert_eq!(claims.collection_method, CollectionMethod::Form);
    let newsletter = PurposeId::parse("newsletter").expect("id");
    assert_eq!(
        claims.decisions,
        [(newsletter, Decision::Granted)].into_iter().collect(),
        "only the opt-in's purpose is decided"
    );
    let expected = commitment("email", ADDRESS, &salt);
    assert_eq!(
        receipt
            .request
            .as_ref()
            .expect("a form receipt embeds its request")
            .payload
            .identifier_commitments,
        std::slice::from_ref(&expected),
        "the signed request commits to SHA-256 of the address and salt"
    );
    for text in [
        payload(&jwt),
        payload(claims.request.as_deref().expect("the request")),
    ] {
        assert!(!text.to_lowercase().contains("anna.svensson"), "{text}");
        assert!(
            !text.contains(&salt),
            "the salt lives only in the vault: {text}"
        );
    }
    let database = database_bytes(&collector);
    for needle in [ADDRESS, TYPED, salt.as_str()] {
        assert!(
            !database
                .windows(needle.len())
                .any(|w| w == needle.as_bytes()),
            "{needle:?} is in the database file"
        );
    }

    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("database opens");
    let keys = DataKeys::load(&collector.key_dir()).expect("data keys");
    let opened = SubjectVault::new(store, Arc::new(keys))
        .identifiers(&claims.subject)
        .await
        .expect("the vault opens");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].value, ADDRESS);
    assert_eq!(opened[0].commitment, expected);

    let after = browser
        .eval("return { record: JSON.parse(localStorage.getItem('samtycke:demo')), changes: window.changes };")
        .await
        .expect("eval");
    assert_eq!(
        after["record"]["id"], banner["id"],
        "the banner's decision stands"
    );
    assert_eq!(after["record"]["d"], banner["d"]);
    assert_eq!(after["changes"], 0, "no page-wide decision changed");
    let console = browser.console_messages().await.expect("console");
    assert!(console.is_empty(), "the host page's console: {console:#?}");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn an_opt_in_submitted_before_it_could_be_signed_is_kept_and_recorded_from_the_next_page() {
    let collector = DemoCollector::start().await.expect("collector");
    let (browser, _) = newsletter_after_the_banner(&collector).await;
    tick(&browser).await;

    // A script fills in the address, submits and leaves the page in one task: no signature for
    // the address can exist yet, so only what is written down within the submit event survives.
    let at_submit = browser
        .eval(&format!(
            "const email = document.getElementById('email'); \
             email.value = {TYPED:?}; \
             email.dispatchEvent(new Event('input', {{ bubbles: true }})); \
             document.getElementById('signup').requestSubmit(); \
             const read = (k) => JSON.parse(localStorage.getItem(k) || '[]'); \
             const noted = {{ pending: read('samtycke:demo:pending'), queue: read('samtycke:demo:queue') }}; \
             location.href = '/privacy.html'; \
             return noted;"
        ))
        .await
        .expect("submit and leave");
    let pending = at_submit["pending"].as_array().expect("notes");
    assert_eq!(
        pending.len(),
        1,
        "written down within the submit event: {at_submit}"
    );
    assert_eq!(at_submit["queue"], serde_json::json!([]), "not signed yet");
    assert_eq!(pending[0]["email"], ADDRESS);
    let noted = &pending[0]["request"];
    assert_eq!(noted["collectionMethod"], "form");
    assert_eq!(
        noted["decisions"],
        serde_json::json!({ "newsletter": "granted" })
    );
    let id = noted["receiptId"].as_str().expect("receipt id").to_owned();

    browser
        .wait_for(
            "the opt-in's receipt, from the next page",
            &format!(
                "return location.pathname === '/privacy.html' && \
                 samtycke._receipts().some(r => r.id === {id:?} && r.receipt) && \
                 localStorage.getItem('samtycke:demo:pending') === null;"
            ),
            WAIT,
        )
        .await
        .expect("recorded and the note struck");
    let (_, receipt) = stored_receipt(&collector, &id).await;
    assert_eq!(receipt.claims.collection_method, CollectionMethod::Form);
    let newsletter = PurposeId::parse("newsletter").expect("id");
    assert_eq!(
        receipt.claims.decisions,
        [(newsletter, Decision::Granted)].into_iter().collect()
    );
    assert_eq!(
        receipt
            .request
            .as_ref()
            .expect("a form receipt embeds its request")
            .payload
            .identifier_commitments
            .len(),
        1
    );
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_form_opt_in_is_withdrawn_from_the_settings_with_one_click() {
    let collector = DemoCollector::start().await.expect("collector");
    let (browser, _) = newsletter_after_the_banner(&collector).await;
    type_address(&browser).await;
    tick(&browser).await;
    sign_up(&browser).await;
    let all_acknowledged = |count: usize| {
        format!(
            "const r = samtycke._receipts(); \
             return r.length === {count} && r.every(x => x.receipt) && \
               JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]').length === 0 \
               ? r.map(x => x.id) : null;"
        )
    };
    let ids = browser
        .wait_for("the opt-in's receipt", &all_acknowledged(2), WAIT)
        .await
        .expect("opted in");
    let opt_in = ids[1].as_str().expect("id").to_owned();

    browser
        .client
        .find(Locator::Css("#samtycke-settings"))
        .await
        .expect("the settings control")
        .click()
        .await
        .expect("open the settings");
    browser
        .widget_element(
            "[data-action=withdraw-optin][data-purpose=newsletter]",
            WAIT,
        )
        .await
        .expect("the sign-up is listed");
    crate::accessibility::assert_no_axe_violations(&browser, "the settings with a sign-up").await;
    click_in_widget(
        &browser,
        "[data-action=withdraw-optin][data-purpose=newsletter]",
    )
    .await;
    let ids = browser
        .wait_for("the withdrawal's receipt", &all_acknowledged(3), WAIT)
        .await
        .expect("withdrawn");
    let withdrawal = ids[2].as_str().expect("id").to_owned();

    let (_, given) = stored_receipt(&collector, &opt_in).await;
    let (_, taken_back) = stored_receipt(&collector, &withdrawal).await;
    assert_eq!(
        taken_back.claims.collection_method,
        CollectionMethod::Settings
    );
    let newsletter = PurposeId::parse("newsletter").expect("id");
    assert_eq!(
        taken_back.claims.decisions,
        [(newsletter, Decision::Withdrawn)].into_iter().collect(),
        "only the sign-up is withdrawn; the banner's decisions stand"
    );
    assert_eq!(
        taken_back.claims.subject, given.claims.subject,
        "the same device, so the same subject, whose vault holds the address"
    );
    browser
        .wait_for(
            "the sign-up to leave the settings",
            "const h = document.getElementById('samtycke'); \
             return !!h.shadowRoot.querySelector('[data-action=save]') && \
               !h.shadowRoot.querySelector('[data-action=withdraw-optin]');",
            WAIT,
        )
        .await
        .expect("nothing left to withdraw");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn a_swedish_form_gets_a_swedish_box() {
    let collector = DemoCollector::start().await.expect("collector");
    let browser = visit_page(&collector, "/nyhetsbrev.html", BrowserOptions::default()).await;
    let label = browser
        .shadow_element(OPTIN, "label", WAIT)
        .await
        .expect("the opt-in box renders")
        .text()
        .await
        .expect("text");
    assert_eq!(label, "Jag vill få nyhetsbrevet från Fika & Co. via e-post");
    let summary = browser
        .shadow_element(OPTIN, "details > summary", WAIT)
        .await
        .expect("disclosure")
        .text()
        .await
        .expect("text");
    assert_eq!(summary, "Fullständig information");
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn an_internationalised_domain_is_committed_in_its_ascii_form() {
    let collector = DemoCollector::start().await.expect("collector");
    let (browser, _) = newsletter_after_the_banner(&collector).await;
    browser
        .client
        .find(Locator::Css("#email"))
        .await
        .expect("e-mail field")
        .send_keys("Anna@Exämple.SE")
        .await
        .expect("type");
    tick(&browser).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sign_up(&browser).await;
    browser
        .wait_for(
            "the opt-in acknowledged",
            "return JSON.parse(localStorage.getItem('samtycke:demo:queue') || '[]').length === 0 \
             && samtycke._receipts().length === 2;",
            WAIT,
        )
        .await
        .expect("acknowledged");
    let id = browser
        .eval("return samtycke._receipts().map(r => r.id).pop();")
        .await
        .expect("eval");
    let (_, receipt) = stored_receipt(&collector, id.as_str().expect("id")).await;
    assert_eq!(receipt.claims.collection_method, CollectionMethod::Form);
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("database opens");
    let keys = DataKeys::load(&collector.key_dir()).expect("data keys");
    let opened = SubjectVault::new(store, Arc::new(keys))
        .identifiers(&receipt.claims.subject)
        .await
        .expect("the vault opens");
    // The collector normalises the same way, so the punycode form is one identity with it.
    assert_eq!(opened[0].value, "anna@xn--exmple-cua.se");
    assert_eq!(
        receipt
            .request
            .as_ref()
            .expect("a form receipt embeds its request")
            .payload
            .identifier_commitments,
        [commitment(
            "email",
            "anna@xn--exmple-cua.se",
            &opened[0].salt
        )]
    );
    browser.close().await.expect("browser closes");
}

/// The decoded payload of a compact JWS (or JWT), as text.
fn payload(jws: &str) -> String {
    use base64::Engine as _;
    let part = jws.split('.').nth(1).expect("three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url");
    String::from_utf8(bytes).expect("utf-8")
}

/// Every byte SQLite has written for the collector: the database file and its write-ahead log.
fn database_bytes(collector: &DemoCollector) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(collector.dir.path()).expect("lists") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("samtycke.db") {
            bytes.extend(std::fs::read(&path).expect("reads"));
        }
    }
    bytes
}
