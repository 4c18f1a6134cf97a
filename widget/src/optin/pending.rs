//! Opt-ins submitted before their signature was ready. The submit event may be the page's last
//! act, and signing is asynchronous: so the opt-in's request (everything but the commitment,
//! which needs an asynchronous digest) is first written down, synchronously, in the visitor's own
//! `localStorage` with the address, then committed to and signed. The bridge hands the signed
//! request to the loader and strikes the note in one task, so a page that goes away leaves
//! either the note or the queued request, never neither and never both. A note left behind is
//! completed on the next page that runs the app (the loader starts it for that), with the time
//! and policy it was made under; one that fails waits for the next page, one 30 days old is
//! dropped with its address. Two tabs completing one note send two versions under one receipt
//! id: the collector keeps the first and answers the other with a 409, so nothing is recorded
//! twice. The completing is the bridge's (`completePending`): it already
//! owns commitments and signatures, and the wasm stays free of a second way to read requests.

use samtycke_shared::{CollectionMethod, PurposeId, ReceiptRequest};
use wasm_bindgen::JsValue;

use super::form;
use crate::bridge;
use crate::{submit, write};
use samtycke_banner::choice::Shown;

/// Writes down the opt-in the visitor submits now, under the policy and language shown, then
/// completes it.
pub fn keep_and_complete(
    shown: &Shown,
    purpose: &PurposeId,
    wanted: &form::Wanted,
) -> Result<(), JsValue> {
    let (id, occasion) = submit::now(CollectionMethod::Form, bridge::gpc())?;
    let request = ReceiptRequest {
        age: wanted.age,
        ..form::request(shown, purpose, Vec::new(), occasion)
    };
    let note = bridge::keep_pending(
        &write::request(&request, &id),
        &wanted.email,
        wanted.guardian.clone(),
    );
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(error) = bridge::complete_pending(&note).await {
            bridge::report("samtycke: cannot record the opt-in:", &error);
        }
    });
    Ok(())
}

/// Completes the notes an earlier page left.
pub fn resume_all() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(error) = bridge::resume_pending().await {
            bridge::report("samtycke: cannot record an earlier opt-in:", &error);
        }
    });
}
