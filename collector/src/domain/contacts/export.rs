//! Exports: the copy of everything held about a person (GDPR Art 15, 20), as CSV with the
//! columns a CRM's contact export has, or as JSON with the card's history, every receipt and the
//! policy texts the receipts cite, so that the person can verify each one against our JWKS.

use std::collections::BTreeSet;

use serde::Serialize;

use super::card::Card;
use super::profile::Profile;
use super::{
    ConsentView, ContactError, ContactService, ShownIdentifiers, Visibility, consent_view,
    masked_profile, shown_identifiers,
};
use crate::store::contacts::StoredContact;
use crate::time::now_unix;

/// The language of a CSV's header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderLanguage {
    /// English.
    #[default]
    En,
    /// Swedish.
    Sv,
}

impl HeaderLanguage {
    /// `en` or `sv`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "en" => Some(HeaderLanguage::En),
            "sv" => Some(HeaderLanguage::Sv),
            _ => None,
        }
    }

    /// The three columns a selection's CSV adds: each contact's unsubscribe URL for the
    /// selection's purpose, and the two RFC 8058 headers for the marketer's mail tool.
    pub fn unsubscribe_columns(self) -> [&'static str; 3] {
        match self {
            HeaderLanguage::En => [
                "Unsubscribe URL",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
            ],
            HeaderLanguage::Sv => [
                "Avregistreringslänk",
                "List-Unsubscribe",
                "List-Unsubscribe-Post",
            ],
        }
    }

    /// The header row, in the fixed column order.
    pub fn columns(self) -> [&'static str; 16] {
        match self {
            HeaderLanguage::En => COLUMNS_EN,
            HeaderLanguage::Sv => COLUMNS_SV,
        }
    }
}

/// The export's columns, in this order: the order the CRMs our marketers come from use.
pub const COLUMNS_EN: [&str; 16] = [
    "First name",
    "Website",
    "Facebook",
    "Last name",
    "Other",
    "Twitter",
    "Company",
    "Updated on",
    "LinkedIn",
    "Title",
    "Created on",
    "Exported on",
    "Email ID",
    "Salesforce ID",
    "Phone number",
    "Person ID",
];

/// [`COLUMNS_EN`] in Swedish.
pub const COLUMNS_SV: [&str; 16] = [
    "Förnamn",
    "Webbplats",
    "Facebook",
    "Efternamn",
    "Övrigt",
    "Twitter",
    "Företag",
    "Uppdaterat den",
    "LinkedIn",
    "Titel",
    "Skapad den",
    "Exporterad den",
    "E-post-ID",
    "Salesforce-ID",
    "Telefonnummer",
    "Person-ID",
];

/// A Unix time as RFC 3339, UTC (`2026-12-01T08:00:00Z`).
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// One contact's CSV record, in the columns' order.
pub fn csv_record(
    person_id: &str,
    created_at: i64,
    updated_at: i64,
    identifiers: &ShownIdentifiers,
    profile: &Profile,
    exported_at: i64,
) -> [String; 16] {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    [
        text(&profile.first_name),
        text(&profile.website),
        text(&profile.facebook),
        text(&profile.last_name),
        text(&profile.other),
        text(&profile.twitter),
        text(&profile.company),
        rfc3339(updated_at),
        text(&profile.linkedin),
        text(&profile.title),
        rfc3339(created_at),
        rfc3339(exported_at),
        text(&identifiers.email),
        text(&identifiers.salesforce_id),
        text(&identifiers.phone),
        person_id.to_owned(),
    ]
}

/// Everything held about a person, as JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactExport {
    /// Person id.
    pub person_id: String,
    /// When this copy was made (RFC 3339).
    pub exported_at: String,
    /// When the contact was created (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
    /// Whether the values are masked (a marketer's export).
    pub masked: bool,
    /// Identifiers.
    pub identifiers: ShownIdentifiers,
    /// Profile.
    pub profile: Profile,
    /// The compliance card.
    pub card: Card,
    /// The card's history.
    pub history: Vec<HistoryView>,
    /// Decisions per site and purpose.
    pub consents: Vec<ConsentView>,
    /// Every subscribe and unsubscribe, with when, the purpose and the source.
    pub subscriptions: Vec<super::subscriptions::SubscriptionEvent>,
    /// Every receipt, as issued: JWTs that verify against the collector's JWKS.
    pub receipts: Vec<ReceiptView>,
    /// The policy texts the receipts cite, byte for byte (their SHA-256 is in each receipt).
    pub policies: Vec<PolicyView>,
    /// How to check the receipts.
    pub verification: &'static str,
}

/// A history entry as exported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryView {
    /// RFC 3339.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Details (card values, field names).
    pub detail: serde_json::Value,
}

/// A receipt as exported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceiptView {
    /// Log sequence number.
    pub sequence: i64,
    /// Site.
    pub site: String,
    /// Policy version cited.
    pub policy_version: i64,
    /// The countersigned JWT.
    pub receipt: String,
}

/// A policy text as exported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyView {
    /// Site.
    pub site: String,
    /// Version.
    pub version: i64,
    /// Hex SHA-256 of the document, as the receipts cite it.
    pub sha256: String,
    /// The document as served (UTF-8 text of the JSON file).
    pub document: String,
}

const VERIFICATION: &str = "Each receipt is a JWT (JWS compact, EdDSA) signed by the collector: \
    verify it with any JOSE library against the keys at /.well-known/jwks.json, or offline with \
    `samtycke verify`. Its policySha256 claim is the SHA-256 of the policy document listed here.";

impl ContactService {
    /// Everything held about one contact.
    pub async fn export_contact(
        &self,
        contact: &StoredContact,
        visibility: Visibility,
    ) -> Result<ContactExport, ContactError> {
        let store = self.store();
        let (identifiers, profile) = self.open(contact)?;
        let now = now_unix();
        let states = store.contact_states(&contact.person_id).await?;
        let holds = store.holds(&contact.person_id).await?;
        let history = store.contact_history(&contact.person_id).await?;
        let receipts = store.contact_receipts(&contact.person_id).await?;
        let subscriptions = self.subscription_events(&contact.person_id).await?;
        let cited: BTreeSet<(String, i64)> = receipts
            .iter()
            .map(|r| (r.site.clone(), r.policy_version))
            .collect();
        let mut policies = Vec::with_capacity(cited.len());
        for (site, version) in cited {
            let Ok(id) = samtycke_shared::SiteId::parse(&site) else {
                continue;
            };
            let Ok(number) = u32::try_from(version) else {
                continue;
            };
            if let Some(policy) = store.policy(&id, number).await? {
                policies.push(PolicyView {
                    site,
                    version,
                    sha256: policy.sha256,
                    document: String::from_utf8_lossy(&policy.document).into_owned(),
                });
            }
        }
        Ok(ContactExport {
            person_id: contact.person_id.clone(),
            exported_at: rfc3339(now),
            created_at: rfc3339(contact.created_at),
            updated_at: rfc3339(contact.updated_at),
            masked: visibility == Visibility::Masked,
            identifiers: shown_identifiers(&identifiers, visibility),
            profile: match visibility {
                Visibility::Clear => profile,
                Visibility::Masked => masked_profile(&profile),
            },
            card: Card::from_stored(&contact.card),
            history: history
                .into_iter()
                .map(|h| HistoryView {
                    at: rfc3339(h.at),
                    actor: h.actor,
                    action: h.action,
                    detail: serde_json::from_str(&h.detail).unwrap_or(serde_json::Value::Null),
                })
                .collect(),
            consents: states
                .iter()
                .map(|s| consent_view(s, now, super::holds_cover(&holds, s)))
                .collect(),
            subscriptions,
            receipts: receipts
                .into_iter()
                .map(|r| ReceiptView {
                    sequence: r.sequence,
                    site: r.site,
                    policy_version: r.policy_version,
                    receipt: r.receipt,
                })
                .collect(),
            policies,
            verification: VERIFICATION,
        })
    }

    /// One contact's CSV record.
    pub fn csv_record_of(
        &self,
        contact: &StoredContact,
        visibility: Visibility,
        exported_at: i64,
    ) -> Result<[String; 16], ContactError> {
        let (identifiers, profile) = self.open(contact)?;
        let profile = match visibility {
            Visibility::Clear => profile,
            Visibility::Masked => masked_profile(&profile),
        };
        Ok(csv_record(
            &contact.person_id,
            contact.created_at,
            contact.updated_at,
            &shown_identifiers(&identifiers, visibility),
            &profile,
            exported_at,
        ))
    }

    /// A contact by id, for an export (audited by the caller with the export's shape).
    pub async fn stored(&self, person_id: &str) -> Result<StoredContact, ContactError> {
        self.store()
            .contact(person_id)
            .await?
            .ok_or_else(|| ContactError::NotFound(person_id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_puts_each_value_in_its_column() {
        let identifiers = ShownIdentifiers {
            email: Some("anna@example.se".into()),
            phone: Some("+46701234567".into()),
            salesforce_id: Some("0035g00000AbCdE".into()),
        };
        let profile = Profile {
            first_name: Some("Anna".into()),
            last_name: Some("Svensson".into()),
            website: Some("https://anna.se".into()),
            ..Profile::default()
        };
        let record = csv_record("p-1", 0, 86_400, &identifiers, &profile, 172_800);
        let column = |name: &str| {
            let at = COLUMNS_EN.iter().position(|c| *c == name).expect("column");
            record[at].as_str()
        };
        assert_eq!(column("First name"), "Anna");
        assert_eq!(column("Last name"), "Svensson");
        assert_eq!(column("Website"), "https://anna.se");
        assert_eq!(column("Email ID"), "anna@example.se");
        assert_eq!(column("Phone number"), "+46701234567");
        assert_eq!(column("Salesforce ID"), "0035g00000AbCdE");
        assert_eq!(column("Person ID"), "p-1");
        assert_eq!(column("Created on"), "1970-01-01T00:00:00Z");
        assert_eq!(column("Updated on"), "1970-01-02T00:00:00Z");
        assert_eq!(column("Exported on"), "1970-01-03T00:00:00Z");
        assert_eq!(column("Company"), "");
    }
}
