//! The banner rendered on the server, from the very components the app renders. The collector
//! renders the first layer: the loader shows it the moment it runs, and the app, once loaded,
//! takes the banner over (`widget/src/mount.rs`). The browser tests render the settings too, to
//! compare them with what the app draws. Plain HTML, no hydration markers: the app replaces it rather than
//! hydrating it, which keeps yew's hydration code out of the wasm and cannot leave a dead banner
//! when the HTML and the app disagree.

use std::cell::Cell;
use std::rc::Rc;

use samtycke_shared::{Policy, PurposeId};
use web_sys::{Element, KeyboardEvent};
use yew::{Callback, ServerRenderer};

use crate::app::{App, AppProps, Layer, Layout, Start};
use crate::choice::{Earlier, Shown};
use crate::host::{Decision, Host, HostRef};

/// What the banner is rendered for: a first visit, with nothing on record.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// The site's current policy.
    pub policy: Policy,
    /// Hex SHA-256 of its exact bytes.
    pub sha256: String,
    /// The language to show, an index in `policy.languages`.
    pub language: usize,
    /// Where the banner sits.
    pub layout: Layout,
    /// Whether the browser sends Global Privacy Control (`Sec-GPC: 1`).
    pub gpc: bool,
    /// The layer shown.
    pub layer: Layer,
}

impl Rendering {
    /// The banner as a first visit shows it, as HTML for a shadow root styled with
    /// [`crate::first_css`] (and, for the settings, [`crate::SECOND_CSS`]).
    pub async fn render(self) -> String {
        ServerRenderer::<App>::with_props(move || self.props())
            .hydratable(false)
            .render()
            .await
    }

    fn props(self) -> AppProps {
        AppProps {
            shown: Rc::new(Shown {
                policy: Rc::new(self.policy),
                sha256: self.sha256,
                language: Cell::new(self.language),
            }),
            prior: Rc::new(Earlier::default()),
            gpc: self.gpc,
            layer: self.layer,
            layout: self.layout,
            host: HostRef(Rc::new(NoVisitor)),
            start: Rc::new(Start::default()),
        }
    }
}

/// Purposes' full disclosures and the controller's, as the settings show them, for the
/// collector's own pages (the preference centre): the same components, so that what a person
/// reads there is word for word what the banner discloses.
#[derive(Debug, Clone)]
pub struct Disclosures {
    /// The site's current policy.
    pub policy: Policy,
    /// The language to show, an index in `policy.languages`.
    pub language: usize,
}

impl Disclosures {
    /// One purpose's disclosure (`<dl>`), or the controller's and the rights (`<details>`) for
    /// `None`.
    pub async fn render(&self, purpose: Option<PurposeId>) -> String {
        let (policy, language) = (self.policy.clone(), self.language);
        // The props are made on the renderer's thread: `Shown` holds `Rc`s.
        ServerRenderer::<DisclosureView>::with_props(move || DisclosureProps {
            shown: Rc::new(Shown {
                policy: Rc::new(policy),
                sha256: String::new(),
                language: Cell::new(language),
            }),
            purpose,
        })
        .hydratable(false)
        .render()
        .await
    }
}

#[derive(yew::Properties, PartialEq)]
struct DisclosureProps {
    shown: Rc<Shown>,
    purpose: Option<PurposeId>,
}

#[yew::function_component]
fn DisclosureView(props: &DisclosureProps) -> yew::Html {
    let text = samtycke_shared::text::Text::for_language(props.shown.language());
    match props
        .purpose
        .as_ref()
        .and_then(|id| props.shown.policy.purpose(id))
    {
        Some(purpose) => crate::layers::disclosure::details(&props.shown, purpose, text),
        None => crate::layers::disclosure::controller(&props.shown, text),
    }
}

/// The host of a rendering on the server: a page with no visitor yet, so nothing on record and
/// nothing to act on. Rendering reads none of it for the first layer; it exists so that the
/// components need no browser.
struct NoVisitor;

impl Host for NoVisitor {
    fn decide(&self, _: Decision, done: Callback<bool>) {
        done.emit(false);
    }

    fn withdraw_opt_in(&self, _: Rc<Shown>, _: PurposeId, _: bool, done: Callback<bool>) {
        done.emit(false);
    }

    fn close(&self) {}

    fn focus(&self, _: &Element, _: &str) {}

    fn trap_tab(&self, _: &KeyboardEvent, _: &Element) {}

    fn format_time(&self, _: u64, _: &str) -> String {
        String::new()
    }

    fn has_receipts(&self) -> bool {
        false
    }

    fn download_receipts(&self) {}

    fn signed_up(&self) -> Vec<String> {
        Vec::new()
    }

    fn fit(&self, _: &Element) {}
}
