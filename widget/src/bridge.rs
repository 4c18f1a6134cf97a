//! Bindings to `js/bridge.js`: the loader's `window.samtycke`, WebCrypto and IndexedDB.
//!
//! Everything that touches keys or hashes runs in JavaScript: WebCrypto is asynchronous and
//! promise-based, the device key must never pass through the wasm's memory, and binding a few
//! small functions costs far less wasm than binding WebCrypto's API surface through `web-sys`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/bridge.js")]
extern "C" {
    /// The loader's configuration for this site.
    pub type Config;
    #[wasm_bindgen(method, getter)]
    pub fn base(this: &Config) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn site(this: &Config) -> String;

    /// The policy document as received, and the hex SHA-256 of those exact bytes.
    pub type FetchedPolicy;
    #[wasm_bindgen(method, getter)]
    pub fn bytes(this: &FetchedPolicy) -> Vec<u8>;
    #[wasm_bindgen(method, getter)]
    pub fn sha256(this: &FetchedPolicy) -> String;

    pub fn config() -> Config;

    /// The layer `samtycke.open()` asked for before the app was loaded, or `""`.
    #[wasm_bindgen(js_name = takeLayer)]
    pub fn take_layer() -> String;

    /// Registers the function the loader calls to show a layer again.
    #[wasm_bindgen(js_name = onShow)]
    pub fn on_show(show: &Closure<dyn Fn(String)>);

    /// The visitor's valid stored decision on a purpose (`"granted"`, …), if any.
    pub fn stored(purpose: &str) -> Option<String>;

    /// Hands the record (JSON) and the signed request to the loader.
    #[wasm_bindgen(catch)]
    pub fn submit(record: &str, jws: &str) -> Result<(), JsValue>;

    /// Whether the browser sends Global Privacy Control.
    pub fn gpc() -> bool;

    #[wasm_bindgen(js_name = randomUUID)]
    pub fn random_uuid() -> String;

    /// Styles the shadow root with a constructed stylesheet; `false` where unsupported.
    #[wasm_bindgen(js_name = adoptStyles)]
    pub fn adopt_styles(root: &web_sys::ShadowRoot, css: &str) -> bool;

    /// Expires the space-separated cookie names on this site.
    #[wasm_bindgen(js_name = dropCookies)]
    pub fn drop_cookies(names: &str);

    #[wasm_bindgen(catch, js_name = fetchPolicy)]
    pub async fn fetch_policy(url: &str) -> Result<FetchedPolicy, JsValue>;

    /// Signs the payload (JSON text) with the device key: a compact JWS.
    #[wasm_bindgen(catch)]
    pub async fn sign(payload: &str) -> Result<String, JsValue>;
}

/// Writes a failure to the console: the widget has no other place to report to.
pub fn report(context: &str, error: &JsValue) {
    web_sys::console::error_2(&JsValue::from_str(context), error);
}
