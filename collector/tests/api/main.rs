//! Collector API tests on a real SQLite file: one binary, so it links once.

mod hardening;
mod helpers;
mod identifiers;
mod policy_and_keys;
mod receipts;
mod vault;
mod verify_cli;
