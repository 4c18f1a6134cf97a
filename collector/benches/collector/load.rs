//! The load generator: HTTP/1.1 keep-alive connections posting pre-signed bodies to
//! `POST /v1/receipts`, either as fast as answers come back (closed loop) or at a fixed rate with
//! latency counted from each request's scheduled time, so that a stalled server cannot hide its
//! queue (open loop).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// What a load run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Answers by status code (0: the connection failed).
    pub statuses: BTreeMap<u16, u64>,
    /// Latency of every answer, in microseconds.
    pub latencies_us: Vec<u64>,
    /// From the first request to the last answer.
    pub elapsed: Duration,
}

impl Outcome {
    /// 2xx answers per second.
    pub fn accepted_per_sec(&self) -> f64 {
        let ok: u64 = self
            .statuses
            .iter()
            .filter(|(s, _)| (200..300).contains(*s))
            .map(|(_, n)| n)
            .sum();
        ok as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p`-th percentile latency in milliseconds.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let rank = ((p / 100.0) * (self.latencies_us.len() - 1) as f64).round() as usize;
        self.latencies_us[rank] as f64 / 1000.0
    }

    fn merge(&mut self, other: Outcome) {
        for (status, n) in other.statuses {
            *self.statuses.entry(status).or_default() += n;
        }
        self.latencies_us.extend(other.latencies_us);
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(port: u16) -> anyhow::Result<Sender> {
    let stream = TcpStream::connect(("127.0.0.1", port)).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// Posts one body; the status, or 0 when the connection failed.
async fn post(sender: &mut Sender, origin: &str, body: &Bytes) -> u16 {
    let request = Request::post("/v1/receipts")
        .header("host", "collector")
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(Full::new(body.clone()));
    let Ok(request) = request else { return 0 };
    if sender.ready().await.is_err() {
        return 0;
    }
    match sender.send_request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let _ = response.into_body().collect().await;
            status
        }
        Err(_) => 0,
    }
}

/// `connections` connections post the bodies in turn, each as soon as its previous answer
/// came, until the bodies or `duration` run out.
pub async fn closed_loop(
    port: u16,
    origin: &str,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut sender = connect(port).await?;
        let (bodies, next, origin) = (Arc::clone(&bodies), Arc::clone(&next), origin.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= bodies.len() || Instant::now() >= deadline {
                    return outcome;
                }
                let sent = Instant::now();
                let status = post(&mut sender, &origin, &bodies[index]).await;
                *outcome.statuses.entry(status).or_default() += 1;
                outcome
                    .latencies_us
                    .push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                if status == 0 {
                    match connect(port).await {
                        Ok(again) => sender = again,
                        Err(_) => return outcome,
                    }
                }
            }
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        total.merge(task.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}

/// Posts `rate` bodies a second for `duration` over up to `connections` connections; a
/// request's latency runs from when it was due, not from when a connection was free to send it.
pub async fn open_loop(
    port: u16,
    origin: &str,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Outcome> {
    let count = (f64::from(rate) * duration.as_secs_f64()) as usize;
    let count = count.min(bodies.len());
    let (queue, jobs) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let mut sender = connect(port).await?;
        let (bodies, jobs, origin) = (Arc::clone(&bodies), Arc::clone(&jobs), origin.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            loop {
                let job = jobs.lock().await.recv().await;
                let Some((index, due)) = job else { break };
                let status = post(&mut sender, &origin, &bodies[index]).await;
                *outcome.statuses.entry(status).or_default() += 1;
                outcome
                    .latencies_us
                    .push(u64::try_from(due.elapsed().as_micros()).unwrap_or(u64::MAX));
                if status == 0 {
                    match connect(port).await {
                        Ok(again) => sender = again,
                        Err(_) => return outcome,
                    }
                }
            }
            outcome
        }));
    }
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    for index in 0..count {
        let due = started + interval.mul_f64(index as f64);
        tokio::time::sleep_until(due).await;
        queue.send((index, due))?;
    }
    drop(queue);
    let mut total = Outcome::default();
    for task in tasks {
        total.merge(task.await?);
    }
    total.elapsed = started.elapsed();
    Ok(total)
}
