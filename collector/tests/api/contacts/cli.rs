//! `samtycke contacts …`: the API's operations from the command line, on the same database,
//! audited as `cli`.

use super::*;
use crate::processes::run_samtycke;

#[tokio::test]
async fn the_cli_queries_shows_edits_exports_and_deletes_contacts() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    opt_in(&collector, 2, "bo@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let config = cli_config(&collector);
    let cli = |args: &[&str]| {
        run_samtycke(
            ["contacts"]
                .into_iter()
                .chain(args.iter().copied())
                .chain(["--config", config.as_str()]),
        )
    };
    let selection = ["--site", "demo", "--purpose", "newsletter"];

    let (ok, text) = cli(&[&["count"][..], &selection].concat());
    assert!(ok, "{text}");
    assert_eq!(text.trim(), "2");

    let (ok, text) = cli(&[
        &["list"][..],
        &selection,
        &["--format", "csv", "--lang", "sv"],
    ]
    .concat());
    assert!(ok, "{text}");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap_or_default()
            .starts_with("Förnamn,Webbplats,Facebook"),
        "{text}"
    );
    assert_eq!(lines.clone().count(), 2);
    assert!(
        text.contains("a***@e*****.se") && !text.contains("anna@"),
        "{text}"
    );
    let (ok, text) = cli(&[&["list"][..], &selection, &["--clear"]].concat());
    assert!(ok, "{text}");
    assert!(text.contains("anna@example.se"), "{text}");

    let (ok, text) = cli(&["show", &anna]);
    assert!(ok && text.contains("a***@e*****.se"), "{text}");
    let (ok, text) = cli(&["show", &anna, "--reveal", "a subject access request"]);
    assert!(ok && text.contains("anna@example.se"), "{text}");

    let (ok, text) = cli(&["card", &anna, "--basis", "consent", "--source", "form"]);
    assert!(!ok, "{text}");
    assert!(text.contains("consentDate"), "{text}");
    let (ok, text) = cli(&["card", &anna, "--basis", "contract", "--source", "manual"]);
    assert!(ok, "{text}");
    let (ok, text) = cli(&["history", &anna]);
    assert!(
        ok && text.contains("card.update") && text.contains("\tcli\t"),
        "{text}"
    );

    let (ok, text) = cli(&[
        "bulk-update",
        "--site",
        "demo",
        "--purpose",
        "newsletter",
        "--source",
        "crm_sync",
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("2 of 2 contacts updated"), "{text}");

    let (ok, text) = cli(&["export", &anna, "--format", "json"]);
    assert!(ok, "{text}");
    let export: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(export["identifiers"]["email"], "anna@example.se");
    assert_eq!(export["receipts"].as_array().map(Vec::len), Some(1));

    let (ok, text) = cli(&["delete", &anna]);
    assert!(!ok && text.contains("--yes"), "{text}");
    let (ok, text) = cli(&["delete", &anna, "--yes"]);
    assert!(ok, "{text}");
    let (ok, text) = cli(&[&["count"][..], &selection].concat());
    assert!(ok);
    assert_eq!(text.trim(), "1");
    let (ok, text) = cli(&["count", "--site", "demo", "--purpose", "nope"]);
    assert!(!ok && text.contains("purpose"), "{text}");

    let actors: Vec<String> = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action == "contact.reveal" || action == "contact.delete")
        .map(|(action, _)| action)
        .collect();
    assert_eq!(actors, ["contact.reveal", "contact.delete"]);
}
