//! The HTTP server loop: HTTP/1.1 connections under the limits of [`ServerLimits`], so that no
//! client can hold the collector's sockets and file descriptors for as long as it likes.
//!
//! - **At most `max_connections` at once.** Past the cap the collector stops accepting; further
//!   clients wait in the kernel's listen backlog until a connection closes.
//! - **Header read.** A request's head must arrive within `header_read_timeout` of the
//!   connection being ready for it (hyper's timer): slow headers are cut off, and so is a
//!   kept-alive connection that sends no next request for that long.
//! - **Idle.** A connection on which no byte moves either way for `idle_timeout` is closed: a
//!   client that stops reading its response (slow read), or stops sending a body.
//! - **Body read.** The body must be complete within `body_read_timeout` of the request head
//!   (`http/mod.rs`, tower-http's deadline body); else a 408 problem.
//! - **Shutdown.** Requests in flight get `shutdown_grace` to finish; what is left is cut off.
//!
//! Only HTTP/1.1 is served: browsers reach the collector over HTTP/1.1 or through a proxy that
//! terminates TLS and HTTP/2, and cleartext HTTP/2 would bring its own stream and flow-control
//! limits to guard for no client that uses it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The connection limits (`[limits]` in the config file). The defaults are far above what a
/// browser on a slow mobile network needs and far below what lets one client hold the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerLimits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Seconds for a request's head to arrive, counted from when the connection is ready for
    /// it (so also how long a kept-alive connection may wait for its next request).
    pub header_read_timeout_secs: u64,
    /// Seconds for a request's body to arrive in full, counted from its head.
    pub body_read_timeout_secs: u64,
    /// Seconds a connection may pass without a byte read or written.
    pub idle_timeout_secs: u64,
    /// Seconds a shutdown waits for requests in flight before closing what is left.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            header_read_timeout_secs: 20,
            body_read_timeout_secs: 30,
            idle_timeout_secs: 60,
            shutdown_grace_secs: 30,
        }
    }
}

/// The longest any of the timeouts may be: a day (a larger number in the config file is taken
/// as a day, not as a time that overflows the clock).
const MAX_TIMEOUT_SECS: u64 = 24 * 60 * 60;
/// The most connections that can be allowed at once (the file-descriptor limit is far lower).
const MAX_CONNECTIONS: usize = 1 << 20;

fn seconds(secs: u64) -> Duration {
    Duration::from_secs(secs.clamp(1, MAX_TIMEOUT_SECS))
}

impl ServerLimits {
    /// The header-read timeout.
    pub fn header_read_timeout(&self) -> Duration {
        seconds(self.header_read_timeout_secs)
    }

    /// The body-read timeout.
    pub fn body_read_timeout(&self) -> Duration {
        seconds(self.body_read_timeout_secs)
    }

    /// The idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        seconds(self.idle_timeout_secs)
    }

    /// How long a shutdown waits for connections to finish.
    pub fn shutdown_grace(&self) -> Duration {
        seconds(self.shutdown_grace_secs)
    }

    /// Connections served at once.
    pub fn max_connections(&self) -> usize {
        self.max_connections.clamp(1, MAX_CONNECTIONS)
    }
}

/// Serves `router` on `listener` until `shutdown` completes; then stops accepting, lets each
/// connection finish its request in flight, and returns when all have closed, or after
/// `shutdown_grace` with the rest cut off (a client reading a response a byte a minute must not
/// hold a shutdown for hours).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections()));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        while connections.try_join_next().is_some() {}
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok((stream, peer)) => (stream, peer),
            Err(error) => {
                // Out of descriptors, or a connection reset before it was taken: not fatal.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let router = router.clone();
        let stopping = stopping.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, router, limits, stopping).await;
            drop(slot);
        });
    }
    let _ = stop.send(true);
    drop(listener);
    let drained = tokio::time::timeout(limits.shutdown_grace(), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "connections still open after the shutdown grace period are closed"
        );
        connections.shutdown().await;
    }
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    router: axum::Router,
    limits: ServerLimits,
    mut stopping: watch::Receiver<bool>,
) {
    // The peer's address travels with each request, for the per-client rate limit only.
    let service = TowerToHyperService::new(tower::util::MapRequest::new(
        router,
        move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    ));
    let started = Instant::now();
    let last_activity = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Watched {
        inner: stream,
        started,
        last_activity: Arc::clone(&last_activity),
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout())
        .keep_alive(true);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let idle = limits.idle_timeout();
    let mut graceful = false;
    loop {
        let last = Duration::from_millis(last_activity.load(Ordering::Relaxed));
        let deadline = started + last + idle;
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(deadline) => {
                let moved = Duration::from_millis(last_activity.load(Ordering::Relaxed)) > last;
                if !moved {
                    tracing::debug!("idle connection closed");
                    return;
                }
            }
            changed = stopping.changed(), if !graceful => {
                if changed.is_err() || *stopping.borrow() {
                    graceful = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A stream that notes when a byte last moved through it, for the idle timeout.
struct Watched<T> {
    inner: T,
    started: Instant,
    last_activity: Arc<AtomicU64>,
}

impl<T> Watched<T> {
    fn touch(&self) {
        let elapsed = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity.store(elapsed, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
