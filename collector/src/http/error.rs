//! The HTTP layer's one error type, and the one place errors become responses: RFC 9457
//! problem documents. Internal details are logged, never sent.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use samtycke_shared::SiteId;

use crate::domain::crm::CrmError;
use crate::domain::resubscribe::ResubscribeError;
use crate::domain::rights::RightsError;
use crate::domain::webhooks::WebhookError;
use samtycke_shared::jose::RequestError;
use serde::Serialize;

use crate::domain::consent::IngestError;
use crate::domain::contacts::ContactError;
use crate::domain::contacts::import::ImportError;
use crate::store::StoreError;

/// Result of a handler.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Consent ingestion refused the request.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The body is not JSON at all.
    #[error("{0}")]
    MalformedBody(String),
    /// The body is JSON but not of the expected shape.
    #[error("{0}")]
    InvalidBody(String),
    /// The body is larger than the route accepts.
    #[error("the body is too large")]
    TooLarge,
    /// The body did not arrive in full within the body-read timeout.
    #[error("the body did not arrive in time; send the request again")]
    BodyTimeout,
    /// The body is not declared as JSON.
    #[error("expected Content-Type: application/json")]
    NotJson,
    /// No such site. The id asked for is not repeated: it came from the URL, and a problem
    /// document is no place to reflect what someone put there.
    #[error("no site of that id is served here")]
    SiteNotFound,
    /// No such policy version of a site that exists (the number asked for is not repeated).
    #[error("site {site} has no such policy version")]
    PolicyVersionNotFound {
        /// The site.
        site: SiteId,
        /// The version.
        version: u32,
    },
    /// No API key, or not a valid one.
    #[error("{0}")]
    Unauthorized(String),
    /// The API key's role may not do this.
    #[error("this API key's role may not do this")]
    Forbidden,
    /// Nothing is served at this path (or a path parameter is not of its type).
    #[error("nothing is served at this path")]
    NotFound,
    /// The collector runs without a built widget.
    #[error(
        "the widget is not built on this collector (run `cargo xtask dist` and set assets_dir)"
    )]
    WidgetNotBuilt,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A contact operation failed.
    #[error(transparent)]
    Contact(#[from] ContactError),
    /// The query string is not what the route takes.
    #[error("{0}")]
    InvalidQuery(String),
    /// The route cannot answer in the media type asked for.
    #[error("{0}")]
    NotAcceptable(String),
    /// The body is not of the media type the route takes.
    #[error("{0}")]
    UnsupportedMediaType(&'static str),
    /// An import was refused (bad rows, header, options) or failed.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// Mail's parts failed (a link could not be sealed).
    #[error(transparent)]
    Mail(#[from] crate::domain::mail::MailError),
    /// A CRM's events were refused or could not be recorded.
    #[error(transparent)]
    Crm(#[from] crate::domain::crm::CrmError),
    /// A webhook could not be registered, found or read.
    #[error(transparent)]
    Webhook(#[from] crate::domain::webhooks::WebhookError),
    /// A re-subscription was refused.
    #[error(transparent)]
    Resubscribe(#[from] crate::domain::resubscribe::ResubscribeError),
    /// A data-subject request could not be made or moved on.
    #[error(transparent)]
    Rights(#[from] RightsError),
    /// A console user could not be made or signed in.
    #[error(transparent)]
    User(#[from] crate::domain::users::UserError),
    /// A policy version could not be listed or published.
    #[error(transparent)]
    Publish(#[from] crate::domain::policies::PublishError),
    /// A change authenticated by the session cookie without its CSRF token.
    #[error("a change made with the session cookie must carry the session's X-CSRF-Token")]
    CsrfRefused,
}

/// An RFC 9457 problem document; `type` is `urn:samtycke:problem:SLUG`. Some carry more
/// members: `field` (the field a rule refused), `errors` and `count` (an import's bad rows),
/// `results` (a refused bulk update's per-contact results), `problems` (a refused policy
/// document's, each `{path, reason}`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    extensions: serde_json::Map<String, serde_json::Value>,
}

impl Error {
    /// The problem type's slug (`urn:samtycke:problem:SLUG`).
    pub fn slug(&self) -> &'static str {
        self.classify().1
    }

    /// Whether the collector, not the request, is at fault.
    pub fn is_server_error(&self) -> bool {
        self.classify().0.is_server_error()
    }

    /// Status, a stable problem slug and a title.
    fn classify(&self) -> (StatusCode, &'static str, &'static str) {
        use IngestError as I;
        use RequestError as R;
        match self {
            Error::Ingest(I::Request(R::BadSignature)) => (
                StatusCode::UNAUTHORIZED,
                "bad-signature",
                "The request signature does not verify",
            ),
            Error::Ingest(I::Request(R::Payload(_))) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-request",
                "The signed request is not a consent request",
            ),
            Error::Ingest(I::Request(_)) => (
                StatusCode::BAD_REQUEST,
                "malformed-jws",
                "The request is not a valid JWS",
            ),
            Error::Ingest(I::OriginNotAllowed { .. }) => (
                StatusCode::FORBIDDEN,
                "origin-not-allowed",
                "This origin may not post receipts for the site",
            ),
            Error::Ingest(I::SiteRateLimited(_)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
            ),
            Error::Ingest(I::Conflict(_)) => (
                StatusCode::CONFLICT,
                "receipt-id-conflict",
                "The receipt id is taken by another request",
            ),
            Error::Ingest(I::Store(_)) | Error::Store(_) | Error::Mail(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
            Error::Ingest(
                I::UnknownSite(_)
                | I::UnknownPolicyVersion { .. }
                | I::PolicyHashMismatch { .. }
                | I::UnknownPurpose { .. }
                | I::NotAskedThisWay { .. }
                | I::MethodNotFromPages(_)
                | I::NecessaryRefused(_)
                | I::NoDecisions
                | I::TimestampInFuture { .. }
                | I::TimestampTooOld { .. }
                | I::PolicySuperseded { .. }
                | I::PurposeRetired { .. },
            ) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "consent-refused",
                "The consent request cannot be accepted",
            ),
            Error::Ingest(I::AgeRequired(_) | I::AgeNotAsked | I::GuardianAddress) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "age-question",
                "The answer to the age question does not fit the opt-in",
            ),
            Error::Ingest(I::IdentifierRequired) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "identifier-required",
                "A form's opt-in needs the identifier it is for",
            ),
            Error::Ingest(I::IdentifiersNotAllowed(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "identifiers-not-allowed",
                "This collection method takes no identifiers",
            ),
            Error::Ingest(I::InvalidEmail { .. }) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-email",
                "An e-mail address is not valid",
            ),
            Error::Ingest(
                I::UnknownIdentifierType { .. }
                | I::InvalidSalt { .. }
                | I::DuplicateIdentifier { .. },
            ) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-identifier",
                "An identifier is not valid",
            ),
            Error::Ingest(
                I::UncommittedIdentifier { .. }
                | I::DuplicateCommitment { .. }
                | I::UnopenedCommitment { .. },
            ) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "commitment-mismatch",
                "The identifiers do not match the signed commitments",
            ),
            Error::MalformedBody(_) => (
                StatusCode::BAD_REQUEST,
                "malformed-body",
                "The body is not valid JSON",
            ),
            Error::InvalidBody(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "The body has the wrong shape",
            ),
            Error::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "The body is too large",
            ),
            Error::BodyTimeout => (
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "The body did not arrive in time",
            ),
            Error::NotJson => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not-json",
                "The body must be JSON",
            ),
            Error::SiteNotFound | Error::PolicyVersionNotFound { .. } | Error::NotFound => {
                (StatusCode::NOT_FOUND, "not-found", "Not found")
            }
            Error::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "An API key is required",
            ),
            Error::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "This API key may not do this",
            ),
            Error::CsrfRefused => (
                StatusCode::FORBIDDEN,
                "csrf",
                "The CSRF token is missing or wrong",
            ),
            Error::User(error) => {
                use crate::domain::users::UserError as U;
                match error {
                    U::BadEmail | U::BadPassword | U::BadRole => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid-user",
                        "The user cannot be made as given",
                    ),
                    U::Taken => (StatusCode::CONFLICT, "user-taken", "The address has a user"),
                    U::WrongCredentials => (
                        StatusCode::UNAUTHORIZED,
                        "sign-in-failed",
                        "Signing in failed",
                    ),
                    U::Throttled(_) => (
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate-limited",
                        "Too many requests",
                    ),
                    U::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                    ),
                }
            }
            Error::WidgetNotBuilt => (
                StatusCode::SERVICE_UNAVAILABLE,
                "widget-not-built",
                "The widget is not built",
            ),
            Error::InvalidQuery(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-query",
                "The query parameters are not valid",
            ),
            Error::NotAcceptable(_) => (
                StatusCode::NOT_ACCEPTABLE,
                "not-acceptable",
                "The response cannot be given in the media type asked for",
            ),
            Error::Contact(error) => classify_contact(error),
            Error::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body is not of the media type this route takes",
            ),
            Error::Import(ImportError::UnknownSite(_)) => {
                (StatusCode::NOT_FOUND, "not-found", "Not found")
            }
            Error::Import(ImportError::Contact(error)) => classify_contact(error),
            Error::Import(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "import-refused",
                "The file cannot be imported; nothing was written",
            ),
            Error::Crm(CrmError::Invalid(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-events",
                "Events cannot be taken; nothing was recorded",
            ),
            Error::Crm(CrmError::Store(_))
            | Error::Webhook(WebhookError::Store(_) | WebhookError::Seal(_))
            | Error::Resubscribe(ResubscribeError::Store(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
            Error::Rights(RightsError::Invalid(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-request",
                "The request cannot be taken as it is",
            ),
            Error::Rights(RightsError::NotFound) => {
                (StatusCode::NOT_FOUND, "not-found", "Not found")
            }
            Error::Rights(RightsError::WrongState(_) | RightsError::ExtendedAlready) => (
                StatusCode::CONFLICT,
                "wrong-state",
                "The request is not in a state that allows this",
            ),
            Error::Rights(RightsError::Contact(error)) => classify_contact(error),
            Error::Rights(RightsError::Store(_) | RightsError::Mail(_)) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
            ),
            Error::Publish(error) => {
                use crate::domain::policies::PublishError as P;
                match error {
                    P::UnknownSite => (StatusCode::NOT_FOUND, "not-found", "Not found"),
                    P::Refused(_) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "policy-refused",
                        "The policy document cannot be published; nothing was written",
                    ),
                    P::Taken { .. } => (
                        StatusCode::CONFLICT,
                        "policy-version-taken",
                        "The site has this version or a higher one already",
                    ),
                    _ => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                    ),
                }
            }
            Error::Webhook(WebhookError::BadUrl) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-webhook",
                "The webhook's URL cannot be used",
            ),
            Error::Webhook(WebhookError::UnknownSite | WebhookError::NotFound) => {
                (StatusCode::NOT_FOUND, "not-found", "Not found")
            }
            Error::Resubscribe(ResubscribeError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                "contact-not-found",
                "No such contact",
            ),
            Error::Resubscribe(ResubscribeError::Objected) => (
                StatusCode::CONFLICT,
                "objected",
                "The person objected to this purpose",
            ),
            Error::Resubscribe(ResubscribeError::NotUnsubscribed) => (
                StatusCode::CONFLICT,
                "not-unsubscribed",
                "There is nothing to re-subscribe",
            ),
            Error::Resubscribe(
                ResubscribeError::ReasonRequired
                | ResubscribeError::ProofRequired
                | ResubscribeError::BadProof(_)
                | ResubscribeError::UnknownPurpose(_),
            ) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "proof-required",
                "Re-subscribing needs a reason and proof of new consent",
            ),
        }
    }
}

fn classify_contact(error: &ContactError) -> (StatusCode, &'static str, &'static str) {
    match error {
        ContactError::Store(_) | ContactError::Vault(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
        ContactError::Card(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-card",
            "The compliance card breaks a rule",
        ),
        ContactError::Identifier(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-identifier",
            "An identifier is not valid",
        ),
        ContactError::Profile(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-profile",
            "A profile value cannot be kept",
        ),
        ContactError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "contact-not-found",
            "No such contact",
        ),
        ContactError::IdentifierTaken(_) => (
            StatusCode::CONFLICT,
            "identifier-taken",
            "Another contact has this identifier",
        ),
        ContactError::BulkRefused { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "bulk-refused",
            "The change cannot be made to every contact; none was changed",
        ),
        ContactError::Suppressed(_) => (
            StatusCode::CONFLICT,
            "suppressed",
            "The person was erased at their request",
        ),
        ContactError::Restricted(_) => (
            StatusCode::CONFLICT,
            "contact-restricted",
            "The contact is restricted",
        ),
        ContactError::ReasonRequired => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason-required",
            "A reason is required",
        ),
    }
}

/// Members a problem carries besides the standard ones: the field a rule refused, and a bulk
/// update's per-contact results.
fn extensions(error: &Error) -> serde_json::Map<String, serde_json::Value> {
    let mut members = serde_json::Map::new();
    match error {
        Error::Contact(ContactError::Card(e)) => {
            members.insert("field".into(), e.field.into());
        }
        Error::Contact(ContactError::Identifier(e)) => {
            members.insert("field".into(), e.field.into());
        }
        Error::Contact(ContactError::Profile(e)) => {
            members.insert("field".into(), e.field.into());
        }
        Error::Import(ImportError::Refused { count, errors, .. }) => {
            members.insert("count".into(), (*count).into());
            members.insert(
                "errors".into(),
                serde_json::to_value(errors).unwrap_or_default(),
            );
        }
        Error::Import(ImportError::Header(error)) => {
            members.insert(
                "errors".into(),
                serde_json::to_value([error]).unwrap_or_default(),
            );
        }
        Error::Crm(CrmError::Invalid(errors)) => {
            members.insert(
                "errors".into(),
                serde_json::to_value(errors).unwrap_or_default(),
            );
        }
        Error::Publish(crate::domain::policies::PublishError::Refused(problems)) => {
            members.insert(
                "problems".into(),
                serde_json::to_value(problems).unwrap_or_default(),
            );
        }
        Error::Contact(ContactError::BulkRefused { results, .. }) => {
            members.insert(
                "results".into(),
                serde_json::to_value(results).unwrap_or_default(),
            );
        }
        _ => {}
    }
    members
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Ingest(IngestError::SiteRateLimited(retry)) = self {
            return super::rate_limit::too_many_requests(retry, "this site's pages");
        }
        if let Error::User(crate::domain::users::UserError::Throttled(seconds)) = self {
            return super::rate_limit::too_many_requests(
                super::rate_limit::RetryAfter(std::time::Duration::from_secs(seconds)),
                "sign-ins for this address",
            );
        }
        let (status, slug, title) = self.classify();
        let detail = if status.is_server_error() && !matches!(self, Error::WidgetNotBuilt) {
            tracing::error!(error = %self, "request failed");
            "The collector could not complete the request; it has been logged.".to_owned()
        } else {
            self.to_string()
        };
        let mut response = problem_response_with(status, slug, title, detail, extensions(&self));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The media type of every error the collector sends.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document with type `urn:samtycke:problem:{slug}`.
pub fn problem_response(
    status: StatusCode,
    slug: &str,
    title: &'static str,
    detail: String,
) -> Response {
    problem_response_with(status, slug, title, detail, serde_json::Map::new())
}

/// [`problem_response`] with extension members.
pub fn problem_response_with(
    status: StatusCode,
    slug: &str,
    title: &'static str,
    detail: String,
    extensions: serde_json::Map<String, serde_json::Value>,
) -> Response {
    let problem = Problem {
        kind: format!("urn:samtycke:problem:{slug}"),
        title,
        status: status.as_u16(),
        detail,
        extensions,
    };
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
}
