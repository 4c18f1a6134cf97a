//! The crypto ceiling: how many receipts per second the machine could issue if verifying the
//! visitor's request and countersigning the receipt were all there was to it, on every core.

use std::time::{Duration, Instant};

use samtycke_collector::domain::receipt_claims;
use samtycke_collector::store::ChainLink;
use samtycke_shared::Policy;
use samtycke_shared::jose::{ReceiptSigner, verify_request};

/// Verifies and countersigns `jws` on every core for `duration`; receipts per second.
pub fn ceiling(
    requests: &[String],
    policy: &Policy,
    signer: &ReceiptSigner,
    duration: Duration,
) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|core| {
                scope.spawn(move || {
                    let mut done = 0usize;
                    let mut index = core;
                    while started.elapsed() < duration {
                        let jws = &requests[index % requests.len()];
                        let verified = verify_request(jws).expect("a valid request");
                        let link = ChainLink {
                            sequence: index as i64,
                            prev_receipt_sha256: None,
                        };
                        let claims =
                            receipt_claims::build(&verified, jws, policy, "http://bench", 0, &link)
                                .expect("claims");
                        signer.sign(&claims).expect("signs");
                        done += 1;
                        index += cores;
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    done as f64 / started.elapsed().as_secs_f64()
}
