//! The console in a real browser against a real collector: signing in (and a wrong password
//! refused), the People page's query showing masked addresses to a marketer, the language
//! switch, signing out; axe-core clean on each, at full width and at 320 px, under the page's
//! strict policy.

use fantoccini::Locator;
use samtycke_collector::domain::access::{Access, Role};
use samtycke_collector::domain::users::Users;
use samtycke_e2e::{Browser, BrowserOptions, DemoCollector};

use crate::accessibility::assert_page_passes_axe;
use crate::helpers::{WAIT, acknowledged_decision, click_in_widget, visit_page};
use crate::optin::{sign_up, tick};

const PASSWORD: &str = "a long and private passphrase";

async fn heading(browser: &Browser, text: &str) {
    let found = browser
        .wait_for(
            text,
            &format!(
                "return document.querySelector('main h1')?.textContent === {};",
                serde_json::Value::from(text)
            ),
            WAIT,
        )
        .await;
    if found.is_err() {
        let page = browser.client.source().await.unwrap_or_default();
        panic!("the heading {text:?} in {page}");
    }
}

/// With `SAMTYCKE_SCREENSHOTS` set (a folder), the page as the user sees it, for the docs
/// (`cargo xtask screenshots` writes `docs/`).
async fn screenshot(browser: &Browser, name: &str) {
    let Some(folder) = std::env::var_os("SAMTYCKE_SCREENSHOTS") else {
        return;
    };
    let png = browser.client.screenshot().await.expect("a screenshot");
    std::fs::create_dir_all(&folder).expect("the folder");
    std::fs::write(
        std::path::Path::new(&folder).join(format!("console-{name}.png")),
        png,
    )
    .expect("writes");
}

/// The People page's query for the newsletter's held contacts, until the first row's link
/// reads `first` (`why` says what that shows).
async fn held_newsletter(browser: &Browser, first: &str, why: &str) {
    for (select, value) in [("#purpose", "demo/newsletter"), ("#state", "held")] {
        browser
            .client
            .find(Locator::Css(select))
            .await
            .expect("the filter")
            .select_by_value(value)
            .await
            .expect("chosen");
    }
    press(browser, ".filters button[type=submit]").await;
    browser
        .wait_for(
            why,
            &format!(
                "return document.querySelector('tbody button.link')?.textContent === {};",
                serde_json::Value::from(first)
            ),
            WAIT,
        )
        .await
        .unwrap_or_else(|_| panic!("{why}"));
}

async fn fill(browser: &Browser, selector: &str, text: &str) {
    let field = browser
        .client
        .find(Locator::Css(selector))
        .await
        .expect("the field");
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

async fn press(browser: &Browser, selector: &str) {
    browser
        .client
        .find(Locator::Css(selector))
        .await
        .expect("the button")
        .click()
        .await
        .expect("press");
}

#[tokio::test]
async fn a_marketer_signs_in_queries_people_masked_switches_language_and_signs_out() {
    let collector = DemoCollector::start().await.expect("collector");
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("store");
    let users = Users::new(store.clone(), Access::new(store));
    users
        .create("test", "mia@example.se", Role::Marketer, PASSWORD)
        .await
        .expect("a marketer");
    users
        .create("test", "dpo@example.se", Role::Dpo, PASSWORD)
        .await
        .expect("a DPO");

    // Someone signs up on the shop's page (held until confirmed from the mailbox).
    let browser = visit_page(&collector, "/newsletter.html", BrowserOptions::default()).await;
    click_in_widget(&browser, "[data-action=reject-all]").await;
    acknowledged_decision(&browser).await;
    tick(&browser).await;
    fill(&browser, "#email", "anna@example.se").await;
    sign_up(&browser).await;

    browser
        .client
        .goto(&format!("{}/console", collector.url))
        .await
        .expect("the console");
    heading(&browser, "Sign in").await;
    assert_page_passes_axe(&browser, "the console's sign-in").await;
    fill(&browser, "#email", "mia@example.se").await;
    fill(&browser, "#password", "not the passphrase").await;
    press(&browser, "form button[type=submit]").await;
    browser
        .wait_for(
            "the refusal",
            "return document.querySelector('[role=alert]')?.textContent.includes('not right');",
            WAIT,
        )
        .await
        .expect("a wrong password is refused");
    // By keyboard: Enter in the password field signs in.
    fill(&browser, "#password", &format!("{PASSWORD}\u{E007}")).await;
    heading(&browser, "People").await;
    let cookie = browser.eval("return document.cookie;").await.expect("eval");
    assert_eq!(cookie, "", "the session cookie is HttpOnly: {cookie}");

    held_newsletter(
        &browser,
        "a***@e*****.se",
        "the signed-up address, masked for a marketer",
    )
    .await;
    assert_page_passes_axe(&browser, "the People page").await;

    // The selection's export, and a bulk change of the selected, confirmed with their number.
    let export = browser
        .client
        .find_all(Locator::Css("a[href*='/v1/contacts/export']"))
        .await
        .expect("find");
    assert!(
        export.is_empty(),
        "a marketer exports only whom they may process"
    );
    press(&browser, "tbody input[type=checkbox]").await;
    browser
        .client
        .find(Locator::Css("#bulk-source"))
        .await
        .expect("the bulk form, once someone is selected")
        .select_by_value("manual")
        .await
        .expect("manual");
    press(&browser, ".bulk button[type=submit]").await;
    let asked = browser
        .eval("return document.querySelector('#bulk-confirm').textContent;")
        .await
        .expect("eval");
    assert_eq!(asked, "Change the card of the 1 selected?");
    assert_page_passes_axe(&browser, "the bulk change's confirmation").await;
    press(&browser, ".bulk button.apply").await;
    browser
        .wait_for(
            "the bulk change's answer",
            "return document.querySelector('.status')?.textContent === '1 changed, 0 already so.';",
            WAIT,
        )
        .await
        .expect("one changed");
    screenshot(&browser, "people-en").await;
    browser
        .client
        .set_window_size(320, 800)
        .await
        .expect("narrow");
    let fits = browser
        .eval("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await
        .expect("eval");
    assert_eq!(fits, true, "no sideways scrolling at 320 px");
    assert_page_passes_axe(&browser, "the People page at 320 px").await;
    // 200% zoom: the window at half its CSS pixels.
    browser
        .client
        .set_window_size(640, 450)
        .await
        .expect("zoomed");
    let fits = browser
        .eval("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await
        .expect("eval");
    assert_eq!(fits, true, "no sideways scrolling at 200% zoom");
    assert_page_passes_axe(&browser, "the People page at 200% zoom").await;
    browser
        .client
        .set_window_size(1280, 900)
        .await
        .expect("wide");

    // The person: the card's rules in the form, saved through the API; exports for anyone who
    // may read; no delete for a marketer.
    press(&browser, "tbody button.link").await;
    heading(&browser, "a***@e*****.se").await;
    let history = browser
        .wait_for(
            "the subscription history",
            "return document.querySelector('.history')?.textContent.includes('demo / newsletter: subscribed (form)');",
            WAIT,
        )
        .await;
    if history.is_err() {
        let text = browser
            .eval("return document.querySelector('.history')?.outerHTML ?? 'none';")
            .await;
        panic!("the history: {text:?}");
    }
    assert_page_passes_axe(&browser, "a person's page").await;
    let delete = browser
        .client
        .find_all(Locator::Css("button.danger"))
        .await
        .expect("find");
    assert!(delete.is_empty(), "a marketer cannot delete");
    press(&browser, "section > button:not(.back)").await;
    browser
        .client
        .find(Locator::Css("#basis"))
        .await
        .expect("the basis")
        .select_by_value("consent")
        .await
        .expect("consent");
    // A date field types as the browser's locale has it: set as the form reads it.
    browser
        .eval(
            "const d = document.querySelector('#consent-date'); d.value = '2026-11-01'; \
             d.dispatchEvent(new Event('input', { bubbles: true })); return true;",
        )
        .await
        .expect("the date");
    fill(&browser, "#consent-purpose", "The newsletter").await;
    browser
        .client
        .find(Locator::Css("#source"))
        .await
        .expect("the source")
        .select_by_value("form")
        .await
        .expect("form");
    assert_page_passes_axe(&browser, "the card's form").await;
    press(&browser, "form.card button[type=submit]").await;
    let saved = browser
        .wait_for(
            "saved",
            "return document.querySelector('.status')?.textContent === 'Saved.';",
            WAIT,
        )
        .await;
    if saved.is_err() {
        let page = browser.client.source().await.unwrap_or_default();
        panic!("the card is not saved: {page}");
    }
    screenshot(&browser, "person-en").await;
    let shown = browser
        .eval("return document.querySelector('section dl:nth-of-type(2)').textContent;")
        .await
        .expect("eval");
    let shown = shown.as_str().unwrap_or_default().to_owned();
    assert!(
        shown.contains("Consent") && shown.contains("2026-11-01") && shown.contains("Form"),
        "{shown}"
    );
    let csv = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch(document.querySelector('.exports a').href)\
             .then((r) => r.text()).then(done);",
            vec![],
        )
        .await
        .expect("the export");
    let header = csv
        .as_str()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(header.split(',').count(), 16, "{header}");
    press(&browser, "button.back").await;
    heading(&browser, "People").await;

    // The overview: counts per purpose, the days drawn as SVG by plotters.
    press(&browser, "nav button:nth-child(2)").await;
    heading(&browser, "Overview").await;
    browser
        .wait_for(
            "the chart",
            "return !!document.querySelector('.chart svg polyline') \
             && document.querySelector('tbody th[scope=row]')?.textContent.length > 0;",
            WAIT,
        )
        .await
        .expect("the counts and the chart");
    let legend = browser
        .eval("return document.querySelector('.legend').textContent;")
        .await
        .expect("eval");
    assert!(
        legend.as_str().unwrap_or_default().contains("Refusals: 1"),
        "the banner's Reject all: {legend}"
    );
    browser
        .client
        .find(Locator::Css("#chart-purpose"))
        .await
        .expect("the chart's purpose")
        .select_by_value("newsletter")
        .await
        .expect("newsletter");
    browser
        .wait_for(
            "the newsletter's days",
            "return document.querySelector('.legend').textContent.includes('Grants: 1');",
            WAIT,
        )
        .await
        .expect("the sign-up counted on its day");
    screenshot(&browser, "overview-en").await;
    assert_page_passes_axe(&browser, "the overview").await;
    press(&browser, "nav button:nth-child(1)").await;
    heading(&browser, "People").await;

    press(&browser, "header button.lang").await;
    heading(&browser, "Personer").await;
    let lang = browser
        .eval("return document.documentElement.lang;")
        .await
        .expect("eval");
    assert_eq!(lang, "sv");
    assert_page_passes_axe(&browser, "the People page in Swedish").await;

    press(&browser, "header .user button").await;
    heading(&browser, "Logga in").await;
    let status = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/v1/session').then((r) => done(r.status));",
            vec![],
        )
        .await
        .expect("fetch");
    assert_eq!(status, 401, "signed out for the collector too");

    // The DPO deletes the person, told first what stays.
    fill(&browser, "#email", "dpo@example.se").await;
    fill(&browser, "#password", PASSWORD).await;
    press(&browser, "form button[type=submit]").await;
    heading(&browser, "Personer").await;
    held_newsletter(&browser, "anna@example.se", "the DPO sees the address").await;
    screenshot(&browser, "people-sv").await;
    let csv = browser
        .client
        .execute_async(
            "const done = arguments[0]; \
             fetch(document.querySelector('a[href*=\"/v1/contacts/export\"]').href)\
             .then((r) => r.text()).then(done);",
            vec![],
        )
        .await
        .expect("the selection's export");
    let csv = csv.as_str().unwrap_or_default().to_owned();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert_eq!(
        csv.lines().next().unwrap_or_default().split(',').count(),
        19,
        "{csv}"
    );

    // The DPO's overview has the requests too.
    press(&browser, "nav button:nth-child(2)").await;
    heading(&browser, "Översikt").await;
    browser
        .wait_for(
            "the requests",
            "return document.querySelector('section')?.textContent.includes('Begäranden');",
            WAIT,
        )
        .await
        .expect("the requests' counts");
    screenshot(&browser, "overview-sv").await;
    // The audit log: its chain checked, the entries filtered by action.
    press(&browser, "nav button:nth-child(3)").await;
    heading(&browser, "Granskningslogg").await;
    browser
        .wait_for(
            "the chain's check and the entries",
            "return document.querySelector('.chain.ok')?.textContent.includes('kedja är hel') \
             && [...document.querySelectorAll('tbody td')].some((td) => td.textContent === 'session.create');",
            WAIT,
        )
        .await
        .expect("a whole chain, with the sign-ins in it");
    fill(&browser, "#audit-filter", "session").await;
    let rows = browser
        .eval("return [...document.querySelectorAll('tbody tr')].map((tr) => tr.cells[3].textContent);")
        .await
        .expect("eval");
    let rows: Vec<String> = rows
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !rows.is_empty() && rows.iter().all(|a| a.starts_with("session.")),
        "{rows:?}"
    );
    assert_page_passes_axe(&browser, "the audit log").await;
    press(&browser, "nav button:nth-child(1)").await;
    heading(&browser, "Personer").await;
    held_newsletter(&browser, "anna@example.se", "the row").await;
    press(&browser, "tbody button.link").await;
    // A person's page is masked until revealed with a reason, for the DPO too.
    heading(&browser, "a***@e*****.se").await;
    screenshot(&browser, "person-sv").await;
    // Shown in clear only with a reason.
    fill(
        &browser,
        "#reveal-reason",
        "Registerutdrag begärt av personen",
    )
    .await;
    press(&browser, "form.reveal button[type=submit]").await;
    heading(&browser, "anna@example.se").await;
    assert_page_passes_axe(&browser, "a person revealed").await;
    press(&browser, "button.danger").await;
    let confirm = browser
        .eval("return document.querySelector('[role=alertdialog]').textContent;")
        .await
        .expect("eval");
    assert!(
        confirm
            .as_str()
            .unwrap_or_default()
            .contains("kvittona finns kvar"),
        "{confirm}"
    );
    assert_page_passes_axe(&browser, "the deletion's confirmation").await;
    press(&browser, "[role=alertdialog] button.danger").await;
    browser
        .wait_for(
            "deleted",
            "return document.querySelector('[role=status]')?.textContent.startsWith('Raderad');",
            WAIT,
        )
        .await
        .expect("deleted");
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("store");
    let left = store
        .count_contacts(&samtycke_collector::store::contacts::Selection {
            site: "demo".into(),
            purpose: "newsletter".into(),
            state: samtycke_collector::store::contacts::SelectionState::Held,
            basis: None,
            source: None,
            now: samtycke_collector::time::now_unix(),
        })
        .await
        .expect("counts");
    assert_eq!(left, 0, "the person is gone");
}
