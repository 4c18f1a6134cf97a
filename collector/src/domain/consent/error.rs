//! Why a consent request is refused: one variant per reason, each message precise enough to fix
//! the request by, and none echoing an identifier's value. `http/error.rs` maps them to problem
//! documents.

use samtycke_shared::jose::RequestError;
use samtycke_shared::{PurposeId, SiteId};

use crate::http::rate_limit::RetryAfter;
use crate::store::StoreError;

/// Why a consent request is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The visitor's JWS is malformed or its signature does not verify.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The request names a site this collector does not serve. The id is not repeated: only
    /// what the policy defines is named, never what the request made up.
    #[error("the site the request names is not served by this collector")]
    UnknownSite(SiteId),
    /// The request came from a page whose origin the site does not list, or with no
    /// `Origin`. The header is not repeated: it is the sender's own text.
    #[error("this origin may not post receipts for site {site}; pages of its allowed origins may")]
    OriginNotAllowed {
        /// The site.
        site: SiteId,
    },
    /// The request cites a policy version never served (the number is not repeated).
    #[error("policyVersion names no version of site {site}'s policy that was ever served")]
    UnknownPolicyVersion {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
    },
    /// The request cites a document other than the one served for that version.
    #[error("policySha256 does not match policy version {version} of site {site}")]
    PolicyHashMismatch {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
    },
    /// A decision names a purpose the policy does not declare (the name is not repeated).
    #[error("decisions names a purpose that is not in policy version {version}")]
    UnknownPurpose {
        /// The purpose.
        purpose: PurposeId,
        /// The version.
        version: u32,
    },
    /// The decision cannot have been collected the way the request says: the banner and its
    /// settings show only the banner's purposes (the settings may also withdraw a form's), a
    /// form's opt-in box only purposes asked in a form.
    #[error(
        "purpose {purpose} is not decided so with collectionMethod {method}: banner and settings \
         decide the banner's purposes (settings may also withdraw a form's), form only those the \
         policy marks \"askedIn\": \"form\""
    )]
    NotAskedThisWay {
        /// The purpose.
        purpose: PurposeId,
        /// The collection method's wire name.
        method: &'static str,
    },
    /// A page may only claim the ways a page asks (banner, settings, form). The other methods
    /// prove what the collector did itself (a confirmed double opt-in, an unsubscribe link it
    /// sent) or what an operator did (import, API), and belong to their own authenticated
    /// journeys: accepted from anyone, they would let a stranger mint a countersigned "double
    /// opt-in" for someone else's address.
    #[error(
        "collectionMethod {0} cannot be submitted from a page: only banner, settings and form can"
    )]
    MethodNotFromPages(&'static str),
    /// Strictly necessary purposes are not the visitor's to refuse.
    #[error("purpose {0} is strictly necessary; it cannot be denied or withdrawn")]
    NecessaryRefused(PurposeId),
    /// A request must decide something.
    #[error("decisions is empty")]
    NoDecisions,
    /// The device clock is too far ahead.
    #[error("consentTimestamp is more than {allowed_secs} seconds ahead of the collector's clock")]
    TimestampInFuture {
        /// How far ahead a clock may be.
        allowed_secs: i64,
    },
    /// The decision is older than the policy keeps any decision valid.
    #[error(
        "consentTimestamp is more than {days} days ago, longer than the policy keeps a decision; \
         the visitor must be asked again"
    )]
    TimestampTooOld {
        /// The policy's longest validity.
        days: u32,
    },
    /// The request cites a version that had been replaced before the visitor decided.
    #[error(
        "policy version {version} of site {site} had been replaced before consentTimestamp; \
         cite the version shown"
    )]
    PolicySuperseded {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
    },
    /// A grant of a purpose the site's current policy no longer has.
    #[error(
        "purpose {purpose} is not in the current policy version {current}; it can be refused or \
         withdrawn, not granted"
    )]
    PurposeRetired {
        /// The purpose.
        purpose: PurposeId,
        /// The current version.
        current: u32,
    },
    /// A form's opt-in without the address it is for.
    #[error(
        "collectionMethod form needs the identifier the opt-in is for: send identifiers with \
         their identifierCommitments"
    )]
    IdentifierRequired,
    /// A grant of a purpose that asks the age came without the visitor's answer.
    #[error("purpose {0} asks the visitor's age: send age (at-least-minimum or below-minimum)")]
    AgeRequired(PurposeId),
    /// An age answer came with no grant of a purpose that asks it.
    #[error("age: no purpose granted here asks the visitor's age")]
    AgeNotAsked,
    /// Below the age of digital consent, the opt-in needs the guardian's address, and only
    /// then.
    #[error(
        "age below-minimum needs exactly one identifier of type guardian-email (a parent's or \
         guardian's address), other than the visitor's; at-least-minimum takes none"
    )]
    GuardianAddress,
    /// Identifiers (or commitments to them) came with a collection method that asks for none.
    #[error(
        "collectionMethod {0} takes no identifiers; identifiers come with form, double-opt-in, \
         preference-centre, unsubscribe, import or api"
    )]
    IdentifiersNotAllowed(&'static str),
    /// An identifier's `type` is not one the vault keeps.
    #[error("identifiers[{index}].type is not supported; the supported type is \"email\"")]
    UnknownIdentifierType {
        /// Its position in `identifiers`.
        index: usize,
    },
    /// An identifier's salt is not base64url (unpadded) of 16 bytes.
    #[error("identifiers[{index}].salt is not unpadded base64url of 16 bytes")]
    InvalidSalt {
        /// Its position in `identifiers`.
        index: usize,
    },
    /// An e-mail identifier is not a plausible address (the address itself is never echoed).
    #[error("identifiers[{index}].value is not a valid e-mail address")]
    InvalidEmail {
        /// Its position in `identifiers`.
        index: usize,
    },
    /// An identifier repeats an earlier one (same type, value and salt).
    #[error("identifiers[{index}] repeats an earlier identifier")]
    DuplicateIdentifier {
        /// Its position in `identifiers`.
        index: usize,
    },
    /// An identifier's commitment is not among those the visitor signed.
    #[error("identifiers[{index}] does not match any of the signed identifierCommitments")]
    UncommittedIdentifier {
        /// Its position in `identifiers`.
        index: usize,
    },
    /// A signed commitment appears twice.
    #[error("identifierCommitments[{index}] repeats an earlier commitment")]
    DuplicateCommitment {
        /// Its position in `identifierCommitments`.
        index: usize,
    },
    /// A signed commitment has no identifier to open it, so the collector could never prove it.
    #[error("identifierCommitments[{index}] is not opened by any of the identifiers sent")]
    UnopenedCommitment {
        /// Its position in `identifierCommitments`.
        index: usize,
    },
    /// The site's pages posted more receipts than its rate limit allows.
    #[error("this site's pages made too many requests")]
    SiteRateLimited(RetryAfter),
    /// The same receipt id was used for another request.
    #[error("a receipt with this receiptId exists with other content")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
