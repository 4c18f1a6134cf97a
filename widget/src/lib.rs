//! Samtycke's consent banner: a yew app the loader (`www/loader.js`) imports only when a
//! decision is needed (or the page has a form opt-in), which fetches the site's policy, shows
//! it, and records the visitor's choice as a request signed by their device key.
//!
//! The loader owns storage, the queue of unsent requests, script activation and the first
//! layer it draws before the app; the JS bridge (`js/bridge.js`) owns WebCrypto and IndexedDB;
//! the banner's components and the rules that turn choices into a `ReceiptRequest` are
//! `samtycke-banner`'s, which the collector renders too; this crate puts them on the page and
//! connects them to the loader.

mod bridge;
mod host;
mod mount;
mod optin;
mod read;
mod submit;
mod write;

use std::cell::Cell;
use std::rc::Rc;

use samtycke_banner::Layer;
use samtycke_banner::choice::Shown;
use samtycke_shared::Policy;
use wasm_bindgen::prelude::*;

use crate::mount::Opening;

/// Smaller than std's allocator by some 7 KB of wasm; see `Cargo.toml`.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// Runs when the loader instantiates the wasm.
#[wasm_bindgen(start)]
fn start() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(error) = run().await {
            bridge::report("samtycke: the consent banner cannot start:", &error);
            // A drawing the app will never take over must not stay: its buttons would do
            // nothing (and a modal one would cover the page).
            bridge::release();
        }
    });
}

async fn run() -> Result<(), JsValue> {
    let config = bridge::config();
    // Strings joined, not formatted: `format!` would bring `core::fmt` into the wasm for this.
    let url = [
        config.base().as_str(),
        "/v1/sites/",
        &config.site(),
        "/policy",
    ]
    .concat();
    let fetched = bridge::fetch_policy(&url).await?;
    // The collector checked these very bytes before serving them (`Policy::parse`), and says
    // why when it cannot: here they are only read.
    let policy = read::policy(&fetched.document())?;
    let shown = Rc::new(Shown {
        language: language(&policy),
        sha256: fetched.sha256(),
        policy: Rc::new(policy),
    });

    wasm_bindgen_futures::JsFuture::from(bridge::dom_ready()).await?;
    optin::mount_all(&shown);
    optin::resume_pending();

    // `samtycke.open()` after the banner has closed shows it again, from the same policy.
    let again = Rc::clone(&shown);
    let show = Closure::<dyn Fn(String, Option<String>)>::new(
        move |layer: String, purpose: Option<String>| {
            let opening = Opening {
                layer: Layer::named(&layer),
                purpose,
            };
            if let Err(error) = mount::show(Rc::clone(&again), opening) {
                bridge::report("samtycke: cannot show the settings:", &error);
            }
        },
    );
    bridge::on_show(&show);
    // The loader keeps calling it for the life of the page.
    show.forget();

    // The loader also starts the app for a page's form opt-ins: a visitor whose decision stands
    // sees no banner then, unless `samtycke.open()` asked for it.
    let layer = bridge::take_layer();
    if layer.is_empty() && !needs_decision(&shown.policy) {
        // Nothing to ask after all (another tab decided meanwhile, or the policy asks nothing
        // in the banner): the loader's drawing, if any, goes.
        bridge::release();
        return Ok(());
    }
    let opening = Opening {
        layer: Layer::named(&layer),
        purpose: bridge::take_focus(),
    };
    mount::show(shown, opening)
}

/// Whether the banner has something to ask: a purpose it shows that has no valid decision on
/// record (the loader's `samtycke.get`, which checks the record against this policy's
/// disclosure and the validity periods).
fn needs_decision(policy: &Policy) -> bool {
    policy
        .banner_purposes()
        .any(|p| bridge::stored(p.id.as_str()).is_none())
}

/// The language to show first (an index in `policy.languages`): the first of the visitor's
/// `navigator.languages` the policy has, by primary subtag, else the policy's default.
fn language(policy: &Policy) -> Cell<usize> {
    let mut tags = String::new();
    for language in &policy.languages {
        tags.push_str(language.primary());
        tags.push(' ');
    }
    Cell::new(bridge::pick_language(&tags) as usize)
}
