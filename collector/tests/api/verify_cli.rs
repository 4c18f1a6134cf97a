//! `samtycke verify`: the binary itself, on files, as a third party would run it.

use axum::http::StatusCode;

use crate::helpers::*;
use crate::processes::run_samtycke;

fn verify(args: &[&std::path::Path]) -> (bool, String) {
    let mut command = vec![
        std::ffi::OsString::from("verify"),
        args[0].into(),
        "--jwks".into(),
        args[1].into(),
    ];
    if let Some(policy) = args.get(2) {
        command.extend(["--policy".into(), (*policy).into()]);
    }
    run_samtycke(command)
}

#[tokio::test]
async fn verify_accepts_a_genuine_receipt_and_says_why_it_refuses_a_tampered_one() {
    let collector = TestCollector::start().await;
    let answer = collector
        .post_receipt(
            &body(&device(1), &reject_all(&collector.policy_sha256())),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let dir = collector.dir.path();
    let (receipt, jwks, policy) = (
        dir.join("answer.json"),
        dir.join("jwks.json"),
        dir.join("policy.json"),
    );
    std::fs::write(&receipt, &answer.bytes).expect("write");
    std::fs::write(&jwks, collector.get("/.well-known/jwks.json").await.bytes).expect("write");

    let (ok, text) = verify(&[&receipt, &jwks, &policy]);
    assert!(ok, "{text}");
    assert!(
        text.contains("verifies")
            && text.contains("analytics=denied")
            && text.contains("document matches"),
        "{text}"
    );

    // Tamper with the claims: flip one character of the payload part.
    let jwt = answer.json()["receipt"].as_str().expect("jwt").to_owned();
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    let flipped = if parts[1].ends_with('A') { 'B' } else { 'A' };
    parts[1].pop();
    parts[1].push(flipped);
    let tampered = dir.join("tampered.jwt");
    std::fs::write(&tampered, parts.join(".")).expect("write");
    let (ok, text) = verify(&[&tampered, &jwks]);
    assert!(!ok, "a tampered receipt verified: {text}");
    assert!(text.contains("does not verify"), "{text}");

    // A policy document other than the one cited.
    let other = dir.join("other-policy.json");
    std::fs::write(&other, b"{}").expect("write");
    let (ok, text) = verify(&[&receipt, &jwks, &other]);
    assert!(!ok);
    assert!(text.contains("hashes to"), "{text}");
}

/// Runs `samtycke verify-store` on the collector's database and keys.
fn verify_store(collector: &TestCollector) -> (bool, String) {
    let dir = collector.dir.path();
    let keys = dir.join("keys");
    run_samtycke([
        "verify-store".as_ref(),
        "--database-url".as_ref(),
        database_url(dir).as_ref(),
        "--key-dir".as_ref(),
        keys.as_os_str(),
    ])
}

#[tokio::test]
async fn verify_store_passes_a_sound_log_and_names_the_first_corrupted_row() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    for seed in [1, 2, 1, 3, 2] {
        let answer = collector
            .post_receipt(&body(&device(seed), &reject_all(&sha)), Some(ORIGIN))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    let (ok, text) = verify_store(&collector);
    assert!(ok, "{text}");
    assert!(text.contains("5 receipts of 3 subjects verify"), "{text}");

    // A receipt swapped for another one: its signature still verifies, but not as this row.
    collector
        .execute_sql(
            "UPDATE receipts SET receipt = (SELECT receipt FROM receipts WHERE sequence = 1) \
             WHERE sequence = 4",
        )
        .await;
    let (ok, text) = verify_store(&collector);
    assert!(!ok, "{text}");
    assert!(text.contains("breaks at sequence 4"), "{text}");

    // A forged signature byte in an earlier row is found first.
    collector
        .execute_sql(
            "UPDATE receipts SET receipt = substr(receipt, 1, length(receipt) - 2) || \
             CASE WHEN substr(receipt, length(receipt) - 1, 1) = 'A' THEN 'B' ELSE 'A' END || \
             substr(receipt, length(receipt), 1) WHERE sequence = 2",
        )
        .await;
    let (ok, text) = verify_store(&collector);
    assert!(!ok, "{text}");
    assert!(text.contains("breaks at sequence 2"), "{text}");
    assert!(text.contains("signature"), "{text}");
}

#[tokio::test]
async fn verify_store_finds_a_broken_chain_and_a_missing_receipt() {
    let collector = TestCollector::start().await;
    let sha = collector.policy_sha256();
    for seed in [1, 1, 1, 2] {
        let answer = collector
            .post_receipt(&body(&device(seed), &reject_all(&sha)), Some(ORIGIN))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    collector
        .execute_sql("UPDATE receipts SET prev_receipt_sha256 = NULL WHERE sequence = 3")
        .await;
    let (ok, text) = verify_store(&collector);
    assert!(!ok && text.contains("breaks at sequence 3"), "{text}");
    assert!(text.contains("previous receipt"), "{text}");
    collector
        .execute_sql("DELETE FROM consent_state WHERE receipt_sequence >= 2")
        .await;
    collector
        .execute_sql("DELETE FROM receipts WHERE sequence = 2")
        .await;
    let (ok, text) = verify_store(&collector);
    assert!(!ok && text.contains("sequence 2 is missing"), "{text}");
}
