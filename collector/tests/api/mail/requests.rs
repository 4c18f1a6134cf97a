//! Requests a person makes themselves, confirmed from their own mailbox: the public form answers
//! every address alike (body and timing), and only a known address gets a link; the preference
//! centre asks the same way.

use std::time::{Duration, Instant};

use axum::http::StatusCode;

use super::*;
use crate::contacts::{get_as, keys, opt_in};

/// The demo policy with a single opt-in newsletter: the sign-ups mail nothing of their own.
pub(super) async fn collector(
    smtp: &SmtpServer,
) -> (TestCollector, tokio::sync::oneshot::Sender<()>) {
    mail_collector_with(smtp, |policy| {
        for purpose in policy["purposes"].as_array_mut().expect("purposes") {
            if let Some(object) = purpose.as_object_mut() {
                object.remove("doubleOptIn");
            }
        }
    })
    .await
}

async fn ask(collector: &TestCollector, email: &str, kind: &str) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = post_form(
        collector,
        "/mail/requests",
        &format!("site=demo&lang=en&kind={kind}&email={email}"),
        "text/html",
    )
    .await;
    (answer, started.elapsed())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn the_public_form_answers_every_address_alike_and_only_a_known_one_gets_a_link() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = collector(&smtp).await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;

    let form = get_page(&collector, "/mail/requests?site=demo").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(text(&form).contains("name=\"email\""), "{}", text(&form));

    let (known, _) = ask(&collector, "anna%40example.se", "erasure").await;
    let (unknown, _) = ask(&collector, "nobody%40example.se", "erasure").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(known.status, unknown.status);
    assert_eq!(text(&known), text(&unknown), "the same page for both");
    let messages = smtp.wait_for(1).await;
    let message = parse(&messages[0]);
    assert_eq!(
        message.subject(),
        Some("Please confirm your request to Samtycke Demo AB")
    );
    assert_eq!(
        message
            .to()
            .and_then(|to| to.first())
            .and_then(|a| a.address()),
        Some("anna@example.se")
    );
    // The same request again, at once: no second request, no second mail.
    ask(&collector, "anna%40example.se", "erasure").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        smtp.messages().len(),
        1,
        "nothing to the unknown address, nothing twice"
    );
    let listed = get_as(&collector, &keys.dpo, "/v1/requests").await.json();
    let requests = listed["requests"].as_array().expect("requests").clone();
    assert_eq!(requests.len(), 1, "{listed}");
    assert_eq!(requests[0]["channel"], "public-form");
    assert_eq!(requests[0]["state"], "received");

    // Timing tells nothing either: the work is done after the answer.
    let mut known_times = Vec::new();
    let mut unknown_times = Vec::new();
    for _ in 0..15 {
        known_times.push(ask(&collector, "anna%40example.se", "access").await.1);
        unknown_times.push(ask(&collector, "nobody%40example.se", "access").await.1);
    }
    let (known, unknown) = (median(known_times), median(unknown_times));
    let gap = known.abs_diff(unknown);
    assert!(
        gap < Duration::from_millis(25),
        "median {known:?} vs {unknown:?}"
    );

    // The link: a GET shows a button and changes nothing; the POST confirms.
    let link = link_to(&message, "/mail/requests/verify?t=");
    let page = get_page(&collector, &link).await;
    assert!(
        text(&page).contains("Confirm my request"),
        "{}",
        text(&page)
    );
    let id = requests[0]["id"].as_str().expect("id").to_owned();
    let state = |answer: serde_json::Value| answer["state"].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        state(
            get_as(&collector, &keys.dpo, &format!("/v1/requests/{id}"))
                .await
                .json()
        ),
        "received"
    );
    let confirmed = post_form(
        &collector,
        "/mail/requests/verify",
        &format!("t={}", token_of(&link)),
        "text/html",
    )
    .await;
    assert!(
        text(&confirmed).contains("Your request is confirmed"),
        "{}",
        text(&confirmed)
    );
    assert_eq!(
        state(
            get_as(&collector, &keys.dpo, &format!("/v1/requests/{id}"))
                .await
                .json()
        ),
        "verified"
    );

    let bad = ask(&collector, "anna%40example.se", "everything").await.0;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_preference_centre_asks_for_erasure_the_same_way() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = collector(&smtp).await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = crate::contacts::person_of(&collector, &keys, "anna@example.se").await;
    let answer = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{anna}/unsubscribe?site=demo&purpose=newsletter"),
    )
    .await;
    let url = answer.json()["preferencesUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let token = token_of(&url[url.find("/mail/preferences").expect("path")..]);
    let asked = post_form(
        &collector,
        "/mail/preferences",
        &format!("t={token}&action=request-erasure"),
        "text/html",
    )
    .await;
    assert!(
        text(&asked).contains("confirm your request there"),
        "{}",
        text(&asked)
    );
    let messages = smtp.wait_for(1).await;
    let link = link_to(&parse(&messages[0]), "/mail/requests/verify?t=");
    post_form(&collector, &link, "", "text/html").await;
    let listed = get_as(&collector, &keys.dpo, "/v1/requests?state=verified")
        .await
        .json();
    assert_eq!(listed["requests"][0]["kind"], "erasure");
    assert_eq!(listed["requests"][0]["channel"], "preference-centre");
    assert_eq!(listed["requests"][0]["personId"], anna.as_str());
}
