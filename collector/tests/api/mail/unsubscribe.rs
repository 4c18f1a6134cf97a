//! Unsubscribing: the marketer's API gives each contact's link and RFC 8058 headers; a one-click
//! POST or the page's button withdraws at once with a collector-signed receipt, once.

use axum::http::StatusCode;

use super::*;
use crate::contacts::{audit_actions, get_as, keys, opt_in, person_of, select_all};

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";
const WITHDRAWN: &str = "site=demo&purpose=newsletter&state=withdrawn";

#[tokio::test]
async fn one_click_withdraws_at_once_and_once_and_the_page_does_the_same() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    opt_in(&collector, 2, "bo@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let bo = person_of(&collector, &keys, "bo@example.se").await;

    let answer = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{anna}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let links = answer.json();
    let url = links["url"].as_str().expect("url");
    assert_eq!(links["listUnsubscribe"], format!("<{url}>"));
    assert_eq!(links["listUnsubscribePost"], "List-Unsubscribe=One-Click");
    assert!(!url.contains("anna") && !url.contains(&anna), "{url}");
    let path = &url[url.find("/mail/unsubscribe").expect("path")..];

    // A mail client's one-click POST: the body RFC 8058 prescribes, the token in the URL.
    let clicked = one_click(&collector, path).await;
    assert_eq!(clicked.status, StatusCode::OK);
    let granted = select_all(&collector, &keys.marketer, GRANTED).await;
    assert_eq!(
        granted,
        vec![bo.clone()],
        "anna leaves the marketer's query at once"
    );
    assert_eq!(
        select_all(&collector, &keys.marketer, WITHDRAWN).await,
        vec![anna.clone()]
    );
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &anna).await,
        ["form", "unsubscribe"]
    );
    let again = one_click(&collector, path).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &anna).await.len(),
        2,
        "once"
    );

    // Bo uses the page: a GET shows a button and changes nothing; the button withdraws.
    let answer = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{bo}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await;
    let url = answer.json()["url"].as_str().expect("url").to_owned();
    let path = &url[url.find("/mail/unsubscribe").expect("path")..];
    let page = get_page(&collector, path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text(&page).contains("Unsubscribe from the Fika &amp; Co. newsletter"),
        "{}",
        text(&page)
    );
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![bo.clone()]
    );
    let pressed = post_form(
        &collector,
        "/mail/unsubscribe",
        &format!("t={}", token_of(path)),
        "text/html",
    )
    .await;
    assert_eq!(pressed.status, StatusCode::OK);
    assert!(
        text(&pressed).contains("You are unsubscribed"),
        "{}",
        text(&pressed)
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    // In Swedish for a Swedish browser.
    let swedish = collector
        .send(
            Request::builder()
                .uri(path)
                .header(header::ACCEPT_LANGUAGE, "sv-SE,sv;q=0.9")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert!(
        text(&swedish).contains("Avsluta nyhetsbrevet"),
        "{}",
        text(&swedish)
    );

    let actions = audit_actions(&collector, &keys).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(action, _)| action == "contact.unsubscribe-link")
            .count(),
        2
    );
}

#[tokio::test]
async fn the_selection_csv_carries_the_unsubscribe_columns_and_bad_asks_are_refused() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let csv = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/export?site=demo&purpose=newsletter&state=granted&format=csv",
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", text(&csv));
    let mut reader = csv::Reader::from_reader(&csv.bytes[..]);
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header.len(), 19);
    assert_eq!(
        &header[16..],
        [
            "Unsubscribe URL",
            "List-Unsubscribe",
            "List-Unsubscribe-Post"
        ]
    );
    let row = reader.records().next().expect("a row").expect("valid");
    assert!(row[16].contains("/mail/unsubscribe?t="), "{}", &row[16]);
    assert_eq!(row[17], format!("<{}>", &row[16]));
    assert_eq!(&row[18], "List-Unsubscribe=One-Click");
    let path = &row[16][row[16].find("/mail/unsubscribe").expect("path")..];
    let clicked = one_click(&collector, path).await;
    assert_eq!(clicked.status, StatusCode::OK);
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    let unknown_purpose = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{anna}/unsubscribe?site=demo&purpose=recipes"),
    )
    .await;
    assert_problem(&unknown_purpose, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown_contact = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/00000000-0000-4000-8000-000000000000/unsubscribe?site=demo&purpose=newsletter",
    )
    .await;
    assert_problem(&unknown_contact, StatusCode::NOT_FOUND);
    let no_key = collector
        .get(&format!(
            "/v1/contacts/{anna}/unsubscribe?site=demo&purpose=newsletter"
        ))
        .await;
    assert_problem(&no_key, StatusCode::UNAUTHORIZED);
}
