//! What the banner asks of the page it is drawn on. The components stay free of browser calls,
//! so that the collector can render them natively; the widget implements this over the loader
//! and its JS bridge.

use std::rc::Rc;

use samtycke_shared::{CollectionMethod, PurposeId};
use web_sys::{Element, KeyboardEvent};
use yew::Callback;

use crate::choice::{Choices, Earlier, Shown};

/// The banner's surroundings. Only the widget's host is ever called: on the server, effects and
/// event handlers do not run, and the first layer reads nothing from the host.
pub trait Host {
    /// Records a decision: the request signed by the device key and handed to the loader.
    /// `done` hears whether that worked.
    fn decide(&self, decision: Decision, done: Callback<bool>);

    /// Withdraws a consent this browser gave in a form; `done` hears whether it was recorded.
    fn withdraw_opt_in(
        &self,
        shown: Rc<Shown>,
        purpose: PurposeId,
        gpc: bool,
        done: Callback<bool>,
    );

    /// Takes the banner off the page, giving the focus back to where it was before.
    fn close(&self);

    /// Focuses the first element in `panel` matching `selector`, without scrolling the page.
    fn focus(&self, panel: &Element, selector: &str);

    /// Keeps Tab and Shift+Tab inside `panel` (the modal layout's focus trap).
    fn trap_tab(&self, event: &KeyboardEvent, panel: &Element);

    /// A moment (ms since the epoch) as a date and time in a language.
    fn format_time(&self, ms: u64, language: &str) -> String;

    /// Whether the visitor holds any countersigned receipt to download.
    fn has_receipts(&self) -> bool;

    /// Saves the visitor's receipts as a file.
    fn download_receipts(&self);

    /// The purposes this browser signed up for in a form and has not withdrawn.
    fn signed_up(&self) -> Vec<String>;

    /// The banner's panel is on screen, drawn anew: the page makes room below its content for a
    /// bar, so that nothing stays hidden under it, and hides its own settings control meanwhile.
    fn fit(&self, panel: &Element);
}

/// One decision to record, as the banner's root component knows it.
pub struct Decision {
    /// The policy as shown.
    pub shown: Rc<Shown>,
    /// What is ticked, after the action.
    pub chosen: Choices,
    /// The decisions on record before, and their times.
    pub earlier: Rc<Earlier>,
    /// First layer or second.
    pub method: CollectionMethod,
    /// Whether the browser sends Global Privacy Control.
    pub gpc: bool,
}

/// A host in the component's properties, compared by identity: one host serves a page.
#[derive(Clone)]
pub struct HostRef(pub Rc<dyn Host>);

impl PartialEq for HostRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for HostRef {
    type Target = dyn Host;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
