//! Recording a decision: build the request, have the device key sign it, hand both to the
//! loader (which stores, queues and sends them), and clean up after refusals.

use samtycke_shared::{CollectionMethod, ReceiptId};
use wasm_bindgen::JsValue;

use crate::bridge;
use crate::choice::{self, Choices, Occasion, Prior, Shown};

/// Signs and submits one decision. On success the loader holds it: stored locally, queued for
/// the collector, granted scripts running. Nothing is stored on failure.
pub async fn decide(
    shown: &Shown,
    chosen: &Choices,
    prior: &Prior,
    method: CollectionMethod,
    gpc: bool,
) -> Result<(), JsValue> {
    let occasion = Occasion {
        receipt_id: ReceiptId::parse(&bridge::random_uuid()).map_err(error)?,
        now_ms: js_sys::Date::now() as u64,
        method,
        gpc,
    };
    let decisions = choice::decisions(chosen, prior);
    let request = choice::request(shown, decisions.clone(), occasion);
    let payload = serde_json::to_string(&request).map_err(error)?;
    let jws = bridge::sign(&payload).await?;
    let record = choice::record(&shown.policy, &decisions, occasion);
    bridge::submit(&serde_json::to_string(&record).map_err(error)?, &jws)?;
    let cookies = choice::refused_cookies(&shown.policy, &decisions);
    if !cookies.is_empty() {
        bridge::drop_cookies(&cookies);
    }
    Ok(())
}

fn error(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}
