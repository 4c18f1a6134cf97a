//! The rules. Handlers call these; these call the store. Nothing here knows HTTP.

pub mod consent;
pub mod receipt_claims;
pub mod sites;
