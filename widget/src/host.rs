//! The banner's host in the browser: decisions signed by the device key and handed to the
//! loader, the focus and the visitor's receipts through the JS bridge.

use std::rc::Rc;

use samtycke_banner::choice::Shown;
use samtycke_banner::host::{Decision, Host};
use samtycke_shared::PurposeId;
use web_sys::{Element, KeyboardEvent};
use yew::Callback;

use crate::{bridge, mount, submit};

/// The page the widget runs on.
pub struct Browser;

impl Host for Browser {
    fn decide(&self, decision: Decision, done: Callback<bool>) {
        wasm_bindgen_futures::spawn_local(async move {
            let recorded = submit::decide(&decision).await;
            if let Err(error) = &recorded {
                bridge::report("samtycke: cannot record the decision:", error);
            }
            done.emit(recorded.is_ok());
        });
    }

    fn withdraw_opt_in(
        &self,
        shown: Rc<Shown>,
        purpose: PurposeId,
        gpc: bool,
        done: Callback<bool>,
    ) {
        wasm_bindgen_futures::spawn_local(async move {
            let recorded = submit::withdraw_opt_in(&shown, &purpose, gpc).await;
            if let Err(error) = &recorded {
                bridge::report("samtycke: cannot record the withdrawal:", error);
            }
            done.emit(recorded.is_ok());
        });
    }

    fn close(&self) {
        // Outside the current event's dispatch: its handler belongs to the app being destroyed.
        wasm_bindgen_futures::spawn_local(async { mount::hide() });
    }

    fn focus(&self, panel: &Element, selector: &str) {
        bridge::focus(panel, selector);
    }

    fn trap_tab(&self, event: &KeyboardEvent, panel: &Element) {
        bridge::trap_tab(event, panel);
    }

    fn format_time(&self, ms: u64, language: &str) -> String {
        bridge::format_time(ms as f64, language)
    }

    fn has_receipts(&self) -> bool {
        bridge::has_receipts()
    }

    fn download_receipts(&self) {
        bridge::download_receipts();
    }

    fn signed_up(&self) -> Vec<String> {
        bridge::signed_up()
    }

    fn fit(&self, panel: &Element) {
        bridge::fit(panel);
    }
}
