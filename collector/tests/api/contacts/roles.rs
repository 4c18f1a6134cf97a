//! Every contacts route with no key, a wrong key, and each role: allowed, 401 or 403; every
//! refusal lands in the audit log.

use axum::http::{Method, StatusCode};

use super::*;

#[derive(Debug, Clone, Copy)]
enum Allowed {
    Everyone,
    Stewards,
}

#[tokio::test]
async fn each_route_admits_exactly_its_roles() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let id = person_of(&collector, &keys, "anna@example.se").await;
    let card = serde_json::json!({"basis": "contract", "source": "form"});
    let routes: Vec<(
        Method,
        String,
        Option<serde_json::Value>,
        Allowed,
        StatusCode,
    )> = vec![
        (
            Method::GET,
            "/v1/contacts?site=demo&purpose=newsletter".into(),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/contacts/count?site=demo&purpose=newsletter".into(),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/contacts/counts?site=demo".into(),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/contacts/daily?site=demo".into(),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/v1/contacts/export?site=demo&purpose=newsletter".into(),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            format!("/v1/contacts/{id}"),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            format!("/v1/contacts/{id}/history"),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::GET,
            format!("/v1/contacts/{id}/export"),
            None,
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::PUT,
            format!("/v1/contacts/{id}/card"),
            Some(card.clone()),
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/v1/contacts/bulk-update".into(),
            Some(serde_json::json!({"personIds": [id], "source": {"source": "form"}})),
            Allowed::Everyone,
            StatusCode::OK,
        ),
        (
            Method::POST,
            format!("/v1/contacts/{id}/reveal"),
            Some(serde_json::json!({"reason": "matrix"})),
            Allowed::Stewards,
            StatusCode::OK,
        ),
        (
            Method::PATCH,
            format!("/v1/contacts/{id}"),
            Some(serde_json::json!({"profile": {"company": "Acme"}})),
            Allowed::Stewards,
            StatusCode::OK,
        ),
        (
            Method::POST,
            "/v1/contacts".into(),
            Some(serde_json::json!({"card": {"basis": "contract"}})),
            Allowed::Stewards,
            StatusCode::CREATED,
        ),
    ];
    let forged = format!("{}x", &keys.dpo[..keys.dpo.len() - 1]);
    let mut refusals = 0;
    for (method, path, body, allowed, success) in &routes {
        let as_ = async |token: Option<&str>| {
            call(&collector, method.clone(), path, token, body.clone()).await
        };
        for token in [None, Some(forged.as_str())] {
            assert_problem(&as_(token).await, StatusCode::UNAUTHORIZED);
            refusals += 1;
        }
        for (role, token) in [
            ("marketer", &keys.marketer),
            ("dpo", &keys.dpo),
            ("admin", &keys.admin),
        ] {
            let answer = as_(Some(token)).await;
            let admitted = matches!(allowed, Allowed::Everyone) || role != "marketer";
            if admitted {
                assert_eq!(
                    answer.status,
                    *success,
                    "{role} {method} {path}: {}",
                    answer.json()
                );
            } else {
                assert_problem(&answer, StatusCode::FORBIDDEN);
                refusals += 1;
            }
        }
    }
    // DELETE last: it ends the contact.
    let delete = format!("/v1/contacts/{id}");
    assert_problem(
        &call(&collector, Method::DELETE, &delete, None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(
        &call(
            &collector,
            Method::DELETE,
            &delete,
            Some(&keys.marketer),
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
    );
    refusals += 2;
    let deleted = call(&collector, Method::DELETE, &delete, Some(&keys.dpo), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = call(&collector, Method::DELETE, &delete, Some(&keys.admin), None).await;
    assert_problem(&again, StatusCode::NOT_FOUND);

    let refused = audit_actions(&collector, &keys)
        .await
        .into_iter()
        .filter(|(action, _)| action.starts_with("auth."))
        .count();
    assert_eq!(refused, refusals);
    // A path that is not a person id is nothing here.
    assert_problem(
        &get_as(&collector, &keys.dpo, "/v1/contacts/not-a-uuid").await,
        StatusCode::NOT_FOUND,
    );
}
