//! The compliance card: its rules as 422 problems naming the field, its history, manual entry,
//! and bulk updates that change every contact or none.

use axum::http::{Method, StatusCode};

use super::*;

async fn put_card(
    collector: &TestCollector,
    token: &str,
    id: &str,
    card: serde_json::Value,
) -> Answer {
    call(
        collector,
        Method::PUT,
        &format!("/v1/contacts/{id}/card"),
        Some(token),
        Some(card),
    )
    .await
}

#[tokio::test]
async fn the_card_refuses_what_its_basis_does_not_allow_and_keeps_a_history() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let id = person_of(&collector, &keys, "anna@example.se").await;

    for (card, field) in [
        (
            serde_json::json!({"basis": "consent", "consentPurpose": "newsletter"}),
            "consentDate",
        ),
        (
            serde_json::json!({"basis": "consent", "consentDate": "2026-01-05"}),
            "consentPurpose",
        ),
        (
            serde_json::json!({"basis": "contract", "consentDate": "2026-01-05"}),
            "consentDate",
        ),
        (
            serde_json::json!({"basis": "legitimate_interest", "consentPurpose": "newsletter"}),
            "consentPurpose",
        ),
        (serde_json::json!({"basis": "other"}), "basisOther"),
        (serde_json::json!({"source": "other"}), "sourceOther"),
        (
            serde_json::json!({"basis": "contract", "basisOther": "why not"}),
            "basisOther",
        ),
        (
            serde_json::json!({"basis": "consent", "consentDate": "2999-01-01", "consentPurpose": "x"}),
            "consentDate",
        ),
        (
            serde_json::json!({"basis": "consent", "consentDate": "5 January", "consentPurpose": "x"}),
            "consentDate",
        ),
    ] {
        let answer = put_card(&collector, &keys.marketer, &id, card.clone()).await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.json()["field"], field, "{card}: {}", answer.json());
        assert_eq!(
            answer.json()["type"],
            "urn:samtycke:problem:invalid-card",
            "{card}"
        );
    }
    let unknown = put_card(
        &collector,
        &keys.marketer,
        &id,
        serde_json::json!({"basis": "whim"}),
    )
    .await;
    assert_problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY);

    let card = serde_json::json!({
        "basis": "other", "basisOther": "a collective agreement",
        "source": "crm_sync",
    });
    let answer = put_card(&collector, &keys.marketer, &id, card).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    assert_eq!(answer.json()["card"]["basis"], "other");
    assert_eq!(
        answer.json()["card"]["consentDate"],
        serde_json::Value::Null
    );

    let history = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{id}/history"),
    )
    .await;
    let entries = history.json()["history"]
        .as_array()
        .expect("history")
        .clone();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["action"], "created");
    assert_eq!(entries[0]["actor"], "form");
    assert_eq!(entries[1]["action"], "card.update");
    assert!(
        entries[1]["actor"]
            .as_str()
            .unwrap_or("")
            .starts_with("key:")
    );
    assert_eq!(entries[1]["detail"]["from"]["basis"], "consent");
    assert_eq!(entries[1]["detail"]["to"]["basis"], "other");
    assert_eq!(entries[1]["detail"]["to"]["source"], "crm_sync");
}

#[tokio::test]
async fn a_contact_entered_by_hand_is_checked_sealed_and_found_by_its_address() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let entered = serde_json::json!({
        "identifiers": {"email": "Greta@Example.se", "phone": "+46 70 123 45 67",
                        "salesforceId": "0035g00000AbCdE"},
        "profile": {"firstName": "Greta", "lastName": "Garbo", "company": "Filmhuset"},
        "card": {"basis": "contract", "source": "manual"},
    });
    let marketer = call(
        &collector,
        Method::POST,
        "/v1/contacts",
        Some(&keys.marketer),
        Some(entered.clone()),
    )
    .await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);
    let made = call(
        &collector,
        Method::POST,
        "/v1/contacts",
        Some(&keys.dpo),
        Some(entered.clone()),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    let contact = made.json();
    assert_eq!(contact["identifiers"]["email"], "g***@e*****.se");
    assert_eq!(contact["identifiers"]["phone"], "********4567");
    assert_eq!(contact["identifiers"]["salesforceId"], "***********bCdE");
    assert_eq!(contact["profile"]["firstName"], "G***");
    let id = contact["personId"].as_str().expect("id").to_owned();

    // The same address again is another contact's: a conflict.
    let again = call(
        &collector,
        Method::POST,
        "/v1/contacts",
        Some(&keys.dpo),
        Some(serde_json::json!({"identifiers": {"email": "greta@example.se"}})),
    )
    .await;
    assert_problem(&again, StatusCode::CONFLICT);
    // A bad identifier or profile value is named, not repeated.
    for (body, field) in [
        (
            serde_json::json!({"identifiers": {"phone": "call me"}}),
            "phone",
        ),
        (
            serde_json::json!({"identifiers": {"email": "greta@"}}),
            "email",
        ),
        (
            serde_json::json!({"profile": {"title": "a\u{7}b"}}),
            "title",
        ),
    ] {
        let answer = call(
            &collector,
            Method::POST,
            "/v1/contacts",
            Some(&keys.dpo),
            Some(body),
        )
        .await;
        assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(answer.json()["field"], field);
        assert!(!String::from_utf8_lossy(&answer.bytes).contains("call me"));
    }

    // Greta opts in on the site with her address: her device joins her contact.
    opt_in(&collector, 9, "greta@example.se").await;
    let revealed = call(
        &collector,
        Method::POST,
        &format!("/v1/contacts/{id}/reveal"),
        Some(&keys.dpo),
        Some(serde_json::json!({"reason": "subject access request 2026-12"})),
    )
    .await;
    assert_eq!(revealed.status, StatusCode::OK, "{}", revealed.json());
    let shown = revealed.json();
    assert_eq!(shown["masked"], false);
    assert_eq!(shown["identifiers"]["email"], "greta@example.se");
    assert_eq!(shown["identifiers"]["phone"], "+46701234567");
    assert_eq!(shown["profile"]["lastName"], "Garbo");
    assert_eq!(shown["consents"][0]["purpose"], "newsletter");
    assert_eq!(shown["consents"][0]["state"], "granted");
    assert_eq!(
        shown["card"]["basis"], "contract",
        "an opt-in does not rewrite a card"
    );

    let no_reason = call(
        &collector,
        Method::POST,
        &format!("/v1/contacts/{id}/reveal"),
        Some(&keys.dpo),
        Some(serde_json::json!({"reason": "  "})),
    )
    .await;
    assert_problem(&no_reason, StatusCode::UNPROCESSABLE_ENTITY);
    let reveals: Vec<_> = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action == "contact.reveal")
        .collect();
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].1["reason"], "subject access request 2026-12");
    assert_eq!(reveals[0].1["personId"], id.as_str());

    // An update changes the named fields only; the history names fields, never values.
    let updated = call(
        &collector,
        Method::PATCH,
        &format!("/v1/contacts/{id}"),
        Some(&keys.dpo),
        Some(serde_json::json!({"profile": {"title": "Actor"}})),
    )
    .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.json());
    let history = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{id}/history")).await;
    let text = String::from_utf8_lossy(&history.bytes).into_owned();
    assert!(text.contains("\"title\""), "{text}");
    for value in ["Actor", "Greta", "Garbo", "greta@", "4567"] {
        assert!(!text.contains(value), "the history holds {value}: {text}");
    }
}

#[tokio::test]
async fn a_bulk_update_changes_every_contact_or_none_and_is_audited_once() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    for seed in 1..=3 {
        opt_in(&collector, seed, &format!("person{seed}@example.se")).await;
    }
    let ids = select_all(&collector, &keys.marketer, "site=demo&purpose=newsletter").await;
    assert_eq!(ids.len(), 3);
    let bulk = |body: serde_json::Value| {
        call(
            &collector,
            Method::POST,
            "/v1/contacts/bulk-update",
            Some(&keys.marketer),
            Some(body),
        )
    };

    // Legitimate interest with a consent date is refused for all three: nothing changes.
    let refused = bulk(serde_json::json!({
        "personIds": ids,
        "basis": {"basis": "legitimate_interest", "consentDate": "2026-01-01"},
        "source": {"source": "import"},
    }))
    .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    let results = refused.json()["results"]
        .as_array()
        .expect("results")
        .clone();
    assert_eq!(results.len(), 3);
    assert!(
        results
            .iter()
            .all(|r| r["result"] == "refused" && r["field"] == "consentDate")
    );

    // One unknown id among good ones: still none changes.
    let mut with_unknown = ids.clone();
    with_unknown.push("00000000-0000-4000-8000-000000000000".to_owned());
    let refused = bulk(serde_json::json!({
        "personIds": with_unknown,
        "source": {"source": "crm_sync"},
    }))
    .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    let results = refused.json()["results"]
        .as_array()
        .expect("results")
        .clone();
    assert_eq!(
        results
            .iter()
            .filter(|r| r["result"] == "not-found")
            .count(),
        1
    );
    for id in &ids {
        let contact = get_as(&collector, &keys.marketer, &format!("/v1/contacts/{id}")).await;
        assert_eq!(contact.json()["card"]["source"], "form", "unchanged");
    }

    // By selection: all three move to legitimate interest, sourced from a CRM.
    let done = bulk(serde_json::json!({
        "selection": {"site": "demo", "purpose": "newsletter", "state": "granted"},
        "basis": {"basis": "legitimate_interest"},
        "source": {"source": "crm_sync"},
    }))
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json());
    assert_eq!(done.json()["updated"], 3);
    for id in &ids {
        let contact = get_as(&collector, &keys.marketer, &format!("/v1/contacts/{id}")).await;
        assert_eq!(contact.json()["card"]["basis"], "legitimate_interest");
        assert_eq!(
            contact.json()["card"]["consentPurpose"],
            serde_json::Value::Null
        );
    }
    // Again: nothing to change.
    let again = bulk(serde_json::json!({"personIds": ids, "source": {"source": "crm_sync"}})).await;
    assert_eq!(again.json()["unchanged"], 3, "{}", again.json());

    let bulk_entries = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action == "contacts.bulk-update")
        .collect::<Vec<_>>();
    assert_eq!(bulk_entries.len(), 2, "one entry per successful call");
    assert_eq!(bulk_entries[0].1["contacts"], 3);
    assert_eq!(bulk_entries[0].1["updated"], 3);

    for body in [
        serde_json::json!({"personIds": ids}),
        serde_json::json!({"source": {"source": "api"}}),
        serde_json::json!({"personIds": [], "source": {"source": "api"}}),
    ] {
        assert_problem(&bulk(body).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
