//! Putting the banner on the page and taking it off again.
//!
//! The banner lives in an open shadow root on the loader's host `<div id="samtycke">` in
//! `<body>`, styled by the loader's first-layer stylesheet and the settings' one this adds:
//! the site's CSS cannot reach in and ours cannot leak out. Site themes still apply through CSS
//! custom properties (`--samtycke-*`), which inherit across the shadow boundary.
//!
//! When a decision is needed, the loader has usually drawn the first layer already, from the
//! collector's server rendering of these same components. The app then takes it over: it clears
//! that drawing and renders in its place in the same task (yew renders on a microtask, before
//! the next frame, so nothing flickers), keeps the focus and the panel's scroll where the
//! visitor had them, and carries out a button they pressed before the app was live.

use std::cell::RefCell;
use std::rc::Rc;

use samtycke_banner::choice::{Action, Earlier, Shown};
use samtycke_banner::{App, AppProps, Focus, HostRef, Layer, Layout, Start};
use samtycke_shared::Decision;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, ShadowRootInit, ShadowRootMode};
use yew::{AppHandle, Renderer};

use crate::bridge;
use crate::host::Browser;

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

/// What opens the banner: the loader's `samtycke.open(purpose)` names the purpose whose switch
/// takes the focus in the settings.
pub struct Opening {
    pub layer: Layer,
    pub purpose: Option<String>,
}

/// Shows the banner on `opening`'s layer, replacing whatever was shown: the app's own banner,
/// or the first layer the loader drew.
pub fn show(shown: Rc<Shown>, opening: Opening) -> Result<(), JsValue> {
    hide();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    // Where the focus goes back to on closing: where it is now, unless that is in the loader's
    // drawing, which took it from nowhere on the page.
    let return_focus = document
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.id() != "samtycke");
    let (layer, start) = match bridge::take_over() {
        Some(taken) => resume(&shown, opening.layer, &taken),
        None => (opening.layer, Start::default()),
    };
    let start = match &opening.purpose {
        Some(purpose) if layer == Layer::Second => Start {
            focus: Focus::On(["#samtycke-p-", purpose].concat()),
            ..start
        },
        _ => start,
    };
    let host = bridge::banner_host();
    let root = host
        .shadow_root()
        .ok_or("the banner's host has no shadow root")?;
    bridge::add_styles(&root, samtycke_banner::SECOND_CSS);
    let container = document.create_element("div")?;
    // Marks the app's own drawing, which `bridge.release` leaves alone.
    container.set_attribute("data-app", "")?;
    root.append_child(&container)?;

    let props = AppProps {
        prior: Rc::new(earlier(&shown.policy)),
        gpc: bridge::gpc(),
        layout: Layout::named(bridge::config().layout().as_deref()),
        shown,
        layer,
        host: HostRef(Rc::new(Browser)),
        start: Rc::new(start),
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

/// Where the visitor was in the loader's first layer, as the app's start: the layer and the
/// language a press asked for, the decision a press asked for, the focus and the scroll. The app
/// goes on in the language the drawing was in, which the visitor was reading (the drawing's comes
/// from `Accept-Language`, the app's own pick from `navigator.languages`). A decision pressed on
/// a drawing of another policy version than the app fetched (a loader cached across a new
/// version) is not made: the visitor did not see this version; the banner stays open to ask.
fn resume(shown: &Shown, layer: Layer, taken: &bridge::TakenOver) -> (Layer, Start) {
    let languages = &shown.policy.languages;
    let show_language = |tag: &str| {
        if let Some(index) = languages.iter().position(|l| l.as_str() == tag) {
            shown.language.set(index);
        }
    };
    show_language(&taken.lang());
    let same_version = taken.version() == shown.policy.version;
    let pending = taken.pending();
    let mut start = Start {
        focus: match taken.focus().as_str() {
            "" => Focus::Elsewhere,
            selector => Focus::On(selector.to_owned()),
        },
        scroll_top: taken.scroll(),
        action: None,
    };
    let layer = match pending.as_str() {
        "accept-all" if same_version => {
            start.action = Some(Action::AcceptAll);
            layer
        }
        "reject-all" if same_version => {
            start.action = Some(Action::RejectAll);
            layer
        }
        "settings" => {
            start.focus = Focus::Heading;
            Layer::Second
        }
        other => {
            if let Some(tag) = other.strip_prefix("lang:") {
                show_language(tag);
            }
            layer
        }
    };
    (layer, start)
}

/// Gives `host` an open shadow root styled with `css`; returns the element in it to render into.
/// The form opt-ins' boxes live in such roots on the site's own elements.
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
    bridge::unfit();
    if let Some(element) = mounted.return_focus {
        // Best effort: the element may have left the page meanwhile.
        let _ = element.focus();
    }
}

/// The visitor's still valid decisions, as the loader reports them, and when each was made.
fn earlier(policy: &samtycke_shared::Policy) -> Earlier {
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
