//! Connection limits, black-box over real sockets: slow headers, a kept-alive connection left
//! idle, a silent connection, a body that never completes and a flood of connections all end,
//! within the configured times, instead of holding the collector's descriptors.

use std::time::Duration;

use samtycke_collector::Application;
use samtycke_collector::server::ServerLimits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::*;

/// A running collector with these limits; stops when dropped.
struct Running {
    port: u16,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connects")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(limits: ServerLimits) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    write_test_policy(dir.path());
    let mut config = TestCollector::config(dir.path());
    config.limits = limits;
    clean_test_databases().await;
    let app = Application::build(config).await.expect("starts");
    let port = app.port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        port,
        _dir: dir,
        stop: Some(stop),
    }
}

fn limits(header: u64, body: u64, idle: u64, max: usize) -> ServerLimits {
    ServerLimits {
        max_connections: max,
        header_read_timeout_secs: header,
        body_read_timeout_secs: body,
        idle_timeout_secs: idle,
        ..ServerLimits::default()
    }
}

/// Reads until the server closes the connection or `within` passes; what was read, and
/// whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&seen).into(), true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&seen).into(), false),
        }
    }
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: collector\r\n\r\n";

#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let collector = serve(limits(1, 30, 30, 64)).await;
    let mut stream = collector.connect().await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: collector\r\n")
        .await
        .expect("writes");
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "a connection with half its headers was kept open");
}

#[tokio::test]
async fn a_kept_alive_connection_without_a_next_request_is_closed() {
    let collector = serve(limits(1, 30, 30, 64)).await;
    let mut stream = collector.connect().await;
    stream.write_all(HEALTH).await.expect("writes");
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle kept-alive connection was kept open");
}

#[tokio::test]
async fn a_silent_connection_is_closed_at_the_idle_timeout() {
    let collector = serve(limits(30, 30, 1, 64)).await;
    let mut stream = collector.connect().await;
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(closed, "a connection that sent nothing was kept open");
}

#[tokio::test]
async fn a_body_that_never_completes_gets_a_408_problem() {
    let collector = serve(limits(30, 1, 30, 64)).await;
    let mut stream = collector.connect().await;
    let head = format!(
        "POST /v1/receipts HTTP/1.1\r\nHost: collector\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"request\":"
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
}

#[tokio::test]
async fn past_the_connection_cap_a_client_waits_for_a_free_slot() {
    let collector = serve(limits(30, 30, 30, 2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = collector.connect().await;
        // A request answered proves the connection was taken, and leaves it kept alive.
        stream.write_all(HEALTH).await.expect("writes");
        let mut buf = [0u8; 1024];
        let n = stream.read(&mut buf).await.expect("answer");
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // The listen backlog takes it.
    let mut third = collector.connect().await;
    third.write_all(HEALTH).await.expect("writes");
    let mut buf = [0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served past a cap of two"
    );
    drop(held.pop());
    let n = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
        .await
        .expect("served once a slot is free")
        .expect("reads");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
}
