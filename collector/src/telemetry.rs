//! Logging setup. Logs never carry IP addresses, identifiers or key material: handlers log ids
//! and pseudonyms only.

use tracing_subscriber::EnvFilter;

/// Installs the global `tracing` subscriber; `RUST_LOG` overrides the default level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // A second call (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}
