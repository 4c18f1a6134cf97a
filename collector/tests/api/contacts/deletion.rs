//! Deleting a contact destroys its identifiers, profile and keys, and its devices' vaults; the
//! receipts stay and verify, naming no one. No identifier or profile value is ever in the
//! database in clear. Addresses opted in before contacts existed become contacts on start.

use axum::http::{Method, StatusCode};
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::Decision;
use samtycke_shared::jose::verify_receipt;

use super::*;

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

#[tokio::test]
async fn a_deleted_contact_is_gone_everywhere_while_its_receipts_still_verify() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "annabelle@example.se").await;
    decide(
        &collector,
        1,
        &[("analytics", Decision::Granted)],
        samtycke_collector::time::now_unix(),
    )
    .await;
    opt_in(&collector, 2, "bo.keeps@example.se").await;
    let anna = person_of(&collector, &keys, "annabelle@example.se").await;
    let bo = person_of(&collector, &keys, "bo.keeps@example.se").await;
    let profile = serde_json::json!({
        "identifiers": {"phone": "+46701234567"},
        "profile": {"firstName": "Annabelle", "lastName": "Lindqvist", "company": "Hemligt AB"},
    });
    for id in [&anna, &bo] {
        let answer = call(
            &collector,
            Method::PATCH,
            &format!("/v1/contacts/{id}"),
            Some(&keys.dpo),
            Some(if id == &anna {
                profile.clone()
            } else {
                serde_json::json!({"profile": {"lastName": "Bengtsson"}})
            }),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    }
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?format=json"),
    )
    .await;
    let receipts: Vec<String> = export.json()["receipts"]
        .as_array()
        .expect("receipts")
        .iter()
        .map(|r| r["receipt"].as_str().expect("jwt").to_owned())
        .collect();
    assert_eq!(receipts.len(), 2);

    let bytes = collector.database_bytes().await;
    for value in [
        "annabelle@example.se",
        "bo.keeps@example.se",
        "Annabelle",
        "Lindqvist",
        "Hemligt",
        "Bengtsson",
        "701234567",
    ] {
        assert!(
            !contains(&bytes, value),
            "{value} is in the database in clear"
        );
    }

    let deleted = call(
        &collector,
        Method::DELETE,
        &format!("/v1/contacts/{anna}"),
        Some(&keys.dpo),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_problem(
        &get_as(&collector, &keys.dpo, &format!("/v1/contacts/{anna}")).await,
        StatusCode::NOT_FOUND,
    );
    assert_problem(
        &get_as(
            &collector,
            &keys.dpo,
            &format!("/v1/contacts/{anna}/export"),
        )
        .await,
        StatusCode::NOT_FOUND,
    );
    for purpose in ["newsletter", "analytics"] {
        for state in ["granted", "denied", "withdrawn", "expired", "held"] {
            let ids = select_all(
                &collector,
                &keys.dpo,
                &format!("site=demo&purpose={purpose}&state={state}"),
            )
            .await;
            assert!(!ids.contains(&anna), "{purpose} {state}");
        }
    }
    let csv = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/export?site=demo&purpose=newsletter",
    )
    .await;
    assert!(!contains(&csv.bytes, "annabelle"));
    assert!(contains(&csv.bytes, "bo.keeps@example.se"), "others stay");

    // The receipts stay and verify; the device's vault is gone.
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    for receipt in &receipts {
        verify_receipt(receipt, &jwks).expect("a deleted contact's receipt still verifies");
    }
    let vault = collector.vault().await;
    assert!(
        vault
            .identifiers(&device(1).subject())
            .await
            .expect("reads")
            .is_empty()
    );
    assert_eq!(
        vault
            .identifiers(&device(2).subject())
            .await
            .expect("reads")
            .len(),
        1
    );
    let left: Vec<String> = collector
        .query_texts(&format!(
            "SELECT person_id FROM contact_history WHERE person_id = '{anna}' \
             UNION ALL SELECT person_id FROM contact_subjects WHERE person_id = '{anna}' \
             UNION ALL SELECT person_id FROM contact_identifiers WHERE person_id = '{anna}'"
        ))
        .await;
    assert!(left.is_empty(), "{left:?}");

    // The deletion is audited with counts only.
    let entries = audit_actions(&collector, &keys).await;
    let (_, detail) = entries
        .iter()
        .find(|(action, _)| action == "contact.delete")
        .expect("audited");
    assert_eq!(detail["subjects"], 1);
    assert_eq!(detail["receiptsKept"], 2);
    let log = serde_json::to_string(&entries).expect("json");
    for value in ["annabelle", "Lindqvist", "4567", "bo.keeps"] {
        assert!(!log.contains(value), "the audit log holds {value}");
    }
    let bytes = collector.database_bytes().await;
    assert!(!contains(&bytes, "annabelle@example.se"));
}

#[tokio::test]
async fn addresses_opted_in_before_contacts_existed_become_contacts_on_start() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "early@example.se").await;
    opt_in(&collector, 2, "early@example.se").await;
    // As a database migrated from before contacts: the vaults, no contacts.
    for table in [
        "contact_consent_state",
        "contact_subjects",
        "contact_history",
        "contact_identifiers",
        "contacts",
    ] {
        collector.execute_sql(&format!("DELETE FROM {table}")).await;
    }
    assert!(
        select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter")
            .await
            .is_empty()
    );
    let collector = collector.restart().await;
    let ids = select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter").await;
    assert_eq!(ids.len(), 1, "both devices are one contact");
    let shown = call(
        &collector,
        Method::POST,
        &format!("/v1/contacts/{}/reveal", ids[0]),
        Some(&keys.dpo),
        Some(serde_json::json!({"reason": "check"})),
    )
    .await;
    assert_eq!(shown.json()["identifiers"]["email"], "early@example.se");
    assert_eq!(shown.json()["card"]["source"], "form");
    // A second start finds nothing left to adopt.
    let collector = collector.restart().await;
    assert_eq!(
        select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter")
            .await
            .len(),
        1
    );
}
