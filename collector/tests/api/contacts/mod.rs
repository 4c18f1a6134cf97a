//! Contacts for marketers and the DPO: made by form opt-ins, queried, counted, exported,
//! edited, revealed and deleted through the API, with the roles and the audit log deciding who
//! does what.

mod cards;
mod cli;
mod deletion;
mod exports;
mod imports;
mod query;
mod roles;
mod tallies;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, header};
use samtycke_collector::domain::access::{Access, Role};
use samtycke_shared::commitment::commitment;
use samtycke_shared::{CollectionMethod, Decision};

use crate::helpers::*;

/// One API key per role.
pub struct Keys {
    pub marketer: String,
    pub dpo: String,
    pub admin: String,
}

/// Makes a key of each role on the collector's database.
pub async fn keys(collector: &TestCollector) -> Keys {
    let store = samtycke_collector::store::connect(&database_url(collector.dir.path()))
        .await
        .expect("opens the database");
    let access = Access::new(store);
    let make = async |role: Role| {
        access
            .create_key(role.as_str(), role, "test")
            .await
            .expect("creates")
            .token
    };
    Keys {
        marketer: make(Role::Marketer).await,
        dpo: make(Role::Dpo).await,
        admin: make(Role::Admin).await,
    }
}

/// Sends a request with a bearer key and, when given, a JSON body.
pub async fn call(
    collector: &TestCollector,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
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

/// GET with a key.
pub async fn get_as(collector: &TestCollector, token: &str, path: &str) -> Answer {
    call(collector, Method::GET, path, Some(token), None).await
}

/// A form opt-in to the newsletter by device `seed` with `address`, now.
pub async fn opt_in(collector: &TestCollector, seed: u8, address: &str) {
    opt_in_at(
        collector,
        seed,
        address,
        samtycke_collector::time::now_unix(),
    )
    .await;
}

/// A form opt-in to the newsletter by device `seed` with `address`, stamped `at`.
pub async fn opt_in_at(collector: &TestCollector, seed: u8, address: &str, at: i64) {
    let salt = salt(seed);
    let mut request = form_request(
        &collector.policy_sha256(),
        vec![commitment("email", address, &salt)],
    );
    request.consent_timestamp = at;
    let answer = collector
        .post_receipt(
            &body_with(&device(seed), &request, &[email(address, &salt)]),
            Some(ORIGIN),
        )
        .await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.json());
}

/// A decision by device `seed` in the banner (analytics, media, ads) or settings (newsletter
/// withdrawal), stamped `at`.
pub async fn decide(collector: &TestCollector, seed: u8, decisions: &[(&str, Decision)], at: i64) {
    let mut request = reject_all(&collector.policy_sha256());
    request.collection_method = CollectionMethod::Settings;
    request.consent_timestamp = at;
    request.decisions = decisions
        .iter()
        .map(|(id, decision)| (purpose(id), *decision))
        .collect::<BTreeMap<_, _>>();
    let answer = collector
        .post_receipt(&body(&device(seed), &request), Some(ORIGIN))
        .await;
    assert_eq!(answer.status.as_u16(), 201, "{}", answer.json());
}

/// The person ids of a selection, following every page.
pub async fn select_all(collector: &TestCollector, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(cursor) => format!("/v1/contacts?{query}&limit=2&after={cursor}"),
            None => format!("/v1/contacts?{query}&limit=2"),
        };
        let answer = get_as(collector, token, &path).await;
        assert_eq!(answer.status.as_u16(), 200, "{path}: {}", answer.json());
        let page = answer.json();
        for contact in page["contacts"].as_array().expect("contacts") {
            ids.push(contact["personId"].as_str().expect("id").to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return ids,
        }
    }
}

/// The person id of the contact with this address, found by a DPO's query of every state.
pub async fn person_of(collector: &TestCollector, keys: &Keys, address: &str) -> String {
    for state in ["granted", "denied", "withdrawn", "expired", "held"] {
        let answer = get_as(
            collector,
            &keys.dpo,
            &format!("/v1/contacts?site=demo&purpose=newsletter&state={state}&limit=1000"),
        )
        .await;
        for contact in answer.json()["contacts"].as_array().expect("contacts") {
            if contact["identifiers"]["email"] == address {
                return contact["personId"].as_str().expect("id").to_owned();
            }
        }
    }
    panic!("no contact has {address}");
}

/// The audit log's actions, in order.
pub async fn audit_actions(
    collector: &TestCollector,
    keys: &Keys,
) -> Vec<(String, serde_json::Value)> {
    let answer = get_as(collector, &keys.dpo, "/v1/audit?limit=1000").await;
    answer.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default().to_owned(),
                e["detail"].clone(),
            )
        })
        .collect()
}

/// A configuration file for the CLI naming the collector's database, keys and site.
pub fn cli_config(collector: &TestCollector) -> String {
    let config = collector.dir.path().join("cli.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = {:?}\nkey_dir = {:?}\n[[sites]]\nid = \"demo\"\nallowed_origins = [\"{ORIGIN}\"]\npolicy = {:?}\n",
            database_url(collector.dir.path()),
            collector.dir.path().join("keys"),
            collector.dir.path().join("policy.json"),
        ),
    )
    .expect("writes");
    config.to_string_lossy().into_owned()
}
