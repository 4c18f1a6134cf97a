//! Data-subject requests for the DPO: due one month after they arrived, extendable once, listed
//! by due date and state, counted; completing one carries out the right (restriction and
//! objection keep the contact out of the marketer's query and a restricted card frozen, until a
//! recorded lift; access mails a copy; erasure deletes the contact, the request staying).

use axum::http::{Method, StatusCode};

use crate::contacts::{audit_actions, call, get_as, keys, opt_in, person_of, select_all};
use crate::helpers::*;

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";

async fn post_json(
    collector: &TestCollector,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> Answer {
    call(collector, Method::POST, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_request_is_due_a_month_after_it_arrived_extends_once_and_is_listed_and_counted() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    // Arrived by letter on 31 October, entered now: due 30 November, so overdue today.
    let arrived = time::macros::datetime!(2026-10-31 09:00 UTC).unix_timestamp();
    let now = samtycke_collector::time::now_unix();
    let received_at = if arrived > now - 300 * 86_400 {
        arrived
    } else {
        now - 40 * 86_400
    };
    let created = post_json(
        &collector,
        &keys.dpo,
        "/v1/requests",
        serde_json::json!({"kind": "access", "personId": anna, "receivedAt": received_at}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    let request = created.json();
    let id = request["id"].as_str().expect("id").to_owned();
    assert_eq!(request["state"], "received");
    if received_at == arrived {
        assert_eq!(request["dueAt"], "2026-11-30T09:00:00Z");
    }
    assert_eq!(request["overdue"], true);
    let counts = get_as(&collector, &keys.dpo, "/v1/requests/counts")
        .await
        .json();
    assert_eq!(counts["open"], 1);
    assert_eq!(counts["overdue"], 1);
    let metrics = String::from_utf8_lossy(&collector.get("/metrics").await.bytes).into_owned();
    for line in [
        "samtycke_requests_open 1",
        "samtycke_requests_overdue 1",
        "samtycke_requests_due_within_7_days 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }

    let extended = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/extend"),
        serde_json::json!({"months": 2, "reason": "Many requests this month"}),
    )
    .await;
    assert_eq!(extended.status, StatusCode::OK, "{}", extended.json());
    assert_eq!(
        extended.json()["extensionReason"],
        "Many requests this month"
    );
    let again = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/extend"),
        serde_json::json!({"months": 1, "reason": "More"}),
    )
    .await;
    assert_problem(&again, StatusCode::CONFLICT);
    let three = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/extend"),
        serde_json::json!({"months": 3, "reason": "More"}),
    )
    .await;
    assert_problem(&three, StatusCode::UNPROCESSABLE_ENTITY);

    let second = post_json(
        &collector,
        &keys.dpo,
        "/v1/requests",
        serde_json::json!({"kind": "rectification", "personId": anna}),
    )
    .await
    .json();
    let open = get_as(&collector, &keys.dpo, "/v1/requests?state=open")
        .await
        .json();
    let ids: Vec<&str> = open["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids.len(), 2, "{open}");
    let soon = time::OffsetDateTime::now_utc().date() + time::Duration::days(40);
    let due_soon = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/requests?state=received&due_before={soon}"),
    )
    .await
    .json();
    assert_eq!(due_soon["requests"][0]["id"], second["id"]);
    let bad = get_as(&collector, &keys.dpo, "/v1/requests?state=lost").await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY);

    // Completing needs a verified identity first; refusing needs a reason.
    let early = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/complete"),
        serde_json::json!({}),
    )
    .await;
    assert_problem(&early, StatusCode::CONFLICT);
    let refused = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{}/refuse", second["id"].as_str().expect("id")),
        serde_json::json!({"reason": "Manifestly unfounded: the values are correct"}),
    )
    .await;
    assert_eq!(refused.json()["state"], "refused");
    assert_eq!(
        post_json(
            &collector,
            &keys.dpo,
            &format!("/v1/requests/{id}/verify"),
            serde_json::json!({})
        )
        .await
        .json()["state"],
        "verified"
    );
    let done = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{id}/complete"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json());
    assert_eq!(done.json()["state"], "done");
    assert!(done.json()["outcome"]["delivered"].is_string());
    // Art 19: whom the data went to, from the purposes she granted.
    assert_eq!(
        done.json()["outcome"]["tellRecipients"],
        serde_json::json!(["Demo Mail AB"])
    );
    let done = done.json();
    let history: Vec<&str> = done["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| h["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(history, ["received", "extended", "verified", "done"]);
    let counts = get_as(&collector, &keys.dpo, "/v1/requests/counts")
        .await
        .json();
    assert_eq!(counts["open"], 0);

    let marketer = get_as(&collector, &keys.marketer, "/v1/requests").await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);
    let actions = audit_actions(&collector, &keys).await;
    assert!(actions.iter().any(|(a, _)| a == "request.create"));
    assert!(actions.iter().any(|(a, _)| a == "request.done"));
}

#[tokio::test]
async fn a_restriction_or_objection_keeps_the_contact_out_until_a_recorded_lift_and_erasure_keeps_the_request()
 {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    opt_in(&collector, 2, "bo@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let bo = person_of(&collector, &keys, "bo@example.se").await;
    let open = async |kind: &str, person: &str, extra: serde_json::Value| {
        let mut body = serde_json::json!({"kind": kind, "personId": person});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        let created = post_json(&collector, &keys.dpo, "/v1/requests", body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
        let id = created.json()["id"].as_str().expect("id").to_owned();
        post_json(
            &collector,
            &keys.dpo,
            &format!("/v1/requests/{id}/verify"),
            serde_json::json!({}),
        )
        .await;
        id
    };

    let restriction = open("restriction", &anna, serde_json::json!({})).await;
    post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{restriction}/complete"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![bo.clone()]
    );
    let card = call(
        &collector,
        Method::PUT,
        &format!("/v1/contacts/{anna}/card"),
        Some(&keys.marketer),
        Some(serde_json::json!({"basis": "consent", "consentDate": "2026-11-01", "consentPurpose": "newsletter", "source": "form"})),
    )
    .await;
    assert_problem(&card, StatusCode::CONFLICT);
    let lift_without_reason = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{restriction}/lift"),
        serde_json::json!({"reason": " "}),
    )
    .await;
    assert_problem(&lift_without_reason, StatusCode::UNPROCESSABLE_ENTITY);
    let lifted = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{restriction}/lift"),
        serde_json::json!({"reason": "Accuracy confirmed"}),
    )
    .await;
    assert_eq!(lifted.status, StatusCode::OK, "{}", lifted.json());
    let mut granted = select_all(&collector, &keys.marketer, GRANTED).await;
    granted.sort();
    let mut both = vec![anna.clone(), bo.clone()];
    both.sort();
    assert_eq!(granted, both);

    let no_purpose = post_json(
        &collector,
        &keys.dpo,
        "/v1/requests",
        serde_json::json!({"kind": "objection", "personId": bo}),
    )
    .await;
    assert_problem(&no_purpose, StatusCode::UNPROCESSABLE_ENTITY);
    let objection = open(
        "objection",
        &bo,
        serde_json::json!({"site": "demo", "purpose": "newsletter"}),
    )
    .await;
    post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{objection}/complete"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![anna.clone()]
    );

    let erasure = open("erasure", &anna, serde_json::json!({})).await;
    let done = post_json(
        &collector,
        &keys.dpo,
        &format!("/v1/requests/{erasure}/complete"),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.json());
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let gone = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{anna}")).await;
    assert_problem(&gone, StatusCode::NOT_FOUND);
    let kept = get_as(&collector, &keys.dpo, &format!("/v1/requests/{erasure}"))
        .await
        .json();
    assert_eq!(kept["state"], "done");
    assert_eq!(
        kept["personId"],
        serde_json::Value::Null,
        "the request stays, naming no one"
    );

    // Suppressed: neither the DPO by hand nor an import brings her back; her own opt-in does.
    let by_hand = post_json(
        &collector,
        &keys.dpo,
        "/v1/contacts",
        serde_json::json!({"identifiers": {"email": "Anna@example.se"}}),
    )
    .await;
    assert_problem(&by_hand, StatusCode::CONFLICT);
    assert_eq!(by_hand.json()["type"], "urn:samtycke:problem:suppressed");
    let imported = collector
        .send(
            axum::http::Request::post("/v1/imports?site=demo")
                .header(
                    axum::http::header::AUTHORIZATION,
                    format!("Bearer {}", keys.dpo),
                )
                .header(axum::http::header::CONTENT_TYPE, "text/csv")
                .body(axum::body::Body::from(
                    "Email ID,First name\nanna@example.se,Anna\n",
                ))
                .expect("request"),
        )
        .await;
    assert_problem_mentioning(
        &imported,
        StatusCode::UNPROCESSABLE_ENTITY,
        "erased at their request",
    );
    assert!(
        !collector
            .database_bytes()
            .await
            .windows(15)
            .any(|w| w == b"anna@example.se"),
        "the suppression list holds no address"
    );
    opt_in(&collector, 3, "anna@example.se").await;
    let back = person_of(&collector, &keys, "anna@example.se").await;
    assert_ne!(back, anna, "a new contact, by her own opt-in");
    let by_hand = post_json(
        &collector,
        &keys.dpo,
        "/v1/contacts",
        serde_json::json!({"identifiers": {"email": "anna@example.se"}}),
    )
    .await;
    assert_eq!(
        by_hand.json()["type"],
        "urn:samtycke:problem:identifier-taken",
        "no longer suppressed, only taken"
    );
}

#[tokio::test]
async fn retention_holds_the_contacts_that_stopped_engaging_and_erases_them_after_the_grace() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    opt_in(&collector, 2, "bo@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let bo = person_of(&collector, &keys, "bo@example.se").await;
    let config = crate::contacts::cli_config(&collector);
    let retention = |extra: &[&str]| {
        let mut args = vec!["retention", "run", "--config", config.as_str()];
        args.extend_from_slice(extra);
        crate::processes::run_samtycke(args)
    };
    // The clock stays; the stored times move back, as if that long had passed.
    let age = async |days: i64| {
        for table in [
            "receipts SET issued_at = issued_at",
            "contacts SET created_at = created_at",
        ] {
            collector
                .execute_sql(&format!("UPDATE {table} - {}", days * 86_400))
                .await;
        }
    };
    let in_a_year = (time::OffsetDateTime::now_utc() + time::Duration::days(380))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    let (ok, printed) = retention(&["--at", &in_a_year]);
    assert!(!ok && printed.contains("only with --dry-run"), "{printed}");
    let (ok, printed) = retention(&["--dry-run", "--at", &in_a_year]);
    assert!(
        ok && printed.contains("site demo: would hold 2"),
        "{printed}"
    );

    // A year and a fortnight without a receipt: both would be held, none erased.
    age(380).await;
    let (ok, printed) = retention(&["--dry-run"]);
    assert!(ok, "{printed}");
    assert!(printed.contains("site demo: would hold 2"), "{printed}");
    assert!(printed.contains("would erase 0"), "{printed}");
    assert!(printed.contains(&format!("hold\t{anna}")), "{printed}");
    let mut both = vec![anna.clone(), bo.clone()];
    both.sort();
    let mut granted = select_all(&collector, &keys.marketer, GRANTED).await;
    granted.sort();
    assert_eq!(granted, both, "a dry run changes nothing");

    let (ok, printed) = retention(&[]);
    assert!(ok, "{printed}");
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let mut held = select_all(
        &collector,
        &keys.marketer,
        "site=demo&purpose=newsletter&state=held",
    )
    .await;
    held.sort();
    assert_eq!(held, both);

    // Bo engages again (any new receipt on the site): no longer held.
    crate::contacts::decide(
        &collector,
        2,
        &[("analytics", samtycke_shared::Decision::Granted)],
        samtycke_collector::time::now_unix(),
    )
    .await;
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![bo.clone()]
    );

    // Over a year later still: past the grace month, both erased and suppressed.
    age(420).await;
    let (ok, printed) = retention(&[]);
    assert!(ok, "{printed}");
    assert!(printed.contains("erase 2"), "{printed}");
    let gone = get_as(&collector, &keys.dpo, &format!("/v1/contacts/{anna}")).await;
    assert_problem(&gone, StatusCode::NOT_FOUND);
    let by_hand = post_json(
        &collector,
        &keys.dpo,
        "/v1/contacts",
        serde_json::json!({"identifiers": {"email": "bo@example.se"}}),
    )
    .await;
    assert_eq!(by_hand.json()["type"], "urn:samtycke:problem:suppressed");
}
