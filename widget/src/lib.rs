//! Samtycke's consent banner: a yew app the loader (`www/loader.js`) imports only when a
//! decision is needed, which fetches the site's policy, shows it, and records the visitor's
//! choice as a request signed by their device key.
//!
//! The loader owns storage, the queue of unsent requests and script activation; the JS bridge
//! (`js/bridge.js`) owns WebCrypto and IndexedDB; this crate owns what the visitor sees and the
//! rules that turn their choices into a `ReceiptRequest`.

mod app;
mod bridge;
mod choice;
mod layers;
mod mount;
mod submit;
mod text;

use std::rc::Rc;

use samtycke_shared::{Language, Policy};
use wasm_bindgen::prelude::*;

use crate::app::Layer;
use crate::choice::Shown;

/// Runs when the loader instantiates the wasm.
#[wasm_bindgen(start)]
fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(error) = run().await {
            bridge::report("samtycke: the consent banner cannot start:", &error);
        }
    });
}

async fn run() -> Result<(), JsValue> {
    let config = bridge::config();
    let url = format!("{}/v1/sites/{}/policy", config.base(), config.site());
    let fetched = bridge::fetch_policy(&url).await?;
    let policy = Policy::parse(&fetched.bytes()).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let shown = Rc::new(Shown {
        language: language(&policy),
        sha256: fetched.sha256(),
        policy,
    });

    // `samtycke.open()` after the banner has closed shows it again, from the same policy.
    let again = Rc::clone(&shown);
    let show = Closure::<dyn Fn(String)>::new(move |layer: String| {
        if let Err(error) = mount::show(Rc::clone(&again), Layer::named(&layer)) {
            bridge::report("samtycke: cannot show the settings:", &error);
        }
    });
    bridge::on_show(&show);
    // The loader keeps calling it for the life of the page.
    show.forget();

    mount::show(shown, Layer::named(&bridge::take_layer()))
}

/// The language to show. For now the policy's default, the one language every text has; the
/// visitor's `navigator.languages` comes in with the Swedish catalogue.
fn language(policy: &Policy) -> Language {
    policy.default_language().clone()
}
