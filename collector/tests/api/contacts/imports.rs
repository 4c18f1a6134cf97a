//! Imports over the API and the CLI: bad rows reported by line and reason with nothing written,
//! consent rows made into collector-signed receipts citing the file, re-running a file doubles
//! nothing, and an export's own CSV imports as it is.

use axum::http::{Method, Request, StatusCode, header};
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::CollectionMethod;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

use super::*;
use crate::processes::run_samtycke;

const GOOD_AND_BAD: &str = "\
Email ID,First name,Last name,Phone number,Consent date,Consent purpose
anna@example.se,Anna,Andersson,+46 70 111 11 11,2026-11-02,newsletter
not-an-address,Bo,Berg,,2026-11-02,newsletter
cecilia@example.se,Cecilia,Carlsson,,2026-11-03,
david@example.se,David,Dahl,,2026-11-04,analytics
erik@example.se,Erik,Ek,,2999-01-01,newsletter
anna@example.se,Anna,Again,,2026-11-05,newsletter
,Fia,Utan,,2026-11-05,newsletter
greta@example.se,Greta,,,2026-11-06,necessary
";

async fn import(collector: &TestCollector, token: &str, query: &str, csv: &str) -> Answer {
    let request = Request::post(format!("/v1/imports?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv.to_owned()))
        .expect("request");
    collector.send(request).await
}

async fn finished(collector: &TestCollector, keys: &Keys, id: &str) -> serde_json::Value {
    for _ in 0..200 {
        let answer = get_as(collector, &keys.dpo, &format!("/v1/imports/{id}")).await;
        let record = answer.json();
        if record["state"] != "running" {
            return record;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_naming_each_line_and_nothing_is_written() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let answer = import(
        &collector,
        &keys.dpo,
        "site=demo&basis=consent",
        GOOD_AND_BAD,
    )
    .await;
    assert_problem(&answer, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = answer.json();
    assert_eq!(problem["count"], 6, "{problem}");
    let lines: Vec<(u64, String)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().expect("line"),
                e["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        (3, "Email ID"),
        (4, "Consent purpose"),
        (6, "Consent date"),
        (7, "Email ID"),
        (8, ""),
        (9, "Consent purpose"),
    ]
    .map(|(line, column)| (line, column.to_owned()));
    assert_eq!(lines, expected, "{problem}");
    let text = String::from_utf8_lossy(&answer.bytes).into_owned();
    for value in ["not-an-address", "Berg", "2999"] {
        assert!(!text.contains(value), "the problem repeats {value}: {text}");
    }
    assert!(
        select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter")
            .await
            .is_empty()
    );
    let receipts = collector
        .query_texts("SELECT receipt_id FROM receipts")
        .await;
    assert!(receipts.is_empty(), "{receipts:?}");
}

#[tokio::test]
async fn a_dry_run_shows_the_column_mapping_the_rows_to_update_and_make_and_every_bad_row() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let answer = import(
        &collector,
        &keys.dpo,
        "site=demo&basis=consent&dryRun=true",
        GOOD_AND_BAD,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let preview = answer.json();
    let mapping: Vec<(String, String)> = preview["mapping"]
        .as_array()
        .expect("mapping")
        .iter()
        .map(|m| {
            (
                m["column"].as_str().unwrap_or_default().to_owned(),
                m["field"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("Email ID", "identifier.email"),
        ("First name", "profile.firstName"),
        ("Last name", "profile.lastName"),
        ("Phone number", "identifier.phone"),
        ("Consent date", "consentDate"),
        ("Consent purpose", "consentPurpose"),
    ]
    .map(|(c, f)| (c.to_owned(), f.to_owned()));
    assert_eq!(mapping, expected);
    // Anna is held already: her first row updates her (her second repeats it); David is new.
    assert_eq!(preview["rows"], 2, "{preview}");
    assert_eq!(preview["updates"], 1, "{preview}");
    assert_eq!(preview["creates"], 1, "{preview}");
    assert_eq!(preview["errorCount"], 6, "{preview}");
    let lines: Vec<u64> = preview["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    assert_eq!(lines, [3, 4, 6, 7, 8, 9]);
    for value in ["not-an-address", "Berg", "2999"] {
        assert!(
            !answer.text().contains(value),
            "the preview repeats {value}"
        );
    }
    // Nothing was written: Anna's contact is the only one, and no import was recorded.
    assert_eq!(
        select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter")
            .await
            .len(),
        1
    );
    assert!(
        collector
            .query_texts("SELECT id FROM imports")
            .await
            .is_empty()
    );
    // A bad header is refused as a whole, as without the dry run.
    let refused = import(
        &collector,
        &keys.dpo,
        "site=demo&dryRun=true",
        "Email ID,Shoe size\nanna@example.se,42\n",
    )
    .await;
    assert_problem_mentioning(&refused, StatusCode::UNPROCESSABLE_ENTITY, "Shoe size");
    // Marketers do not import, not even to look.
    let answer = import(
        &collector,
        &keys.marketer,
        "site=demo&basis=consent&dryRun=true",
        GOOD_AND_BAD,
    )
    .await;
    assert_problem(&answer, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn valid_rows_become_contacts_with_receipts_that_cite_the_file_and_a_second_run_doubles_nothing()
 {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let marketer = import(
        &collector,
        &keys.marketer,
        "site=demo&basis=consent",
        GOOD_AND_BAD,
    )
    .await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);
    let wrong_type = collector
        .send(
            Request::post("/v1/imports?site=demo")
                .header(header::AUTHORIZATION, format!("Bearer {}", keys.dpo))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .expect("request"),
        )
        .await;
    assert_problem(&wrong_type, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let query = "site=demo&basis=consent&skipInvalid=true";
    let answer = import(&collector, &keys.dpo, query, GOOD_AND_BAD).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.json());
    let id = answer.json()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        answer.headers[header::LOCATION].to_str().expect("ascii"),
        format!("/v1/imports/{id}")
    );
    let record = finished(&collector, &keys, &id).await;
    assert_eq!(record["state"], "done", "{record}");
    assert_eq!(record["rows"], 2);
    assert_eq!(record["created"], 2);
    assert_eq!(record["receipts"], 2);
    assert_eq!(record["skipped"], 6);
    assert_eq!(record["errors"].as_array().map(Vec::len), Some(6));
    assert_eq!(record["fileSha256"], sha256_hex(GOOD_AND_BAD));

    // Anna may be mailed (newsletter), David tracked (analytics): each by a receipt of its own.
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?format=json"),
    )
    .await;
    let export = export.json();
    assert_eq!(export["profile"]["firstName"], "Anna");
    assert_eq!(export["identifiers"]["phone"], "+46701111111");
    assert_eq!(export["card"]["basis"], "consent");
    assert_eq!(export["card"]["consentDate"], "2026-11-02");
    assert_eq!(export["card"]["consentPurpose"], "newsletter");
    assert_eq!(export["card"]["source"], "import");
    let receipts = export["receipts"].as_array().expect("receipts");
    assert_eq!(receipts.len(), 1);
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let verified = verify_receipt(receipts[0]["receipt"].as_str().expect("jwt"), &jwks)
        .expect("an imported consent's receipt verifies");
    assert_eq!(verified.claims.collection_method, CollectionMethod::Import);
    assert!(verified.request.is_none());
    let evidence = verified.claims.evidence.expect("evidence");
    assert_eq!(
        evidence.file_sha256.as_deref(),
        Some(sha256_hex(GOOD_AND_BAD).as_str())
    );
    assert_eq!(evidence.line, Some(2));
    assert!(
        evidence.operator.starts_with("key:"),
        "{}",
        evidence.operator
    );
    assert_eq!(
        verified.claims.consent_timestamp,
        time::macros::datetime!(2026-11-02 00:00 UTC).unix_timestamp()
    );
    assert!(!verified.claims.subject.contains("anna"));
    let granted = emails_granted(&collector, &keys, "newsletter").await;
    assert_eq!(granted, ["anna@example.se"]);
    assert_eq!(
        emails_granted(&collector, &keys, "analytics").await,
        ["david@example.se"]
    );

    // The same file again: the same contacts, updated; the receipts replay.
    let again = import(&collector, &keys.dpo, query, GOOD_AND_BAD).await;
    let record = finished(&collector, &keys, again.json()["id"].as_str().expect("id")).await;
    assert_eq!(record["created"], 0, "{record}");
    assert_eq!(record["updated"], 2);
    assert_eq!(
        collector
            .query_texts("SELECT receipt_id FROM receipts")
            .await
            .len(),
        2
    );
    assert_eq!(
        select_all(&collector, &keys.dpo, "site=demo&purpose=newsletter")
            .await
            .len(),
        1
    );

    let imports: Vec<_> = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action == "contacts.import")
        .collect();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].1["receipts"], 2);
    let bytes = collector.database_bytes().await;
    for value in ["anna@example.se", "Andersson", "70 111", "701111111"] {
        assert!(
            !bytes.windows(value.len()).any(|w| w == value.as_bytes()),
            "{value} is in the database in clear"
        );
    }
}

async fn emails_granted(collector: &TestCollector, keys: &Keys, purpose: &str) -> Vec<String> {
    let mut emails = Vec::new();
    for id in select_all(
        collector,
        &keys.dpo,
        &format!("site=demo&purpose={purpose}"),
    )
    .await
    {
        let shown = call(
            collector,
            Method::POST,
            &format!("/v1/contacts/{id}/reveal"),
            Some(&keys.dpo),
            Some(serde_json::json!({"reason": "import test"})),
        )
        .await;
        emails.push(
            shown.json()["identifiers"]["email"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        );
    }
    emails.sort();
    emails
}

#[tokio::test]
async fn an_exports_csv_imports_as_it_is_and_the_cli_imports_with_line_errors() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    call(
        &collector,
        Method::PATCH,
        &format!("/v1/contacts/{anna}"),
        Some(&keys.dpo),
        Some(serde_json::json!({"profile": {"company": "Gamla AB"}})),
    )
    .await;
    // The Swedish export, edited in a spreadsheet, comes back.
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?lang=sv"),
    )
    .await;
    let edited = String::from_utf8(export.bytes.clone())
        .expect("utf-8")
        .replace("Gamla AB", "Nya AB");
    let answer = import(
        &collector,
        &keys.dpo,
        "site=demo&basis=contract&source=crm_sync",
        &edited,
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.json());
    let record = finished(&collector, &keys, answer.json()["id"].as_str().expect("id")).await;
    assert_eq!(
        (record["created"].clone(), record["updated"].clone()),
        (0.into(), 1.into())
    );
    let shown = call(
        &collector,
        Method::POST,
        &format!("/v1/contacts/{anna}/reveal"),
        Some(&keys.dpo),
        Some(serde_json::json!({"reason": "check the import"})),
    )
    .await;
    assert_eq!(shown.json()["profile"]["company"], "Nya AB");
    assert_eq!(shown.json()["card"]["basis"], "contract");
    assert_eq!(shown.json()["card"]["source"], "crm_sync");

    // The CLI: the same checks, a line and a reason for each bad row.
    let file = collector.dir.path().join("contacts.csv");
    std::fs::write(&file, GOOD_AND_BAD).expect("writes");
    let config = cli_config(&collector);
    let path = file.to_string_lossy().into_owned();
    let args = [
        "import",
        path.as_str(),
        "--site",
        "demo",
        "--basis",
        "consent",
        "--config",
        config.as_str(),
    ];
    let (ok, text) = run_samtycke(args);
    assert!(!ok, "{text}");
    assert!(
        text.contains("contacts.csv: line 3: Email ID: is not an e-mail address"),
        "{text}"
    );
    assert!(text.contains("line 7: Email ID: the same"), "{text}");
    assert!(
        text.contains("6 rows are not valid; nothing was imported"),
        "{text}"
    );
    let (ok, text) = run_samtycke(args.into_iter().chain(["--skip-invalid"]));
    assert!(ok, "{text}");
    assert!(
        text.contains("2 rows, 1 contacts made, 1 updated, 2 consent receipts, 6 rows skipped"),
        "{text}"
    );
}

#[tokio::test]
async fn contacts_with_three_identifiers_each_export_every_value_in_its_own_row() {
    // More contacts than the store's stream sends at once, each with three identifier rows, so
    // that contacts straddle batches.
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let count = samtycke_collector::store::contacts::STREAM_BATCH * 2 + 37;
    let mut csv = String::from(
        "Email ID,Phone number,Salesforce ID,First name,Consent date,Consent purpose\n",
    );
    for i in 0..count {
        csv.push_str(&format!(
            "person{i}@example.se,+4670{i:07},0035g{i:010},First{i},2026-11-02,newsletter\n"
        ));
    }
    let answer = import(&collector, &keys.dpo, "site=demo&basis=consent", &csv).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.json());
    let id = answer.json()["id"].as_str().expect("id").to_owned();
    let mut record = serde_json::Value::Null;
    for _ in 0..1200 {
        record = get_as(&collector, &keys.dpo, &format!("/v1/imports/{id}"))
            .await
            .json();
        if record["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(record["state"], "done", "{record}");

    let export = get_as(
        &collector,
        &keys.dpo,
        "/v1/contacts/export?site=demo&purpose=newsletter",
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(export.bytes.as_slice());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (first, email, phone, salesforce, person) = (
        column("First name"),
        column("Email ID"),
        column("Phone number"),
        column("Salesforce ID"),
        column("Person ID"),
    );
    let mut people = std::collections::BTreeSet::new();
    let mut numbers = std::collections::BTreeSet::new();
    for record in reader.records() {
        let record = record.expect("a CSV record");
        let i: usize = record[first]
            .strip_prefix("First")
            .and_then(|n| n.parse().ok())
            .expect("a first name of the import");
        assert_eq!(
            &record[email],
            format!("person{i}@example.se"),
            "{record:?}"
        );
        assert_eq!(&record[phone], format!("+4670{i:07}"), "{record:?}");
        assert_eq!(&record[salesforce], format!("0035g{i:010}"), "{record:?}");
        assert!(
            people.insert(record[person].to_owned()),
            "one row a contact"
        );
        numbers.insert(i);
    }
    assert_eq!(numbers.len(), count, "every contact exported once");
}
