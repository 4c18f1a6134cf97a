//! The widget as the browser fetches it: `GET /s/{site}.js`, the loader with the site's
//! configuration and the banner's first layer inlined (`loader.rs`; short cache, ETag), and
//! `GET /assets/…`, the built app with content-addressed names (cached for good, precompressed
//! brotli/gzip). Both send `Timing-Allow-Origin` for the sites' origins, so that a site owner
//! can measure in their own pages what the widget costs them.

pub mod loader;

use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// In the loader template, the token replaced by the site's configuration.
const CONFIG_TOKEN: &str = "__SAMTYCKE_CONFIG__";

/// Resource Timing shows a cross-origin resource's sizes and phases to the pages of the origins
/// this names.
const TIMING_ALLOW_ORIGIN: HeaderName = HeaderName::from_static("timing-allow-origin");

/// Why the built widget cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetError {
    /// `manifest.json` or `loader.js` is missing or unreadable.
    #[error("cannot read {path}: {source} (build the widget with `cargo xtask dist`)")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `loader.js` has no place for the site's configuration.
    #[error("{path} is not the loader template `cargo xtask dist` writes")]
    NotALoader {
        /// The file.
        path: PathBuf,
    },
    /// `manifest.json` is not what `cargo xtask dist` writes.
    #[error("widget manifest {path} is not valid: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
}

/// `manifest.json` as `cargo xtask dist` writes it: where the app's files are.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// Path of the app's JS module, e.g. `/assets/0123abcd/samtycke_widget.js`.
    pub app: String,
    /// Path of its wasm.
    pub wasm: String,
}

/// A built widget on disk.
#[derive(Debug, Clone)]
pub struct WidgetAssets {
    /// Where the app's files are.
    pub manifest: Manifest,
    /// The folder holding `assets/`.
    pub dir: PathBuf,
    /// `loader.js` as `cargo xtask dist` minified it, with the config token in it.
    pub loader: String,
}

impl WidgetAssets {
    /// Reads `DIR/manifest.json`.
    pub fn load(dir: &Path) -> Result<Self, WidgetError> {
        let path = dir.join("manifest.json");
        let text = std::fs::read(&path).map_err(|source| WidgetError::Read {
            path: path.clone(),
            source,
        })?;
        let manifest =
            serde_json::from_slice(&text).map_err(|source| WidgetError::Parse { path, source })?;
        let path = dir.join("loader.js");
        let loader = std::fs::read_to_string(&path).map_err(|source| WidgetError::Read {
            path: path.clone(),
            source,
        })?;
        if !loader.contains(CONFIG_TOKEN) {
            return Err(WidgetError::NotALoader { path });
        }
        Ok(Self {
            manifest,
            dir: dir.to_owned(),
            loader,
        })
    }
}

/// Loader and asset routes. The app is imported as a module script and the wasm fetched, both
/// cross-origin from sites' pages, so they answer CORS for the configured sites' origins.
pub fn router(state: &AppState) -> Router<AppState> {
    let widget = state.widget.as_deref();
    let public = super::cors::for_sites(&state.sites, &[Method::GET]);
    // Each loader variant is compressed once (`loader.rs`); assets come precompressed.
    let router = Router::new().route("/s/{file}", get(loader::loader));
    let router = match widget {
        Some(widget) => router.nest_service(
            "/assets",
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    TIMING_ALLOW_ORIGIN,
                    timing_origins(&state.sites.all_origins()),
                ))
                .service(
                    ServeDir::new(widget.dir.join("assets"))
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        ),
        None => router,
    };
    router.layer(public)
}

/// `Timing-Allow-Origin` naming `origins`, on `response`.
pub(super) fn allow_timing(response: &mut Response, origins: &[String]) {
    response
        .headers_mut()
        .insert(TIMING_ALLOW_ORIGIN, timing_origins(origins));
}

/// The header's value: the origins, comma-separated (an empty list allows none).
fn timing_origins(origins: &[String]) -> HeaderValue {
    HeaderValue::from_str(&origins.join(", ")).unwrap_or(HeaderValue::from_static("null"))
}
