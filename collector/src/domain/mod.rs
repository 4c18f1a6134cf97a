//! The rules. Handlers call these; these call the store. Nothing here knows HTTP.

pub mod access;
pub mod consent;
pub mod contacts;
pub mod crm;
pub mod identifiers;
pub mod issuing;
pub mod log_check;
pub mod mail;
pub mod policies;
pub mod receipt_claims;
pub mod resubscribe;
pub mod retention;
pub mod rights;
pub mod sealing;
pub mod sites;
pub mod users;
pub mod vault;
pub mod webhooks;
