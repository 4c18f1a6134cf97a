//! `cargo xtask demo`: builds the widget and runs the collector with the demo site on SQLite at
//! http://127.0.0.1:8080/.

use std::path::Path;

use crate::{dist, tools};

/// The demo's console user: an admin, on the demo's own machine only.
const DEMO_USER: &str = "admin@demo.example";
/// Its password (the demo is not a deployment).
const DEMO_PASSWORD: &str = "demo-console-password";

/// Builds everything and serves the demo until Ctrl-C.
pub fn run(root: &Path) -> anyhow::Result<()> {
    dist::run(&dist::Args::writing_to(root.join("target/dist")))?;
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args(["build", "-p", "samtycke-collector"]),
    )?;
    // A console user for the demo (made once; a second run finds it there).
    let made = tools::cargo()
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "-p",
            "samtycke-collector",
            "--bin",
            "samtycke",
            "--",
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            DEMO_USER,
            "--config",
            "www/demo.toml",
        ])
        .env("SAMTYCKE_USER_PASSWORD", DEMO_PASSWORD)
        .output()?;
    if !made.status.success() && !String::from_utf8_lossy(&made.stderr).contains("already") {
        eprintln!("{}", String::from_utf8_lossy(&made.stderr));
    }
    eprintln!(
        "\nSamtycke demo\n  open      http://127.0.0.1:8080/\n  console   http://127.0.0.1:8080/console \
         ({DEMO_USER} / {DEMO_PASSWORD})\n  JWKS      http://127.0.0.1:8080/.well-known/jwks.json\n  \
         data      target/demo/ (SQLite file and signing key)\n  stop      Ctrl-C\n"
    );
    tools::run(tools::cargo().current_dir(root).args([
        "run",
        "--quiet",
        "-p",
        "samtycke-collector",
        "--bin",
        "samtycke",
        "--",
        "serve",
        "--config",
        "www/demo.toml",
    ]))
}
