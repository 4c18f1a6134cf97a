//! Children (GDPR Art 8): a purpose that asks the age holds a form opt-in from someone below
//! the site's minimum age until a parent or guardian confirms it from the address the form gave;
//! that address is no one's identifier, is sealed, and goes once the confirmation settles.

use axum::http::StatusCode;
use samtycke_shared::commitment::commitment;
use samtycke_shared::{AgeAnswer, ReceiptRequest};

use super::*;
use crate::contacts::{get_as, keys, person_of, select_all};

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";

/// The demo policy with a newsletter that asks the age (minimum 13, as in Sweden), with or
/// without a double opt-in of its own.
pub(super) async fn collector_with(
    smtp: &SmtpServer,
    double_opt_in: bool,
) -> (TestCollector, tokio::sync::oneshot::Sender<()>) {
    mail_collector_with(smtp, |policy| {
        policy["minimumAge"] = 13.into();
        for purpose in policy["purposes"].as_array_mut().expect("purposes") {
            if purpose["id"] == "newsletter" {
                purpose["askAge"] = true.into();
                purpose["doubleOptIn"] = double_opt_in.into();
            }
        }
    })
    .await
}

async fn collector(smtp: &SmtpServer) -> (TestCollector, tokio::sync::oneshot::Sender<()>) {
    collector_with(smtp, false).await
}

/// The mail to `to`, waiting for it.
async fn mail_to(smtp: &SmtpServer, to: &str) -> Vec<u8> {
    for _ in 0..100 {
        if let Some(found) = smtp.messages().into_iter().find(|m| {
            parse(m)
                .to()
                .and_then(|t| t.first())
                .and_then(|a| a.address())
                == Some(to)
        }) {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no mail to {to}");
}

fn guardian(value: &str, salt: &str) -> serde_json::Value {
    serde_json::json!({ "type": "guardian-email", "value": value, "salt": salt })
}

/// A form opt-in by device `seed` for `address`, answering the age question with `age`, with
/// a guardian's address beside it when given.
pub(super) async fn sign_up(
    collector: &TestCollector,
    seed: u8,
    address: &str,
    age: Option<AgeAnswer>,
    guardian_address: Option<&str>,
) -> Answer {
    let own_salt = salt(seed);
    let guardian_salt = salt(seed + 100);
    let mut commitments = vec![commitment("email", address, &own_salt)];
    let mut identifiers = vec![email(address, &own_salt)];
    if let Some(parent) = guardian_address {
        commitments.push(commitment("guardian-email", parent, &guardian_salt));
        identifiers.push(guardian(parent, &guardian_salt));
    }
    let request = ReceiptRequest {
        age,
        ..form_request(&collector.policy_sha256(), commitments)
    };
    collector
        .post_receipt(
            &body_with(&device(seed), &request, &identifiers),
            Some(ORIGIN),
        )
        .await
}

#[tokio::test]
async fn a_childs_opt_in_counts_only_once_a_guardian_confirms_it_from_their_own_mailbox() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = collector(&smtp).await;
    let keys = keys(&collector).await;

    // The answer must fit the question.
    let unanswered = sign_up(&collector, 1, "adult@example.se", None, None).await;
    assert_problem(&unanswered, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        unanswered.json()["type"],
        "urn:samtycke:problem:age-question"
    );
    let no_guardian = sign_up(
        &collector,
        1,
        "kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        None,
    )
    .await;
    assert_problem(&no_guardian, StatusCode::UNPROCESSABLE_ENTITY);
    let own_as_guardian = sign_up(
        &collector,
        1,
        "kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        Some("kid@example.se"),
    )
    .await;
    assert_problem(&own_as_guardian, StatusCode::UNPROCESSABLE_ENTITY);
    // A request with only the guardian's address is no one's opt-in.
    let parent_only = {
        let salt = salt(9);
        let request = ReceiptRequest {
            age: Some(AgeAnswer::BelowMinimum),
            ..form_request(
                &collector.policy_sha256(),
                vec![commitment("guardian-email", "mum@example.se", &salt)],
            )
        };
        collector
            .post_receipt(
                &body_with(&device(9), &request, &[guardian("mum@example.se", &salt)]),
                Some(ORIGIN),
            )
            .await
    };
    assert_problem(&parent_only, StatusCode::UNPROCESSABLE_ENTITY);
    let adult_with_guardian = sign_up(
        &collector,
        1,
        "adult@example.se",
        Some(AgeAnswer::AtLeastMinimum),
        Some("mum@example.se"),
    )
    .await;
    assert_problem(&adult_with_guardian, StatusCode::UNPROCESSABLE_ENTITY);

    // Old enough: counts at once, and no mail.
    let adult = sign_up(
        &collector,
        1,
        "adult@example.se",
        Some(AgeAnswer::AtLeastMinimum),
        None,
    )
    .await;
    assert_eq!(adult.status, StatusCode::CREATED, "{}", adult.json());
    let adult = person_of(&collector, &keys, "adult@example.se").await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![adult.clone()]
    );

    // Too young: held; the guardian, not the child, is asked.
    let kid = sign_up(
        &collector,
        2,
        "kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        Some("mum@example.se"),
    )
    .await;
    assert_eq!(kid.status, StatusCode::CREATED, "{}", kid.json());
    let other = sign_up(
        &collector,
        3,
        "other.kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        Some("dad@example.se"),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.json());
    let messages = smtp.wait_for(2).await;
    let to_mum = messages
        .iter()
        .map(|m| parse(m))
        .find(|m| {
            m.to().and_then(|t| t.first()).and_then(|a| a.address()) == Some("mum@example.se")
        })
        .expect("a mail to the guardian");
    assert!(
        to_mum
            .subject()
            .is_some_and(|s| s.starts_with("Your consent is asked")),
        "{:?}",
        to_mum.subject()
    );
    let text_part = to_mum.body_text(0).expect("text");
    assert!(
        text_part.contains("k***@e*****.se"),
        "the child's address, masked: {text_part}"
    );
    assert!(!text_part.contains("kid@example.se"));
    assert!(
        !text_part.contains("/mail/preferences"),
        "not the child's preference centre: {text_part}"
    );
    for message in smtp.messages() {
        let to = parse(&message)
            .to()
            .and_then(|t| t.first())
            .and_then(|a| a.address())
            .map(str::to_owned);
        assert!(
            to.as_deref() != Some("kid@example.se")
                && to.as_deref() != Some("other.kid@example.se"),
            "nothing to a child"
        );
    }
    let kid = person_of(&collector, &keys, "kid@example.se").await;
    let other = person_of(&collector, &keys, "other.kid@example.se").await;
    // The contact shows its grant as held, not as one that may be acted on.
    let shown = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{kid}"))
        .await
        .json();
    let newsletter = shown["consents"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["purpose"] == "newsletter"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(newsletter["state"], "held", "{shown}");
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![adult.clone()]
    );
    let bytes = collector.database_bytes().await;
    for value in ["mum@example.se", "dad@example.se", "kid@example.se"] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value} in clear"
        );
    }

    // The link: a page addressed to the guardian; the press counts it.
    let link = link_to(&to_mum, "/mail/confirm?t=");
    let page = get_page(&collector, &link).await;
    assert!(
        text(&page).contains("under the age of digital consent"),
        "{}",
        text(&page)
    );
    let confirmed = post_form(&collector, &link, "", "text/html").await;
    assert!(
        text(&confirmed).contains("Confirmed"),
        "{}",
        text(&confirmed)
    );
    let mut granted = select_all(&collector, &keys.marketer, GRANTED).await;
    granted.sort();
    let mut expected = vec![adult.clone(), kid.clone()];
    expected.sort();
    assert_eq!(granted, expected);
    assert!(
        !granted.contains(&other),
        "a child whose guardian has not confirmed stays out"
    );
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &kid).await,
        ["form", "guardian"]
    );
    let exported = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/export?{GRANTED}&format=json"),
    )
    .await
    .json();
    assert_eq!(exported.as_array().map(Vec::len), Some(2), "{exported}");
    // Settled: the guardian's address is gone; the one still waiting keeps only its own.
    assert_eq!(
        collector
            .query_texts(
                "SELECT purpose FROM optin_confirmations WHERE guardian_sealed IS NOT NULL"
            )
            .await
            .len(),
        1
    );
    // The other guardian says no at once: the confirmation lapses, the address with it, and
    // its link counts no more.
    let to_dad = parse(&mail_to(&smtp, "dad@example.se").await).into_owned();
    let no = link_to(&to_dad, "/mail/unsubscribe?t=");
    assert_eq!(one_click(&collector, &no).await.status, StatusCode::OK);
    assert!(
        collector
            .query_texts(
                "SELECT purpose FROM optin_confirmations WHERE guardian_sealed IS NOT NULL"
            )
            .await
            .is_empty()
    );
    let late = post_form(
        &collector,
        &link_to(&to_dad, "/mail/confirm?t="),
        "",
        "text/html",
    )
    .await;
    assert!(
        text(&late).contains("This link has expired"),
        "{}",
        text(&late)
    );
    assert!(
        !select_all(&collector, &keys.marketer, GRANTED)
            .await
            .contains(&other)
    );
    // A third one's guardian never answers: on expiry the address goes too.
    let third = sign_up(
        &collector,
        4,
        "third.kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        Some("gran@example.se"),
    )
    .await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.json());
    mail_to(&smtp, "gran@example.se").await;
    collector
        .execute_sql("UPDATE optin_confirmations SET expires_at = 1 WHERE state = 'pending'")
        .await;
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("store");
    store
        .expire_confirmations(samtycke_collector::time::now_unix())
        .await
        .expect("expires");
    assert!(
        collector
            .query_texts(
                "SELECT purpose FROM optin_confirmations WHERE guardian_sealed IS NOT NULL"
            )
            .await
            .is_empty()
    );

    // The child's own preference centre cannot grant it past the guardian; only the form can.
    let centre = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{other}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await
    .json();
    let preferences = centre["preferencesUrl"].as_str().expect("url");
    let at = preferences.find("/mail/preferences").expect("path");
    let token = token_of(&preferences[at..]);
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
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 3, "no confirmation to the child");
}

#[tokio::test]
async fn a_childs_own_confirmation_does_not_stand_for_the_guardians() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = collector_with(&smtp, true).await;
    let keys = keys(&collector).await;
    // First "old enough" (a double opt-in to the child's own address), then, a moment later,
    // the truth: the guardian is asked all the same.
    let first = sign_up(
        &collector,
        1,
        "kid@example.se",
        Some(AgeAnswer::AtLeastMinimum),
        None,
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json());
    let own = parse(&mail_to(&smtp, "kid@example.se").await).into_owned();
    let second = sign_up(
        &collector,
        1,
        "kid@example.se",
        Some(AgeAnswer::BelowMinimum),
        Some("mum@example.se"),
    )
    .await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.json());
    let to_mum = parse(&mail_to(&smtp, "mum@example.se").await).into_owned();
    let kid = person_of(&collector, &keys, "kid@example.se").await;

    let pressed = post_form(
        &collector,
        &link_to(&own, "/mail/confirm?t="),
        "",
        "text/html",
    )
    .await;
    assert_eq!(pressed.status, StatusCode::CONFLICT);
    assert!(
        text(&pressed).contains("A parent or guardian must confirm"),
        "{}",
        text(&pressed)
    );
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let confirmed = post_form(
        &collector,
        &link_to(&to_mum, "/mail/confirm?t="),
        "",
        "text/html",
    )
    .await;
    assert!(
        text(&confirmed).contains("Confirmed"),
        "{}",
        text(&confirmed)
    );
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![kid.clone()]
    );
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &kid).await,
        ["form", "form", "guardian"]
    );
}
