//! `cargo xtask bench collector`: the release collector (`samtycke serve`, its own process) under
//! load from this process, on SQLite and on PostgreSQL. Signed requests are made beforehand
//! (signing is not timed); each is a new receipt. Prints, per backend: sustained receipts/s at
//! 64 connections, p50/p99 latency at a fixed 2,000 receipts/s, the collector's peak RSS, and
//! the crypto ceiling (verify + countersign on every core) with the fraction of it reached.
//!
//! `SAMTYCKE_BENCH_SECONDS` (default 10) sets each phase's length; `SAMTYCKE_BENCH_BACKENDS`
//! (default `sqlite,postgres`) which backends run; `SAMTYCKE_TEST_POSTGRES` the server.

mod crypto;
mod load;
#[path = "../common/postgres.rs"]
mod postgres;
#[path = "../common/process.rs"]
mod process;

use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use samtycke_shared::jose::{DeviceSigner, ReceiptSigner, sha256_hex};
use samtycke_shared::{CollectionMethod, Decision, Policy, ReceiptId, ReceiptRequest, SiteId};

const ORIGIN: &str = "http://shop.example";
const CONNECTIONS: usize = 64;
const FIXED_RATE: u32 = 2_000;

fn policy_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/policies/demo.json")
}

fn device(seed: u32) -> anyhow::Result<DeviceSigner> {
    let mut secret = [7u8; 32];
    secret[..4].copy_from_slice(&seed.to_le_bytes());
    let der = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: secret,
        public_key: None,
    }
    .to_pkcs8_der()?;
    Ok(DeviceSigner::ed25519_from_pkcs8_der(der.as_bytes())?)
}

/// `count` signed banner decisions from 1,000 visitors, each a new receipt id, as POST bodies;
/// and the bare JWSs.
fn signed_requests(count: usize, policy: &Policy, sha: &str) -> anyhow::Result<Vec<String>> {
    let devices: Vec<DeviceSigner> = (0..1000).map(device).collect::<anyhow::Result<_>>()?;
    let now = samtycke_collector::time::now_unix();
    let decisions: std::collections::BTreeMap<_, _> = policy
        .banner_purposes()
        .map(|p| (p.id.clone(), Decision::Denied))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunks: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|core| {
                let (devices, decisions) = (&devices, &decisions);
                scope.spawn(move || {
                    (core..count)
                        .step_by(cores)
                        .map(|index| {
                            let request = ReceiptRequest {
                                receipt_id: ReceiptId::from_uuid(uuid::Uuid::from_u128(
                                    random_u128() | 1,
                                )),
                                site: SiteId::parse("demo").expect("slug"),
                                policy_version: policy.version,
                                policy_sha256: sha.to_owned(),
                                consent_timestamp: now,
                                collection_method: CollectionMethod::Banner,
                                language: "en".parse().expect("tag"),
                                gpc: false,
                                decisions: decisions.clone(),
                                identifier_commitments: vec![],
                                age: None,
                            };
                            devices[index % devices.len()]
                                .sign(&request)
                                .expect("signs")
                        })
                        .collect()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    Ok(chunks.into_iter().flatten().collect())
}

fn random_u128() -> u128 {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random");
    // A version-4 UUID.
    u128::from_be_bytes(bytes) & !(0xf << 76) | (0x4 << 76)
}

fn bodies(requests: &[String]) -> Arc<Vec<Bytes>> {
    Arc::new(
        requests
            .iter()
            .map(|jws| Bytes::from(serde_json::json!({ "request": jws }).to_string()))
            .collect(),
    )
}

struct Row {
    backend: &'static str,
    sustained: f64,
    closed_p50: f64,
    closed_p99: f64,
    fixed_p50: f64,
    fixed_p99: f64,
    fixed_refused: u64,
    rss: f64,
}

async fn measure(
    backend: &'static str,
    database_url: String,
    seconds: u64,
    policy: &Policy,
    sha: &str,
) -> anyhow::Result<Row> {
    let dir = tempfile::tempdir()?;
    std::fs::copy(policy_path(), dir.path().join("policy.json"))?;
    let config = dir.path().join("samtycke.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {database_url:?}\nkey_dir = {keys:?}\n\n[[sites]]\nid = \"demo\"\n\
             allowed_origins = [{ORIGIN:?}]\npolicy = \"policy.json\"\n\n\
             # One load generator on one address: the limits would measure themselves.\n\
             [rate_limits]\nenabled = false\n\n\
             # The demo policy asks for double opt-in: its mail goes into a folder.\n\
             [mail]\nfrom = \"Bench <bench@shop.example>\"\nfolder = \"mail\"\n",
            keys = dir.path().join("keys"),
        ),
    )?;
    let collector = process::Collector::start(&config)?;
    let duration = Duration::from_secs(seconds);
    // Enough for 25,000 receipts/s over the closed-loop phase.
    let closed = bodies(&signed_requests(25_000 * seconds as usize, policy, sha)?);
    let fixed = bodies(&signed_requests(
        FIXED_RATE as usize * seconds as usize,
        policy,
        sha,
    )?);
    let mut sustained =
        load::closed_loop(collector.port, ORIGIN, closed, CONNECTIONS, duration).await?;
    let mut at_rate = load::open_loop(
        collector.port,
        ORIGIN,
        fixed,
        CONNECTIONS,
        FIXED_RATE,
        duration,
    )
    .await?;
    let refused: u64 = at_rate
        .statuses
        .iter()
        .filter(|(s, _)| !(200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    let closed_refused: u64 = sustained
        .statuses
        .iter()
        .filter(|(s, _)| !(200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    if closed_refused > 0 {
        eprintln!(
            "{backend}: not 2xx in the closed loop: {:?}",
            sustained.statuses
        );
    }
    Ok(Row {
        backend,
        sustained: sustained.accepted_per_sec(),
        closed_p50: sustained.percentile_ms(50.0),
        closed_p99: sustained.percentile_ms(99.0),
        fixed_p50: at_rate.percentile_ms(50.0),
        fixed_p99: at_rate.percentile_ms(99.0),
        fixed_refused: refused,
        rss: collector.peak_rss_mib(),
    })
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("SAMTYCKE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let backends =
        std::env::var("SAMTYCKE_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let document = std::fs::read(policy_path())?;
    let policy = Policy::parse(&document)?;
    let sha = sha256_hex(&document);

    let sample = signed_requests(2_000, &policy, &sha)?;
    let der = ed25519_dalek::pkcs8::KeypairBytes {
        secret_key: [42; 32],
        public_key: None,
    }
    .to_pkcs8_der()?;
    let signer = ReceiptSigner::from_pkcs8_der(der.as_bytes())?;
    let ceiling = crypto::ceiling(&sample, &policy, &signer, Duration::from_secs(3));

    let mut rows = Vec::new();
    // Removed when the benchmark ends.
    let sqlite_dir = tempfile::tempdir()?;
    for backend in backends.split(',').map(str::trim) {
        let (name, url) = match backend {
            "sqlite" => {
                let file = sqlite_dir.path().join("bench.db");
                ("SQLite", format!("sqlite://{}", file.display()))
            }
            "postgres" => (
                "PostgreSQL",
                postgres::fresh_database("samtycke_bench").await?,
            ),
            other => anyhow::bail!("unknown backend {other}"),
        };
        eprintln!("bench collector: {name}, {seconds} s a phase");
        rows.push(measure(name, url, seconds, &policy, &sha).await?);
    }

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!(
        "crypto ceiling (verify request + sign receipt, {cores} cores): {ceiling:.0} receipts/s"
    );
    println!();
    println!(
        "{:<11} {:>12} {:>9} {:>9}   {:>10} {:>10} {:>8}   {:>9} {:>10}",
        "backend",
        "receipts/s",
        "p50 ms",
        "p99 ms",
        "p50 ms",
        "p99 ms",
        "not 2xx",
        "peak RSS",
        "of ceiling"
    );
    println!(
        "{:<11} {:>32}   {:>30}",
        "", "(64 connections, closed loop)", "(2,000 receipts/s, open loop)"
    );
    for row in rows {
        println!(
            "{:<11} {:>12.0} {:>9.1} {:>9.1}   {:>10.1} {:>10.1} {:>8}   {:>6.1} MiB {:>9.1}%",
            row.backend,
            row.sustained,
            row.closed_p50,
            row.closed_p99,
            row.fixed_p50,
            row.fixed_p99,
            row.fixed_refused,
            row.rss,
            100.0 * row.sustained / ceiling
        );
    }
    Ok(())
}
