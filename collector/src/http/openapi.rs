//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations. The problems every route of a kind can answer (a missing key, a wrong role, a
//! bad query, the rate limit, an internal error) are added here once rather than on each
//! handler. A test below fails when a route is served that the document does not describe.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samtycke collector",
        description = "Verifiable consent receipts, and the contacts API for marketers and the \
                       data-protection officer. Errors are RFC 9457 problem documents \
                       (`application/problem+json`, `type` urn:samtycke:problem:SLUG). The \
                       privileged routes take `Authorization: Bearer samtycke_…` (roles admin, \
                       marketer, dpo); every call to them is in the audit log."
    ),
    paths(
        super::receipts::submit,
        super::jwks::jwks,
        super::sites::current_policy,
        super::sites::policy_version,
        super::policies::list,
        super::policies::publish,
        super::widget::loader::loader,
        super::health::alive,
        super::health::ready,
        super::metrics::metrics,
        super::audit::read,
        super::contacts::selection::list,
        super::contacts::selection::count,
        super::contacts::selection::counts,
        super::contacts::selection::daily,
        super::contacts::selection::opt_ins,
        super::contacts::export::export_selection,
        super::contacts::export::export_one,
        super::contacts::create,
        super::contacts::read,
        super::contacts::update,
        super::contacts::delete,
        super::contacts::set_card,
        super::contacts::history,
        super::contacts::reveal,
        super::contacts::bulk_update,
        super::imports::start,
        super::imports::progress,
        super::contacts::unsubscribe_headers,
        super::contacts::subscriptions,
        super::contacts::receipts,
        super::contacts::resubscribe,
        super::crm::report,
        super::requests::create,
        super::requests::list,
        super::requests::counts,
        super::requests::read,
        super::requests::verify,
        super::requests::start,
        super::requests::extend,
        super::requests::refuse,
        super::requests::complete,
        super::requests::lift,
        super::webhooks::register,
        super::webhooks::list,
        super::webhooks::remove,
        super::webhooks::deliveries,
        super::mail::confirm_page,
        super::mail::confirm,
        super::mail::unsubscribe_page,
        super::mail::unsubscribe,
        super::mail::stylesheet,
        super::session::sign_in,
        super::session::current,
        super::session::sign_out,
        super::users::list,
        super::users::create,
        super::users::disable,
        super::users::revoke_sessions,
        super::sites::sites,
        super::audit::verify,
        super::console::shell,
        super::console::page,
        super::download::download_page,
        super::download::download,
        super::person_requests::form,
        super::person_requests::submit,
        super::person_requests::verify_page,
        super::person_requests::verify,
        super::preferences::page,
        super::preferences::change,
        super::preferences::receipts,
        super::mailbox::mailbox,
        super::mailbox::message,
        openapi_json,
    ),
    modifiers(&CommonProblems),
    tags(
        (name = "receipts", description = "Consent receipts: in from the widget, out as signed JWTs"),
        (name = "widget", description = "The loader script sites embed"),
        (name = "sites", description = "Policy documents, every version ever served"),
        (name = "contacts", description = "Contacts for marketers (masked) and the DPO"),
        (name = "access", description = "The audit log"),
        (name = "requests", description = "Data-subject requests with due dates (DPO)"),
        (name = "crm", description = "CRM sync: events in from a CRM (role integration), webhooks out to it"),
        (name = "mail", description = "The links in mail: double opt-in confirmation, one-click unsubscribe (RFC 8058)"),
        (name = "operations", description = "Health and metrics"),
    )
)]
struct ApiDoc;

/// The document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object)))]
async fn openapi_json() -> Json<Document> {
    Json(document())
}

/// Adds the bearer scheme and the problems that whole kinds of routes answer.
struct CommonProblems;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
}

impl Modify for CommonProblems {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (path, item) in document.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.is_some();
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| problem(description).into());
                };
                if secured {
                    add(
                        "401",
                        "No API key, or not a valid one (urn:samtycke:problem:unauthorized); \
                         audited",
                    );
                    add(
                        "403",
                        "The key's role may not do this (urn:samtycke:problem:forbidden); audited",
                    );
                }
                if path.starts_with("/v1/") {
                    add(
                        "422",
                        "A parameter or body breaks a rule: urn:samtycke:problem:invalid-query, \
                         invalid-body, invalid-card, invalid-identifier, invalid-profile, \
                         reason-required, bulk-refused (with `field` or `results` naming what)",
                    );
                }
                add(
                    "429",
                    "Too many requests from this client (urn:samtycke:problem:rate-limited); \
                     see Retry-After",
                );
                add(
                    "500",
                    "The collector failed (urn:samtycke:problem:internal); logged, not detailed",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// Every `.route("PATH", METHOD(…)…)` in the HTTP layer's source, as (method, path).
    fn served_routes() -> BTreeSet<(String, String)> {
        let mut found = BTreeSet::new();
        let mut files = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http")];
        while let Some(entry) = files.pop() {
            if entry.is_dir() {
                for child in std::fs::read_dir(&entry).expect("lists") {
                    files.push(child.expect("entry").path());
                }
                continue;
            }
            let source = std::fs::read_to_string(&entry).expect("reads");
            let source: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
            for call in source.split(".route(").skip(1) {
                let Some(rest) = call.trim_start().strip_prefix('"') else {
                    continue;
                };
                let Some((path, rest)) = rest.split_once('"') else {
                    continue;
                };
                // The methods chained in the call, up to its closing parenthesis.
                let mut depth = 1;
                let mut end = rest.len();
                for (at, c) in rest.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = at;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let handlers = &rest[..end];
                for method in ["get", "post", "put", "patch", "delete"] {
                    let called = handlers
                        .match_indices(&format!("{method}("))
                        .any(|(at, _)| {
                            at == 0
                                || !handlers.as_bytes()[at - 1].is_ascii_alphanumeric()
                                    && handlers.as_bytes()[at - 1] != b'_'
                        });
                    if called {
                        found.insert((method.to_owned(), path.to_owned()));
                    }
                }
            }
        }
        found
    }

    fn documented_routes() -> BTreeSet<(String, String)> {
        let document = serde_json::to_value(document()).expect("serialises");
        let mut found = BTreeSet::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("item").keys() {
                found.insert((method.clone(), path.clone()));
            }
        }
        found
    }

    #[test]
    fn every_served_route_is_in_the_document_and_nothing_else_is() {
        let served = served_routes();
        assert!(
            served.len() > 20,
            "the scan found too few routes: {served:?}"
        );
        let documented = documented_routes();
        let missing: Vec<_> = served.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "routes missing from /openapi.json: {missing:?}"
        );
        let stale: Vec<_> = documented.difference(&served).collect();
        assert!(stale.is_empty(), "documented but not served: {stale:?}");
    }

    #[test]
    fn the_document_is_openapi_3_1_and_every_privileged_route_names_its_problems() {
        let document = serde_json::to_value(document()).expect("serialises");
        assert!(
            document["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "{}",
            document["openapi"]
        );
        assert_eq!(
            document["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let operation = &document["paths"]["/v1/contacts/{id}"]["delete"];
        for status in ["204", "401", "403", "404", "422", "429", "500"] {
            assert!(
                operation["responses"][status].is_object(),
                "DELETE /v1/contacts/{{id}} lacks {status}"
            );
        }
        assert!(
            document["components"]["schemas"]["Problem"].is_object(),
            "the problem schema is a component"
        );
        assert!(document["components"]["schemas"]["Card"].is_object());
    }
}
