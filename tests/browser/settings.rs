//! The settings journey: the visitor switches the banner to Swedish, decides, and on reopening
//! the settings sees when they decided and can download their receipts.

use crate::helpers::{WAIT, acknowledged_decision, open_demo, stored_receipt};

/// Text of the first element matching `selector` in the widget, or null.
fn widget_text(selector: &str) -> String {
    format!(
        "const e = document.getElementById('samtycke')?.shadowRoot?.querySelector({selector:?}); \
         return e ? e.textContent : null;"
    )
}

#[tokio::test]
async fn a_decision_in_swedish_is_recorded_in_swedish_dated_and_downloadable() {
    let (collector, browser) = open_demo().await;

    // Arrange: the demo policy speaks English and Swedish; Chromium asks for English.
    let swedish = browser
        .widget_element("[data-language=sv]", WAIT)
        .await
        .expect("language switch");
    swedish.click().await.expect("click");
    browser
        .wait_for(
            "the banner in Swedish",
            &widget_text(".panel[lang=sv] [data-action=accept-all]"),
            WAIT,
        )
        .await
        .expect("Swedish banner");
    assert_eq!(
        browser
            .eval(&widget_text("[data-action=accept-all]"))
            .await
            .expect("eval"),
        "Godkänn alla"
    );

    // Act: accept in Swedish.
    browser
        .widget_element("[data-action=accept-all]", WAIT)
        .await
        .expect("accept")
        .click()
        .await
        .expect("click");

    // Assert: the receipt names the language shown, and the record dates each decision.
    let stored = acknowledged_decision(&browser).await;
    let (jwt, receipt) = stored_receipt(&collector, stored["id"].as_str().expect("id")).await;
    assert_eq!(receipt.claims.language.as_str(), "sv");
    assert_eq!(stored["t"]["analytics"], stored["at"], "{stored}");

    // Reopened, the settings say when each decision was made, in Swedish, and offer the receipts.
    browser
        .eval("window.samtycke.open(); return true;")
        .await
        .expect("open");
    let decided = browser
        .wait_for("the decision's date", &widget_text(".decided"), WAIT)
        .await
        .expect("decided");
    assert!(
        decided.as_str().is_some_and(|t| t.starts_with("Godkänt ")),
        "{decided}"
    );
    browser
        .eval(
            "const create = URL.createObjectURL; \
             URL.createObjectURL = (blob) => { blob.text().then((t) => (window.downloaded = t)); \
                                               return create(blob); }; \
             return true;",
        )
        .await
        .expect("eval");
    browser
        .widget_element("[data-action=download]", WAIT)
        .await
        .expect("download button")
        .click()
        .await
        .expect("click");
    let file = browser
        .wait_for("the download", "return window.downloaded || null;", WAIT)
        .await
        .expect("downloaded");
    let file: serde_json::Value =
        serde_json::from_str(file.as_str().expect("text")).expect("json file");
    assert_eq!(file["site"], "demo");
    assert_eq!(file["receipts"][0]["receipt"], jwt.as_str());
    assert_eq!(file["receipts"][0]["receiptId"], stored["id"]);
    assert_eq!(
        file["jwks"],
        format!("{}/.well-known/jwks.json", collector.url)
    );
    browser.close().await.expect("browser closes");
}
