//! The subject vault's keys on disk, and erasure by crypto-shredding: after `forget_subject` the
//! identifiers are gone for good and the receipts still verify.

use std::process::Command;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::commitment::commitment;
use samtycke_shared::jose::verify_receipt;

use crate::helpers::*;

fn data_key_files(collector: &TestCollector) -> Vec<std::path::PathBuf> {
    let dir = collector.dir.path().join("keys/data-encryption");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("the folder exists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_encryption_key_is_created_private_and_an_exposed_one_stops_the_start() {
    use std::os::unix::fs::PermissionsExt;
    let collector = TestCollector::start().await;
    let files = data_key_files(&collector);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("key"));
    let metadata = std::fs::metadata(&files[0]).expect("stat");
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    assert_eq!(metadata.len(), 32);

    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let Err(error) = TestCollector::build(collector.dir.path()).await else {
        panic!("a world-readable data-encryption key must stop the start");
    };
    let error = error.to_string();
    assert!(error.contains("chmod 600"), "{error}");
    assert!(error.contains("data-encryption"), "{error}");
}

#[tokio::test]
async fn keys_rotate_with_data_encryption_adds_a_key_and_list_shows_ids_only() {
    let collector = TestCollector::start().await;
    let key_dir = collector.dir.path().join("keys");
    let samtycke = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_samtycke"))
            .arg("keys")
            .arg("--key-dir")
            .arg(&key_dir)
            .args(args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    let old = data_key_files(&collector);
    samtycke(&["rotate", "--data-encryption"]);
    let files = data_key_files(&collector);
    assert_eq!(files.len(), 2);
    assert_eq!(files[0], old[0]);
    let listed = samtycke(&["list"]);
    let id = |path: &std::path::Path| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .expect("name")
            .to_owned()
    };
    assert!(listed.contains(&id(&files[0])), "{listed}");
    assert!(
        listed.contains(&format!("{} (encrypting)", id(&files[1]))),
        "{listed}"
    );
    for file in &files {
        let bytes = std::fs::read(file).expect("reads");
        for shown in [hex::encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes)] {
            assert!(
                !listed.contains(&shown[..16]),
                "key bytes printed: {listed}"
            );
        }
    }

    // The rotated key wraps new vaults; vaults wrapped before still open.
    let collector = collector.restart().await;
    let salt = salt(3);
    for (seed, address) in [(1, "a@example.se"), (2, "b@example.se")] {
        let request = form_request(
            &collector.policy_sha256(),
            vec![commitment("email", address, &salt)],
        );
        let answer = collector
            .post_receipt(
                &body_with(&device(seed), &request, &[email(address, &salt)]),
                Some(ORIGIN),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED);
    }
    let vault = collector.vault().await;
    for seed in [1, 2] {
        assert_eq!(
            vault
                .identifiers(&device(seed).subject())
                .await
                .expect("opens")
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn a_forgotten_subjects_identifiers_cannot_be_opened_and_its_receipts_still_verify() {
    let collector = TestCollector::start().await;
    let device = device(1);
    let salt = salt(9);
    let address = "forget.me@example.se";
    let request = form_request(
        &collector.policy_sha256(),
        vec![commitment("email", address, &salt)],
    );
    let answer = collector
        .post_receipt(
            &body_with(&device, &request, &[email(address, &salt)]),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    let receipt = answer.json()["receipt"].as_str().expect("jwt").to_owned();
    let other = device_with_an_identifier(&collector).await;
    let vault = collector.vault().await;
    assert_eq!(
        vault.identifiers(&device.subject()).await.expect("opens")[0].value,
        address
    );

    assert!(
        vault
            .forget_subject(&device.subject())
            .await
            .expect("forgets")
    );

    assert!(
        vault
            .identifiers(&device.subject())
            .await
            .expect("reads")
            .is_empty()
    );
    assert!(
        !vault
            .forget_subject(&device.subject())
            .await
            .expect("idempotent")
    );
    let store = samtycke_collector::store::connect(
        &TestCollector::config(collector.dir.path()).database_url,
    )
    .await
    .expect("opens");
    assert_eq!(store.vault(&device.subject()).await.expect("reads"), None);
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let verified = verify_receipt(&receipt, &jwks).expect("the receipt still verifies");
    assert_eq!(verified.claims.subject, device.subject());
    // Other subjects keep their vaults.
    assert_eq!(
        vault.identifiers(&other).await.expect("opens")[0].value,
        "keep.me@example.se"
    );
}

async fn device_with_an_identifier(collector: &TestCollector) -> String {
    let other = device(2);
    let salt = salt(4);
    let request = form_request(
        &collector.policy_sha256(),
        vec![commitment("email", "keep.me@example.se", &salt)],
    );
    let answer = collector
        .post_receipt(
            &body_with(&other, &request, &[email("keep.me@example.se", &salt)]),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    other.subject()
}
