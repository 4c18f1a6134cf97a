//! The banner's root component: which layer is shown, what is ticked, and the one path by
//! which a choice becomes a record.

use std::rc::Rc;

use samtycke_shared::text::Text;
use samtycke_shared::{CollectionMethod, PurposeId};
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::choice::{self, Action, Earlier, Shown};
use crate::host::{Decision, HostRef};
use crate::layers::{self, View};

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

/// Where the banner sits, as the site configures it.
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
    /// The layout a configuration names; anything unknown is the bar.
    pub fn named(name: Option<&str>) -> Self {
        match name {
            Some("modal") => Layout::Modal,
            Some("corner") => Layout::Corner,
            _ => Layout::Bar,
        }
    }
}

/// How the banner begins. When the app takes over the first layer the loader showed before
/// any wasm arrived, the visitor may already be in it: the focus and the panel's scroll are
/// kept, and a button pressed meanwhile is carried out.
#[derive(Debug, Default)]
pub struct Start {
    /// Where the focus goes first.
    pub focus: Focus,
    /// The panel's scroll offset to restore, in CSS pixels.
    pub scroll_top: i32,
    /// A decision button pressed before the app was live: made as the app's first act.
    pub action: Option<Action>,
}

/// Where the focus goes when the banner opens.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Focus {
    /// The layer's heading: keyboard and screen-reader users land in the banner.
    #[default]
    Heading,
    /// The element matching this selector in the panel (where it was in the loader's drawing,
    /// or a purpose's switch).
    On(String),
    /// Nowhere: the visitor had moved the focus out of the loader's drawing to the page.
    Elsewhere,
}

/// By identity, like [`Shown`]: one `Start` per showing of the banner.
impl PartialEq for Start {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
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
    /// What the banner asks of the page.
    pub host: HostRef,
    /// How it begins.
    pub start: Rc<Start>,
}

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Idle,
    /// Being recorded; `Some` names the decision button that was pressed.
    Saving(Option<Action>),
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
    let host = props.host.clone();

    // Set when the visitor leaves the settings for the first layer.
    let came_back = use_mut_ref(|| false);

    let on_action = {
        let (shown, prior, gpc) = (props.shown.clone(), props.prior.clone(), props.gpc);
        let (layer, ticked, status) = (layer.clone(), ticked.clone(), status.clone());
        let host = host.clone();
        Callback::from(move |action: Action| {
            if busy.replace(true) {
                return;
            }
            let method = match *layer {
                Layer::First => CollectionMethod::Banner,
                Layer::Second => CollectionMethod::Settings,
            };
            let decision = Decision {
                shown: shown.clone(),
                chosen: choice::apply(action, &shown.policy, gpc, &ticked),
                earlier: prior.clone(),
                method,
                gpc,
            };
            status.set(Status::Saving(Some(action)));
            let (status, busy, closing) = (status.clone(), busy.clone(), host.clone());
            host.decide(
                decision,
                Callback::from(move |recorded: bool| {
                    if recorded {
                        closing.close();
                    } else {
                        *busy.borrow_mut() = false;
                        status.set(Status::Failed);
                    }
                }),
            );
        })
    };

    // Move the focus to the new layer's heading, so keyboard and screen-reader users land in it;
    // back from the settings, to the Settings button that opened them, where they left off. On
    // taking over from the loader's first layer, where the visitor was instead, and a button
    // they pressed meanwhile is pressed now.
    {
        let (panel, came_back, start) = (panel.clone(), came_back.clone(), props.start.clone());
        let (host, on_action) = (host.clone(), on_action.clone());
        let first = use_mut_ref(|| true);
        use_effect_with(*layer, move |layer| {
            let back = *layer == Layer::First && came_back.replace(false);
            let starting = first.replace(false);
            if let Some(panel) = panel.cast::<web_sys::Element>() {
                let target = match (&start.focus, starting, back) {
                    (_, _, true) => Some("[data-action=settings]"),
                    (Focus::On(selector), true, _) => Some(selector.as_str()),
                    (Focus::Elsewhere, true, _) => None,
                    _ => Some("h2"),
                };
                if let Some(target) = target {
                    host.focus(&panel, target);
                }
                if starting && start.scroll_top > 0 {
                    panel.set_scroll_top(start.scroll_top);
                }
            }
            if let (true, Some(action)) = (starting, start.action) {
                on_action.emit(action);
            }
        });
    }

    // The page makes room for the panel after every drawing: its size may have changed.
    {
        let (panel, host) = (panel.clone(), host.clone());
        use_effect(move || {
            if let Some(panel) = panel.cast::<web_sys::Element>() {
                host.fit(&panel);
            }
        });
    }

    // Withdrawing a form's opt-in records at once and leaves the settings open: the banner's
    // own choices are not part of it.
    let on_withdraw = {
        let (shown, gpc, status) = (props.shown.clone(), props.gpc, status.clone());
        let (rerender, host) = (rerender.clone(), host.clone());
        Callback::from(move |purpose: PurposeId| {
            let (status, rerender) = (status.clone(), rerender.clone());
            status.set(Status::Saving(None));
            let done = Callback::from(move |recorded: bool| {
                if recorded {
                    status.set(Status::Idle);
                    rerender.force_update();
                } else {
                    status.set(Status::Failed);
                }
            });
            host.withdraw_opt_in(shown.clone(), purpose, gpc, done);
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
        let (layer, came_back, host) = (layer.clone(), came_back.clone(), host.clone());
        Callback::from(move |()| {
            if can_close {
                host.close();
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
                    host.trap_tab(&event, &panel);
                }
            }
            _ => {}
        })
    };

    let (saving, pressed) = match *status {
        Status::Saving(pressed) => (true, pressed),
        _ => (false, None),
    };
    let view = View {
        shown: &props.shown,
        text,
        gpc: props.gpc,
        saving,
        pressed,
        earlier: &props.prior,
        host: &props.host,
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
        Status::Saving(_) => text.saving,
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
    // Left out where false, its default: the loader carries this markup to every visitor.
    let aria_modal = modal.then_some("true");

    // `data-saving`: the loader shows it when a button is pressed before the app is live.
    html! {
        <>
            if modal {
                <div class="backdrop"></div>
            }
            <div {class} ref={panel} role="dialog" aria-modal={aria_modal}
                aria-labelledby="samtycke-title" aria-describedby="samtycke-notice"
                lang={props.shown.language().as_str().to_owned()} {onkeydown}>
                { body }
                <p class="status" role="status" data-saving={text.saving}>
                    { message }
                </p>
            </div>
        </>
    }
}
