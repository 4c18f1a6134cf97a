//! What stays blocked and what comes alive: scripts the page inserts after load, and embeds,
//! which wait behind a placeholder that offers the choice.

use std::time::Duration;

use crate::helpers::{WAIT, click_in_widget, flag, open_demo};

/// Inserts a blocked inline script for `purpose` that sets `window[flag]`, and a blocked
/// `data-src` script (the demo's stand-in tag, `/tracker.js`) that sets `window[flag + "Src"]`.
fn insert_blocked_scripts(purpose: &str, flag: &str) -> String {
    format!(
        "const inline = document.createElement('script'); \
         inline.type = 'text/plain'; inline.dataset.samtycke = {purpose:?}; \
         inline.text = 'window[{flag:?}] = true;'; document.body.append(inline); \
         const external = document.createElement('script'); \
         external.type = 'text/plain'; external.dataset.samtycke = {purpose:?}; \
         external.dataset.src = '/tracker.js?flag={flag}Src'; \
         document.body.append(external);"
    )
}

#[tokio::test]
async fn scripts_inserted_after_load_stay_blocked_until_their_purpose_is_granted() {
    let (_collector, browser) = open_demo().await;
    browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("banner shows");
    browser
        .eval(&insert_blocked_scripts("analytics", "lateBefore"))
        .await
        .expect("insert");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!flag(&browser, "lateBefore").await);
    assert!(!flag(&browser, "lateBeforeSrc").await);
    assert!(!flag(&browser, "demoAnalyticsRan").await);

    click_in_widget(&browser, "[data-action=accept-all]").await;
    browser
        .wait_for(
            "the late scripts to run once granted",
            "return window.lateBefore === true && window.lateBeforeSrc === true;",
            WAIT,
        )
        .await
        .expect("late scripts run after consent");

    // Inserted after consent: it runs at once. One for a purpose nobody declared never does.
    browser
        .eval(&insert_blocked_scripts("analytics", "lateAfter"))
        .await
        .expect("insert");
    browser
        .eval(&insert_blocked_scripts("undeclared", "lateUndeclared"))
        .await
        .expect("insert");
    browser
        .wait_for(
            "the script inserted after consent to run",
            "return window.lateAfter === true && window.lateAfterSrc === true;",
            WAIT,
        )
        .await
        .expect("runs");
    assert!(!flag(&browser, "lateUndeclared").await);
    assert!(!flag(&browser, "lateUndeclaredSrc").await);
    browser.close().await.expect("browser closes");
}

#[tokio::test]
async fn an_embed_waits_behind_a_placeholder_that_leads_to_the_choice() {
    let (_collector, browser) = open_demo().await;
    browser
        .widget_element("[data-action=reject-all]", WAIT)
        .await
        .expect("banner shows");
    let placeholder = browser
        .wait_for(
            "the embed's placeholder",
            "const f = document.querySelector('iframe[data-samtycke=media]'); \
             const p = f.previousElementSibling; \
             return !f.getAttribute('src') && f.hidden && p && p.shadowRoot \
               && p.shadowRoot.textContent;",
            WAIT,
        )
        .await
        .expect("placeholder");
    assert!(
        placeholder
            .as_str()
            .is_some_and(|t| t.contains("Load after consent")),
        "{placeholder}"
    );
    click_in_widget(&browser, "[data-action=reject-all]").await;
    browser
        .wait_for(
            "the banner to close",
            "return !document.getElementById('samtycke');",
            WAIT,
        )
        .await
        .expect("closed");

    // The placeholder's button opens the settings; granting "Embedded videos" loads the frame.
    browser
        .eval(
            "document.querySelector('iframe[data-samtycke=media]').previousElementSibling \
             .shadowRoot.querySelector('button').click();",
        )
        .await
        .expect("click placeholder");
    click_in_widget(&browser, "input[data-purpose=media]").await;
    click_in_widget(&browser, "[data-action=save]").await;
    browser
        .wait_for(
            "the video to load",
            "const f = document.querySelector('iframe[data-samtycke=media]'); \
             return f.getAttribute('src') === '/embed/video.html' && !f.hidden \
               && !(f.previousElementSibling && f.previousElementSibling.shadowRoot);",
            WAIT,
        )
        .await
        .expect("embed loads after consent");
    assert!(!flag(&browser, "demoAnalyticsRan").await);
    browser.close().await.expect("browser closes");
}
