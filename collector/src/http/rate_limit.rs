//! Rate limits (`[rate_limits]`): per client address on every request, and per site on the
//! receipts a site's pages post, so that one client cannot take the collector for itself and
//! one site not for the others. Past a limit the answer is a 429 problem with `Retry-After`.
//!
//! The limits are kept per collector process, in memory (GCRA, the `governor` crate): behind a
//! load balancer each collector counts what it sees, so the limits there are per collector.
//! Client addresses live only in that memory, only as long as their bucket is not full again
//! (swept every minute), and are never stored or logged. Behind a proxy, the client is the
//! address the proxy appends to `X-Forwarded-For`, but only when the connection comes from one
//! of `trusted_proxies`; otherwise that header is anyone's to write.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use samtycke_shared::SiteId;
use serde::Deserialize;

use super::error::problem_response;

/// The limits, as configured. Defaults are far above what visitors of even a busy site behind one
/// office NAT make (a first visit is five requests, a returning one one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// `false` turns every limit off.
    pub enabled: bool,
    /// Requests a minute one client address may make, sustained.
    pub per_client_per_minute: u32,
    /// Requests one client address may make at once.
    pub per_client_burst: u32,
    /// Receipts a second one site may take, sustained.
    pub per_site_per_second: u32,
    /// Receipts one site may take at once.
    pub per_site_burst: u32,
    /// Addresses of proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_client_per_minute: 1200,
            per_client_burst: 300,
            per_site_per_second: 5000,
            per_site_burst: 10_000,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The limiters of one collector process.
#[derive(Debug)]
pub struct RateLimits {
    clients: Option<DefaultKeyedRateLimiter<IpAddr>>,
    sites: Option<DefaultKeyedRateLimiter<SiteId>>,
    trusted_proxies: Vec<IpAddr>,
}

/// Why a request is held back: when it may come again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RateLimits {
    /// Limiters for `config`, swept of idle clients every minute while they live.
    pub fn new(config: &RateLimitConfig) -> Arc<Self> {
        let quota = |per: Duration, count: u32, burst: u32| {
            let count = NonZeroU32::new(count.max(1)).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::with_period(per / count.get())
                .unwrap_or_else(|| Quota::per_second(count))
                .allow_burst(burst)
        };
        let limits = Arc::new(Self {
            clients: config.enabled.then(|| {
                DefaultKeyedRateLimiter::keyed(quota(
                    Duration::from_secs(60),
                    config.per_client_per_minute,
                    config.per_client_burst,
                ))
            }),
            sites: config.enabled.then(|| {
                DefaultKeyedRateLimiter::keyed(quota(
                    Duration::from_secs(1),
                    config.per_site_per_second,
                    config.per_site_burst,
                ))
            }),
            trusted_proxies: config.trusted_proxies.clone(),
        });
        if config.enabled {
            tokio::spawn(sweep(Arc::downgrade(&limits)));
        }
        limits
    }

    /// Counts one receipt for `site`.
    pub fn check_site(&self, site: &SiteId) -> Result<(), RetryAfter> {
        check(self.sites.as_ref(), site)
    }

    fn check_client(&self, client: IpAddr) -> Result<(), RetryAfter> {
        check(self.clients.as_ref(), &client)
    }

    /// The client of a connection from `peer` that says `forwarded_for`.
    fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        // The right-most address no trusted proxy wrote: the one the first of them saw.
        forwarded_for
            .into_iter()
            .flat_map(|v| v.split(','))
            .rev()
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .find(|a| !self.trusted_proxies.contains(a))
            .unwrap_or(peer)
    }
}

fn check<K: Clone + Eq + std::hash::Hash>(
    limiter: Option<&DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), RetryAfter> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter
        .check_key(key)
        .map_err(|not_until| RetryAfter(not_until.wait_time_from(DefaultClock::default().now())))
}

async fn sweep(limits: Weak<RateLimits>) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        let Some(limits) = limits.upgrade() else {
            return;
        };
        for limiter in limits.clients.iter() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        for limiter in limits.sites.iter() {
            limiter.retain_recent();
        }
    }
}

/// The 429 problem, with `Retry-After` in whole seconds (at least one).
pub fn too_many_requests(retry: RetryAfter, what: &str) -> Response {
    let seconds = retry.0.as_secs() + u64::from(retry.0.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let mut response = problem_response(
        StatusCode::TOO_MANY_REQUESTS,
        "rate-limited",
        "Too many requests",
        format!("{what} made too many requests; retry after {seconds} s"),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Middleware: the per-client limit. Requests that did not come over a socket (in-process
/// tests) have no client address and are not limited.
pub async fn limit_clients(
    State(limits): State<Arc<RateLimits>>,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let forwarded = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        if let Err(retry) = limits.check_client(limits.client(peer, forwarded)) {
            return too_many_requests(retry, "this client");
        }
    }
    next.run(request).await
}
