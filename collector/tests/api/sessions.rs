//! Console users: made by an admin (API or CLI), signed in with a password into an `HttpOnly`,
//! `SameSite=Strict` cookie that the whole API takes with the same roles as API keys; every
//! change made with it carries the session's CSRF token; sessions end on sign-out, on expiry,
//! when idle, when revoked or the user disabled; failed sign-ins are throttled per address; the
//! audit log names the user.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::contacts::{Keys, call, cli_config, get_as, keys, opt_in, person_of};
use crate::helpers::*;
use crate::processes::run_samtycke;

const PASSWORD: &str = "correct horse battery staple";

/// A request with the session cookie (and the CSRF token, when given).
async fn with_cookie(
    collector: &TestCollector,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("samtycke_session={cookie}"));
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    let body = match body {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    collector.send(request.body(body).expect("request")).await
}

async fn sign_in(collector: &TestCollector, email: &str, password: &str) -> Answer {
    collector
        .send(
            Request::post("/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({"email": email, "password": password}).to_string(),
                ))
                .expect("request"),
        )
        .await
}

/// Every audit entry as (actor, action).
async fn audit_entries(collector: &TestCollector, keys: &Keys) -> Vec<(String, String)> {
    let answer = get_as(collector, &keys.dpo, "/v1/audit?limit=1000").await;
    answer.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let text = |name: &str| e[name].as_str().unwrap_or_default().to_owned();
            (text("actor"), text("action"))
        })
        .collect()
}

/// The session cookie's value and the CSRF token of a sign-in that worked.
fn session_of(answer: &Answer) -> (String, String) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let set = answer.headers[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    let value = set
        .strip_prefix("samtycke_session=")
        .and_then(|rest| rest.split(';').next())
        .expect("the session cookie")
        .to_owned();
    let csrf = answer.json()["csrfToken"]
        .as_str()
        .expect("csrf")
        .to_owned();
    (value, csrf)
}

#[tokio::test]
async fn a_user_signs_in_acts_by_role_under_their_name_and_every_change_needs_the_csrf_token() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;

    // Made by an admin; the rules of addresses, roles and passwords hold.
    let make = async |token: &str, body: serde_json::Value| {
        call(
            &collector,
            Method::POST,
            "/v1/users",
            Some(token),
            Some(body),
        )
        .await
    };
    let by_marketer = make(
        &keys.marketer,
        serde_json::json!({"email": "x@example.se", "role": "dpo", "password": PASSWORD}),
    )
    .await;
    assert_problem(&by_marketer, StatusCode::FORBIDDEN);
    for bad in [
        serde_json::json!({"email": "not an address", "role": "marketer", "password": PASSWORD}),
        serde_json::json!({"email": "mia@example.se", "role": "integration", "password": PASSWORD}),
        serde_json::json!({"email": "mia@example.se", "role": "marketer", "password": "short"}),
    ] {
        let refused = make(&keys.admin, bad).await;
        assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            !refused.json().to_string().contains("short"),
            "no password in a problem"
        );
    }
    let made = make(
        &keys.admin,
        serde_json::json!({"email": "Mia@Example.se", "role": "marketer", "password": PASSWORD}),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.json());
    assert_eq!(made.json()["email"], "mia@example.se");
    assert!(
        !made.json().to_string().contains("argon2"),
        "never the hash"
    );
    let again = make(
        &keys.admin,
        serde_json::json!({"email": "mia@example.se", "role": "dpo", "password": PASSWORD}),
    )
    .await;
    assert_problem(&again, StatusCode::CONFLICT);
    let mia_id = made.json()["id"].as_str().expect("id").to_owned();
    let stored = collector
        .query_texts("SELECT password_hash FROM users")
        .await;
    assert!(stored[0].starts_with("$argon2id$"), "{}", stored[0]);

    // Signing in: one answer for a wrong password and an unknown address.
    let wrong = sign_in(&collector, "mia@example.se", "not the password at all").await;
    let unknown = sign_in(&collector, "nobody@example.se", PASSWORD).await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["type"], "urn:samtycke:problem:sign-in-failed");
    assert_eq!(wrong.json(), unknown.json());
    let signed_in = sign_in(&collector, "MIA@example.se ", PASSWORD).await;
    let set_cookie = signed_in.headers[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(part), "{part} in {set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http here: {set_cookie}"
    );
    let (cookie, csrf) = session_of(&signed_in);
    assert_eq!(signed_in.json()["user"]["role"], "marketer");
    let current = with_cookie(&collector, Method::GET, "/v1/session", &cookie, None, None).await;
    assert_eq!(current.json()["csrfToken"], csrf.as_str());

    // The API by role, as for keys.
    let listed = with_cookie(
        &collector,
        Method::GET,
        "/v1/contacts?site=demo&purpose=newsletter&state=granted",
        &cookie,
        None,
        None,
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json());
    let audit = with_cookie(&collector, Method::GET, "/v1/audit", &cookie, None, None).await;
    assert_problem(&audit, StatusCode::FORBIDDEN);
    let users = with_cookie(&collector, Method::GET, "/v1/users", &cookie, None, None).await;
    assert_problem(&users, StatusCode::FORBIDDEN);

    // A change: refused without the token (and with another session's), taken with it.
    let card = serde_json::json!({"basis": "consent", "consentDate": "2026-11-01", "consentPurpose": "newsletter", "source": "form"});
    let path = format!("/v1/contacts/{anna}/card");
    let bare = with_cookie(
        &collector,
        Method::PUT,
        &path,
        &cookie,
        None,
        Some(card.clone()),
    )
    .await;
    assert_problem(&bare, StatusCode::FORBIDDEN);
    assert_eq!(bare.json()["type"], "urn:samtycke:problem:csrf");
    let forged = with_cookie(
        &collector,
        Method::PUT,
        &path,
        &cookie,
        Some(&"0".repeat(64)),
        Some(card.clone()),
    )
    .await;
    assert_eq!(forged.json()["type"], "urn:samtycke:problem:csrf");
    let changed = with_cookie(
        &collector,
        Method::PUT,
        &path,
        &cookie,
        Some(&csrf),
        Some(card),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.json());
    let actions = audit_entries(&collector, &keys).await;
    assert!(
        actions
            .iter()
            .any(|(actor, action)| actor == "user:mia@example.se" && action == "contact.update"),
        "{actions:?}"
    );
    assert!(
        actions
            .iter()
            .any(|(actor, action)| actor == "user:mia@example.se" && action == "session.create"),
        "{actions:?}"
    );
    assert!(actions.iter().any(|(_, action)| action == "auth.refused"));

    // A visitor's receipt on the collector's own origin is not the console's business.
    let receipt = collector
        .send(
            Request::post("/v1/receipts")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ORIGIN, ORIGIN)
                .header(header::COOKIE, format!("samtycke_session={cookie}"))
                .body(Body::from(
                    body(&device(7), &reject_all(&collector.policy_sha256())).to_string(),
                ))
                .expect("request"),
        )
        .await;
    assert_eq!(receipt.status, StatusCode::CREATED, "{}", receipt.json());

    // Signing out needs the token too, ends the session and clears the cookie.
    let bare = with_cookie(
        &collector,
        Method::DELETE,
        "/v1/session",
        &cookie,
        None,
        None,
    )
    .await;
    assert_problem(&bare, StatusCode::FORBIDDEN);
    let out = with_cookie(
        &collector,
        Method::DELETE,
        "/v1/session",
        &cookie,
        Some(&csrf),
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers[header::SET_COOKIE]
            .to_str()
            .expect("ascii")
            .contains("Max-Age=0")
    );
    let after = with_cookie(
        &collector,
        Method::GET,
        "/v1/contacts?site=demo&purpose=newsletter",
        &cookie,
        None,
        None,
    )
    .await;
    assert_problem(&after, StatusCode::UNAUTHORIZED);

    // Expired, idle, revoked, disabled: each ends a session.
    let (cookie, _) = session_of(&sign_in(&collector, "mia@example.se", PASSWORD).await);
    collector
        .execute_sql("UPDATE sessions SET expires_at = 1 WHERE revoked_at IS NULL")
        .await;
    assert_problem(
        &with_cookie(&collector, Method::GET, "/v1/session", &cookie, None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    let (cookie, _) = session_of(&sign_in(&collector, "mia@example.se", PASSWORD).await);
    collector
        .execute_sql(
            "UPDATE sessions SET last_seen = 1 WHERE revoked_at IS NULL AND expires_at > 1",
        )
        .await;
    assert_problem(
        &with_cookie(&collector, Method::GET, "/v1/session", &cookie, None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    let (cookie, _) = session_of(&sign_in(&collector, "mia@example.se", PASSWORD).await);
    let revoked = call(
        &collector,
        Method::DELETE,
        &format!("/v1/users/{mia_id}/sessions"),
        Some(&keys.admin),
        None,
    )
    .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_problem(
        &with_cookie(&collector, Method::GET, "/v1/session", &cookie, None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    let (cookie, _) = session_of(&sign_in(&collector, "mia@example.se", PASSWORD).await);
    let disabled = call(
        &collector,
        Method::DELETE,
        &format!("/v1/users/{mia_id}"),
        Some(&keys.admin),
        None,
    )
    .await;
    assert_eq!(disabled.status, StatusCode::NO_CONTENT);
    assert_problem(
        &with_cookie(&collector, Method::GET, "/v1/session", &cookie, None, None).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(
        &sign_in(&collector, "mia@example.se", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    );
    let listed = get_as(&collector, &keys.admin, "/v1/users").await.json();
    assert!(listed[0]["disabledAt"].is_string(), "{listed}");
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address_and_the_cli_makes_users() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let config = cli_config(&collector);
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_samtycke"))
        .args([
            "user",
            "create",
            "--role",
            "dpo",
            "--email",
            "dpo@example.se",
            "--config",
            &config,
        ])
        .env("SAMTYCKE_USER_PASSWORD", PASSWORD)
        .output()
        .expect("runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let (ok, listed) = run_samtycke(["user", "list", "--config", config.as_str()]);
    assert!(
        ok && listed.contains("dpo@example.se") && listed.contains("dpo"),
        "{listed}"
    );
    assert!(!listed.contains(PASSWORD) && !listed.contains("argon2"));
    let short = std::process::Command::new(env!("CARGO_BIN_EXE_samtycke"))
        .args([
            "user",
            "create",
            "--role",
            "dpo",
            "--email",
            "b@example.se",
            "--config",
            &config,
        ])
        .env("SAMTYCKE_USER_PASSWORD", "short")
        .output()
        .expect("runs");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 to 256 characters"));

    for _ in 0..5 {
        assert_problem(
            &sign_in(&collector, "dpo@example.se", "a wrong password!").await,
            StatusCode::UNAUTHORIZED,
        );
    }
    let throttled = sign_in(&collector, "dpo@example.se", PASSWORD).await;
    assert_problem(&throttled, StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers.contains_key(header::RETRY_AFTER));
    // Another address is not held back by it, and the wait ends.
    assert_problem(
        &sign_in(&collector, "other@example.se", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
    );
    collector
        .execute_sql("UPDATE sign_in_failures SET at = 1")
        .await;
    let (cookie, _) = session_of(&sign_in(&collector, "dpo@example.se", PASSWORD).await);
    let audit = with_cookie(&collector, Method::GET, "/v1/audit", &cookie, None, None).await;
    assert_eq!(audit.status, StatusCode::OK, "a DPO reads the audit log");
    let _ = keys;
    let typed = collector.database_bytes().await;
    assert!(
        !typed.windows(16).any(|w| w == b"other@example.se"),
        "a failed address is kept only hashed"
    );
}
