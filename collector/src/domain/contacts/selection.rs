//! Checking a selection ("site S, purpose P, state X") against the site's current policy, for
//! the API and the CLI alike.

use crate::domain::contacts::identifiers::{ContactIdentifier, IdentifierKind};
use crate::domain::sites::SiteRegistry;
use crate::store::contacts::{Selection, SelectionState};
use crate::time::now_unix;

use super::card::{Basis, Source};

/// Why a selection cannot be made (names the parameter, never repeats its value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// No such site is served.
    #[error("no site of that id is served here")]
    UnknownSite,
    /// A parameter is wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// A selection as asked for, unchecked.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema, utoipa::IntoParams,
)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SelectionQuery {
    /// Site id.
    pub site: String,
    /// Purpose id.
    pub purpose: String,
    /// `granted` (the default: may be processed now), `expired`, `held`, `denied`, `withdrawn`.
    #[serde(default)]
    pub state: Option<String>,
    /// Only this basis.
    #[serde(default)]
    pub basis: Option<String>,
    /// Only this source.
    #[serde(default)]
    pub source: Option<String>,
    /// Only the contact with this exact e-mail address (found through its blind index: the
    /// address is never compared, nor stored, in clear).
    #[serde(default)]
    pub email: Option<String>,
}

/// The selection `query` asks for, checked against the site's current policy; `blind_index`
/// turns an address asked for into the lookup its contact is stored under.
pub fn check(
    sites: &SiteRegistry,
    query: &SelectionQuery,
    blind_index: impl Fn(&ContactIdentifier) -> String,
) -> Result<Selection, SelectionError> {
    let site = samtycke_shared::SiteId::parse(&query.site)
        .ok()
        .and_then(|id| sites.get(&id))
        .ok_or(SelectionError::UnknownSite)?;
    if !site
        .policy()
        .policy
        .purposes
        .iter()
        .any(|p| p.id.as_str() == query.purpose)
    {
        return Err(SelectionError::Invalid {
            field: "purpose",
            reason: "the site has no such purpose in its current policy",
        });
    }
    let state = match &query.state {
        None => SelectionState::Granted,
        Some(text) => SelectionState::parse(text).ok_or(SelectionError::Invalid {
            field: "state",
            reason: "must be granted, expired, held, denied or withdrawn",
        })?,
    };
    if let Some(basis) = &query.basis
        && Basis::parse(basis).is_none()
    {
        return Err(SelectionError::Invalid {
            field: "basis",
            reason: "not a lawful basis",
        });
    }
    if let Some(source) = &query.source
        && Source::parse(source).is_none()
    {
        return Err(SelectionError::Invalid {
            field: "source",
            reason: "not a source",
        });
    }
    let lookup = query
        .email
        .as_deref()
        .map(|address| {
            ContactIdentifier::parse(IdentifierKind::Email, address)
                .map(|identifier| blind_index(&identifier))
                .map_err(|_| SelectionError::Invalid {
                    field: "email",
                    reason: "not an e-mail address",
                })
        })
        .transpose()?;
    Ok(Selection {
        site: site.id.to_string(),
        purpose: query.purpose.clone(),
        state,
        basis: query.basis.clone(),
        source: query.source.clone(),
        lookup,
        now: now_unix(),
    })
}
