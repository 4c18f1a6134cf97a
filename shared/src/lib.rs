//! Samtycke's one definition of every wire type, and the signing rules of consent receipts.
//!
//! This crate builds for native and `wasm32-unknown-unknown`: the widget uses the types, the
//! collector, the CLI and the tests use the types and (feature `crypto`) the JOSE code. It holds
//! no I/O, no async runtime and no browser bindings.

pub mod ids;
pub mod policy;
pub mod receipt;
pub mod request;
pub mod text;
pub mod wire_error;

#[cfg(feature = "crypto")]
pub mod commitment;
#[cfg(feature = "crypto")]
pub mod jose;

pub use ids::{IdError, Language, PurposeId, ReceiptId, SiteId};
pub use policy::{
    AskedIn, LawfulBasis, LocalizedText, Policy, PolicyError, PolicyProblem, Purpose,
};
pub use receipt::{ReceiptClaims, ReceiptResponse};
pub use request::{
    AgeAnswer, CollectionMethod, Decision, Identifier, ReceiptRequest, SubmitReceipt,
};
pub use wire_error::WireError;
