//! The marketer's question, "who may I contact for P now?", checked against a reference the
//! test computes from the decisions it sent: the latest decision per address and purpose among
//! all its devices, less expired grants and held contacts.

use std::collections::{BTreeMap, BTreeSet};

use samtycke_shared::Decision;

use super::*;

/// What the test sent: (address, device, purpose, decision, at), in sending order.
type Sent = Vec<(&'static str, u8, &'static str, Decision, i64)>;

/// The latest decision per address and purpose (ties: the one sent later).
fn reference(sent: &Sent) -> BTreeMap<(&'static str, &'static str), Decision> {
    let mut latest: BTreeMap<(&str, &str), (i64, usize, Decision)> = BTreeMap::new();
    for (order, (address, _, purpose, decision, at)) in sent.iter().enumerate() {
        let entry = latest
            .entry((*address, *purpose))
            .or_insert((*at, order, *decision));
        if (*at, order) >= (entry.0, entry.1) {
            *entry = (*at, order, *decision);
        }
    }
    latest.into_iter().map(|(k, (_, _, d))| (k, d)).collect()
}

fn addresses_in(
    reference: &BTreeMap<(&'static str, &'static str), Decision>,
    purpose: &str,
    decision: Decision,
    left_out: &[&str],
) -> BTreeSet<String> {
    reference
        .iter()
        .filter(|((address, p), d)| *p == purpose && **d == decision && !left_out.contains(address))
        .map(|((address, _), _)| address.to_string())
        .collect()
}

async fn emails_of(collector: &TestCollector, keys: &Keys, query: &str) -> BTreeSet<String> {
    let mut emails = BTreeSet::new();
    for id in select_all(collector, &keys.dpo, query).await {
        let answer = call(
            collector,
            axum::http::Method::POST,
            &format!("/v1/contacts/{id}/reveal"),
            Some(&keys.dpo),
            Some(serde_json::json!({"reason": "test reference"})),
        )
        .await;
        emails.insert(
            answer.json()["identifiers"]["email"]
                .as_str()
                .expect("email")
                .to_owned(),
        );
    }
    emails
}

#[tokio::test]
async fn the_marketers_query_answers_exactly_whom_the_receipts_allow_now() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let now = samtycke_collector::time::now_unix();
    let mut sent: Sent = Vec::new();
    // Anna opts in and grants analytics on the same device.
    opt_in_at(&collector, 1, "anna@example.se", now - 500).await;
    sent.push((
        "anna@example.se",
        1,
        "newsletter",
        Decision::Granted,
        now - 500,
    ));
    decide(
        &collector,
        1,
        &[("analytics", Decision::Granted)],
        now - 400,
    )
    .await;
    sent.push((
        "anna@example.se",
        1,
        "analytics",
        Decision::Granted,
        now - 400,
    ));
    // Bo opts in, then withdraws in the settings.
    opt_in_at(&collector, 2, "bo@example.se", now - 500).await;
    sent.push((
        "bo@example.se",
        2,
        "newsletter",
        Decision::Granted,
        now - 500,
    ));
    decide(
        &collector,
        2,
        &[("newsletter", Decision::Withdrawn)],
        now - 300,
    )
    .await;
    sent.push((
        "bo@example.se",
        2,
        "newsletter",
        Decision::Withdrawn,
        now - 300,
    ));
    // Cecilia opts in on two devices (one contact); the second withdraws later, the first
    // refuses analytics.
    opt_in_at(&collector, 3, "cecilia@example.se", now - 500).await;
    sent.push((
        "cecilia@example.se",
        3,
        "newsletter",
        Decision::Granted,
        now - 500,
    ));
    opt_in_at(&collector, 4, "Cecilia@Example.se", now - 450).await;
    sent.push((
        "cecilia@example.se",
        4,
        "newsletter",
        Decision::Granted,
        now - 450,
    ));
    decide(
        &collector,
        4,
        &[("newsletter", Decision::Withdrawn)],
        now - 200,
    )
    .await;
    sent.push((
        "cecilia@example.se",
        4,
        "newsletter",
        Decision::Withdrawn,
        now - 200,
    ));
    decide(&collector, 3, &[("analytics", Decision::Denied)], now - 100).await;
    sent.push((
        "cecilia@example.se",
        3,
        "analytics",
        Decision::Denied,
        now - 100,
    ));
    // A withdrawal delivered late (decided before the grant that follows it) does not win.
    opt_in_at(&collector, 5, "david@example.se", now - 50).await;
    sent.push((
        "david@example.se",
        5,
        "newsletter",
        Decision::Granted,
        now - 50,
    ));
    decide(
        &collector,
        5,
        &[("newsletter", Decision::Withdrawn)],
        now - 60,
    )
    .await;
    sent.push((
        "david@example.se",
        5,
        "newsletter",
        Decision::Withdrawn,
        now - 60,
    ));
    // Eva and Filip opt in; Eva's grant will have expired, Filip will be held.
    opt_in_at(&collector, 6, "eva@example.se", now - 500).await;
    sent.push((
        "eva@example.se",
        6,
        "newsletter",
        Decision::Granted,
        now - 500,
    ));
    opt_in_at(&collector, 7, "filip@example.se", now - 500).await;
    sent.push((
        "filip@example.se",
        7,
        "newsletter",
        Decision::Granted,
        now - 500,
    ));
    // A device that never gave an address is no contact.
    decide(&collector, 8, &[("analytics", Decision::Granted)], now - 10).await;

    let eva = person_of(&collector, &keys, "eva@example.se").await;
    let filip = person_of(&collector, &keys, "filip@example.se").await;
    collector
        .execute_sql(&format!(
            "UPDATE contact_consent_state SET expires_at = {} WHERE person_id = '{eva}'",
            now - 1
        ))
        .await;
    collector
        .execute_sql(&format!(
            "INSERT INTO contact_holds (person_id, site, purpose, reason, since) \
             VALUES ('{filip}', NULL, NULL, 'restricted', {now})"
        ))
        .await;

    let reference = reference(&sent);
    let left_out = ["eva@example.se", "filip@example.se"];
    for (purpose, decision, state) in [
        ("newsletter", Decision::Granted, "granted"),
        ("newsletter", Decision::Withdrawn, "withdrawn"),
        ("analytics", Decision::Granted, "granted"),
        ("analytics", Decision::Denied, "denied"),
    ] {
        let expected = addresses_in(&reference, purpose, decision, &left_out);
        let query = format!("site=demo&purpose={purpose}&state={state}");
        assert_eq!(
            emails_of(&collector, &keys, &query).await,
            expected,
            "{query}"
        );
        let count = get_as(
            &collector,
            &keys.marketer,
            &format!("/v1/contacts/count?{query}"),
        )
        .await;
        assert_eq!(count.json()["count"], expected.len(), "{query}");
    }
    assert_eq!(
        emails_of(
            &collector,
            &keys,
            "site=demo&purpose=newsletter&state=expired"
        )
        .await,
        BTreeSet::from(["eva@example.se".to_owned()])
    );
    assert_eq!(
        emails_of(&collector, &keys, "site=demo&purpose=newsletter&state=held").await,
        BTreeSet::from(["filip@example.se".to_owned()])
    );
    // The default state is "may be processed now".
    assert_eq!(
        select_all(&collector, &keys.marketer, "site=demo&purpose=newsletter").await,
        select_all(
            &collector,
            &keys.marketer,
            "site=demo&purpose=newsletter&state=granted"
        )
        .await
    );

    let counts = get_as(&collector, &keys.marketer, "/v1/contacts/counts?site=demo").await;
    assert_eq!(counts.status.as_u16(), 200, "{}", counts.json());
    let newsletter = &counts.json()["purposes"]["newsletter"];
    assert_eq!(newsletter["granted"], 2, "{newsletter}"); // anna, david
    assert_eq!(newsletter["withdrawn"], 2); // bo, cecilia
    assert_eq!(newsletter["expired"], 1);
    assert_eq!(newsletter["held"], 1);
    assert_eq!(counts.json()["purposes"]["media"]["granted"], 0);
}

#[tokio::test]
async fn a_marketer_sees_masked_values_and_pages_with_a_cursor() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    for seed in 1..=5 {
        opt_in(&collector, seed, &format!("person{seed}@example.se")).await;
    }
    let ids = select_all(&collector, &keys.marketer, "site=demo&purpose=newsletter").await;
    assert_eq!(ids.len(), 5);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "pages follow one another without repeats");

    let page = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts?site=demo&purpose=newsletter&limit=1",
    )
    .await;
    assert_eq!(
        page.headers
            .get(axum::http::header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let contact = &page.json()["contacts"][0];
    assert_eq!(contact["masked"], true);
    assert_eq!(contact["identifiers"]["email"], "p***@e*****.se");
    assert_eq!(contact["card"]["basis"], "consent");
    assert_eq!(contact["card"]["source"], "form");
    assert_eq!(contact["card"]["consentPurpose"], "newsletter");
    assert_eq!(contact["consents"][0]["state"], "granted");

    for (query, expected) in [
        ("site=demo&purpose=nope", "purpose"),
        ("site=demo&purpose=newsletter&state=maybe", "state"),
        ("site=demo&purpose=newsletter&basis=whim", "basis"),
        ("site=demo&purpose=newsletter&colour=red", "colour"),
        ("purpose=newsletter", "site"),
    ] {
        let answer = get_as(&collector, &keys.marketer, &format!("/v1/contacts?{query}")).await;
        assert_problem_mentioning(
            &answer,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            expected,
        );
    }
    let answer = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts?site=elsewhere&purpose=newsletter",
    )
    .await;
    assert_problem(&answer, axum::http::StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_exact_address_finds_its_contact_through_the_blind_index_in_list_count_and_export() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    for seed in 1..=3 {
        opt_in(&collector, seed, &format!("person{seed}@example.se")).await;
    }
    // Written differently from how it was given: the address is normalised before its index.
    let query = "site=demo&purpose=newsletter&email=%20Person2@Example.SE";
    let found = select_all(&collector, &keys.marketer, query).await;
    assert_eq!(found.len(), 1, "one contact has that address");
    let revealed = call(
        &collector,
        axum::http::Method::POST,
        &format!("/v1/contacts/{}/reveal", found[0]),
        Some(&keys.dpo),
        Some(serde_json::json!({"reason": "test reference"})),
    )
    .await;
    assert_eq!(
        revealed.json()["identifiers"]["email"],
        "person2@example.se"
    );
    let count = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/count?{query}"),
    )
    .await;
    assert_eq!(count.json()["count"], 1, "{}", count.text());
    let csv = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/export?{query}&format=csv"),
    )
    .await;
    assert_eq!(
        csv.text().lines().count(),
        2,
        "a header and one row: {}",
        csv.text()
    );
    assert!(csv.text().contains("person2@example.se"));

    let nobody = "site=demo&purpose=newsletter&email=nobody@example.se";
    assert!(
        select_all(&collector, &keys.marketer, nobody)
            .await
            .is_empty()
    );
    let withdrawn = "site=demo&purpose=newsletter&state=withdrawn&email=person2@example.se";
    assert!(
        select_all(&collector, &keys.marketer, withdrawn)
            .await
            .is_empty()
    );

    // A bulk change of "everyone matching" touches that one contact only.
    let answer = call(
        &collector,
        axum::http::Method::POST,
        "/v1/contacts/bulk-update",
        Some(&keys.marketer),
        Some(serde_json::json!({
            "selection": {"site": "demo", "purpose": "newsletter", "email": "person2@example.se"},
            "source": {"source": "manual"},
        })),
    )
    .await;
    assert_eq!(
        answer.status,
        axum::http::StatusCode::OK,
        "{}",
        answer.text()
    );
    assert_eq!(answer.json()["updated"], 1);
    let events = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/count?site=demo&purpose=newsletter&source=manual",
    )
    .await;
    assert_eq!(events.json()["count"], 1);

    let answer = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts?site=demo&purpose=newsletter&email=not-an-address",
    )
    .await;
    assert_problem_mentioning(
        &answer,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "email",
    );
}

#[tokio::test]
async fn the_daily_series_counts_each_decision_on_its_day_with_zeros_between() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let now = samtycke_collector::time::now_unix();
    let today = time::OffsetDateTime::from_unix_timestamp(now)
        .expect("now")
        .date();
    let yesterday = today.previous_day().expect("a day before");
    let noon_yesterday = yesterday.midnight().assume_utc().unix_timestamp() + 12 * 3600;
    opt_in_at(&collector, 1, "anna@example.se", noon_yesterday).await;
    opt_in_at(&collector, 2, "bo@example.se", now).await;
    decide(&collector, 2, &[("newsletter", Decision::Withdrawn)], now).await;
    decide(
        &collector,
        3,
        &[("analytics", Decision::Denied), ("ads", Decision::Granted)],
        now,
    )
    .await;

    let from = today - time::Duration::days(2);
    let answer = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/daily?site=demo&from={from}&to={today}"),
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.json());
    let series = answer.json();
    let newsletter = series["purposes"]["newsletter"].as_array().expect("points");
    assert_eq!(newsletter.len(), 3, "one point per day, zeros included");
    assert_eq!(
        newsletter[0],
        serde_json::json!({"day": from.to_string(), "granted": 0, "denied": 0, "withdrawn": 0})
    );
    assert_eq!(
        newsletter[1],
        serde_json::json!({"day": yesterday.to_string(), "granted": 1, "denied": 0, "withdrawn": 0})
    );
    assert_eq!(
        newsletter[2],
        serde_json::json!({"day": today.to_string(), "granted": 1, "denied": 0, "withdrawn": 1})
    );
    assert_eq!(series["purposes"]["analytics"][2]["denied"], 1);
    assert_eq!(series["purposes"]["ads"][2]["granted"], 1);
    assert_eq!(series["purposes"]["media"][2]["granted"], 0);

    for query in [
        format!("site=demo&from={today}&to={from}"),
        "site=demo&from=2020-01-01&to=2026-01-01".to_owned(),
        "site=demo&from=yesterday".to_owned(),
    ] {
        let answer = get_as(
            &collector,
            &keys.marketer,
            &format!("/v1/contacts/daily?{query}"),
        )
        .await;
        assert_problem(&answer, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    }
}
