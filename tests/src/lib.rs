//! End-to-end harness: a real collector on a temporary SQLite file serving the demo site and
//! the built widget, and real headless Chromium driven through chromedriver. The browser tests
//! and the widget benchmark both use it.

pub mod browser;
pub mod collector;
pub mod paths;
pub mod smtp;

pub use browser::{Browser, BrowserOptions};
pub use collector::{DemoCollector, DemoSite, fresh_postgres_database};
