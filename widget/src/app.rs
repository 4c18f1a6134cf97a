//! The banner's root component: which layer is shown, what is ticked, and the one path by
//! which a choice becomes a record.

use std::rc::Rc;

use samtycke_shared::{CollectionMethod, PurposeId};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::choice::{self, Action, Earlier, Shown};
use crate::layers::{self, View};
use crate::{bridge, mount, submit};
use samtycke_shared::text::Text;

/// The two layers of the banner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Short notice with Accept all / Reject all / Settings.
    First,
    /// Per-purpose choices with full disclosures.
    Second,
}

impl Layer {
    /// The layer the loader names: `"settings"` is the second, anything else the first.
    pub fn named(name: &str) -> Self {
        if name == "settings" {
            Layer::Second
        } else {
            Layer::First
        }
    }
}

/// Where the banner sits, as the site configures it (`window.samtycke._cfg.layout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A bar along the bottom of the window; the page stays usable.
    Bar,
    /// A dialog in the centre over a backdrop; the focus stays in it.
    Modal,
    /// A small box in the bottom right corner; the page stays usable.
    Corner,
}

impl Layout {
    /// The layout the loader's configuration names; anything unknown is the bar.
    pub fn named(name: Option<&str>) -> Self {
        match name {
            Some("modal") => Layout::Modal,
            Some("corner") => Layout::Corner,
            _ => Layout::Bar,
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The policy as shown.
    pub shown: Rc<Shown>,
    /// The visitor's still valid decisions and their times; empty when a decision is needed.
    pub prior: Rc<Earlier>,
    /// Whether the browser sends Global Privacy Control.
    pub gpc: bool,
    /// The layer to open on.
    pub layer: Layer,
    /// Where the banner sits.
    pub layout: Layout,
}

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Idle,
    Saving,
    Failed,
}

#[function_component]
pub fn App(props: &AppProps) -> Html {
    let text = Text::for_language(props.shown.language());
    let layer = use_state_eq(|| props.layer);
    let ticked = use_state_eq(|| choice::initial(&props.shown.policy, &props.prior.decisions));
    let status = use_state_eq(|| Status::Idle);
    // Guards against a double click recording twice: state handles only change on re-render.
    let busy = use_mut_ref(|| false);
    let panel = use_node_ref();
    let rerender = use_force_update();

    // Set when the visitor leaves the settings for the first layer.
    let came_back = use_mut_ref(|| false);

    // Move the focus to the new layer's heading, so keyboard and screen-reader users land in it;
    // back from the settings, to the Settings button that opened them, where they left off.
    {
        let (panel, came_back) = (panel.clone(), came_back.clone());
        use_effect_with(*layer, move |layer| {
            let back = *layer == Layer::First && came_back.replace(false);
            if let Some(panel) = panel.cast::<web_sys::Element>() {
                let target = if back { "[data-action=settings]" } else { "h2" };
                bridge::focus(&panel, target);
            }
        });
    }

    let on_action = {
        let (shown, prior, gpc) = (props.shown.clone(), props.prior.clone(), props.gpc);
        let (layer, ticked, status) = (layer.clone(), ticked.clone(), status.clone());
        Callback::from(move |action: Action| {
            if busy.replace(true) {
                return;
            }
            let method = match *layer {
                Layer::First => CollectionMethod::Banner,
                Layer::Second => CollectionMethod::Settings,
            };
            let chosen = choice::apply(action, &shown.policy, gpc, &ticked);
            let (shown, prior, status, busy) =
                (shown.clone(), prior.clone(), status.clone(), busy.clone());
            status.set(Status::Saving);
            wasm_bindgen_futures::spawn_local(async move {
                match submit::decide(&shown, &chosen, &prior, method, gpc).await {
                    Ok(()) => mount::hide(),
                    Err(error) => {
                        bridge::report("samtycke: cannot record the decision:", &error);
                        *busy.borrow_mut() = false;
                        status.set(Status::Failed);
                    }
                }
            });
        })
    };

    // Withdrawing a form's opt-in records at once and leaves the settings open: the banner's
    // own choices are not part of it.
    let on_withdraw = {
        let (shown, gpc, status) = (props.shown.clone(), props.gpc, status.clone());
        let rerender = rerender.clone();
        Callback::from(move |purpose: PurposeId| {
            let (shown, status, rerender) = (shown.clone(), status.clone(), rerender.clone());
            status.set(Status::Saving);
            wasm_bindgen_futures::spawn_local(async move {
                match submit::withdraw_opt_in(&shown, &purpose, gpc).await {
                    Ok(()) => {
                        status.set(Status::Idle);
                        rerender.force_update();
                    }
                    Err(error) => {
                        bridge::report("samtycke: cannot record the withdrawal:", &error);
                        status.set(Status::Failed);
                    }
                }
            });
        })
    };

    let on_toggle = {
        let ticked = ticked.clone();
        Callback::from(move |(id, on): (PurposeId, bool)| {
            let mut next = (*ticked).clone();
            next.insert(id, on);
            ticked.set(next);
        })
    };

    let on_settings = {
        let layer = layer.clone();
        Callback::from(move |()| layer.set(Layer::Second))
    };

    // Leaving the second layer records nothing. With a decision already on record it closes
    // the banner; otherwise it goes back to the first layer, which still needs an answer.
    let can_close = !props.prior.decisions.is_empty();
    let on_leave = {
        let (layer, came_back) = (layer.clone(), came_back.clone());
        Callback::from(move |()| {
            if can_close {
                // Outside this event's dispatch: the handler belongs to the app being destroyed.
                wasm_bindgen_futures::spawn_local(async { mount::hide() });
            } else {
                *came_back.borrow_mut() = true;
                layer.set(Layer::First);
            }
        })
    };

    // The visitor's language, for the policy's texts and ours alike. `Shown` keeps it, so it
    // also holds when the banner is opened again.
    let on_language = {
        let shown = props.shown.clone();
        Callback::from(move |index: usize| {
            shown.language.set(index);
            rerender.force_update();
        })
    };

    // A modal dialog (aria-modal) keeps the focus in itself: the page behind is inert.
    let modal = props.layout == Layout::Modal;
    let onkeydown = {
        let (layer, on_leave, panel) = (layer.clone(), on_leave.clone(), panel.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Escape" if *layer == Layer::Second => on_leave.emit(()),
            "Tab" if modal => {
                if let Some(panel) = panel.cast::<web_sys::Element>() {
                    bridge::trap_tab(&event, &panel);
                }
            }
            _ => {}
        })
    };

    let view = View {
        shown: &props.shown,
        text,
        gpc: props.gpc,
        saving: *status == Status::Saving,
        earlier: &props.prior,
        on_action: &on_action,
        on_withdraw: &on_withdraw,
        on_language: &on_language,
    };
    let body = match *layer {
        Layer::First => layers::first::view(&view, &on_settings),
        Layer::Second => layers::second::view(&view, &ticked, can_close, &on_toggle, &on_leave),
    };
    let message = match *status {
        Status::Idle => "",
        Status::Saving => text.saving,
        Status::Failed => text.failed,
    };
    let class = match (*layer, props.layout) {
        (Layer::First, Layout::Bar) => "panel first bar",
        (Layer::First, Layout::Modal) => "panel first modal",
        (Layer::First, Layout::Corner) => "panel first corner",
        (Layer::Second, Layout::Bar) => "panel second bar",
        (Layer::Second, Layout::Modal) => "panel second modal",
        (Layer::Second, Layout::Corner) => "panel second corner",
    };
    let aria_modal = if modal { "true" } else { "false" };
    html! {
        <>
            if modal {
                <div class="backdrop"></div>
            }
            <div {class} ref={panel} role="dialog" aria-modal={aria_modal}
                aria-labelledby="samtycke-title" aria-describedby="samtycke-notice"
                lang={props.shown.language().as_str().to_owned()} {onkeydown}>
                { body }
                <p class="status" role="status" aria-live="polite">{ message }</p>
            </div>
        </>
    }
}
