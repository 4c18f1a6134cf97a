//! `cargo xtask test`: everything CI checks, in the order that fails fastest: formatting, lints
//! (native and wasm32), the widget build, then every test including the browser ones, and the
//! collector's API suite once more on PostgreSQL.

use std::path::Path;

use crate::{chromium, dist, smtp, tools};

/// Runs the whole check.
pub fn run(root: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    chromium::ensure()?;
    smtp::ensure()?;

    step("formatting");
    cargo(root, &["fmt", "--all", "--", "--check"])?;

    step("clippy (native)");
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--exclude",
            "samtycke-widget",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;

    step("clippy (wasm32)");
    cargo(
        root,
        &[
            "clippy",
            "-p",
            "samtycke-widget",
            "-p",
            "samtycke-banner",
            "-p",
            "samtycke-shared",
            "-p",
            "samtycke-console",
            "--no-default-features",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ],
    )?;

    step("widget build");
    let dist_dir = crate::target_dir().join("dist");
    dist::run(&dist::Args::writing_to(dist_dir.clone()))?;

    let axe = tools::axe_core(&crate::target_dir().join("tools"))?;

    step("tests");
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args(["test", "--workspace"])
            .env("SAMTYCKE_ASSETS_DIR", &dist_dir)
            .env("SAMTYCKE_AXE_JS", &axe),
    )?;

    step("collector API tests on PostgreSQL");
    if !postgres_answers()? {
        return Ok(());
    }
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args(["test", "-p", "samtycke-collector", "--test", "api"])
            .env("SAMTYCKE_TEST_BACKEND", "postgres"),
    )
}

/// Whether the PostgreSQL test server (127.0.0.1:5432, or the host and port of
/// `SAMTYCKE_TEST_POSTGRES`) takes connections. Where it does not, CI fails (the server is part
/// of every machine of this project; a skipped suite would pass unseen), and a developer's run
/// says so and goes on.
fn postgres_answers() -> anyhow::Result<bool> {
    let address = std::env::var("SAMTYCKE_TEST_POSTGRES")
        .ok()
        .and_then(|url| {
            let rest = url.split("://").nth(1)?.to_owned();
            let host = rest.rsplit('@').next()?.split('/').next()?.to_owned();
            Some(match host.contains(':') {
                true => host,
                false => format!("{host}:5432"),
            })
        })
        .unwrap_or_else(|| "127.0.0.1:5432".to_owned());
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(address.as_str())
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| {
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(3)).is_ok()
        });
    if reachable {
        return Ok(true);
    }
    if std::env::var_os("CI").is_some() {
        anyhow::bail!(
            "PostgreSQL does not answer on {address}; CI must run the PostgreSQL suite (start it: \
             pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)"
        );
    }
    eprintln!(
        "xtask test: PostgreSQL does not answer on {address}: its suite was NOT run (CI fails here)"
    );
    Ok(false)
}

fn cargo(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    tools::run(tools::cargo().current_dir(root).args(args))
}

fn step(name: &str) {
    eprintln!("\nxtask test: {name}");
}
