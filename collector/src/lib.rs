//! Samtycke's collector: verifies visitors' signed consent requests, countersigns them as
//! receipts, stores them durably and serves the widget.
//!
//! Layers: [`http`] (routes, problem+json) → [`domain`] (the rules) → [`store`] (one trait, one
//! module per database). [`startup::Application`] is what the binary, the tests and the
//! benchmarks all run.

pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod keys;
pub mod metrics;
pub mod server;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod time;

pub use config::Config;
pub use startup::Application;
