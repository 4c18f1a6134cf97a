//! Rate limits over real sockets: a client past its limit gets a 429 problem with
//! `Retry-After`; clients behind a trusted proxy are told apart by `X-Forwarded-For`, and an
//! untrusted `X-Forwarded-For` changes nothing; a site past its receipt limit gets 429s, other
//! traffic goes on.

use std::net::IpAddr;

use samtycke_collector::Application;
use samtycke_collector::http::rate_limit::RateLimitConfig;

use crate::helpers::*;
use crate::processes::agent;

async fn serve(limits: RateLimitConfig) -> (u16, TestCollector, tokio::sync::oneshot::Sender<()>) {
    let collector = TestCollector::start().await;
    let mut config = TestCollector::config(collector.dir.path());
    config.rate_limits = limits;
    let app = Application::build(config).await.expect("starts");
    let port = app.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (port, collector, stop)
}

fn get(port: u16, path: &str, forwarded_for: Option<&str>) -> (u16, Option<String>, String) {
    let agent = agent();
    let mut request = agent.get(format!("http://127.0.0.1:{port}{path}"));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    let mut answer = request.call().expect("answers");
    let retry = answer
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = answer.status().as_u16();
    (
        status,
        retry,
        answer.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn per_client(count: u32, trusted: Vec<IpAddr>) -> RateLimitConfig {
    RateLimitConfig {
        per_client_per_minute: count,
        per_client_burst: count,
        trusted_proxies: trusted,
        ..RateLimitConfig::default()
    }
}

#[tokio::test]
async fn a_client_past_its_limit_gets_a_429_problem_with_retry_after() {
    let (port, _collector, _stop) = serve(per_client(3, vec![])).await;
    let answers = tokio::task::spawn_blocking(move || {
        (0..4)
            .map(|_| get(port, "/healthz", Some("203.0.113.9")))
            .collect::<Vec<_>>()
    })
    .await
    .expect("ran");
    for (status, _, _) in &answers[..3] {
        assert_eq!(*status, 200);
    }
    let (status, retry, body) = &answers[3];
    assert_eq!(*status, 429, "{body}");
    let seconds: u64 = retry
        .as_deref()
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=20).contains(&seconds), "{seconds}");
    assert!(body.contains("urn:samtycke:problem:rate-limited"), "{body}");
    assert!(
        !body.contains("203.0.113"),
        "no address in the problem: {body}"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for() {
    let loopback: IpAddr = "127.0.0.1".parse().expect("ip");
    let (port, _collector, _stop) = serve(per_client(2, vec![loopback])).await;
    let statuses = tokio::task::spawn_blocking(move || {
        let mut statuses = Vec::new();
        for client in ["198.51.100.1", "198.51.100.2"] {
            for _ in 0..2 {
                // The proxy appends the address it saw to what the client sent.
                let header = format!("10.9.9.9, {client}");
                statuses.push(get(port, "/healthz", Some(&header)).0);
            }
        }
        statuses.push(get(port, "/healthz", Some("10.9.9.9, 198.51.100.1")).0);
        statuses
    })
    .await
    .expect("ran");
    assert_eq!(statuses, [200, 200, 200, 200, 429]);
}

#[tokio::test]
async fn a_site_past_its_receipt_limit_gets_429s_and_nothing_else_is_held_back() {
    let limits = RateLimitConfig {
        per_site_per_second: 1,
        per_site_burst: 2,
        ..RateLimitConfig::default()
    };
    let (port, collector, _stop) = serve(limits).await;
    let sha = collector.policy_sha256();
    let bodies: Vec<String> = (0..3)
        .map(|seed| body(&device(60 + seed), &reject_all(&sha)).to_string())
        .collect();
    let answers = tokio::task::spawn_blocking(move || {
        let agent = agent();
        let posted: Vec<u16> = bodies
            .iter()
            .map(|b| crate::processes::post(&agent, port, b).0)
            .collect();
        (posted, get(port, "/v1/sites/demo/policy", None).0)
    })
    .await
    .expect("ran");
    assert_eq!(answers.0, [201, 201, 429]);
    assert_eq!(answers.1, 200, "reading the policy is not a receipt");
}
