//! The widget as the browser fetches it: `GET /s/{site}.js`, the loader with the site's current
//! policy version inlined (short cache, ETag), and `GET /assets/…`, the built app with
//! content-addressed names (cached for good, precompressed brotli/gzip).

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use samtycke_shared::jose::sha256_hex;
use samtycke_shared::text::Text;
use samtycke_shared::{Language, Policy, SiteId};
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::Problem;
use super::path::Path as UrlPath;
use super::{Error, Result};
use crate::config::{Layout, SettingsControl};
use crate::state::AppState;

/// In the loader template, the token replaced by the site's configuration.
const CONFIG_TOKEN: &str = "__SAMTYCKE_CONFIG__";

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

/// What the loader is told about its site (`www/loader.js` documents each field).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoaderConfig<'a> {
    site: &'a str,
    consent_days: u32,
    refusal_days: u32,
    app: &'a str,
    wasm: &'a str,
    layout: Layout,
    control: SettingsControl,
    reload: bool,
    disclosure: &'a str,
    text: LoaderText,
}

/// The loader's own words: it shows the settings button and embed placeholders to visitors for
/// whom the app is never loaded.
#[derive(Serialize)]
struct LoaderText {
    settings: &'static str,
    load: &'static str,
    blocked: &'static str,
}

/// The loader's words in the first language of the browser's `Accept-Language` that the policy
/// has (by primary subtag, as the app chooses from `navigator.languages`), else in the policy's
/// default. One language only, so that what every visitor fetches does not grow with the
/// languages a site offers; the response varies by `Accept-Language`.
fn loader_text(policy: &Policy, accept_language: Option<&str>) -> LoaderText {
    let wanted = accept_language
        .map(accept_language::parse_with_quality)
        .unwrap_or_default();
    let language = wanted
        .iter()
        // `q=0` is the browser saying "not this one".
        .filter(|(_, quality)| *quality > 0.0)
        .filter_map(|(tag, _)| Language::parse(tag).ok())
        .find_map(|tag| {
            policy
                .languages
                .iter()
                .find(|offered| offered.primary() == tag.primary())
        })
        .unwrap_or_else(|| policy.default_language());
    let text = Text::for_language(language);
    LoaderText {
        settings: text.settings_control,
        load: text.load_embed,
        blocked: text.embed_blocked,
    }
}

/// Loader and asset routes. The app is imported as a module script and the wasm fetched, both
/// cross-origin from sites' pages, so they answer CORS for the configured sites' origins.
pub fn router(state: &AppState) -> Router<AppState> {
    let widget = state.widget.as_deref();
    let public = super::cors::for_sites(&state.sites, &[Method::GET]);
    // The loader is made per request, so it is compressed per request; assets come precompressed.
    let router = Router::new().route("/s/{file}", get(loader).layer(CompressionLayer::new()));
    let router = match widget {
        Some(widget) => router.nest_service(
            "/assets",
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
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

#[utoipa::path(get, path = "/s/{file}", tag = "widget",
    params(("file" = String, Path, description = "`SITE.js`: the site's loader script")),
    responses((status = 200, description = "The loader, with the site's configuration and the visitor's language", body = String, content_type = "text/javascript"),
              (status = 304, description = "Not modified"),
              (status = 404, description = "No such site (urn:samtycke:problem:not-found)", body = Problem, content_type = "application/problem+json"),
              (status = 503, description = "The widget is not built (urn:samtycke:problem:widget-not-built)", body = Problem, content_type = "application/problem+json")))]
async fn loader(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let name = file.strip_suffix(".js").ok_or(Error::SiteNotFound)?;
    let site = SiteId::parse(name)
        .ok()
        .and_then(|id| state.sites.get(&id).cloned());
    let site = site.ok_or(Error::SiteNotFound)?;
    let widget = state.widget.as_deref().ok_or(Error::WidgetNotBuilt)?;
    let policy = &site.policy.policy;
    let config = LoaderConfig {
        site: site.id.as_str(),
        consent_days: policy.consent_validity_days,
        refusal_days: policy.refusal_validity_days,
        app: &widget.manifest.app,
        wasm: &widget.manifest.wasm,
        layout: site.widget.layout,
        control: site.widget.settings_control,
        reload: site.widget.reload_on_withdrawal,
        disclosure: &site.policy.disclosure,
        text: loader_text(
            policy,
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        ),
    };
    let config = serde_json::to_string(&config).map_err(|e| Error::InvalidBody(e.to_string()))?;
    let body = widget.loader.replacen(CONFIG_TOKEN, &config, 1);
    let mut response = super::sites::document_response(
        &headers,
        &sha256_hex(&body),
        body.into_bytes(),
        "public, max-age=300",
    );
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-language"));
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        );
    }
    Ok(response.into_response())
}
