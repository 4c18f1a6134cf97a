//! Carrying out each right ends with the person told by mail: a copy of the data behind a link
//! that works once and expires, a correction that keeps no old value (even of a restricted
//! contact), an extension or refusal with its reason, a lifted restriction, an erasure told
//! before the address goes; an objection holds until the person's own new consent. And the
//! marketer's query and exports leave out everyone the rules leave out, checked against a
//! reference computed here.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use samtycke_shared::AgeAnswer;

use super::requests::collector;
use super::*;
use crate::contacts::{Keys, call, get_as, keys, opt_in, person_of, select_all};

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";

async fn post_json(
    collector: &TestCollector,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> Answer {
    call(collector, Method::POST, path, Some(token), Some(body)).await
}

/// A request the DPO entered and verified; its id.
async fn verified(collector: &TestCollector, keys: &Keys, body: serde_json::Value) -> String {
    let created = post_json(collector, &keys.dpo, "/v1/requests", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    let id = created.json()["id"].as_str().expect("id").to_owned();
    let verified = post_json(
        collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/verify"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.json());
    id
}

async fn complete(
    collector: &TestCollector,
    keys: &Keys,
    id: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let done = post_json(
        collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/complete"),
        body,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json());
    done.json()
}

/// The message to `to` whose subject contains `subject`, waiting for it.
async fn mail_to(smtp: &SmtpServer, to: &str, subject: &str) -> Vec<u8> {
    for _ in 0..100 {
        for bytes in smtp.messages() {
            let message = parse(&bytes);
            let addressed = message
                .to()
                .and_then(|t| t.first())
                .and_then(|a| a.address())
                == Some(to);
            if addressed && message.subject().is_some_and(|s| s.contains(subject)) {
                return bytes;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seen: Vec<String> = smtp
        .messages()
        .iter()
        .map(|b| format!("{:?}", parse(b).subject()))
        .collect();
    panic!("no mail to {to} about {subject:?}; seen {seen:?}");
}

fn body_text(bytes: &[u8]) -> String {
    parse(bytes).body_text(0).expect("a text part").into_owned()
}

#[tokio::test]
async fn every_right_is_carried_out_and_the_person_is_told_by_mail() {
    let smtp = SmtpServer::start();
    let (collector, _stop) = collector(&smtp).await;
    let keys = keys(&collector).await;
    for (seed, address) in [
        (1, "anna@example.se"),
        (2, "bo@example.se"),
        (3, "cia@example.se"),
        (4, "dan@example.se"),
    ] {
        opt_in(&collector, seed, address).await;
    }
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let bo = person_of(&collector, &keys, "bo@example.se").await;
    let cia = person_of(&collector, &keys, "cia@example.se").await;
    let dan = person_of(&collector, &keys, "dan@example.se").await;

    // Access: a link to the copy, not the copy; it works once, as CSV or JSON.
    let access = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "access", "personId": anna}),
    )
    .await;
    let done = complete(&collector, &keys, &access, serde_json::json!({})).await;
    assert!(
        done["outcome"]["delivered"]
            .as_str()
            .is_some_and(|d| d.contains("single-use")),
        "{done}"
    );
    let told = body_text(&mail_to(&smtp, "anna@example.se", "is done").await);
    assert!(
        told.contains("a copy of the data we hold about you"),
        "{told}"
    );
    let copy = mail_to(&smtp, "anna@example.se", "A copy of your data").await;
    assert_eq!(parse(&copy).attachment_count(), 0);
    let link = link_to(&parse(&copy), "/mail/download?t=");
    let file = post_form(
        &collector,
        "/mail/download",
        &format!("t={}&format=csv", token_of(&link)),
        "text/html",
    )
    .await;
    assert_eq!(file.status, StatusCode::OK, "{}", text(&file));
    assert_eq!(file.content_type, "text/csv; charset=utf-8");
    let csv = text(&file);
    assert!(
        csv.lines().next().is_some_and(|h| h.contains("Email ID")),
        "{csv}"
    );
    assert!(
        csv.contains("anna@example.se") && csv.lines().count() == 2,
        "{csv}"
    );
    let again = post_form(
        &collector,
        "/mail/download",
        &format!("t={}&format=json", token_of(&link)),
        "text/html",
    )
    .await;
    assert_eq!(again.status, StatusCode::GONE);
    // A second copy's link, left a week: expired, it gives nothing.
    let access = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "portability", "personId": anna}),
    )
    .await;
    complete(&collector, &keys, &access, serde_json::json!({})).await;
    for _ in 0..100 {
        if smtp
            .messages()
            .iter()
            .filter(|m| parse(m).subject().is_some_and(|s| s.starts_with("A copy")))
            .count()
            == 2
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let copies: Vec<Vec<u8>> = smtp
        .messages()
        .into_iter()
        .filter(|m| parse(m).subject().is_some_and(|s| s.starts_with("A copy")))
        .collect();
    assert_eq!(copies.len(), 2);
    let second = link_to(&parse(&copies[1]), "/mail/download?t=");
    collector
        .execute_sql("UPDATE data_downloads SET expires_at = 1 WHERE used_at IS NULL")
        .await;
    let expired = get_page(&collector, &second).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(text(&expired).contains("expired"), "{}", text(&expired));
    let expired = post_form(
        &collector,
        "/mail/download",
        &format!("t={}&format=json", token_of(&second)),
        "text/html",
    )
    .await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(!text(&expired).contains("anna@example.se"));

    // An extension and a refusal, each with its reason, reach the person.
    let portability = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "portability", "personId": bo}),
    )
    .await;
    post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{portability}/extend"),
        serde_json::json!({"months": 1, "reason": "We are moving systems this month"}),
    )
    .await;
    let extended = body_text(&mail_to(&smtp, "bo@example.se", "need more time").await);
    assert!(
        extended.contains("We are moving systems this month"),
        "{extended}"
    );
    post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{portability}/refuse"),
        serde_json::json!({"reason": "We could not confirm it was you"}),
    )
    .await;
    let refused = body_text(&mail_to(&smtp, "bo@example.se", "cannot do it").await);
    assert!(
        refused.contains("We could not confirm it was you"),
        "{refused}"
    );

    // Rectification of a restricted contact: done by the request itself; the old values are
    // not kept, and the history names the fields only.
    let restriction = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "restriction", "personId": cia}),
    )
    .await;
    complete(&collector, &keys, &restriction, serde_json::json!({})).await;
    // Sent to the address she has when it goes: wait for it before correcting that.
    mail_to(&smtp, "cia@example.se", "is done").await;
    let patched = call(
        &collector,
        Method::PATCH,
        &format!("/v1/contacts/{cia}"),
        Some(&keys.dpo),
        Some(serde_json::json!({"profile": {"firstName": "Cecilia"}})),
    )
    .await;
    assert_problem(&patched, StatusCode::CONFLICT);
    let rectification = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "rectification", "personId": cia}),
    )
    .await;
    let with_card = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{rectification}/complete"),
        serde_json::json!({"corrections": {"card": {"basis": "consent"}}}),
    )
    .await;
    assert_problem(&with_card, StatusCode::UNPROCESSABLE_ENTITY);
    let done = complete(&collector, &keys, &rectification, serde_json::json!({"corrections": {"identifiers": {"email": "cecilia@example.se"}, "profile": {"firstName": "Cecilia"}}})).await;
    assert_eq!(
        done["outcome"]["rectified"],
        serde_json::json!({"identifiers": ["email"], "profileFields": ["firstName"]})
    );
    let told = body_text(&mail_to(&smtp, "cecilia@example.se", "is done").await);
    assert!(
        told.contains("we corrected: e-mail address, first name"),
        "{told}"
    );
    let contact = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{cia}/export?format=json"),
    )
    .await
    .json();
    assert_eq!(contact["identifiers"]["email"], "cecilia@example.se");
    assert_eq!(contact["profile"]["firstName"], "Cecilia");
    let history = contact["history"].to_string();
    assert!(
        history.contains("profile.rectify") && history.contains(&rectification),
        "{history}"
    );
    assert!(
        !history.contains("Cecilia") && !history.contains("example.se"),
        "{history}"
    );
    assert!(
        collector
            .query_texts("SELECT lookup FROM contact_identifiers")
            .await
            .len()
            == 4,
        "the old address's lookup is replaced, not added"
    );
    // Lifting the restriction tells her too (Art 18(3)).
    post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{restriction}/lift"),
        serde_json::json!({"reason": "Data corrected"}),
    )
    .await;
    let lifted = body_text(&mail_to(&smtp, "cecilia@example.se", "lifted").await);
    assert!(
        lifted.contains("restriction of how your data is used"),
        "{lifted}"
    );

    // An objection to direct marketing: no re-subscription by an admin, only her own consent.
    let objection = verified(&collector, &keys, serde_json::json!({"kind": "objection", "personId": dan, "site": "demo", "purpose": "newsletter"})).await;
    complete(&collector, &keys, &objection, serde_json::json!({})).await;
    let told = body_text(&mail_to(&smtp, "dan@example.se", "is done").await);
    assert!(told.contains("we no longer use your data for"), "{told}");
    assert!(
        !select_all(&collector, &keys.marketer, GRANTED)
            .await
            .contains(&dan)
    );
    let resubscribed = post_json(&collector, &keys.admin, &format!("/v1/contacts/{dan}/resubscribe"), serde_json::json!({"site": "demo", "purpose": "newsletter", "reason": "He called us", "evidenceBase64": "aGVsbG8"})).await;
    assert_problem(&resubscribed, StatusCode::CONFLICT);
    assert_eq!(resubscribed.json()["type"], "urn:samtycke:problem:objected");
    // An import of his consent to the newsletter is taken (a new import receipt) but lifts
    // nothing.
    let today = time::OffsetDateTime::now_utc().date();
    let imported = collector
        .send(
            Request::post("/v1/imports?site=demo&basis=consent")
                .header(header::AUTHORIZATION, format!("Bearer {}", keys.dpo))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(format!(
                    "Email ID,First name,Consent date,Consent purpose\ndan@example.se,Dan,{today},newsletter\n"
                )))
                .expect("request"),
        )
        .await;
    assert!(imported.status.is_success(), "{}", imported.json());
    let import = imported.json()["id"].as_str().expect("id").to_owned();
    let mut record = serde_json::Value::Null;
    for _ in 0..200 {
        record = get_as(&collector, &keys.dpo, &format!("/v1/imports/{import}"))
            .await
            .json();
        if record["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(record["state"], "done", "{record}");
    assert_eq!(
        receipt_methods(&collector, &keys.dpo, &dan)
            .await
            .last()
            .map(String::as_str),
        Some("import"),
        "the import was recorded"
    );
    assert!(
        !select_all(&collector, &keys.marketer, GRANTED)
            .await
            .contains(&dan),
        "an import does not lift it"
    );
    opt_in(&collector, 4, "dan@example.se").await;
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .contains(&dan),
        "his own opt-in does"
    );

    // Erasure: told before the address goes; the request stays, naming no one.
    let erasure = verified(
        &collector,
        &keys,
        serde_json::json!({"kind": "erasure", "personId": bo}),
    )
    .await;
    let done = complete(&collector, &keys, &erasure, serde_json::json!({})).await;
    assert_eq!(done["outcome"]["personTold"], true, "{done}");
    let told = body_text(&mail_to(&smtp, "bo@example.se", "is done").await);
    assert!(
        told.contains("we are erasing what we hold about you"),
        "{told}"
    );
    assert!(
        !told.contains("/mail/preferences"),
        "no link to a centre that is gone: {told}"
    );
    assert_problem(
        &get_as(&collector, &keys.dpo, &format!("/v1/contacts/{bo}")).await,
        StatusCode::NOT_FOUND,
    );

    // Nothing of anyone's in clear in the database: addresses, the corrected name.
    let bytes = collector.database_bytes().await;
    for value in [
        "anna@example.se",
        "bo@example.se",
        "cia@example.se",
        "cecilia@example.se",
        "dan@example.se",
        "Cecilia",
    ] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value} in clear"
        );
    }
}

/// Who the marketer may process for the newsletter, by the rules: granted, not expired, and
/// neither restricted, objected, erased nor waiting for a confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Granted,
    Withdrawn,
    Expired,
    Restricted,
    Objected,
    Erased,
    Unconfirmed,
    UnconfirmedChild,
}

#[tokio::test]
async fn the_marketers_query_and_exports_leave_out_everyone_the_rules_leave_out() {
    let smtp = SmtpServer::start();
    // The newsletter asks for a double opt-in and the age (children: a guardian's confirmation).
    let (collector, _stop) = super::children::collector_with(&smtp, true).await;
    let keys = keys(&collector).await;
    let fates = [
        Fate::Granted,
        Fate::Withdrawn,
        Fate::Expired,
        Fate::Restricted,
        Fate::Objected,
        Fate::Erased,
        Fate::Unconfirmed,
        Fate::Granted,
        Fate::Restricted,
        Fate::Expired,
        Fate::Objected,
        Fate::UnconfirmedChild,
        Fate::Granted,
    ];
    let mut people = Vec::new();
    for (index, fate) in fates.iter().enumerate() {
        let seed = u8::try_from(index + 1).expect("seed");
        let address = format!("person{seed}@example.se");
        if *fate == Fate::UnconfirmedChild {
            let answer = super::children::sign_up(
                &collector,
                seed,
                &address,
                Some(AgeAnswer::BelowMinimum),
                Some(&format!("parent{seed}@example.se")),
            )
            .await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
            mail_to(&smtp, &format!("parent{seed}@example.se"), "").await;
            people.push((person_of(&collector, &keys, &address).await, address, *fate));
            continue;
        }
        let answer = super::children::sign_up(
            &collector,
            seed,
            &address,
            Some(AgeAnswer::AtLeastMinimum),
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json());
        let message = mail_to(&smtp, &address, "").await;
        if *fate != Fate::Unconfirmed {
            let confirmed = post_form(
                &collector,
                &link_to(&parse(&message), "/mail/confirm?t="),
                "",
                "text/html",
            )
            .await;
            assert!(
                text(&confirmed).contains("Confirmed"),
                "{}",
                text(&confirmed)
            );
        }
        people.push((person_of(&collector, &keys, &address).await, address, *fate));
    }
    for (person, _, fate) in &people {
        match fate {
            Fate::Withdrawn => {
                let path = call(
                    &collector,
                    Method::GET,
                    &format!("/v1/contacts/{person}/unsubscribe?site=demo&purpose=newsletter"),
                    Some(&keys.marketer),
                    None,
                )
                .await
                .json();
                let url = path["url"].as_str().expect("url");
                let at = url.find("/mail/unsubscribe").expect("path");
                let answer =
                    post_form(&collector, &url[at..], "List-Unsubscribe=One-Click", "*/*").await;
                assert_eq!(answer.status, StatusCode::OK);
            }
            Fate::Expired => {
                collector.execute_sql(&format!("UPDATE contact_consent_state SET expires_at = 1 WHERE person_id = '{person}'")).await;
            }
            Fate::Restricted | Fate::Objected | Fate::Erased => {
                let kind = match fate {
                    Fate::Restricted => "restriction",
                    Fate::Objected => "objection",
                    _ => "erasure",
                };
                let mut body = serde_json::json!({"kind": kind, "personId": person});
                if *fate == Fate::Objected {
                    body["site"] = "demo".into();
                    body["purpose"] = "newsletter".into();
                }
                let id = verified(&collector, &keys, body).await;
                complete(&collector, &keys, &id, serde_json::json!({})).await;
            }
            Fate::Granted | Fate::Unconfirmed | Fate::UnconfirmedChild => {}
        }
    }
    let expected: BTreeSet<String> = people
        .iter()
        .filter(|(_, _, fate)| *fate == Fate::Granted)
        .map(|(person, _, _)| person.clone())
        .collect();
    assert_eq!(expected.len(), 3);

    let selected: BTreeSet<String> = select_all(&collector, &keys.marketer, GRANTED)
        .await
        .into_iter()
        .collect();
    assert_eq!(selected, expected, "the query");
    let count = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/count?{GRANTED}"),
    )
    .await
    .json();
    assert_eq!(count["count"], 3, "{count}");
    let dpo_selected: BTreeSet<String> = select_all(&collector, &keys.dpo, GRANTED)
        .await
        .into_iter()
        .collect();
    assert_eq!(dpo_selected, expected, "the DPO's query of the same");

    let csv = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/export?{GRANTED}&format=csv"),
    )
    .await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.bytes.as_slice());
    let exported: BTreeSet<String> = reader
        .records()
        .map(|r| r.expect("row")[15].to_owned())
        .collect();
    assert_eq!(exported, expected, "the CSV export: {}", text(&csv));
    let json = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/export?{GRANTED}&format=json"),
    )
    .await
    .json();
    let exported: BTreeSet<String> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["personId"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(exported, expected, "the JSON export");
    let listed = collector
        .send(
            Request::get(format!("/v1/contacts?{GRANTED}"))
                .header(header::AUTHORIZATION, format!("Bearer {}", keys.marketer))
                .header(header::ACCEPT, "text/csv")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let mut reader = csv::Reader::from_reader(listed.bytes.as_slice());
    let listed: BTreeSet<String> = reader
        .records()
        .map(|r| r.expect("row")[15].to_owned())
        .collect();
    assert_eq!(listed, expected, "the list as CSV");
}
