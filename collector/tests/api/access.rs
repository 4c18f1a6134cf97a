//! API keys and the audit log: keys made with the CLI, shown once and stored only hashed;
//! missing, wrong and revoked keys get 401, a wrong role 403, each audited; `samtycke audit
//! verify` finds a changed, removed or reordered entry.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::*;
use crate::processes::run_samtycke;

/// Runs `samtycke ARGS --database-url URL` on the collector's database.
fn samtycke(collector: &TestCollector, args: &[&str]) -> (bool, String) {
    let url = database_url(collector.dir.path());
    run_samtycke(args.iter().copied().chain(["--database-url", url.as_str()]))
}

fn create_key(collector: &TestCollector, role: &str, name: &str) -> String {
    let (ok, text) = samtycke(
        collector,
        &["apikey", "create", "--role", role, "--name", name],
    );
    assert!(ok, "{text}");
    text.lines().next().expect("the token").trim().to_owned()
}

async fn audit_as(collector: &TestCollector, token: Option<&str>) -> Answer {
    let mut request = Request::get("/v1/audit");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    collector
        .send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn keys_and_roles_decide_who_reads_the_audit_log_and_every_refusal_is_in_it() {
    let collector = TestCollector::start().await;
    let dpo = create_key(&collector, "dpo", "Data-protection officer");
    let marketer = create_key(&collector, "marketer", "Campaigns");
    assert!(dpo.starts_with("samtycke_"));

    let none = audit_as(&collector, None).await;
    assert_problem(&none, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.headers
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    let forged = format!("{}x", &dpo[..dpo.len() - 1]);
    assert_problem(
        &audit_as(&collector, Some(&forged)).await,
        StatusCode::UNAUTHORIZED,
    );
    assert_problem(
        &audit_as(&collector, Some(&marketer)).await,
        StatusCode::FORBIDDEN,
    );

    let answer = audit_as(&collector, Some(&dpo)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let actions: Vec<String> = answer.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap_or(""),
                e["actor"].as_str().unwrap_or("")
            )
        })
        .collect();
    let marketer_id = marketer.split('_').nth(1).expect("id");
    assert_eq!(
        actions,
        [
            "apikey.create cli".to_owned(),
            "apikey.create cli".to_owned(),
            "auth.refused anonymous".to_owned(),
            "auth.refused anonymous".to_owned(),
            format!("auth.refused key:{marketer_id}"),
        ]
    );
    let body = String::from_utf8_lossy(&answer.bytes).into_owned();
    // `samtycke_<id>_<secret>`: the base64url secret may itself hold `_`.
    let secret = dpo.splitn(3, '_').nth(2).expect("secret");
    assert_eq!(secret.len(), 43, "the whole secret: {secret}");
    assert!(!body.contains(secret), "no secret in the log");
    assert!(
        !collector
            .database_bytes()
            .await
            .windows(secret.len())
            .any(|w| w == secret.as_bytes()),
        "the secret is stored only hashed"
    );

    let dpo_id = dpo.split('_').nth(1).expect("id");
    let (ok, text) = samtycke(&collector, &["apikey", "revoke", dpo_id]);
    assert!(ok, "{text}");
    assert_problem(
        &audit_as(&collector, Some(&dpo)).await,
        StatusCode::UNAUTHORIZED,
    );
    let (ok, text) = samtycke(&collector, &["apikey", "list"]);
    assert!(
        ok && text.contains("revoked at") && text.contains("Campaigns"),
        "{text}"
    );
    assert!(!text.contains(secret));
}

#[tokio::test]
async fn audit_verify_finds_a_changed_a_removed_and_a_reordered_entry() {
    let collector = TestCollector::start().await;
    for name in ["a", "b", "c", "d"] {
        create_key(&collector, "marketer", name);
    }
    let (ok, text) = samtycke(&collector, &["audit", "verify"]);
    assert!(ok && text.contains("4 audit entries verify"), "{text}");

    // The API says the same (for the DPO; the check is itself recorded).
    let keys = crate::contacts::keys(&collector).await;
    let whole = crate::contacts::get_as(&collector, &keys.dpo, "/v1/audit/verify").await;
    assert_eq!(whole.json()["intact"], true, "{}", whole.json());
    let by_marketer = crate::contacts::get_as(&collector, &keys.marketer, "/v1/audit/verify").await;
    assert_problem(&by_marketer, StatusCode::FORBIDDEN);

    collector
        .execute_sql("UPDATE audit_log SET detail = '{}' WHERE sequence = 3")
        .await;
    let (ok, text) = samtycke(&collector, &["audit", "verify"]);
    assert!(!ok && text.contains("breaks at entry 3"), "{text}");
    let broken = crate::contacts::get_as(&collector, &keys.dpo, "/v1/audit/verify")
        .await
        .json();
    assert_eq!(broken["intact"], false, "{broken}");
    assert_eq!(broken["brokenAt"], 3, "{broken}");

    collector
        .execute_sql("DELETE FROM audit_log WHERE sequence = 2")
        .await;
    let (ok, text) = samtycke(&collector, &["audit", "verify"]);
    assert!(!ok && text.contains("breaks at entry 2"), "{text}");

    let fresh = TestCollector::start().await;
    for name in ["a", "b", "c"] {
        create_key(&fresh, "dpo", name);
    }
    // Swap the contents of entries 1 and 2, keeping their places.
    fresh
        .execute_sql(
            "UPDATE audit_log SET sequence = CASE sequence WHEN 1 THEN -2 ELSE -1 END \
             WHERE sequence IN (1, 2)",
        )
        .await;
    fresh
        .execute_sql("UPDATE audit_log SET sequence = -sequence WHERE sequence < 0")
        .await;
    let (ok, text) = samtycke(&fresh, &["audit", "verify"]);
    assert!(!ok && text.contains("breaks at entry 1"), "{text}");
}
