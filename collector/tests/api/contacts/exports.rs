//! Exports: one contact as CSV (the 16 columns, in order, in English or Swedish) and as JSON
//! with everything held (receipts that verify, the policy texts they cite); a selection as a CSV
//! stream in bounded memory.

use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::Decision;
use samtycke_shared::jose::{sha256_hex, verify_receipt};
use tower::ServiceExt as _;

use super::*;

const COLUMNS_EN: [&str; 16] = [
    "First name",
    "Website",
    "Facebook",
    "Last name",
    "Other",
    "Twitter",
    "Company",
    "Updated on",
    "LinkedIn",
    "Title",
    "Created on",
    "Exported on",
    "Email ID",
    "Salesforce ID",
    "Phone number",
    "Person ID",
];

const COLUMNS_SV: [&str; 16] = [
    "Förnamn",
    "Webbplats",
    "Facebook",
    "Efternamn",
    "Övrigt",
    "Twitter",
    "Företag",
    "Uppdaterat den",
    "LinkedIn",
    "Titel",
    "Skapad den",
    "Exporterad den",
    "E-post-ID",
    "Salesforce-ID",
    "Telefonnummer",
    "Person-ID",
];

fn rows(csv: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv)
        .records()
        .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
        .collect()
}

async fn greta(collector: &TestCollector, keys: &Keys) -> String {
    let made = call(
        collector,
        Method::POST,
        "/v1/contacts",
        Some(&keys.dpo),
        Some(serde_json::json!({
            "identifiers": {"email": "greta@example.se", "phone": "+46701234567",
                            "salesforceId": "0035g00000AbCdE"},
            "profile": {"firstName": "Greta", "lastName": "Garbo", "company": "Filmhuset",
                        "website": "https://greta.se", "title": "Actor", "other": "Ingen",
                        "linkedin": "in/greta", "twitter": "@greta", "facebook": "greta.g"},
            "card": {"basis": "contract", "source": "manual"},
        })),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    made.json()["personId"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn one_contacts_csv_has_the_sixteen_columns_in_order_in_both_languages() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let id = greta(&collector, &keys).await;

    for (lang, columns) in [("en", COLUMNS_EN), ("sv", COLUMNS_SV)] {
        let answer = get_as(
            &collector,
            &keys.dpo,
            &format!("/v1/contacts/{id}/export?format=csv&lang={lang}"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK);
        assert!(
            answer.content_type.starts_with("text/csv"),
            "{}",
            answer.content_type
        );
        let disposition = answer.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .expect("ascii");
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        let rows = rows(&answer.bytes);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], columns);
        let value = |name: &str| {
            let at = COLUMNS_EN.iter().position(|c| *c == name).expect("column");
            rows[1][at].clone()
        };
        assert_eq!(value("First name"), "Greta");
        assert_eq!(value("Last name"), "Garbo");
        assert_eq!(value("Website"), "https://greta.se");
        assert_eq!(value("Facebook"), "greta.g");
        assert_eq!(value("Twitter"), "@greta");
        assert_eq!(value("LinkedIn"), "in/greta");
        assert_eq!(value("Other"), "Ingen");
        assert_eq!(value("Company"), "Filmhuset");
        assert_eq!(value("Title"), "Actor");
        assert_eq!(value("Email ID"), "greta@example.se");
        assert_eq!(value("Salesforce ID"), "0035g00000AbCdE");
        assert_eq!(value("Phone number"), "+46701234567");
        assert_eq!(value("Person ID"), id);
        for date in ["Created on", "Updated on", "Exported on"] {
            assert!(
                time::OffsetDateTime::parse(
                    &value(date),
                    &time::format_description::well_known::Rfc3339
                )
                .is_ok(),
                "{date}: {}",
                value(date)
            );
        }
    }
    // A marketer's copy is masked.
    let masked = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{id}/export"),
    )
    .await;
    let rows = rows(&masked.bytes);
    assert_eq!(rows[1][12], "g***@e*****.se");
    assert_eq!(rows[1][0], "G***");
    assert_problem(
        &get_as(
            &collector,
            &keys.dpo,
            &format!("/v1/contacts/{id}/export?format=xml"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    assert_problem(
        &get_as(
            &collector,
            &keys.dpo,
            &format!("/v1/contacts/{id}/export?lang=de"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
}

#[tokio::test]
async fn the_json_export_holds_everything_and_its_receipts_verify_against_the_cited_policy() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    decide(
        &collector,
        1,
        &[("analytics", Decision::Granted)],
        samtycke_collector::time::now_unix(),
    )
    .await;
    let id = person_of(&collector, &keys, "anna@example.se").await;
    let answer = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{id}/export?format=json"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let export = answer.json();
    assert_eq!(export["personId"], id.as_str());
    assert_eq!(export["identifiers"]["email"], "anna@example.se");
    assert_eq!(export["card"]["basis"], "consent");
    assert_eq!(export["history"][0]["action"], "created");
    let consents = export["consents"].as_array().expect("consents");
    assert_eq!(consents.len(), 2, "{consents:?}");
    let receipts = export["receipts"].as_array().expect("receipts");
    assert_eq!(receipts.len(), 2);
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let policy = &export["policies"][0];
    let document = policy["document"].as_str().expect("document");
    assert_eq!(
        sha256_hex(document.as_bytes()),
        policy["sha256"].as_str().expect("sha")
    );
    for receipt in receipts {
        let verified = verify_receipt(receipt["receipt"].as_str().expect("jwt"), &jwks)
            .expect("each exported receipt verifies");
        assert_eq!(
            serde_json::to_value(&verified.claims).expect("claims")["policySha256"],
            policy["sha256"]
        );
    }
    let exports: Vec<_> = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action == "contact.export")
        .collect();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].1["format"], "json");
    assert_eq!(exports[0].1["clear"], true);
}

#[tokio::test]
async fn a_selection_exports_as_csv_or_json_and_marketers_only_export_whom_they_may_process() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    for seed in 1..=3 {
        opt_in(&collector, seed, &format!("person{seed}@example.se")).await;
    }
    decide(
        &collector,
        3,
        &[("newsletter", Decision::Withdrawn)],
        samtycke_collector::time::now_unix(),
    )
    .await;
    let request = Request::get("/v1/contacts?site=demo&purpose=newsletter&lang=sv")
        .header(header::AUTHORIZATION, format!("Bearer {}", keys.marketer))
        .header(header::ACCEPT, "text/csv")
        .body(Body::empty())
        .expect("request");
    let answer = collector.send(request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let csv = rows(&answer.bytes);
    // The 16 columns, then each contact's unsubscribe link for the purpose (`mail/`).
    assert_eq!(csv[0][..16], COLUMNS_SV);
    assert_eq!(
        csv[0][16..],
        [
            "Avregistreringslänk",
            "List-Unsubscribe",
            "List-Unsubscribe-Post"
        ]
    );
    assert_eq!(csv.len(), 3, "two granted contacts");
    assert!(csv[1..].iter().all(|row| row[12] == "p***@e*****.se"));

    let dpo = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/export?site=demo&purpose=newsletter&state=withdrawn&format=csv",
    )
    .await;
    let csv = rows(&dpo.bytes);
    assert_eq!(csv.len(), 2);
    assert_eq!(csv[1][12], "person3@example.se");

    let json = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/export?site=demo&purpose=newsletter&format=json",
    )
    .await;
    let exports = json.json();
    assert_eq!(exports.as_array().map(Vec::len), Some(2), "{exports}");
    assert!(exports[0]["receipts"][0]["receipt"].is_string());
    let empty = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/export?site=demo&purpose=media&format=json",
    )
    .await;
    assert_eq!(empty.json(), serde_json::json!([]));

    let refused = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/export?site=demo&purpose=newsletter&state=withdrawn",
    )
    .await;
    assert_problem(&refused, StatusCode::FORBIDDEN);
}

/// Writes `count` contacts granted the newsletter straight into the database: what the stream
/// reads, without the cost of making each through the API. They have no sealed values.
async fn seed_granted(collector: &TestCollector, count: u32) {
    let now = samtycke_collector::time::now_unix();
    let (contacts, states) = match backend() {
        samtycke_collector::store::Backend::Sqlite => (
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
                 INSERT INTO contacts (person_id, created_at, updated_at, key_id, wrapped_key) \
                 SELECT printf('00000000-0000-4000-8000-%012d', i), {now}, {now}, 'seed', x'00' FROM n"
            ),
            format!(
                "INSERT INTO contact_consent_state (person_id, site, purpose, decision, decided_at, \
                 expires_at, receipt_sequence) SELECT person_id, 'demo', 'newsletter', 'granted', \
                 {now}, {now} + 86400, 1 FROM contacts WHERE key_id = 'seed'"
            ),
        ),
        samtycke_collector::store::Backend::Postgres => (
            format!(
                "INSERT INTO contacts (person_id, created_at, updated_at, key_id, wrapped_key) \
                 SELECT '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), {now}, {now}, 'seed', \
                 '\\x00'::bytea FROM generate_series(1, {count}) i"
            ),
            format!(
                "INSERT INTO contact_consent_state (person_id, site, purpose, decision, decided_at, \
                 expires_at, receipt_sequence) SELECT person_id, 'demo', 'newsletter', 'granted', \
                 {now}, {now} + 86400, 1 FROM contacts WHERE key_id = 'seed'"
            ),
        ),
    };
    collector.execute_sql(&contacts).await;
    collector.execute_sql(&states).await;
}

#[tokio::test]
async fn a_hundred_thousand_contacts_stream_as_csv_page_by_page() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "first@example.se").await; // receipt 1, which the seeds cite
    seed_granted(&collector, 100_000).await;
    let request = Request::get("/v1/contacts/export?site=demo&purpose=newsletter")
        .header(header::AUTHORIZATION, format!("Bearer {}", keys.marketer))
        .body(Body::empty())
        .expect("request");
    let response = collector
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::OK);
    let mut body = response.into_body();
    let (mut chunks, mut largest, mut lines) = (0usize, 0usize, 0usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.expect("the stream does not fail");
        if let Some(data) = frame.data_ref() {
            chunks += 1;
            largest = largest.max(data.len());
            lines += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    assert_eq!(lines, 1 + 100_001, "the header and every contact");
    // Page by page: never the whole file at once (a page of 2,000 rows is ~250 KB).
    assert!(chunks >= 50, "{chunks} chunks");
    assert!(largest < 400_000, "the largest chunk is {largest} bytes");
}

#[tokio::test]
async fn a_contacts_receipts_verify_against_the_jwks_and_cite_the_policy_by_its_hash() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    // A marketer reads them too: receipts hold pseudonyms and commitments, not values.
    let answer = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{anna}/receipts"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let receipts = answer.json()["receipts"]
        .as_array()
        .expect("receipts")
        .clone();
    assert!(!receipts.is_empty());
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    for entry in &receipts {
        let verified = verify_receipt(entry["receipt"].as_str().expect("jwt"), &jwks)
            .expect("the receipt verifies against the JWKS");
        assert_eq!(verified.claims.sequence, entry["sequence"]);
        assert_eq!(entry["site"], "demo");
        let policy = collector
            .get(&format!(
                "/v1/sites/demo/policies/{}",
                entry["policyVersion"]
            ))
            .await;
        assert_eq!(sha256_hex(&policy.bytes), verified.claims.policy_sha256);
    }
    assert!(
        audit_actions(&collector, &keys)
            .await
            .iter()
            .any(|(action, detail)| action == "contact.receipts" && detail["personId"] == anna),
        "reading the receipts is audited as a read of the contact"
    );
    let unknown = get_as(
        &collector,
        &keys.marketer,
        "/v1/contacts/00000000-0000-4000-8000-000000000000/receipts",
    )
    .await;
    assert_problem(&unknown, StatusCode::NOT_FOUND);
}
