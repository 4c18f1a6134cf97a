//! The request the device key signs, and the record the loader stores, as plain JS objects for
//! the browser's `JSON.stringify`: the browser writes the JSON, so the wasm carries no JSON
//! writer, and no serde serialiser either (serde's derives with a serialiser to JS values were
//! some 8 KB of wasm for two small objects).
//!
//! The request's members are `ReceiptRequest`'s wire names (DESIGN.md §7); the collector reads
//! it with that type's serde derive and refuses anything else, which every browser test that
//! records a decision exercises.

use js_sys::{Array, Object, Reflect};
use samtycke_banner::choice::Record;
use samtycke_shared::ReceiptRequest;
use wasm_bindgen::JsValue;

/// `ReceiptRequest` as its JSON has it. Receipt ids are written as the browser wrote them, not
/// formatted again here.
pub fn request(request: &ReceiptRequest, receipt_id: &str) -> JsValue {
    let object = Object::new();
    set(&object, "receiptId", &receipt_id.into());
    set(&object, "site", &request.site.as_str().into());
    set(&object, "policyVersion", &request.policy_version.into());
    set(
        &object,
        "policySha256",
        &request.policy_sha256.as_str().into(),
    );
    set(
        &object,
        "consentTimestamp",
        &(request.consent_timestamp as f64).into(),
    );
    set(
        &object,
        "collectionMethod",
        &request.collection_method.as_str().into(),
    );
    set(&object, "language", &request.language.as_str().into());
    set(&object, "gpc", &request.gpc.into());
    let decisions = Object::new();
    for (purpose, decision) in &request.decisions {
        set(&decisions, purpose.as_str(), &decision.as_str().into());
    }
    set(&object, "decisions", &decisions);
    // Left out when empty, as serde's `skip_serializing_if` leaves it.
    if !request.identifier_commitments.is_empty() {
        let commitments: Array = request
            .identifier_commitments
            .iter()
            .map(|c| JsValue::from_str(c))
            .collect();
        set(&object, "identifierCommitments", &commitments);
    }
    if let Some(age) = request.age {
        set(&object, "age", &age.as_str().into());
    }
    object.into()
}

/// The loader's record of a decision (`www/loader.js` names its members): `{v, at, d, id, g, t}`.
pub fn record(record: &Record, receipt_id: &str) -> JsValue {
    let object = Object::new();
    set(&object, "v", &record.v.into());
    set(&object, "at", &(record.at as f64).into());
    let decisions = Object::new();
    for (purpose, decision) in record.d {
        set(&decisions, purpose.as_str(), &decision.as_str().into());
    }
    set(&object, "d", &decisions);
    set(&object, "id", &receipt_id.into());
    let consent_mode = Object::new();
    for (kind, state) in &record.g {
        set(&consent_mode, kind, &(*state).into());
    }
    set(&object, "g", &consent_mode);
    let times = Object::new();
    for (purpose, at) in record.t.iter() {
        set(&times, purpose.as_str(), &(*at as f64).into());
    }
    set(&object, "t", &times);
    object.into()
}

fn set(object: &Object, name: &str, value: &JsValue) {
    // Setting a data property on a plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
}
