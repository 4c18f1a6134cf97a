//! Double opt-in: a form opt-in makes the contact pending, not processable, until the link in
//! the confirmation mail is followed and its button pressed.

use axum::http::StatusCode;
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

use crate::helpers::{body_with, device, email, form_request, purpose, salt};

use super::*;
use crate::contacts::{get_as, keys, opt_in, person_of, select_all};

async fn receipts_of(collector: &TestCollector, token: &str, id: &str) -> Vec<serde_json::Value> {
    let answer = get_as(
        collector,
        token,
        &format!("/v1/contacts/{id}/export?format=json"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    answer.json()["receipts"]
        .as_array()
        .expect("receipts")
        .clone()
}

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";
const HELD: &str = "site=demo&purpose=newsletter&state=held";

#[tokio::test]
async fn an_opt_in_counts_only_once_confirmed_from_the_mailbox_and_a_get_confirms_nothing() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = mail_collector(&smtp).await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let id = person_of(&collector, &keys, "anna@example.se").await;
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    assert_eq!(
        select_all(&collector, &keys.marketer, HELD).await,
        vec![id.clone()]
    );

    let messages = smtp.wait_for(1).await;
    let message = parse(&messages[0]);
    assert_eq!(
        message
            .to()
            .and_then(|to| to.first())
            .and_then(|a| a.address()),
        Some("anna@example.se")
    );
    assert_eq!(
        message.subject(),
        Some("Please confirm: the Fika & Co. newsletter by e-mail")
    );
    assert!(message.body_html(0).is_some(), "an HTML part");
    let unsubscribe = header_of(&message, "List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<http://127.0.0.1:")
            && unsubscribe.contains("/mail/unsubscribe?t="),
        "{unsubscribe}"
    );
    assert_eq!(
        header_of(&message, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let link = link_to(&message, "/mail/confirm?t=");

    // Opening the link, as a mail scanner would, shows a button and changes nothing.
    let page = get_page(&collector, &link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text(&page).contains("<button type=\"submit\">Confirm</button>"),
        "{}",
        text(&page)
    );
    assert!(
        page.headers[axum::http::header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("csp")
            .starts_with("default-src 'none'")
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    assert_eq!(receipts_of(&collector, &keys.dpo, &id).await.len(), 1);

    // Pressing it confirms: a double-opt-in receipt citing the form's, and processable now.
    let token = token_of(&link);
    let confirmed = post_form(
        &collector,
        "/mail/confirm",
        &format!("t={token}"),
        "text/html",
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK);
    assert!(
        text(&confirmed).contains("Confirmed"),
        "{}",
        text(&confirmed)
    );
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![id.clone()]
    );
    assert!(
        select_all(&collector, &keys.marketer, HELD)
            .await
            .is_empty()
    );
    let receipts = receipts_of(&collector, &keys.dpo, &id).await;
    assert_eq!(receipts.len(), 2);
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let claims: Vec<serde_json::Value> = receipts
        .iter()
        .map(|r| {
            let verified = verify_receipt(r["receipt"].as_str().expect("jwt"), &jwks)
                .expect("every receipt verifies");
            serde_json::to_value(&verified.claims).expect("claims")
        })
        .collect();
    let form = claims
        .iter()
        .position(|c| c["collectionMethod"] == "form")
        .expect("the form receipt");
    let double = claims
        .iter()
        .find(|c| c["collectionMethod"] == "double-opt-in")
        .expect("the double-opt-in receipt");
    assert_eq!(double["evidence"]["receiptId"], claims[form]["jti"]);
    assert_eq!(
        double["evidence"]["receiptSha256"],
        sha256_hex(receipts[form]["receipt"].as_str().expect("jwt"))
    );
    assert_eq!(double["decisions"]["newsletter"], "granted");

    // Pressed again: the same answer, no second receipt. The link is spent.
    let again = post_form(
        &collector,
        "/mail/confirm",
        &format!("t={token}"),
        "text/html",
    )
    .await;
    assert!(text(&again).contains("Confirmed"));
    assert_eq!(receipts_of(&collector, &keys.dpo, &id).await.len(), 2);
    let page = get_page(&collector, &link).await;
    assert!(
        !text(&page).contains("<button"),
        "no button on a spent link"
    );

    let history = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{id}/history")).await;
    let actions: Vec<String> = history.json()["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["created", "optin.pending", "optin.confirmed"]);
    let database = collector.database_bytes().await;
    assert!(
        !database.windows(15).any(|w| w == b"anna@example.se"),
        "no address in clear in the database"
    );
}

#[tokio::test]
async fn a_second_opt_in_soon_after_mails_nothing_an_expired_link_confirms_nothing_and_a_forged_one_is_refused()
 {
    let smtp = SmtpServer::start();
    let (collector, _stop) = mail_collector(&smtp).await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "bo@example.se").await;
    let messages = smtp.wait_for(1).await;
    // Another device, the same address, moments later: the hold stays, no second mail.
    opt_in(&collector, 2, "bo@example.se").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "resending is throttled per address"
    );
    let id = person_of(&collector, &keys, "bo@example.se").await;
    assert_eq!(
        select_all(&collector, &keys.marketer, HELD).await,
        vec![id.clone()]
    );

    let link = link_to(&parse(&messages[0]), "/mail/confirm?t=");
    collector
        .execute_sql("UPDATE optin_confirmations SET expires_at = 1")
        .await;
    let page = get_page(&collector, &link).await;
    assert!(
        text(&page).contains("This link has expired"),
        "{}",
        text(&page)
    );
    let pressed = post_form(&collector, &link, "", "text/html").await;
    assert!(text(&pressed).contains("This link has expired"));
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("store");
    // The sender settles expired confirmations every minute; this does it now (or finds it
    // done already on a slow machine).
    let expired = store
        .expire_confirmations(samtycke_collector::time::now_unix())
        .await
        .expect("expires");
    assert!(expired <= 1, "{expired}");
    let history = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{id}/history")).await;
    assert!(
        history.json()["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["action"] == "optin.expired"),
        "{}",
        history.json()
    );

    // A token altered by one character, or none at all: a 404 page, nothing changed.
    let token = token_of(&link);
    let mut forged = token.into_bytes();
    forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    for attempt in [
        format!("/mail/confirm?t={forged}"),
        "/mail/confirm".to_owned(),
    ] {
        let page = get_page(&collector, &attempt).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{attempt}");
        assert!(
            text(&page).contains("This link does not work"),
            "{attempt}: {}",
            text(&page)
        );
        let pressed = post_form(&collector, &attempt, "", "text/html").await;
        assert_eq!(pressed.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn every_double_opt_in_purpose_of_a_form_is_held_and_someone_elses_sign_up_on_a_shared_device_re_subscribes_no_one()
 {
    let smtp = SmtpServer::start();
    let (collector, _stop) = mail_collector_with(&smtp, |policy| {
        let purposes = policy["purposes"].as_array_mut().expect("purposes");
        let mut offers = purposes
            .iter()
            .find(|p| p["id"] == "newsletter")
            .expect("newsletter")
            .clone();
        offers["id"] = "offers".into();
        purposes.push(offers);
    })
    .await;
    let keys = keys(&collector).await;
    let sha = sha256_hex(&collector.get("/v1/sites/demo/policy").await.bytes);
    let anna_salt = salt(1);
    let mut request = form_request(
        &sha,
        vec![samtycke_shared::commitment::commitment(
            "email",
            "anna@example.se",
            &anna_salt,
        )],
    );
    request
        .decisions
        .insert(purpose("offers"), samtycke_shared::Decision::Granted);
    let answer = collector
        .post_receipt(
            &body_with(
                &device(1),
                &request,
                &[email("anna@example.se", &anna_salt)],
            ),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.json());
    let messages = smtp.wait_for(2).await;
    for purpose in ["newsletter", "offers"] {
        let query = format!("site=demo&purpose={purpose}&state=granted");
        assert!(
            select_all(&collector, &keys.marketer, &query)
                .await
                .is_empty(),
            "{purpose}"
        );
    }
    for message in &messages {
        let link = link_to(&parse(message), "/mail/confirm?t=");
        post_form(&collector, &link, "", "text/html").await;
    }
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![anna.clone()]
    );
    assert_eq!(
        select_all(
            &collector,
            &keys.marketer,
            "site=demo&purpose=offers&state=granted"
        )
        .await,
        vec![anna.clone()]
    );

    // Anna unsubscribes; then Bo signs up on the same browser (device 1). The device's grant
    // must not bring Anna back.
    let path = super::unsubscribe_path(&collector, &keys.marketer, &anna).await;
    super::one_click(&collector, &path).await;
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let bo_salt = salt(2);
    let request = form_request(
        &sha,
        vec![samtycke_shared::commitment::commitment(
            "email",
            "bo@example.se",
            &bo_salt,
        )],
    );
    let answer = collector
        .post_receipt(
            &body_with(&device(1), &request, &[email("bo@example.se", &bo_salt)]),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.json());
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty(),
        "neither Anna (unsubscribed) nor Bo (unconfirmed) may be e-mailed"
    );
    let bo = person_of(&collector, &keys, "bo@example.se").await;
    let messages = smtp.wait_for(3).await;
    let link = link_to(&parse(&messages[2]), "/mail/confirm?t=");
    post_form(&collector, &link, "", "text/html").await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![bo],
        "Bo's confirmation confirms Bo alone"
    );
}

#[tokio::test]
async fn the_opt_in_funnel_counts_a_forms_sign_ups_asked_confirmed_expired_and_pending() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = mail_collector(&smtp).await;
    let keys = keys(&collector).await;
    let funnel = |answer: &Answer| answer.json()["purposes"]["newsletter"].clone();
    let before = get_as(&collector, &keys.marketer, "/v1/contacts/opt-ins?site=demo").await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text());
    assert_eq!(
        funnel(&before),
        serde_json::json!({"asked": 0, "confirmed": 0, "expired": 0, "pending": 0}),
        "a double-opt-in purpose is listed with zeros"
    );

    for (seed, address) in [
        (1, "anna@example.se"),
        (2, "bo@example.se"),
        (3, "cia@example.se"),
    ] {
        opt_in(&collector, seed, address).await;
    }
    let messages = smtp.wait_for(3).await;
    let to_anna = messages
        .iter()
        .map(|m| parse(m))
        .find(|m| {
            m.to().and_then(|to| to.first()).and_then(|a| a.address()) == Some("anna@example.se")
        })
        .expect("anna's mail");
    let token = token_of(&link_to(&to_anna, "/mail/confirm?t="));
    post_form(
        &collector,
        "/mail/confirm",
        &format!("t={token}"),
        "text/html",
    )
    .await;
    // Bo's confirmation runs out.
    let bo = person_of(&collector, &keys, "bo@example.se").await;
    collector
        .execute_sql(&format!(
            "UPDATE optin_confirmations SET expires_at = 1 WHERE person_id = '{bo}'"
        ))
        .await;
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("store");
    store
        .expire_confirmations(samtycke_collector::time::now_unix())
        .await
        .expect("expires");

    let after = get_as(&collector, &keys.marketer, "/v1/contacts/opt-ins?site=demo").await;
    assert_eq!(
        funnel(&after),
        serde_json::json!({"asked": 3, "confirmed": 1, "expired": 1, "pending": 1}),
        "{}",
        after.text()
    );
    // A span before today's sign-ups holds none of them.
    let earlier = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/opt-ins?site=demo&from=2026-01-01&to=2026-01-31",
    )
    .await;
    assert_eq!(funnel(&earlier)["asked"], 0);
    let refused = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/opt-ins?site=demo&from=2026-02-01&to=2026-01-01",
    )
    .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = get_as(&collector, &keys.marketer, "/v1/contacts/opt-ins?site=nope").await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
    let audited = crate::contacts::audit_actions(&collector, &keys)
        .await
        .iter()
        .filter(|(action, _)| action == "contacts.opt-ins")
        .count();
    assert_eq!(audited, 3, "each answered read is audited");
}
