//! Browser tests: real headless Chromium against a real collector serving the demo site and the
//! built widget. `cargo xtask test` builds the widget and installs Chromium first.

mod accessibility;
mod blocking;
mod choices;
mod console;
mod csp;
mod first_paint;
mod helpers;
mod layout;
mod lifecycle;
mod mail;
mod optin;
mod settings;
mod skeleton;
mod visitor;
