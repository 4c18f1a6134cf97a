//! `/console`: the page marketers and the DPO work in. The collector serves a small HTML shell
//! (in the browser's language, never cached) that loads the console's wasm app
//! (`collector/console`, built by `cargo xtask dist` into `<assets_dir>/console/`), and the
//! app's files under `/console/assets/<build>/`, precompressed and cached for good (their paths
//! change with their content). The page's policy lets nothing run but the collector's own
//! module and wasm, and talk to nothing but the collector.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::state::AppState;

/// The console page's policy: the collector's own module, wasm (which needs
/// `wasm-unsafe-eval` to compile), styles and API; nothing inline, nothing framed.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// `console.json` as `cargo xtask dist` writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleManifest {
    /// The module that starts the app, e.g. `/console/assets/0123abcd/boot.js`.
    pub module: String,
    /// Its stylesheet.
    pub style: String,
}

/// A built console on disk.
#[derive(Debug, Clone)]
pub struct ConsoleAssets {
    /// Where its files are.
    pub manifest: ConsoleManifest,
    /// The folder holding `assets/`.
    pub dir: PathBuf,
}

impl ConsoleAssets {
    /// Reads `ASSETS_DIR/console.json`; `None` when the console is not built there.
    pub fn load(assets_dir: &Path) -> Option<Self> {
        let text = std::fs::read(assets_dir.join("console.json")).ok()?;
        match serde_json::from_slice(&text) {
            Ok(manifest) => Some(Self {
                manifest,
                dir: assets_dir.join("console"),
            }),
            Err(error) => {
                tracing::warn!(%error, "console.json is not what cargo xtask dist writes; no console");
                None
            }
        }
    }
}

/// The console's routes.
pub fn router(console: Option<&Arc<ConsoleAssets>>) -> Router<AppState> {
    // Every page of the app has its own address; each is the same shell, and the app reads the
    // address. The assets' own prefix is matched first.
    let router = Router::new()
        .route("/console", get(shell))
        .route("/console/{*page}", get(page));
    match console {
        Some(console) => router.nest_service(
            "/console/assets",
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ))
                .service(
                    ServeDir::new(console.dir.join("assets"))
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        ),
        None => router,
    }
}

#[utoipa::path(get, path = "/console", tag = "console",
    responses((status = 200, description = "The console: an HTML shell that loads its app", body = String, content_type = "text/html"),
              (status = 503, description = "The console is not built on this collector", body = String, content_type = "text/html")))]
async fn shell(state: State<AppState>, headers: HeaderMap) -> Response {
    render_shell(state, headers)
}

#[utoipa::path(get, path = "/console/{*page}", tag = "console",
    params(("page" = String, Path, description = "A page of the console (`people/{id}`, `overview`, `imports`, `sites`, `users`, `audit`): the same shell, the app reads the address")),
    responses((status = 200, description = "The console's shell", body = String, content_type = "text/html"),
              (status = 503, description = "The console is not built on this collector", body = String, content_type = "text/html")))]
async fn page(state: State<AppState>, headers: HeaderMap) -> Response {
    render_shell(state, headers)
}

/// The shell page, in the browser's language.
fn render_shell(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let swedish = super::pages::prefers_swedish(&headers);
    let (lang, title, loading, missing) = if swedish {
        (
            "sv",
            "Samtyckes konsol",
            "Laddar konsolen…",
            "Konsolen är inte byggd på den här insamlaren (kör cargo xtask dist).",
        )
    } else {
        (
            "en",
            "Samtycke console",
            "Loading the console…",
            "The console is not built on this collector (run cargo xtask dist).",
        )
    };
    let (status, head, body) = match state.console.as_deref() {
        Some(console) => (
            StatusCode::OK,
            format!(
                "<link rel=\"stylesheet\" href=\"{}\">\n<script type=\"module\" src=\"{}\"></script>",
                console.manifest.style, console.manifest.module
            ),
            format!("<p role=\"status\">{loading}</p>"),
        ),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            String::new(),
            format!("<p>{missing}</p>"),
        ),
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n{head}\n</head>\n\
         <body>\n<div id=\"console\">{body}</div>\n</body>\n</html>\n"
    );
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONSOLE_CSP),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        html,
    )
        .into_response()
}
