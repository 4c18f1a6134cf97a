//! Durability under `kill -9`: receipts flow from many concurrent clients into collector
//! processes; one is killed mid-load and restarted, then one of two is killed while both take
//! load. Every request that got no answer is sent again. Afterwards: every receipt answered 2xx
//! is stored, byte for byte, and verifies; every request is stored exactly once; the log's
//! sequence is gapless and every subject's chain unbroken.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use samtycke_shared::jose::{sha256_hex, verify_receipt};

use crate::helpers::*;
use crate::processes::{Process, agent, free_port, shared_config, try_post, wait_ready};

const CLIENTS: usize = 16;

/// What each request got: `Some(receipt)` for a 2xx, `None` for no answer.
type Answers = Vec<Option<String>>;

/// Sends `bodies` from `CLIENTS` threads, request `i` to `ports[i % ports.len()]`; counts
/// answers in `answered` as they come.
fn drive(bodies: &[String], ports: &[u16], answered: &AtomicUsize) -> Answers {
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..CLIENTS)
            .map(|client| {
                scope.spawn(move || {
                    let agent = agent();
                    (client..bodies.len())
                        .step_by(CLIENTS)
                        .map(|index| {
                            let port = ports[index % ports.len()];
                            let answer = try_post(&agent, port, &bodies[index]).and_then(
                                |(status, text)| {
                                    assert!(
                                        status == 0 || (200..300).contains(&status),
                                        "a request was refused: {status} {text}"
                                    );
                                    answered.fetch_add(1, Ordering::Relaxed);
                                    let json: serde_json::Value =
                                        serde_json::from_str(&text).ok()?;
                                    json["receipt"].as_str().map(str::to_owned)
                                },
                            );
                            (index, answer)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut answers = vec![None; bodies.len()];
        for worker in workers {
            for (index, answer) in worker.join().expect("client") {
                answers[index] = answer;
            }
        }
        answers
    })
}

/// Drives `bodies` at `ports` and `kill -9`s `victim` once `after` answers have come.
async fn drive_and_kill(
    bodies: Arc<Vec<String>>,
    ports: Vec<u16>,
    victim: Process,
    after: usize,
) -> Answers {
    let answered = Arc::new(AtomicUsize::new(0));
    let load = {
        let (bodies, answered) = (Arc::clone(&bodies), Arc::clone(&answered));
        tokio::task::spawn_blocking(move || drive(&bodies, &ports, &answered))
    };
    while answered.load(Ordering::Relaxed) < after {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    victim.kill_9();
    load.await.expect("load ran")
}

/// Sends again every request that got no answer, to `port`, until each has one.
fn retry_unanswered(bodies: &[String], answers: &mut Answers, port: u16) -> usize {
    let agent = agent();
    let mut retried = 0;
    for (body, answer) in bodies.iter().zip(answers.iter_mut()) {
        if answer.is_none() {
            let (status, text) = try_post(&agent, port, body).expect("answered after restart");
            assert!((200..300).contains(&status), "{status} {text}");
            let json: serde_json::Value = serde_json::from_str(&text).expect("json");
            *answer = json["receipt"].as_str().map(str::to_owned);
            retried += 1;
        }
    }
    retried
}

fn signed_bodies(sha: &str, count: usize, first_seed: u8) -> Vec<String> {
    (0..count)
        .map(|index| {
            let seed = first_seed + u8::try_from(index % 20).expect("small");
            body(&device(seed), &reject_all(sha)).to_string()
        })
        .collect()
}

#[tokio::test]
async fn receipts_survive_kill_9_mid_load_and_retries_store_each_exactly_once() {
    let collector = TestCollector::start().await;
    let dir = collector.dir.path().to_owned();
    let config = shared_config(&dir);
    let sha = collector.policy_sha256();

    // One collector, killed mid-load, restarted on the same port; the unanswered sent again.
    let port = free_port();
    let first = Process::spawn(&config, port);
    wait_ready(port);
    let bodies = Arc::new(signed_bodies(&sha, 200, 100));
    let mut answers = drive_and_kill(Arc::clone(&bodies), vec![port], first, 60).await;
    let answered_before: Vec<(usize, String)> = answers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.clone().map(|r| (i, r)))
        .collect();
    assert!(answered_before.len() >= 60, "{}", answered_before.len());
    let _restarted = Process::spawn(&config, port);
    wait_ready(port);
    let retried = retry_unanswered(&bodies, &mut answers, port);
    assert!(retried > 0, "the kill came before the load ended");

    // Two collectors taking load; one is killed, its clients go to the other.
    let (a, b) = (free_port(), free_port());
    let (victim, _survivor) = (Process::spawn(&config, a), Process::spawn(&config, b));
    wait_ready(a);
    wait_ready(b);
    let more = Arc::new(signed_bodies(&sha, 200, 140));
    let mut more_answers = drive_and_kill(Arc::clone(&more), vec![a, b], victim, 60).await;
    retry_unanswered(&more, &mut more_answers, b);

    // Every answered receipt is stored as answered and verifies; each request once; the log
    // is gapless and every chain unbroken.
    let jwks: JwkSet =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("jwks");
    let rows = collector
        .query_texts(
            "SELECT sequence || ' ' || subject || ' ' || COALESCE(prev_receipt_sha256, '-') || ' ' \
             || receipt FROM receipts ORDER BY sequence",
        )
        .await;
    assert_eq!(rows.len(), 400, "every request stored exactly once");
    let mut stored = BTreeMap::new();
    let mut last_of: BTreeMap<String, String> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        let fields: Vec<&str> = row.split(' ').collect();
        let [sequence, subject, prev, receipt] = fields[..] else {
            panic!("row {row}");
        };
        assert_eq!(sequence, (index + 1).to_string(), "gapless sequence");
        assert_eq!(
            prev,
            last_of.get(subject).map_or("-", String::as_str),
            "chain"
        );
        last_of.insert(subject.to_owned(), sha256_hex(receipt));
        let verified = verify_receipt(receipt, &jwks).expect("verifies");
        stored.insert(verified.claims.jti, receipt.to_owned());
    }
    for answer in answers.iter().chain(more_answers.iter()) {
        let receipt = answer.as_ref().expect("every request has its receipt");
        let verified = verify_receipt(receipt, &jwks).expect("an answered receipt verifies");
        assert_eq!(
            stored.get(&verified.claims.jti),
            Some(receipt),
            "what was answered is what is stored"
        );
    }
    for (index, receipt) in answered_before {
        assert_eq!(answers[index].as_ref(), Some(&receipt));
    }
}
