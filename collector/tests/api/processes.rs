//! `samtycke serve` as its own process, for the tests that run collectors the way an operator
//! does: several on one database, or one killed with `kill -9` mid-load.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{ORIGIN, database_url};

/// A config file in `dir` for processes sharing the test collector's database, keys and policy,
/// without rate limits.
pub fn shared_config(dir: &Path) -> PathBuf {
    let path = dir.join("samtycke.toml");
    std::fs::write(
        &path,
        format!(
            "database_url = {url:?}\nkey_dir = {keys:?}\n\n[[sites]]\nid = \"demo\"\n\
             allowed_origins = [{ORIGIN:?}]\npolicy = {policy:?}\n\n\
             # These tests load one collector from one address on purpose.\n\
             [rate_limits]\nenabled = false\n",
            url = database_url(dir),
            keys = dir.join("keys"),
            policy = dir.join("policy.json"),
        ),
    )
    .expect("config");
    path
}

/// A `samtycke serve` process; killed when dropped.
pub struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Process {
    /// Starts `samtycke serve` with this config on this port.
    pub fn spawn(config: &Path, port: u16) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_samtycke"))
            .args(["serve", "--config"])
            .arg(config)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("samtycke serve starts");
        Process(child)
    }

    /// `kill -9`: the process gets no chance to finish anything.
    pub fn kill_9(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_ready(port: u16) {
    let agent = agent();
    for _ in 0..200 {
        if agent
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("collector on port {port} never became ready");
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Posts `body` and returns the status and the answer's text; panics if there is no answer.
pub fn post(agent: &ureq::Agent, port: u16, body: &str) -> (u16, String) {
    let mut answer = agent
        .post(format!("http://127.0.0.1:{port}/v1/receipts"))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/json")
        .send(body)
        .expect("the collector answers");
    let status = answer.status().as_u16();
    (status, answer.body_mut().read_to_string().expect("body"))
}

/// Runs the `samtycke` binary with `args` to its end: whether it succeeded, and what it printed
/// (standard output, then standard error).
pub fn run_samtycke<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_samtycke"))
        .args(args)
        .output()
        .expect("samtycke runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// Posts `body`; the status and text, or `None` when no answer came (the collector died).
pub fn try_post(agent: &ureq::Agent, port: u16, body: &str) -> Option<(u16, String)> {
    let mut answer = agent
        .post(format!("http://127.0.0.1:{port}/v1/receipts"))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/json")
        .send(body)
        .ok()?;
    let status = answer.status().as_u16();
    let text = answer.body_mut().read_to_string().ok()?;
    Some((status, text))
}
