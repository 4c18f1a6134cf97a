//! Recording a decision: build the request, have the device key sign it, hand both to the
//! loader (which stores, queues and sends them), and clean up after refusals.

use samtycke_banner::choice::{self, Occasion, Shown};
use samtycke_banner::host::Decision as Chosen;
use samtycke_shared::{CollectionMethod, Decision, PurposeId, ReceiptId};
use wasm_bindgen::JsValue;

use crate::{bridge, write};

/// Signs and submits one decision. On success the loader holds it: stored locally, queued for
/// the collector, granted scripts running. Nothing is stored on failure.
pub async fn decide(chosen: &Chosen) -> Result<(), JsValue> {
    let Chosen {
        shown,
        chosen,
        earlier,
        method,
        gpc,
    } = chosen;
    let (id, occasion) = now(*method, *gpc)?;
    let decisions = choice::decisions(chosen, &earlier.decisions);
    let request = choice::request(shown, decisions.clone(), occasion);
    let jws = bridge::sign(&write::request(&request, &id)).await?;
    let record = choice::record(&shown.policy, &decisions, earlier, occasion);
    bridge::submit(&write::record(&record, &id), &jws)?;
    let cookies = choice::refused_cookies(&shown.policy, &decisions);
    if !cookies.is_empty() {
        bridge::drop_cookies(&cookies);
    }
    Ok(())
}

/// Withdraws a consent this browser gave in a form: from the settings, with nothing else
/// decided, so the banner's decisions stand. Signed by the same device key as the opt-in, so the
/// collector files it under the same subject, whose vault holds the address.
pub async fn withdraw_opt_in(shown: &Shown, purpose: &PurposeId, gpc: bool) -> Result<(), JsValue> {
    let (id, occasion) = now(CollectionMethod::Settings, gpc)?;
    let request = choice::request(shown, choice::only(purpose, Decision::Withdrawn), occasion);
    let jws = bridge::sign(&write::request(&request, &id)).await?;
    bridge::submit_withdrawal(&id, &jws, purpose.as_str())
}

/// A decision made now, under a fresh receipt id from the browser; and that id as the browser
/// wrote it, for the loader (formatting a `ReceiptId` again would cost the wasm).
pub fn now(method: CollectionMethod, gpc: bool) -> Result<(String, Occasion), JsValue> {
    let id = bridge::random_uuid();
    let occasion = Occasion {
        receipt_id: ReceiptId::parse(&id)
            .map_err(|_| JsValue::from_str("crypto.randomUUID() gave no UUID"))?,
        now_ms: js_sys::Date::now() as u64,
        method,
        gpc,
    };
    Ok((id, occasion))
}
