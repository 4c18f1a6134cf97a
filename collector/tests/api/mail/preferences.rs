//! The preference centre: the person's purposes with their disclosures, changed by plain forms
//! into collector-signed receipts, everything withdrawn at once, receipts downloaded, a copy of
//! their data mailed to them.

use axum::http::{StatusCode, header};
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::verify_receipt;

use super::*;
use crate::contacts::{get_as, keys, opt_in, person_of, select_all};

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";

/// The preference centre's path and query for a contact, from the marketer's API.
async fn preferences_of(collector: &TestCollector, token: &str, id: &str) -> String {
    let answer = get_as(
        collector,
        token,
        &format!("/v1/contacts/{id}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await;
    let url = answer.json()["preferencesUrl"]
        .as_str()
        .expect("a preference centre")
        .to_owned();
    url[url.find("/mail/preferences").expect("path")..].to_owned()
}

#[tokio::test]
async fn choices_change_by_plain_forms_into_receipts_that_verify() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let link = preferences_of(&collector, &keys.marketer, &anna).await;
    let token = token_of(&link);

    let page = get_page(&collector, &link).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = text(&page);
    assert!(html.contains("<h1>Your choices</h1>"), "{html}");
    assert!(
        html.contains("name=\"granted\" value=\"newsletter\" checked"),
        "the newsletter is ticked: {html}"
    );
    assert!(html.contains("Given on "), "{html}");
    // The banner's own disclosure of the purpose, and the controller with the rights.
    assert!(html.contains("<dt>Lawful basis</dt>"), "{html}");
    assert!(html.contains("Samtycke Demo AB"), "{html}");
    assert!(
        !html.contains("analytics"),
        "no purpose she never decided on but the form's"
    );

    let saved = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save"),
        "text/html",
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(
        text(&saved).contains("Saved: what you unticked is withdrawn"),
        "{}",
        text(&saved)
    );
    assert!(!text(&saved).contains("value=\"newsletter\" checked"));
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    // A tick is no proof by itself (the link may be anyone's): it is confirmed from the
    // mailbox, and a collector that sends no mail cannot take it.
    let ticked = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save&granted=newsletter"),
        "text/html",
    )
    .await;
    assert!(
        text(&ticked).contains("please use the form on the site"),
        "{}",
        text(&ticked)
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    let refused = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save&granted=newsletter&granted=analytics"),
        "text/html",
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let all = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=withdraw-all&lang=sv"),
        "text/html",
    )
    .await;
    assert!(text(&all).contains("Allt är återkallat."), "{}", text(&all));
    assert!(text(&all).contains("<html lang=\"sv\">"));
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    let download = collector
        .get(&format!("/mail/preferences/receipts?t={token}"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .expect("disposition")
            .contains("samtycke-receipts-demo.json")
    );
    let listed = download.json();
    assert_eq!(methods(&listed), ["form", "preference-centre"]);
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    for receipt in listed["receipts"].as_array().expect("receipts") {
        verify_receipt(receipt["receipt"].as_str().expect("jwt"), &jwks).expect("verifies");
    }
    let forged = get_page(&collector, "/mail/preferences?t=AAAA").await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_tick_counts_once_confirmed_from_the_mailbox_and_a_copy_of_the_data_goes_to_the_person_once()
 {
    let smtp = SmtpServer::start();
    let (collector, _stop) = mail_collector(&smtp).await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let messages = smtp.wait_for(1).await;
    let confirmation = parse(&messages[0]);
    let link = link_to(&confirmation, "/mail/preferences?t=");
    let token = token_of(&link);
    let page = get_page(&collector, &link).await;
    assert!(
        text(&page).contains("Waiting for your confirmation"),
        "{}",
        text(&page)
    );
    assert!(!text(&page).contains("value=\"newsletter\" checked"));

    // Ticking it here while the form's confirmation is fresh mails nothing new.
    let waiting = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save&granted=newsletter"),
        "text/html",
    )
    .await;
    assert!(
        text(&waiting).contains("went out a few minutes ago"),
        "{}",
        text(&waiting)
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let confirmed = post_form(
        &collector,
        &link_to(&confirmation, "/mail/confirm?t="),
        "",
        "text/html",
    )
    .await;
    assert!(text(&confirmed).contains("Confirmed"));
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![anna.clone()]
    );

    // Withdrawn here at once; ticked again, it counts only from the mailed link.
    post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save"),
        "text/html",
    )
    .await;
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let mailed = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=save&granted=newsletter"),
        "text/html",
    )
    .await;
    assert!(
        text(&mailed).contains("We sent you an e-mail"),
        "{}",
        text(&mailed)
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let messages = smtp.wait_for(2).await;
    let again = link_to(&parse(&messages[1]), "/mail/confirm?t=");
    let confirmed = post_form(&collector, &again, "", "text/html").await;
    assert!(text(&confirmed).contains("Confirmed"));
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![anna.clone()]
    );
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &anna).await,
        [
            "form",
            "double-opt-in",
            "preference-centre",
            "preference-centre"
        ]
    );

    let copy = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=copy"),
        "text/html",
    )
    .await;
    assert!(text(&copy).contains("on its way"), "{}", text(&copy));
    let messages = smtp.wait_for(3).await;
    let message = parse(&messages[2]);
    assert_eq!(
        message.subject(),
        Some("A copy of your data from Samtycke Demo AB")
    );
    // The data is never in the mail: a link that works once, and only by the page's button.
    assert_eq!(message.attachment_count(), 0);
    assert!(!messages[2].windows(9).any(|w| w == b"personId\""));
    assert!(header_of(&message, "List-Unsubscribe").contains("/mail/unsubscribe?t="));
    let download = link_to(&message, "/mail/download?t=");
    for _ in 0..2 {
        let page = get_page(&collector, &download).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            text(&page).contains("Download everything (JSON)"),
            "{}",
            text(&page)
        );
        assert!(text(&page).contains("value=\"csv\""), "{}", text(&page));
    }
    let file = post_form(
        &collector,
        "/mail/download",
        &format!("t={}&format=json", token_of(&download)),
        "text/html",
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", text(&file));
    assert_eq!(file.content_type, "application/json");
    assert_eq!(
        file.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"demo-my-data.json\""
    );
    let copy: serde_json::Value = serde_json::from_slice(&file.bytes).expect("JSON");
    assert_eq!(copy["identifiers"]["email"], "anna@example.se");
    assert_eq!(copy["personId"], anna.as_str());
    assert!(copy["receipts"].as_array().is_some_and(|r| r.len() == 4));
    // Spent: neither the page nor a second POST (in either format) gives it again.
    let spent = post_form(
        &collector,
        "/mail/download",
        &format!("t={}&format=csv", token_of(&download)),
        "text/html",
    )
    .await;
    assert_eq!(spent.status, StatusCode::GONE);
    assert!(
        text(&spent).contains("This link was used"),
        "{}",
        text(&spent)
    );
    assert!(!text(&spent).contains("anna@example.se"));
    assert_eq!(
        get_page(&collector, &download).await.status,
        StatusCode::GONE
    );
    let again = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=copy"),
        "text/html",
    )
    .await;
    assert!(text(&again).contains("a few minutes ago"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 3, "one copy");
}
