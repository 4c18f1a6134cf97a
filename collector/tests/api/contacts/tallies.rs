//! The counts come from running tallies kept by triggers (migration 0007), not from walking the
//! selection; these tests hold them to the selection itself (the listed contacts) through every
//! kind of change: grants, expiry on earlier days and today, holds of every scope, withdrawal,
//! a changed expiry and a deleted contact.

use super::*;

const STATES: [&str; 5] = ["granted", "expired", "held", "denied", "withdrawn"];

/// Every state's count, from `/count` and from `/counts`, and the listed contacts, which must
/// agree.
async fn assert_counts_agree_with_the_selection(collector: &TestCollector, keys: &Keys) {
    let counts = get_as(collector, &keys.dpo, "/v1/contacts/counts?site=demo").await;
    assert_eq!(counts.status.as_u16(), 200, "{}", counts.json());
    for purpose in ["newsletter", "analytics"] {
        for state in STATES {
            let query = format!("site=demo&purpose={purpose}&state={state}");
            let listed = select_all(collector, &keys.dpo, &query).await.len();
            let count = get_as(collector, &keys.dpo, &format!("/v1/contacts/count?{query}")).await;
            assert_eq!(count.status.as_u16(), 200, "{}", count.json());
            assert_eq!(count.json()["count"], listed, "count of {query}");
            assert_eq!(
                counts.json()["purposes"][purpose][state],
                listed,
                "counts of {query}: {}",
                counts.json()
            );
        }
    }
}

#[tokio::test]
async fn tallied_counts_agree_with_the_selection_through_every_change() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let now = samtycke_collector::time::now_unix();
    let addresses: Vec<String> = (1..=9).map(|i| format!("c{i}@example.se")).collect();
    for (i, address) in addresses.iter().enumerate() {
        let seed = 20 + i as u8;
        opt_in_at(&collector, seed, address, now - 100).await;
        decide(
            &collector,
            seed,
            &[("analytics", Decision::Granted)],
            now - 90,
        )
        .await;
    }
    assert_counts_agree_with_the_selection(&collector, &keys).await;

    let mut people = Vec::new();
    for address in &addresses {
        people.push(person_of(&collector, &keys, address).await);
    }
    let expire = |person: &str, at: Option<i64>| {
        let at = at.map_or("NULL".to_owned(), |at| at.to_string());
        format!(
            "UPDATE contact_consent_state SET expires_at = {at} \
             WHERE person_id = '{person}' AND purpose = 'newsletter'"
        )
    };
    // Expired on an earlier day, expired today, expiring later today (or just after midnight),
    // never expiring, expiring in a month.
    collector
        .execute_sql(&expire(&people[0], Some(now - 2 * 86_400)))
        .await;
    collector
        .execute_sql(&expire(&people[1], Some(now - 1)))
        .await;
    collector
        .execute_sql(&expire(&people[2], Some(now + 60)))
        .await;
    collector.execute_sql(&expire(&people[3], None)).await;
    collector
        .execute_sql(&expire(&people[4], Some(now + 30 * 86_400)))
        .await;
    // Holds: on every site and purpose; on another purpose only; on another site only; on
    // this site and purpose, on a contact live today; two on one contact.
    let hold = |person: &str, site: &str, purpose: &str| {
        format!(
            "INSERT INTO contact_holds (person_id, site, purpose, reason, since) \
             VALUES ('{person}', {site}, {purpose}, 'restricted', {now})"
        )
    };
    collector
        .execute_sql(&hold(&people[4], "NULL", "NULL"))
        .await;
    collector
        .execute_sql(&hold(&people[5], "NULL", "'analytics'"))
        .await;
    collector
        .execute_sql(&hold(&people[6], "'shop'", "NULL"))
        .await;
    collector
        .execute_sql(&hold(&people[2], "'demo'", "'newsletter'"))
        .await;
    collector
        .execute_sql(&hold(&people[7], "'demo'", "NULL"))
        .await;
    collector
        .execute_sql(&hold(&people[7], "NULL", "'newsletter'"))
        .await;
    assert_counts_agree_with_the_selection(&collector, &keys).await;

    // A withdrawal, a refusal, and a deleted contact.
    decide(
        &collector,
        28,
        &[("newsletter", Decision::Withdrawn)],
        now - 10,
    )
    .await;
    decide(&collector, 27, &[("analytics", Decision::Denied)], now - 10).await;
    let deleted = call(
        &collector,
        axum::http::Method::DELETE,
        &format!("/v1/contacts/{}", people[3]),
        Some(&keys.dpo),
        None,
    )
    .await;
    assert_eq!(deleted.status.as_u16(), 204);
    assert_counts_agree_with_the_selection(&collector, &keys).await;

    let granted = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/count?site=demo&purpose=newsletter&state=granted",
    )
    .await;
    // Left: the fifth (held everywhere), sixth and seventh (held elsewhere only): 6 and 7;
    // third is held, first two expired, fourth deleted, eighth held twice, ninth withdrew.
    assert_eq!(granted.json()["count"], 2, "{}", granted.json());
}
