//! The consent banner as yew components, one definition for both places it is drawn: the
//! widget renders it in the browser (feature `csr`), and the collector renders its first layer
//! on the server (feature `ssr`) so that the loader can show it before any wasm has arrived.
//!
//! Nothing here touches the browser directly. What the banner needs from its surroundings
//! (record a decision, close, move the focus, the visitor's receipts) it asks of a [`Host`]:
//! the widget's host talks to the loader and WebCrypto; on the server nothing is ever asked,
//! since effects and callbacks do not run there.

#[cfg(all(target_arch = "wasm32", feature = "ssr"))]
compile_error!(
    "samtycke-banner's `ssr` feature is for the collector: it must not reach the wasm build \
     (depend on it with `ssr` only under cfg(not(target_arch = \"wasm32\")))"
);

pub mod app;
pub mod by_purpose;
pub mod choice;
pub mod host;
pub mod layers;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, AppProps, Focus, Layer, Layout, Start};
pub use host::{Host, HostRef};

/// The banner's stylesheet for everything the first layer shows in `layout` (its placement,
/// colours, buttons), minified (`build.rs`). The loader carries it, so that the first layer it
/// draws before the app is styled; the app draws in the same shadow root, under the same sheet.
/// Only the site's own layout is sent: every byte here is fetched by returning visitors too.
/// The layout's rules come first, so that the narrow-window rules of `first.css` override them.
pub fn first_css(layout: Layout) -> &'static str {
    match layout {
        Layout::Bar => FIRST_BAR,
        Layout::Modal => FIRST_MODAL,
        Layout::Corner => FIRST_CORNER,
    }
}

macro_rules! stylesheet {
    ($name:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/", $name, ".min.css"))
    };
}

const FIRST_BAR: &str = concat!(stylesheet!("bar"), stylesheet!("first"));
const FIRST_MODAL: &str = concat!(stylesheet!("modal"), stylesheet!("first"));
const FIRST_CORNER: &str = concat!(stylesheet!("corner"), stylesheet!("first"));

/// What the settings layer adds to [`first_css`]; the app carries it, since only the app ever
/// shows that layer.
pub const SECOND_CSS: &str = stylesheet!("second");
