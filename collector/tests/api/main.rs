//! Collector API tests on a real SQLite file: one binary, so it links once.

mod access;
mod connections;
mod contacts;
mod durability;
mod hardening;
mod helpers;
mod identifiers;
mod integrations;
mod mail;
mod many_collectors;
mod operations;
mod policies;
mod policy_and_keys;
mod processes;
mod rate_limits;
mod receipts;
mod requests;
mod sessions;
mod timing;
mod vault;
mod verify_cli;
