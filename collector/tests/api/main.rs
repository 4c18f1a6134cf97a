//! Collector API tests on a real SQLite file: one binary, so it links once.

mod helpers;
mod policy_and_keys;
mod receipts;
mod verify_cli;
