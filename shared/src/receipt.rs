//! The consent receipt: the collector's countersignature over a verified request, as JWT claims
//! named after the Kantara Consent Receipt v1.1 where a name exists.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{Language, PurposeId, ReceiptId, SiteId};
use crate::request::{CollectionMethod, Decision};

/// The Kantara specification version the claims follow.
pub const KANTARA_VERSION: &str = "KI-CR-v1.1.0";

/// A controller as Kantara names its fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiController {
    /// The controller's name.
    pub pii_controller: String,
    /// How to reach them.
    pub contact: String,
    /// Postal address, if published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One purpose of a service, Kantara style, with our decision beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePurpose {
    /// The purpose's name in the receipt's language.
    pub purpose: String,
    /// Our stable purpose id.
    pub purpose_id: PurposeId,
    /// `EXPLICIT` for consent-based purposes, else `NOT-REQUIRED`.
    pub consent_type: String,
    /// The personal data categories, as disclosed.
    pub pii_category: Vec<String>,
    /// Whether this is the service's primary (strictly necessary) purpose.
    pub primary_purpose: bool,
    /// How long the data are kept, as disclosed.
    pub termination: String,
    /// Whether data are disclosed to third parties.
    pub third_party_disclosure: bool,
    /// Their names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub third_party_name: Vec<String>,
    /// The visitor's decision on this purpose.
    pub decision: Decision,
}

/// A service (our site) and its purposes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// The site id.
    pub service: String,
    /// Its purposes as decided.
    pub purposes: Vec<ServicePurpose>,
}

/// The claims of the receipt JWT (`typ` JWT, `alg` EdDSA, `kid` of the collector key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptClaims {
    /// The receipt id (same as `consentReceiptID`).
    pub jti: ReceiptId,
    /// When the collector issued the receipt, Unix seconds.
    pub iat: i64,
    /// The collector's public URL.
    pub iss: String,
    /// Kantara specification version.
    pub version: String,
    /// Legal jurisdiction of the controller.
    pub jurisdiction: String,
    /// When the visitor decided, Unix seconds.
    pub consent_timestamp: i64,
    /// How the decision was collected.
    pub collection_method: CollectionMethod,
    /// Kantara's receipt id.
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: ReceiptId,
    /// The visitor's device public key, as a JWK; absent on a receipt the collector issued on
    /// its own ([`CollectionMethod::issued_by_collector`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<serde_json::Value>,
    /// The language of the disclosure shown.
    pub language: Language,
    /// The subject's pseudonym (Kantara's field name); never an identifier in clear.
    pub pii_principal_id: String,
    /// The controllers.
    pub pii_controllers: Vec<PiiController>,
    /// The full privacy policy.
    pub policy_url: String,
    /// The purposes, Kantara style.
    pub services: Vec<Service>,
    /// Whether any purpose concerns special-category data.
    pub sensitive: bool,
    /// The site.
    pub site: SiteId,
    /// The policy version shown.
    pub policy_version: u32,
    /// Hex SHA-256 of the exact policy document shown.
    pub policy_sha256: String,
    /// One decision per purpose, as requested.
    pub decisions: BTreeMap<PurposeId, Decision>,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
    /// The subject's pseudonym: the RFC 7638 thumbprint of the device key.
    pub subject: String,
    /// Hex SHA-256 of this subject's previous receipt (compact JWT text), if any.
    pub prev_receipt_hash: Option<String>,
    /// Position in the collector's receipt log.
    pub sequence: i64,
    /// The visitor's signed request, verbatim; absent on a receipt the collector issued on its
    /// own, which carries its `evidence` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// What a receipt the collector issued on its own relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// What a receipt the collector issued without a visitor's request (an import, a double opt-in
/// confirmation, an unsubscribe) relied on: who asked for it, and the record it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Evidence {
    /// Who made the collector issue it: an API key (`key:<id>`) or `cli`.
    pub operator: String,
    /// Hex SHA-256 of the file imported, byte for byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_sha256: Option<String>,
    /// The line of that file (1 is the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The receipt this one follows from: for a double opt-in, the form opt-in it confirms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Hex SHA-256 of that receipt's JWT, so the chain holds without the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_sha256: Option<String>,
    /// The id of the event a CRM reported it as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Why the operator made the collector issue it (an admin's re-subscription).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to `POST /v1/receipts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptResponse {
    /// The receipt id.
    pub receipt_id: ReceiptId,
    /// The compact JWT signed by the collector.
    pub receipt: String,
    /// Position in the collector's receipt log.
    pub sequence: i64,
}
