//! Putting the app on the page and taking it off again.
//!
//! The app lives in an open shadow root on a host `<div id="samtycke">` at the end of `<body>`:
//! the site's CSS cannot reach in and ours cannot leak out. Site themes still apply through CSS
//! custom properties (`--samtycke-*`), which inherit across the shadow boundary.

use std::cell::RefCell;
use std::rc::Rc;

use samtycke_shared::{Decision, Policy};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, Renderer};

use crate::app::{App, AppProps, Layer, Layout};
use crate::bridge;
use crate::choice::{Earlier, Shown};

const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/styles.min.css"));

/// The app while it is shown, and where the focus was before it came.
struct Mounted {
    host: Element,
    handle: AppHandle<App>,
    return_focus: Option<HtmlElement>,
}

thread_local! {
    // One banner per page. The loader's `_show` and the app's own "done" both reach it here,
    // from JS callbacks that cannot carry Rust state.
    static MOUNTED: RefCell<Option<Mounted>> = const { RefCell::new(None) };
}

/// Shows `layer`, replacing whatever was shown.
pub fn show(shown: Rc<Shown>, layer: Layer) -> Result<(), JsValue> {
    hide();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let body = document.body().ok_or("no <body>")?;
    let return_focus = document
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());

    let host = document.create_element("div")?;
    host.set_id("samtycke");
    let container = shadow_container(&document, &host, CSS)?;
    body.append_child(&host)?;

    let props = AppProps {
        prior: Rc::new(earlier(&shown.policy)),
        gpc: bridge::gpc(),
        layout: Layout::named(bridge::config().layout().as_deref()),
        shown,
        layer,
    };
    let handle = Renderer::<App>::with_root_and_props(container, props).render();
    MOUNTED.with(|m| {
        *m.borrow_mut() = Some(Mounted {
            host,
            handle,
            return_focus,
        })
    });
    Ok(())
}

/// Gives `host` an open shadow root styled with `css`; returns the element in it to render into.
pub fn shadow_container(
    document: &Document,
    host: &Element,
    css: &str,
) -> Result<Element, JsValue> {
    let init = ShadowRootInit::new(ShadowRootMode::Open);
    let root = host.attach_shadow(&init)?;
    // A constructed stylesheet where the browser has one: unlike `<style>`, it needs no
    // `style-src 'unsafe-inline'` under a strict Content-Security-Policy.
    if !bridge::adopt_styles(&root, css) {
        let style = document.create_element("style")?;
        style.set_text_content(Some(css));
        root.append_child(&style)?;
    }
    let container = document.create_element("div")?;
    root.append_child(&container)?;
    Ok(container)
}

/// Takes the app off the page and gives the focus back to where it was.
pub fn hide() {
    let Some(mounted) = MOUNTED.with(|m| m.borrow_mut().take()) else {
        return;
    };
    mounted.handle.destroy();
    mounted.host.remove();
    if let Some(element) = mounted.return_focus {
        // Best effort: the element may have left the page meanwhile.
        let _ = element.focus();
    }
}

/// The visitor's still valid decisions, as the loader reports them, and when each was made.
fn earlier(policy: &Policy) -> Earlier {
    let mut earlier = Earlier::default();
    for purpose in policy.banner_purposes() {
        let decision = match bridge::stored(purpose.id.as_str()).as_deref() {
            Some("granted") => Decision::Granted,
            Some("denied") => Decision::Denied,
            Some("withdrawn") => Decision::Withdrawn,
            _ => continue,
        };
        earlier.decisions.insert(purpose.id.clone(), decision);
        if let Some(at) = bridge::decided_at(purpose.id.as_str()) {
            earlier.at.insert(purpose.id.clone(), at as u64);
        }
    }
    earlier
}
