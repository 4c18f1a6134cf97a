//! The console in a real browser against a real collector: signing in (and a wrong password
//! refused), the People page's query showing masked addresses to a marketer, the language
//! switch, signing out; axe-core clean on each, at full width and at 320 px, under the page's
//! strict policy.

use fantoccini::Locator;
use fantoccini::actions::InputSource as _;
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
                "return document.querySelector('tbody td a')?.textContent === {};",
                serde_json::Value::from(first)
            ),
            WAIT,
        )
        .await
        .unwrap_or_else(|_| panic!("{why}"));
}

/// Walks the page by keyboard alone: Tab from the top reaches every control a mouse could use
/// (links, buttons, fields, the scrolling tables) and each shows where the focus is.
async fn keyboard_walk(browser: &Browser, what: &str) {
    let controls = browser
        .eval(
            "const all = [...document.querySelectorAll('a[href], button:not([disabled]), \
             input:not([disabled]), select:not([disabled]), textarea, [tabindex=\"0\"]')]\
             .filter((e) => e.getClientRects().length > 0); \
             all.forEach((e, i) => { e.dataset.walk = String(i); }); \
             document.activeElement?.blur(); window.scrollTo(0, 0); return all.length;",
        )
        .await
        .expect("eval");
    let controls = controls.as_u64().expect("a count") as usize;
    assert!(
        controls > 3,
        "{what}: the walk found only {controls} controls"
    );
    let mut reached = std::collections::BTreeSet::new();
    let tab = fantoccini::actions::KeyActions::new("keyboard".into())
        .then(fantoccini::actions::KeyAction::Down { value: '\u{E004}' })
        .then(fantoccini::actions::KeyAction::Up { value: '\u{E004}' });
    for _ in 0..controls + 3 {
        browser
            .client
            .perform_actions(tab.clone())
            .await
            .expect("Tab");
        let at = browser
            .eval(
                "const e = document.activeElement; if (!e || !e.dataset.walk) return null; \
                 const s = getComputedStyle(e); \
                 const seen = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; \
                 return [Number(e.dataset.walk), seen, e.outerHTML.slice(0, 120)];",
            )
            .await
            .expect("eval");
        if let Some([index, seen, html]) = at.as_array().map(Vec::as_slice) {
            assert_eq!(seen, true, "{what}: the focus is not visible on {html}");
            reached.insert(index.as_u64().unwrap_or_default() as usize);
        }
    }
    let missed: Vec<usize> = (0..controls).filter(|i| !reached.contains(i)).collect();
    if !missed.is_empty() {
        let names = browser
            .eval(&format!(
                "return {missed:?}.map((i) => document.querySelector(`[data-walk=\"${{i}}\"]`)?.outerHTML.slice(0, 120));"
            ))
            .await
            .expect("eval");
        panic!("{what}: Tab never reaches {names}");
    }
}

/// Nothing in the browser's console since the last look but the collector's refusals the test
/// asked for (Chromium logs every 4xx answer to a fetch): no script error, no panic, no
/// refusal by the page's policy.
async fn assert_console_clean(browser: &Browser, what: &str) {
    let messages = browser.console_messages().await.expect("console");
    let unexpected: Vec<&String> = messages
        .iter()
        .filter(|m| {
            !["401", "403", "409", "422"].iter().any(|status| {
                m.contains(&format!("the server responded with a status of {status}"))
            })
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "{what}: the console is not clean: {unexpected:#?}"
    );
}

/// The page at 320 CSS pixels and at 200% zoom (a window of half its CSS pixels): nothing
/// scrolls sideways (wide tables scroll in their own region), and axe-core finds nothing.
async fn assert_fits_narrow(browser: &Browser, what: &str) {
    for (width, height, how) in [(320, 800, "at 320 px"), (640, 450, "at 200% zoom")] {
        browser
            .client
            .set_window_size(width, height)
            .await
            .expect("resized");
        let fits = browser
            .eval("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await
            .expect("eval");
        assert_eq!(fits, true, "{what}: sideways scrolling {how}");
        assert_page_passes_axe(browser, &format!("{what} {how}")).await;
    }
    browser
        .client
        .set_window_size(1280, 900)
        .await
        .expect("wide");
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
    // Role limits: a marketer is offered no admin page, is told so at its address, and the
    // API refuses the same.
    let offered = browser
        .eval("return [...document.querySelectorAll('nav a')].map((a) => a.getAttribute('href')).join(' ');")
        .await
        .expect("eval");
    assert_eq!(offered, "/console /console/overview", "a marketer's pages");
    browser
        .client
        .goto(&format!("{}/console/users", collector.url))
        .await
        .expect("the users' address");
    heading(&browser, "Users").await;
    until(
        &browser,
        "the refusal",
        "return document.querySelector('main [role=alert]')?.textContent === 'Your role cannot use this page.';",
    )
    .await;
    let refused = fetch_status(&browser, "fetch('/v1/users')").await;
    assert_eq!(refused, 403, "the API refuses a marketer the users");
    press(&browser, "nav a[href='/console']").await;
    heading(&browser, "People").await;

    held_newsletter(
        &browser,
        "a***@e*****.se",
        "the signed-up address, masked for a marketer",
    )
    .await;
    assert_page_passes_axe(&browser, "the People page").await;
    keyboard_walk(&browser, "the People page").await;

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
            "return document.querySelector('.status')?.textContent.endsWith('1 changed, 0 already so.');",
            WAIT,
        )
        .await
        .expect("one changed");
    screenshot(&browser, "people-en").await;
    assert_fits_narrow(&browser, "the People page").await;

    // The person: the card's rules in the form, saved through the API; exports for anyone who
    // may read; no delete for a marketer.
    press(&browser, "tbody td a").await;
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
    browser
        .wait_for(
            "the receipts, verified in the page",
            "return /^All \\d+ receipts verified/.test(document.querySelector('.verdict.good')?.textContent) \
             && document.querySelector('table.receipts td .good')?.textContent\
             .startsWith('Verified: the person') \
             && document.querySelector('table.receipts')?.textContent.includes('Text matches its SHA-256');",
            WAIT,
        )
        .await
        .expect("the form's receipt verified against the JWKS, its policy against its hash");
    assert_page_passes_axe(&browser, "a person's page").await;
    keyboard_walk(&browser, "a person's page").await;
    assert_fits_narrow(&browser, "a person's page").await;
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
    // Back to the People page the person was found from: the same filters, from the address.
    press(&browser, "a.back").await;
    heading(&browser, "People").await;
    browser
        .wait_for(
            "the same selection",
            "return location.search.includes('state=held') \
             && document.querySelector('tbody td a')?.textContent === 'a***@e*****.se';",
            WAIT,
        )
        .await
        .expect("back where the person was found");

    // The overview: counts per purpose, the days drawn as SVG by plotters.
    press(&browser, "nav a[href='/console/overview']").await;
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
    // The form's sign-up, asked to confirm and still waiting.
    until(
        &browser,
        "the form's opt-in funnel",
        "return [...document.querySelectorAll('table.opt-ins tbody td')].map((td) => td.textContent).join(',') \
         === '1,0,0,1,0 %';",
    )
    .await;
    screenshot(&browser, "overview-en").await;
    assert_page_passes_axe(&browser, "the overview").await;
    keyboard_walk(&browser, "the overview").await;
    assert_fits_narrow(&browser, "the overview").await;
    press(&browser, "nav a[href='/console']").await;
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
    assert_page_passes_axe(&browser, "the sign-in in Swedish").await;
    assert_console_clean(&browser, "the marketer's pages").await;

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
    press(&browser, "nav a[href='/console/overview']").await;
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
    assert_page_passes_axe(&browser, "the overview in Swedish").await;
    // The audit log: its chain checked, the entries filtered by action.
    press(&browser, "nav a[href='/console/audit']").await;
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
    keyboard_walk(&browser, "the audit log").await;
    assert_fits_narrow(&browser, "the audit log").await;
    press(&browser, "nav a[href='/console']").await;
    heading(&browser, "Personer").await;
    held_newsletter(&browser, "anna@example.se", "the row").await;
    press(&browser, "tbody td a").await;
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
            lookup: None,
            now: samtycke_collector::time::now_unix(),
        })
        .await
        .expect("counts");
    assert_eq!(left, 0, "the person is gone");
    assert_console_clean(&browser, "the DPO's pages").await;
}

/// Sets a field's value as a script would, and tells the app (for fields the test cannot type
/// into quickly, such as a whole policy document).
async fn set_value(browser: &Browser, selector: &str, value: &str) {
    browser
        .eval(&format!(
            "const e = document.querySelector({}); e.value = {}; \
             e.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;",
            serde_json::Value::from(selector),
            serde_json::Value::from(value)
        ))
        .await
        .expect("set");
}

async fn choose(browser: &Browser, selector: &str, value: &str) {
    browser
        .client
        .find(Locator::Css(selector))
        .await
        .expect("the select")
        .select_by_value(value)
        .await
        .expect("chosen");
}

async fn text_of(browser: &Browser, selector: &str) -> String {
    browser
        .eval(&format!(
            "return document.querySelector({})?.textContent ?? '';",
            serde_json::Value::from(selector)
        ))
        .await
        .expect("eval")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn until(browser: &Browser, what: &str, script: &str) {
    if browser.wait_for(what, script, WAIT).await.is_err() {
        let page = text_of(browser, "main").await;
        panic!("{what}; the page reads: {page}");
    }
}

/// An answer of the collector's API to a call from the page (with the session's cookie).
async fn fetch_status(browser: &Browser, script: &str) -> serde_json::Value {
    browser
        .client
        .execute_async(
            &format!("const done = arguments[0]; {script}.then((r) => done(r.status));"),
            vec![],
        )
        .await
        .expect("fetch")
}

/// The collector's JSON answer to a GET from the page (with the session's cookie).
async fn fetch_json(browser: &Browser, path: &str) -> serde_json::Value {
    browser
        .client
        .execute_async(
            "const done = arguments[1]; fetch(arguments[0]).then((r) => r.json()).then(done);",
            vec![serde_json::Value::from(path)],
        )
        .await
        .expect("fetch")
}

#[tokio::test]
async fn an_admin_imports_changes_everyone_a_selection_holds_publishes_a_policy_and_manages_users()
{
    let collector = DemoCollector::start().await.expect("collector");
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("store");
    Users::new(store.clone(), Access::new(store))
        .create("test", "ada@example.se", Role::Admin, PASSWORD)
        .await
        .expect("an admin");

    // A page's own address, signed in on the way: the page it names.
    let browser = visit_page(&collector, "/console/imports", BrowserOptions::default()).await;
    heading(&browser, "Sign in").await;
    fill(&browser, "#email", "ada@example.se").await;
    fill(&browser, "#password", &format!("{PASSWORD}\u{E007}")).await;
    heading(&browser, "Imports").await;
    assert_page_passes_axe(&browser, "the Imports page").await;
    keyboard_walk(&browser, "the Imports page").await;

    // Sixty people and one bad row: checked first, nothing written until imported.
    let mut csv = String::from("Email ID,First name,Consent date,Consent purpose\n");
    for n in 1..=60 {
        csv.push_str(&format!(
            "person{n}@example.se,Person {n},2026-11-01,newsletter\n"
        ));
    }
    csv.push_str("not-an-address,Nobody,2026-11-01,newsletter\n");
    let file = collector.dir.path().join("people.csv");
    std::fs::write(&file, csv).expect("the file");
    let defaults = browser
        .eval("return ['#import-basis', '#import-source'].map((s) => document.querySelector(s).value).join(',');")
        .await
        .expect("eval");
    assert_eq!(
        defaults, ",",
        "no basis, and the source an import's default, until chosen"
    );
    choose(&browser, "#import-basis", "consent").await;
    browser
        .client
        .find(Locator::Css("#import-file"))
        .await
        .expect("the file field")
        .send_keys(&file.display().to_string())
        .await
        .expect("chosen");
    press(&browser, "form.import button[type=submit]").await;
    until(
        &browser,
        "the file's check",
        "return document.querySelector('main [role=status]')?.textContent\
         .startsWith('60 good rows: 0 update people already held, 60 add new people. 1 bad rows.');",
    )
    .await;
    let mapping = text_of(&browser, "main table").await;
    assert!(
        mapping.contains("Email ID") && mapping.contains("Consent purpose"),
        "{mapping}"
    );
    let bad = text_of(&browser, "main .table:nth-of-type(2) tbody").await;
    assert!(
        bad.starts_with("62Email ID"),
        "the bad row's line and column: {bad}"
    );
    let blocked = browser
        .eval("return [...document.querySelectorAll('main button')].find((b) => b.textContent === 'Import').disabled;")
        .await
        .expect("eval");
    assert_eq!(
        blocked, true,
        "not imported while a bad row is neither fixed nor left out"
    );
    assert_page_passes_axe(&browser, "the import's check").await;
    assert_fits_narrow(&browser, "the import's check").await;
    let count = fetch_json(&browser, "/v1/contacts/count?site=demo&purpose=newsletter").await;
    assert_eq!(count["count"], 0, "a check writes nothing");
    press(&browser, "#import-skip").await;
    press(&browser, "form.import button[type=submit]").await;
    until(
        &browser,
        "checked again",
        "return [...document.querySelectorAll('main button')].some((b) => b.textContent === 'Import' && !b.disabled);",
    )
    .await;
    browser
        .eval("[...document.querySelectorAll('main button')].find((b) => b.textContent === 'Import').click(); return true;")
        .await
        .expect("import");
    until(
        &browser,
        "the import's end",
        "return document.querySelector('main [role=status]')?.textContent \
         === 'Imported: 60 made, 0 updated, 1 bad rows left out.' \
         && document.querySelector('progress')?.value === 60;",
    )
    .await;
    assert_page_passes_axe(&browser, "the finished import").await;

    // Everyone the selection holds, beyond its first page, in one bulk change.
    press(&browser, "nav a[href='/console']").await;
    heading(&browser, "People").await;
    choose(&browser, "#purpose", "demo/newsletter").await;
    press(&browser, ".filters button[type=submit]").await;
    until(
        &browser,
        "the selection's size and its first page",
        "return document.querySelector('.status')?.textContent.startsWith('60 people match.') \
         && document.querySelectorAll('tbody tr').length === 50;",
    )
    .await;
    press(&browser, "thead input[type=checkbox]").await;
    let offer = text_of(&browser, "p.note button.link").await;
    assert_eq!(offer, "Tick all 60 people this selection holds");
    press(&browser, "p.note button.link").await;
    choose(&browser, "#bulk-source", "manual").await;
    press(&browser, ".bulk button[type=submit]").await;
    assert_eq!(
        text_of(&browser, "#bulk-confirm").await,
        "Change the card of the 60 selected?"
    );
    press(&browser, ".bulk button.apply").await;
    until(
        &browser,
        "all sixty changed",
        "return document.querySelector('.status')?.textContent.includes('60 changed, 0 already so.');",
    )
    .await;
    let manual = fetch_json(
        &browser,
        "/v1/contacts/count?site=demo&purpose=newsletter&source=manual",
    )
    .await;
    assert_eq!(manual["count"], 60);
    // An exact address, through the blind index.
    fill(&browser, "#find-email", "Person7@Example.se").await;
    press(&browser, ".filters button[type=submit]").await;
    until(
        &browser,
        "the one person",
        "return document.querySelector('.status')?.textContent.startsWith('1 person matches.') \
         && document.querySelector('tbody td a')?.textContent === 'person7@example.se';",
    )
    .await;
    // A change without the session's CSRF token is refused.
    let refused = fetch_status(
        &browser,
        "fetch('/v1/contacts/bulk-update', { method: 'POST', \
         headers: { 'Content-Type': 'application/json' }, \
         body: JSON.stringify({ selection: { site: 'demo', purpose: 'newsletter' }, source: { source: 'api' } }) })",
    )
    .await;
    assert_eq!(refused, 403, "CSRF refused");

    // A new policy version: every problem listed first, then published and served.
    press(&browser, "nav a[href='/console/sites']").await;
    heading(&browser, "Sites and policies").await;
    until(
        &browser,
        "the versions",
        "return document.querySelector('table.versions tbody tr td:nth-child(4)')?.textContent === 'Current' \
         && document.querySelector('#policy-document').value.includes('\"version\"');",
    )
    .await;
    assert_page_passes_axe(&browser, "the Sites and policies page").await;
    keyboard_walk(&browser, "the Sites and policies page").await;
    let current: serde_json::Value = serde_json::from_str(
        browser
            .eval("return document.querySelector('#policy-document').value;")
            .await
            .expect("eval")
            .as_str()
            .unwrap_or_default(),
    )
    .expect("the current document is JSON");
    let version = current["version"].as_u64().expect("a version");
    let mut wrong = current.clone();
    wrong["site"] = "elsewhere".into();
    set_value(&browser, "#policy-document", &wrong.to_string()).await;
    press(&browser, "form.publish button[type=submit]").await;
    until(
        &browser,
        "the problems",
        "return document.querySelectorAll('.problems li').length >= 2;",
    )
    .await;
    let problems = text_of(&browser, ".problems ul").await;
    assert!(
        problems.contains("/site") && problems.contains("/version"),
        "{problems}"
    );
    assert_page_passes_axe(&browser, "a refused policy").await;
    assert_fits_narrow(&browser, "a refused policy").await;
    let mut next = current.clone();
    next["version"] = (version + 1).into();
    next["notice"]["en"] = "We have reworded this introduction.".into();
    set_value(&browser, "#policy-document", &next.to_string()).await;
    press(&browser, "form.publish button[type=submit]").await;
    until(
        &browser,
        "acceptable",
        &format!(
            "return document.querySelector('main [role=status]')?.textContent\
             .includes('Version {} has no problems') \
             && document.querySelector('main [role=status]').textContent.includes('decisions stand');",
            version + 1
        ),
    )
    .await;
    browser
        .eval("[...document.querySelectorAll('main button')].find((b) => b.textContent.startsWith('Publish')).click(); return true;")
        .await
        .expect("publish");
    until(
        &browser,
        "published",
        &format!(
            "return document.querySelector('table.versions tbody tr td')?.textContent === '{}' \
             && document.querySelector('table.versions tbody tr td:nth-child(4)').textContent === 'Current' \
             && document.querySelector('table.versions tbody tr:nth-child(2) td:nth-child(4)').textContent.startsWith('Replaced');",
            version + 1
        ),
    )
    .await;
    let served = browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/v1/sites/demo/policy', { cache: 'no-cache' }).then((r) => r.json()).then((p) => done(p.version));",
            vec![],
        )
        .await
        .expect("fetch");
    assert_eq!(served, version + 1, "the collector serves the new version");

    // Users: one made (a taken address refused), her sessions ended, then disabled.
    press(&browser, "nav a[href='/console/users']").await;
    heading(&browser, "Users").await;
    until(
        &browser,
        "the list",
        "return document.querySelector('tbody td')?.textContent === 'ada@example.se';",
    )
    .await;
    assert_page_passes_axe(&browser, "the Users page").await;
    keyboard_walk(&browser, "the Users page").await;
    assert_fits_narrow(&browser, "the Users page").await;
    fill(&browser, "#new-email", "ada@example.se").await;
    fill(&browser, "#new-password", PASSWORD).await;
    press(&browser, "form.new-user button[type=submit]").await;
    until(
        &browser,
        "the taken address refused",
        "return document.querySelector('form.new-user [role=alert]')?.textContent.length > 0;",
    )
    .await;
    fill(&browser, "#new-email", "bo@example.se").await;
    choose(&browser, "#new-role", "dpo").await;
    fill(&browser, "#new-password", PASSWORD).await;
    press(&browser, "form.new-user button[type=submit]").await;
    until(
        &browser,
        "made",
        "return document.querySelector('.status')?.textContent === 'bo@example.se can now sign in.' \
         && [...document.querySelectorAll('tbody td')].some((td) => td.textContent === 'bo@example.se');",
    )
    .await;
    let signed_in = fetch_status(
        &browser,
        "fetch('/v1/session', { method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' }, \
         body: JSON.stringify({ email: 'bo@example.se', password: 'a long and private passphrase' }) })",
    )
    .await;
    assert_eq!(signed_in, 200, "the new user signs in");
    press(
        &browser,
        "button[aria-label='End sessions (bo@example.se)']",
    )
    .await;
    until(
        &browser,
        "ended",
        "return document.querySelector('.status')?.textContent === 'Every session of bo@example.se has ended.';",
    )
    .await;
    press(&browser, "button[aria-label='Disable (bo@example.se)']").await;
    assert!(
        text_of(&browser, "#disable-text")
            .await
            .contains("bo@example.se")
    );
    assert_page_passes_axe(&browser, "the disabling's confirmation").await;
    press(&browser, "[role=alertdialog] button.danger").await;
    until(
        &browser,
        "disabled",
        "return document.querySelector('.status')?.textContent === 'bo@example.se is disabled.' \
         && [...document.querySelectorAll('tbody tr')].some((tr) => tr.textContent.includes('bo@example.se') \
            && tr.textContent.includes('Disabled'));",
    )
    .await;
    let refused = fetch_status(
        &browser,
        "fetch('/v1/session', { method: 'POST', credentials: 'omit', headers: { 'Content-Type': 'application/json' }, \
         body: JSON.stringify({ email: 'bo@example.se', password: 'a long and private passphrase' }) })",
    )
    .await;
    assert_eq!(refused, 401, "a disabled user cannot sign in");

    // The audit log in English (the DPO's test reads it in Swedish).
    press(&browser, "nav a[href='/console/audit']").await;
    heading(&browser, "Audit log").await;
    until(
        &browser,
        "the chain's check",
        "return !!document.querySelector('.chain.ok');",
    )
    .await;
    assert_page_passes_axe(&browser, "the audit log in English").await;

    // The admin's pages in Swedish, axe-clean too.
    press(&browser, "header button.lang").await;
    heading(&browser, "Granskningslogg").await;
    press(&browser, "nav a[href='/console/users']").await;
    heading(&browser, "Användare").await;
    assert_page_passes_axe(&browser, "the Users page in Swedish").await;
    press(&browser, "nav a[href='/console/sites']").await;
    heading(&browser, "Webbplatser och policyer").await;
    assert_page_passes_axe(&browser, "the Sites and policies page in Swedish").await;
    press(&browser, "nav a[href='/console/imports']").await;
    heading(&browser, "Importer").await;
    assert_page_passes_axe(&browser, "the Imports page in Swedish").await;
    assert_console_clean(&browser, "the admin's pages").await;
}
