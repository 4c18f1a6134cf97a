//! The two static servers the benchmark runs beside the collector, each on an origin of its own as
//! deployed: the "site", which serves the shop's three pages (and a peer's own files under
//! `/consent/`), and the "CDN", which serves the peers' files from npm as a CDN would: brotli or
//! gzip, precompressed, by `Accept-Encoding`; cached for good; readable from any origin.

use std::path::Path;

use anyhow::Context as _;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Html;
use axum::routing::get;
use samtycke_e2e::paths;
use tokio::task::JoinHandle;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::contenders::{Package, SITE_FILES};
use crate::sizes;

/// A server on `127.0.0.1`, stopped when dropped.
pub struct Server {
    /// Its origin, `http://127.0.0.1:PORT`.
    pub url: String,
    listener: Option<tokio::net::TcpListener>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Takes a free port; serves nothing until [`Server::serve`]. The site's origin must be known
    /// before the collector starts, which must allow it.
    pub async fn bind() -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        Ok(Self {
            url: format!("http://{}", listener.local_addr()?),
            listener: Some(listener),
            task: None,
        })
    }

    fn serve(&mut self, router: Router) -> anyhow::Result<()> {
        let listener = self.listener.take().context("a server serves once")?;
        self.task = Some(tokio::spawn(
            async move { axum::serve(listener, router).await },
        ));
        Ok(())
    }

    /// Serves the shop: each `(path, page)`, the peers' files under `/consent/`, and the rest of
    /// `www/demo/` (the pages' links), compressed per response as a site's server would.
    pub fn serve_site(
        &mut self,
        pages: Vec<(&'static str, String)>,
        site_files: Vec<(&'static str, String)>,
    ) -> anyhow::Result<()> {
        let mut router = Router::new();
        for (path, page) in pages {
            router = router.route(path, get(move || async move { Html(page) }));
        }
        for (name, script) in site_files {
            let path = format!("{SITE_FILES}{name}");
            router = router.route(
                &path,
                get(move || async move {
                    (
                        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                        script,
                    )
                }),
            );
        }
        let router = router
            .fallback_service(ServeDir::new(paths::root().join("www/demo")))
            .layer(CompressionLayer::new());
        self.serve(router)
    }

    /// Serves the peers' files from `node_modules`, at `/npm/NAME@VERSION/FILE` as jsDelivr
    /// does, from a copy in `dir` beside which each file's `.br` and `.gz` are written.
    pub fn serve_cdn(
        &mut self,
        node_modules: &Path,
        packages: &[Package],
        dir: &Path,
    ) -> anyhow::Result<()> {
        for package in packages {
            let installed = node_modules.join(package.name);
            let manifest = std::fs::read_to_string(installed.join("package.json"))
                .with_context(|| format!("{} is not installed", package.name))?;
            let version = format!("\"version\": \"{}\"", package.version);
            if !manifest.contains(&version) {
                anyhow::bail!(
                    "{} in {} is not version {}",
                    package.name,
                    installed.display(),
                    package.version
                );
            }
            for file in package.files {
                let bytes = std::fs::read(installed.join(file))
                    .with_context(|| format!("cannot read {} from {}", file, package.name))?;
                let out = dir
                    .join("npm")
                    .join(format!("{}@{}", package.name, package.version))
                    .join(file);
                std::fs::create_dir_all(out.parent().context("a file has a folder")?)?;
                std::fs::write(&out, &bytes)?;
                std::fs::write(with_extension(&out, "br"), sizes::brotli(&bytes)?)?;
                std::fs::write(with_extension(&out, "gz"), sizes::gzip(&bytes)?)?;
            }
        }
        let header =
            |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
        let router = Router::new()
            .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
            .layer(header(
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable",
            ))
            .layer(header(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"));
        self.serve(router)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// `file.js` → `file.js.br`.
fn with_extension(file: &Path, extension: &str) -> std::path::PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    name.into()
}
