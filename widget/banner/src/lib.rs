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
pub mod choice;
pub mod host;
pub mod layers;
#[cfg(feature = "ssr")]
pub mod server;

pub use app::{App, AppProps, Focus, Layer, Layout, Start};
pub use host::{Host, HostRef};

/// The banner's stylesheet, minified (`build.rs`). The loader carries it, so that the first
/// layer it shows before the app is styled; the app adopts the loader's copy.
pub const CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/styles.min.css"));
