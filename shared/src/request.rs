//! The consent request: what the visitor's device signs, and the body that carries it to the
//! collector (`POST /v1/receipts`, DESIGN.md §7).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{Language, PurposeId, ReceiptId, SiteId};

/// A visitor's decision on one purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Said yes.
    Granted,
    /// Said no.
    Denied,
    /// Said yes before, no now.
    Withdrawn,
}

impl Decision {
    /// Whether processing for the purpose may go on.
    pub fn allows_processing(self) -> bool {
        self == Decision::Granted
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Granted => "granted",
            Decision::Denied => "denied",
            Decision::Withdrawn => "withdrawn",
        }
    }
}

/// How the decision was collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollectionMethod {
    /// The first layer of the banner.
    Banner,
    /// The second layer, or the settings reopened later.
    Settings,
    /// An opt-in box inside the site's own form.
    Form,
    /// The e-mail preference centre.
    PreferenceCentre,
    /// The confirmation link of a double opt-in.
    DoubleOptIn,
    /// An unsubscribe link.
    Unsubscribe,
    /// A bulk import of consents collected elsewhere.
    Import,
    /// The collector's API.
    Api,
    /// A CRM reporting its own unsubscribes and consent changes.
    CrmSync,
    /// A parent's or guardian's confirmation, from their own mailbox, of an opt-in made by
    /// someone below the site's age of digital consent (Art 8).
    Guardian,
}

impl CollectionMethod {
    /// Whether the collector issues receipts of this method on its own, with no visitor's
    /// request to embed: everything but the three ways a site's page asks.
    pub fn issued_by_collector(self) -> bool {
        !matches!(
            self,
            CollectionMethod::Banner | CollectionMethod::Settings | CollectionMethod::Form
        )
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionMethod::Banner => "banner",
            CollectionMethod::Settings => "settings",
            CollectionMethod::Form => "form",
            CollectionMethod::PreferenceCentre => "preference-centre",
            CollectionMethod::DoubleOptIn => "double-opt-in",
            CollectionMethod::Unsubscribe => "unsubscribe",
            CollectionMethod::Import => "import",
            CollectionMethod::Api => "api",
            CollectionMethod::CrmSync => "crm-sync",
            CollectionMethod::Guardian => "guardian",
        }
    }
}

/// The payload the visitor's device key signs (a compact JWS, `alg` EdDSA or ES256, with the
/// public key as `jwk` in the protected header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReceiptRequest {
    /// Chosen by the widget; the idempotency key.
    pub receipt_id: ReceiptId,
    /// The site the decision is for.
    pub site: SiteId,
    /// The policy version shown.
    pub policy_version: u32,
    /// Hex SHA-256 of the exact policy document shown.
    pub policy_sha256: String,
    /// When the visitor decided, Unix seconds.
    pub consent_timestamp: i64,
    /// How the decision was collected.
    pub collection_method: CollectionMethod,
    /// The language the disclosure was shown in.
    pub language: Language,
    /// Whether the browser sent Global Privacy Control.
    pub gpc: bool,
    /// One decision per purpose.
    pub decisions: BTreeMap<PurposeId, Decision>,
    /// Salted commitments to identifiers sent beside the request (form opt-in).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier_commitments: Vec<String>,
    /// The visitor's answer to a form's age question (purposes with `askAge`), against the
    /// cited policy's `minimumAge`. Below it, the identifiers beside the request include the
    /// guardian's address, and the opt-in waits for the guardian's confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeAnswer>,
}

/// What a visitor answered to "Are you at least N?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgeAnswer {
    /// At least the policy's `minimumAge`.
    AtLeastMinimum,
    /// Below it: a parent or guardian must consent (Art 8(1)).
    BelowMinimum,
}

impl AgeAnswer {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgeAnswer::AtLeastMinimum => "at-least-minimum",
            AgeAnswer::BelowMinimum => "below-minimum",
        }
    }
}

/// An identifier of the person, sent in clear beside the request so the collector can keep it in
/// the subject's encrypted vault; the signed request holds only its commitment. `Debug` shows
/// the type only, so that logging a request body never logs an e-mail address or a salt.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Identifier {
    /// `email`, for now.
    #[serde(rename = "type")]
    pub kind: String,
    /// The identifier as typed.
    pub value: String,
    /// Base64url (unpadded) of 16 random bytes.
    pub salt: String,
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// The body of `POST /v1/receipts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitReceipt {
    /// The compact JWS signed by the visitor's device key.
    pub request: String,
    /// Identifiers committed to in the request, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<Identifier>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_agree_with_serde() {
        for method in [
            CollectionMethod::Banner,
            CollectionMethod::Settings,
            CollectionMethod::Form,
            CollectionMethod::PreferenceCentre,
            CollectionMethod::DoubleOptIn,
            CollectionMethod::Unsubscribe,
            CollectionMethod::Import,
            CollectionMethod::Api,
            CollectionMethod::CrmSync,
            CollectionMethod::Guardian,
        ] {
            assert_eq!(serde_json::to_value(method).expect("json"), method.as_str());
        }
        for decision in [Decision::Granted, Decision::Denied, Decision::Withdrawn] {
            assert_eq!(
                serde_json::to_value(decision).expect("json"),
                decision.as_str()
            );
        }
    }

    #[test]
    fn an_identifiers_debug_output_hides_its_value_and_salt() {
        let identifier = Identifier {
            kind: "email".into(),
            value: "anna@example.se".into(),
            salt: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        };
        let shown = format!("{identifier:?}");
        assert!(shown.contains("email"));
        assert!(
            !shown.contains("anna") && !shown.contains("AAAA"),
            "{shown}"
        );
    }
}
