//! CRM sync both ways, and re-subscribing: a CRM reports its unsubscribes and consent changes
//! (role `integration`), idempotently by its event id, never re-subscribing anyone; webhooks
//! tell it ours, signed, through a receiver that fails at first, exactly once per event; only an
//! admin re-subscribes, and only with proof.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use samtycke_collector::Application;
use samtycke_collector::domain::access::{Access, Role};
use sha2::Sha256;

use crate::contacts::{audit_actions, call, get_as, keys, opt_in, person_of, select_all};
use crate::helpers::*;

const GRANTED: &str = "site=demo&purpose=newsletter&state=granted";

async fn integration_key(collector: &TestCollector) -> String {
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("store");
    Access::new(store)
        .create_key("crm", Role::Integration, "test")
        .await
        .expect("key")
        .token
}

fn event(id: &str, decision: &str, email: &str) -> serde_json::Value {
    serde_json::json!({"eventId": id, "site": "demo", "purpose": "newsletter",
        "decision": decision, "email": email})
}

async fn report(collector: &TestCollector, key: &str, events: serde_json::Value) -> Answer {
    call(
        collector,
        Method::POST,
        "/v1/crm/events",
        Some(key),
        Some(serde_json::json!({ "events": events })),
    )
    .await
}

#[tokio::test]
async fn a_crm_reports_unsubscribes_idempotently_and_cannot_re_subscribe_anyone() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let crm = integration_key(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;

    let answer = report(
        &collector,
        &crm,
        serde_json::json!([event("e1", "withdrawn", "Anna@Example.se")]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let first = answer.json()["results"][0].clone();
    assert_eq!(first["result"], "recorded");
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );
    let history = get_as(
        &collector,
        &keys.marketer,
        &format!("/v1/contacts/{anna}/subscriptions"),
    )
    .await;
    assert_eq!(history.json()["subscriptions"][1]["source"], "crm-sync");

    // The same event again: the first answer, no second receipt.
    let again = report(
        &collector,
        &crm,
        serde_json::json!([event("e1", "withdrawn", "Anna@Example.se")]),
    )
    .await;
    assert_eq!(again.json()["results"][0]["replayed"], true);
    assert_eq!(again.json()["results"][0]["receiptId"], first["receiptId"]);
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?format=json"),
    )
    .await;
    assert_eq!(
        export.json()["receipts"]
            .as_array()
            .expect("receipts")
            .len(),
        2
    );

    let answer = report(
        &collector,
        &crm,
        serde_json::json!([
            event("e1", "granted", "anna@example.se"),
            event("e2", "granted", "anna@example.se"),
            event("e3", "withdrawn", "nobody@example.se"),
        ]),
    )
    .await;
    let results: Vec<String> = answer.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["result"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(results, ["conflict", "refused", "unknown-contact"]);
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    // A bad event refuses the batch whole, naming each by position and field.
    let refused = report(
        &collector,
        &crm,
        serde_json::json!([
            event("e4", "withdrawn", "anna@example.se"),
            {"eventId": "e5", "site": "nope", "purpose": "newsletter", "decision": "withdrawn", "email": "a@b.se"},
            event("e6", "maybe", "anna@example.se"),
        ]),
    )
    .await;
    assert_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = refused.json()["errors"].clone();
    assert_eq!(errors[0]["index"], 1);
    assert_eq!(errors[0]["field"], "site");
    assert_eq!(errors[1]["index"], 2);
    assert_eq!(errors[1]["field"], "decision");
    assert!(
        !refused.json().to_string().contains("anna@"),
        "no value repeated"
    );
    let later = report(
        &collector,
        &crm,
        serde_json::json!([event("e4", "withdrawn", "anna@example.se")]),
    )
    .await;
    assert_eq!(
        later.json()["results"][0]["replayed"],
        false,
        "e4 was not recorded before"
    );

    // Roles: a marketer cannot report, the CRM cannot read contacts.
    let marketer = report(
        &collector,
        &keys.marketer,
        serde_json::json!([event("e7", "withdrawn", "anna@example.se")]),
    )
    .await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);
    let reading = get_as(
        &collector,
        &crm,
        "/v1/contacts?site=demo&purpose=newsletter",
    )
    .await;
    assert_problem(&reading, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_an_admin_re_subscribes_and_only_with_proof_and_it_is_audited() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let path = format!("/v1/contacts/{anna}/resubscribe");
    let evidence = base64::engine::general_purpose::STANDARD.encode(b"signed paper form, scanned");
    let body = serde_json::json!({"site": "demo", "purpose": "newsletter",
        "reason": "She signed up again at the counter", "evidenceBase64": evidence});

    let not_yet = call(
        &collector,
        Method::POST,
        &path,
        Some(&keys.admin),
        Some(body.clone()),
    )
    .await;
    assert_problem(&not_yet, StatusCode::CONFLICT);

    let unsubscribe = crate::mail::unsubscribe_path(&collector, &keys.marketer, &anna).await;
    let one_click = crate::mail::one_click(&collector, &unsubscribe).await;
    assert_eq!(one_click.status, StatusCode::OK);

    let marketer = call(
        &collector,
        Method::POST,
        &path,
        Some(&keys.marketer),
        Some(body.clone()),
    )
    .await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);
    // Nor does an import bring her back: its consent row is refused, naming the line.
    let today = time::OffsetDateTime::now_utc().date();
    let imported = collector
        .send(
            axum::http::Request::post("/v1/imports?site=demo&basis=consent")
                .header(
                    axum::http::header::AUTHORIZATION,
                    format!("Bearer {}", keys.dpo),
                )
                .header(axum::http::header::CONTENT_TYPE, "text/csv")
                .body(axum::body::Body::from(format!(
                    "Email ID,Consent date,Consent purpose\nanna@example.se,{today},newsletter\n"
                )))
                .expect("request"),
        )
        .await;
    assert_problem_mentioning(
        &imported,
        StatusCode::UNPROCESSABLE_ENTITY,
        "re-subscribing needs",
    );
    assert_eq!(imported.json()["errors"][0]["line"], 2);
    let no_proof = call(
        &collector,
        Method::POST,
        &path,
        Some(&keys.admin),
        Some(serde_json::json!({"site": "demo", "purpose": "newsletter", "reason": "asked"})),
    )
    .await;
    assert_problem(&no_proof, StatusCode::UNPROCESSABLE_ENTITY);
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?format=json"),
    )
    .await;
    let form_receipt = export.json()["receipts"][0]["receipt"]
        .as_str()
        .expect("jwt")
        .to_owned();
    let form_id: serde_json::Value =
        serde_json::from_str(&jws_payload(&form_receipt)).expect("claims");
    let old_receipt = call(
        &collector,
        Method::POST,
        &path,
        Some(&keys.admin),
        Some(
            serde_json::json!({"site": "demo", "purpose": "newsletter", "reason": "asked",
            "receiptId": form_id["jti"]}),
        ),
    )
    .await;
    assert_problem_mentioning(&old_receipt, StatusCode::UNPROCESSABLE_ENTITY, "not newer");
    assert!(
        select_all(&collector, &keys.marketer, GRANTED)
            .await
            .is_empty()
    );

    let done = call(
        &collector,
        Method::POST,
        &path,
        Some(&keys.admin),
        Some(body),
    )
    .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.json());
    assert_eq!(
        select_all(&collector, &keys.marketer, GRANTED).await,
        vec![anna.clone()]
    );
    let export = get_as(
        &collector,
        &keys.dpo,
        &format!("/v1/contacts/{anna}/export?format=json"),
    )
    .await;
    let receipts = export.json()["receipts"]
        .as_array()
        .expect("receipts")
        .clone();
    let claims: serde_json::Value = serde_json::from_str(&jws_payload(
        receipts.last().expect("last")["receipt"]
            .as_str()
            .expect("jwt"),
    ))
    .expect("claims");
    assert_eq!(claims["collectionMethod"], "api");
    assert_eq!(
        claims["evidence"]["fileSha256"],
        samtycke_shared::jose::sha256_hex(b"signed paper form, scanned")
    );
    assert_eq!(
        claims["evidence"]["reason"],
        "She signed up again at the counter"
    );
    let audited = audit_actions(&collector, &keys).await;
    let entry = audited
        .iter()
        .find(|(action, _)| action == "contact.resubscribe")
        .expect("audited");
    assert_eq!(entry.1["reason"], "She signed up again at the counter");
    assert!(
        audited
            .iter()
            .any(|(action, detail)| action == "auth.refused"
                && detail["path"] == "/v1/contacts/{id}/resubscribe"),
        "the marketer's attempt is in the audit log"
    );
}

/// A receiver that answers 500 to its first `failures` posts, then 200, keeping every post.
#[derive(Clone, Default)]
struct Receiver {
    posts: Arc<Mutex<Vec<(u16, axum::http::HeaderMap, String)>>>,
}

impl Receiver {
    async fn start(failures: usize) -> (Self, u16) {
        let receiver = Self::default();
        let kept = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
                let kept = kept.clone();
                async move {
                    let mut posts = kept.posts.lock().expect("lock");
                    let status = if posts.len() < failures { 500 } else { 200 };
                    posts.push((status, headers, body));
                    StatusCode::from_u16(status).expect("status")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (receiver, port)
    }

    fn delivered(&self) -> Vec<(axum::http::HeaderMap, String)> {
        self.posts
            .lock()
            .expect("lock")
            .iter()
            .filter(|(status, _, _)| *status == 200)
            .map(|(_, headers, body)| (headers.clone(), body.clone()))
            .collect()
    }

    fn count(&self) -> usize {
        self.posts.lock().expect("lock").len()
    }
}

/// The test collector's files, served by a running collector (with its deliverer) until the
/// sender drops.
async fn run(dir: &std::path::Path) -> (axum::Router, tokio::sync::oneshot::Sender<()>) {
    let mut config = TestCollector::config(dir);
    config.webhooks.retry_after_secs = 1;
    let app = Application::build(config).await.expect("collector starts");
    let router = app.router();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    (router, stop)
}

#[tokio::test]
async fn webhooks_deliver_every_event_once_signed_through_a_receiver_that_fails_at_first() {
    let collector = TestCollector::start().await;
    let keys = keys(&collector).await;
    let (receiver, port) = Receiver::start(3).await;
    let created = call(
        &collector,
        Method::POST,
        "/v1/sites/demo/webhooks",
        Some(&keys.admin),
        Some(serde_json::json!({"url": format!("http://127.0.0.1:{port}/hook")})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json());
    let secret = created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    let webhook = created.json()["id"].as_str().expect("id").to_owned();
    let not_https = call(
        &collector,
        Method::POST,
        "/v1/sites/demo/webhooks",
        Some(&keys.admin),
        Some(serde_json::json!({"url": "http://crm.example/hook"})),
    )
    .await;
    assert_problem(&not_https, StatusCode::UNPROCESSABLE_ENTITY);
    let marketer = get_as(&collector, &keys.marketer, "/v1/sites/demo/webhooks").await;
    assert_problem(&marketer, StatusCode::FORBIDDEN);

    // Two events while no deliverer runs (the test collector serves in-process only): a
    // sign-up, and an unsubscribe.
    opt_in(&collector, 1, "anna@example.se").await;
    let anna = person_of(&collector, &keys, "anna@example.se").await;
    let unsubscribe = crate::mail::unsubscribe_path(&collector, &keys.marketer, &anna).await;
    let clicked = crate::mail::one_click(&collector, &unsubscribe).await;
    assert_eq!(clicked.status, StatusCode::OK);
    assert_eq!(receiver.count(), 0);

    // A collector with its deliverer: the receiver fails three times, then takes them.
    let (_router, stop) = run(collector.dir.path()).await;
    // Watched in the store, not through the API, whose rate limit a tight loop would reach.
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("store");
    for _ in 0..600 {
        let log = store.delivery_log(&webhook, 100).await.expect("log");
        if log.iter().filter(|l| l.outcome == "delivered").count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Left running a while longer: nothing is delivered again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(stop);
    let delivered = receiver.delivered();
    assert_eq!(
        delivered.len(),
        2,
        "each event once: {} posts",
        receiver.count()
    );
    let mut types = Vec::new();
    for (headers, body) in &delivered {
        let signature = headers["samtycke-signature"].to_str().expect("ascii");
        let (t, v1) = signature
            .split_once(",v1=")
            .map(|(t, v)| (t.trim_start_matches("t="), v))
            .expect("t=…,v1=…");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{t}.{body}").as_bytes());
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            v1,
            "signed with the secret"
        );
        let event: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert_eq!(
            headers["samtycke-event-id"].to_str().expect("ascii"),
            event["eventId"]
        );
        assert_eq!(event["email"], "anna@example.se");
        assert_eq!(event["personId"], anna.as_str());
        types.push(event["type"].as_str().unwrap_or_default().to_owned());
    }
    types.sort();
    assert_eq!(types, ["consent.changed", "unsubscribe"]);
    let log = get_as(
        &collector,
        &keys.admin,
        &format!("/v1/webhooks/{webhook}/deliveries"),
    )
    .await;
    let outcomes: Vec<String> = log.json()["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .map(|d| d["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "delivered").count(),
        2,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.iter().filter(|o| *o == "deferred").count(),
        3,
        "{outcomes:?}"
    );
    let database = collector.database_bytes().await;
    assert!(
        !database.windows(15).any(|w| w == b"anna@example.se"),
        "no address in clear"
    );
}
