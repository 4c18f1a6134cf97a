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
    /// `"bar"`, `"modal"` or `"corner"`; absent means `"bar"`.
    #[wasm_bindgen(method, getter)]
    pub fn layout(this: &Config) -> Option<String>;

    /// The policy document as the browser's `JSON.parse` read it, and the hex SHA-256 of the
    /// exact bytes received.
    pub type FetchedPolicy;
    #[wasm_bindgen(method, getter)]
    pub fn document(this: &FetchedPolicy) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn sha256(this: &FetchedPolicy) -> String;

    pub fn config() -> Config;

    /// Resolves once the page's HTML is parsed: the loader may start the app from `<head>`,
    /// before the body and the forms with opt-ins exist.
    #[wasm_bindgen(js_name = domReady)]
    pub fn dom_ready() -> js_sys::Promise;

    /// The layer `samtycke.open()` asked for before the app was loaded, or `""`.
    #[wasm_bindgen(js_name = takeLayer)]
    pub fn take_layer() -> String;

    /// The purpose `samtycke.open(purpose)` asked to focus before the app was loaded.
    #[wasm_bindgen(js_name = takeFocus)]
    pub fn take_focus() -> Option<String>;

    /// Registers the function the loader calls to show a layer again (and a purpose to focus).
    #[wasm_bindgen(js_name = onShow)]
    pub fn on_show(show: &Closure<dyn Fn(String, Option<String>)>);

    /// What the visitor did in the first layer the loader drew before the app was live.
    pub type TakenOver;
    /// A selector of the element in the panel that has the focus; `""` when it is elsewhere.
    #[wasm_bindgen(method, getter)]
    pub fn focus(this: &TakenOver) -> String;
    /// The panel's scroll offset.
    #[wasm_bindgen(method, getter)]
    pub fn scroll(this: &TakenOver) -> i32;
    /// The button pressed meanwhile (`data-action`, or `lang:` and a language), or `""`.
    #[wasm_bindgen(method, getter)]
    pub fn pending(this: &TakenOver) -> String;
    /// The language the drawing was in (its panel's `lang`).
    #[wasm_bindgen(method, getter)]
    pub fn lang(this: &TakenOver) -> String;
    /// The policy version the drawing was rendered from (the loader's configuration).
    #[wasm_bindgen(method, getter)]
    pub fn version(this: &TakenOver) -> u32;

    /// Takes down the first layer the loader drew, if it did, and says where the visitor was.
    #[wasm_bindgen(js_name = takeOver)]
    pub fn take_over() -> Option<TakenOver>;

    /// Takes down the loader's drawing when the app will not draw the banner, forgetting a press
    /// made on it, and shows the settings control again.
    pub fn release();

    /// The loader's banner host, `<div id="samtycke">` with its styled open shadow root.
    #[wasm_bindgen(js_name = bannerHost)]
    pub fn banner_host() -> web_sys::Element;

    /// Adds the settings layer's stylesheet to the banner's shadow root, once.
    #[wasm_bindgen(js_name = addStyles)]
    pub fn add_styles(root: &web_sys::ShadowRoot, css: &str);

    /// The banner's panel is drawn anew (`Host::fit`): room below the page, the settings
    /// control out of the way.
    pub fn fit(panel: &web_sys::Element);

    /// The banner is closed: the settings control comes back.
    pub fn unfit();

    /// The visitor's valid stored decision on a purpose (`"granted"`, …), if any.
    pub fn stored(purpose: &str) -> Option<String>;

    /// Hands the record and the signed request to the loader.
    #[wasm_bindgen(catch)]
    pub fn submit(record: &JsValue, jws: &str) -> Result<(), JsValue>;

    /// Hands a form opt-in to the loader: its receipt id, signed request, and the identifiers
    /// (an array of `Committed::identifier`) to send beside it; remembers the purpose as signed
    /// up for.
    #[wasm_bindgen(catch, js_name = submitOptIn)]
    pub fn submit_opt_in(
        id: &str,
        jws: &str,
        identifiers: &JsValue,
        purpose: &str,
    ) -> Result<(), JsValue>;

    /// The purposes this browser signed up for in a form and has not withdrawn.
    #[wasm_bindgen(js_name = signedUp)]
    pub fn signed_up() -> Vec<String>;

    /// Hands the withdrawal of a form opt-in to the loader, and forgets the sign-up.
    #[wasm_bindgen(catch, js_name = submitWithdrawal)]
    pub fn submit_withdrawal(id: &str, jws: &str, purpose: &str) -> Result<(), JsValue>;

    /// Writes down an opt-in not yet signed (`optin::pending`), synchronously: its request
    /// without the commitment, and the address. Returns the note, also where nothing can be
    /// stored.
    #[wasm_bindgen(js_name = keepPending)]
    pub fn keep_pending(request: &JsValue, email: &str, guardian: Option<String>) -> JsValue;

    /// Commits to the note's address, signs its request, hands it to the loader and strikes it.
    #[wasm_bindgen(catch, js_name = completePending)]
    pub async fn complete_pending(note: &JsValue) -> Result<(), JsValue>;

    /// Completes every note an earlier page left.
    #[wasm_bindgen(catch, js_name = resumePending)]
    pub async fn resume_pending() -> Result<(), JsValue>;

    /// When the stored record says the visitor's decision on a purpose was made (ms).
    #[wasm_bindgen(js_name = decidedAt)]
    pub fn decided_at(purpose: &str) -> Option<f64>;

    /// Whether the browser sends Global Privacy Control.
    pub fn gpc() -> bool;

    /// The index, among the space-separated primary subtags, of the first one in the visitor's
    /// `navigator.languages`; 0 (the policy's default) if none is.
    #[wasm_bindgen(js_name = pickLanguage)]
    pub fn pick_language(tags: &str) -> u32;

    /// A moment (ms since the epoch) as a date and time in a language, by `Intl`.
    #[wasm_bindgen(js_name = formatTime)]
    pub fn format_time(ms: f64, language: &str) -> String;

    /// Whether the loader holds any countersigned receipt for the visitor.
    #[wasm_bindgen(js_name = hasReceipts)]
    pub fn has_receipts() -> bool;

    /// Saves the visitor's receipts as `samtycke-receipts-SITE.json`.
    #[wasm_bindgen(js_name = downloadReceipts)]
    pub fn download_receipts();

    /// Focuses the first element in `panel` matching `selector`, if there is one.
    pub fn focus(panel: &web_sys::Element, selector: &str);

    /// Keeps Tab and Shift+Tab inside `panel` (a modal dialog's focus trap).
    #[wasm_bindgen(js_name = trapTab)]
    pub fn trap_tab(event: &web_sys::KeyboardEvent, panel: &web_sys::Element);

    #[wasm_bindgen(js_name = randomUUID)]
    pub fn random_uuid() -> String;

    /// Every `[data-samtycke-optin]` element on the page.
    pub fn optins() -> Vec<web_sys::Element>;

    /// The language in effect at an element (its nearest `lang` attribute), or `""`.
    #[wasm_bindgen(js_name = langAt)]
    pub fn lang_at(element: &web_sys::Element) -> String;

    /// A commitment to a normalised e-mail address (`commitEmail`), and the identifier that
    /// opens it (`{type: "email", value, salt}`, sent beside the request).
    pub type Committed;
    #[wasm_bindgen(method, getter)]
    pub fn identifier(this: &Committed) -> JsValue;
    #[wasm_bindgen(method, getter)]
    pub fn commitment(this: &Committed) -> String;

    /// The address in the field an opt-in's `data-email` names, trimmed and lower-cased as
    /// commitments normalise it, if it is plausible (an empty or half-typed field is not).
    #[wasm_bindgen(js_name = emailAt)]
    pub fn email_at(element: &web_sys::Element) -> Option<String>;

    /// Watches the form around an opt-in: `on_submit` on its submit events, `on_input` when any
    /// of its fields changes. `false` when the element is in no form.
    #[wasm_bindgen(js_name = watchForm)]
    pub fn watch_form(
        element: &web_sys::Element,
        on_submit: &Closure<dyn Fn()>,
        on_input: &Closure<dyn Fn()>,
    ) -> bool;

    /// A fresh salt and the commitment to a normalised e-mail address with it; `kind` is
    /// `email`, or `guardian-email` for a parent's or guardian's address.
    #[wasm_bindgen(catch, js_name = commitEmail)]
    pub async fn commit_email(address: &str, kind: &str) -> Result<Committed, JsValue>;

    /// `text` as an address normalised for commitments, if it is plausible.
    #[wasm_bindgen(js_name = plausibleEmail)]
    pub fn plausible_email(text: &str) -> Option<String>;

    /// Styles the shadow root with a constructed stylesheet; `false` where unsupported.
    #[wasm_bindgen(js_name = adoptStyles)]
    pub fn adopt_styles(root: &web_sys::ShadowRoot, css: &str) -> bool;

    /// Expires the space-separated cookie names on this site.
    #[wasm_bindgen(js_name = dropCookies)]
    pub fn drop_cookies(names: &str);

    #[wasm_bindgen(catch, js_name = fetchPolicy)]
    pub async fn fetch_policy(url: &str) -> Result<FetchedPolicy, JsValue>;

    /// Signs the payload, as `JSON.stringify` writes it, with the device key: a compact JWS.
    #[wasm_bindgen(catch)]
    pub async fn sign(payload: &JsValue) -> Result<String, JsValue>;
}

/// Writes a failure to the console: the widget has no other place to report to.
pub fn report(context: &str, error: &JsValue) {
    web_sys::console::error_2(&JsValue::from_str(context), error);
}
