//! `cargo xtask demo`: builds the widget and runs the collector with the demo site on SQLite at
//! http://127.0.0.1:8080/.

use std::path::Path;

use crate::{dist, tools};

/// Builds everything and serves the demo until Ctrl-C.
pub fn run(root: &Path) -> anyhow::Result<()> {
    dist::run(&dist::Args::writing_to(root.join("target/dist")))?;
    tools::run(
        tools::cargo()
            .current_dir(root)
            .args(["build", "-p", "samtycke-collector"]),
    )?;
    eprintln!(
        "\nSamtycke demo\n  open      http://127.0.0.1:8080/\n  JWKS      http://127.0.0.1:8080/.well-known/jwks.json\n  \
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
