//! Many collectors, one database: two `samtycke serve` processes share the test's database and
//! key directory and take the same stream of receipts, each request sent to both at once.
//! Exactly one receipt per id, none lost, sequence numbers unique and gapless, and every
//! subject's chain unbroken. On PostgreSQL this is the deployment for more than one machine; on
//! SQLite it holds for processes sharing one file.

use std::collections::{BTreeMap, BTreeSet};

use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

use crate::helpers::*;
use crate::processes::{Process, agent, free_port, post, shared_config, wait_ready};

#[tokio::test]
async fn two_collectors_on_one_database_issue_each_receipt_once_in_one_unbroken_log() {
    let collector = TestCollector::start().await;
    let dir = collector.dir.path().to_owned();
    // The in-process collector made the keys and migrated the database; both processes share
    // them, as N collectors behind a load balancer share one key directory.
    let config_path = shared_config(&dir);
    let ports = [free_port(), free_port()];
    let _processes: Vec<Process> = ports
        .iter()
        .map(|p| Process::spawn(&config_path, *p))
        .collect();
    for port in ports {
        wait_ready(port);
    }

    // 12 visitors deciding 10 times each: 120 requests, each sent to both collectors at once.
    let sha = collector.policy_sha256();
    let mut bodies = Vec::new();
    for round in 0..10 {
        for seed in 40..52u8 {
            let mut request = reject_all(&sha);
            request.consent_timestamp -= 100 - round;
            bodies.push(body(&device(seed), &request).to_string());
        }
    }
    let answers = tokio::task::spawn_blocking(move || {
        std::thread::scope(|scope| {
            let workers: Vec<_> = bodies
                .chunks(30)
                .map(|chunk| {
                    scope.spawn(move || {
                        let agent = agent();
                        chunk
                            .iter()
                            .map(|body| {
                                std::thread::scope(|both| {
                                    let a = both.spawn(|| post(&agent, ports[0], body));
                                    let b = both.spawn(|| post(&agent, ports[1], body));
                                    (
                                        a.join().expect("first post"),
                                        b.join().expect("second post"),
                                    )
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker"))
                .collect::<Vec<_>>()
        })
    })
    .await
    .expect("load ran");
    assert_eq!(answers.len(), 120);
    for ((first, a), (second, b)) in &answers {
        let statuses = BTreeSet::from([*first, *second]);
        assert_eq!(
            statuses,
            BTreeSet::from([200, 201]),
            "one collector creates, the other replays: {a} / {b}"
        );
        assert_eq!(a, b, "both answer with the same receipt");
    }

    // The log: one row per request, sequences 1..=120, every chain unbroken, every receipt
    // verifies against the shared keys.
    let rows = collector
        .query_texts(
            "SELECT sequence || ' ' || subject || ' ' || receipt_sha256 || ' ' || \
             COALESCE(prev_receipt_sha256, '-') || ' ' || receipt FROM receipts ORDER BY sequence",
        )
        .await;
    assert_eq!(rows.len(), 120, "no receipt lost, none twice");
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let mut last_of: BTreeMap<String, String> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let fields: Vec<&str> = row.split(' ').collect();
        let [sequence, subject, sha, prev, receipt] = fields[..] else {
            panic!("row {row}");
        };
        assert_eq!(sequence, (index + 1).to_string(), "gapless sequence");
        assert_eq!(sha, sha256_hex(receipt));
        let expected_prev = last_of.get(subject).map_or("-", String::as_str);
        assert_eq!(prev, expected_prev, "chain of {subject} at {sequence}");
        last_of.insert(subject.to_owned(), sha.to_owned());
        let verified = verify_receipt(receipt, &jwks).expect("verifies");
        assert_eq!(verified.claims.sequence.to_string(), sequence);
    }
    assert_eq!(last_of.len(), 12);
}
