//! Policy documents, the JWKS, the loader, health, and refusing to start on bad configuration.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use samtycke_shared::jose::sha256_hex;

use crate::helpers::*;

#[tokio::test]
async fn the_policy_is_served_byte_for_byte_with_its_sha256_as_etag() {
    let collector = TestCollector::start().await;
    let answer = collector.get("/v1/sites/demo/policy").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.bytes, test_policy_bytes());
    let etag = format!("\"{}\"", sha256_hex(&answer.bytes));
    assert_eq!(
        answer
            .headers
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );
    let cached = collector
        .send(
            Request::get("/v1/sites/demo/policy")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert_problem(
        &collector.get("/v1/sites/nowhere/policy").await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn every_served_policy_version_stays_available_after_the_file_changes() {
    let collector = TestCollector::start().await;
    let v1 = std::fs::read(collector.dir.path().join("policy.json")).expect("file");
    let mut policy: serde_json::Value = serde_json::from_slice(&v1).expect("json");
    let first = policy["version"].as_u64().expect("version");
    policy["version"] = (first + 1).into();
    std::fs::write(
        collector.dir.path().join("policy.json"),
        serde_json::to_vec_pretty(&policy).expect("json"),
    )
    .expect("write");
    let collector = collector.restart().await;
    let old = collector
        .get(&format!("/v1/sites/demo/policies/{first}"))
        .await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.bytes, v1);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(
            &collector.get("/v1/sites/demo/policy").await.bytes
        )
        .expect("json")["version"],
        first + 1
    );
}

#[tokio::test]
async fn a_policy_edited_without_a_new_version_stops_the_collector_from_starting() {
    let collector = TestCollector::start().await;
    let path = collector.dir.path().join("policy.json");
    let edited = std::fs::read_to_string(&path)
        .expect("file")
        .replace("13 months", "26 months");
    std::fs::write(&path, edited).expect("write");
    let err = TestCollector::build(collector.dir.path())
        .await
        .expect_err("must refuse");
    assert!(err.to_string().contains("raise \"version\""), "{err}");
}

#[tokio::test]
async fn the_jwks_publishes_the_signing_key_with_its_kid() {
    let collector = TestCollector::start().await;
    let jwks: serde_json::Value =
        serde_json::from_slice(&collector.get("/.well-known/jwks.json").await.bytes).expect("json");
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert!(key["kid"].as_str().is_some_and(|k| k.len() == 43));
    assert!(
        key.get("d").is_none(),
        "private key material must never be published"
    );
}

#[tokio::test]
async fn the_loader_needs_a_built_widget_and_names_unknown_sites() {
    let collector = TestCollector::start().await;
    assert_problem(
        &collector.get("/s/demo.js").await,
        StatusCode::SERVICE_UNAVAILABLE,
    );
    assert_problem(&collector.get("/s/nowhere.js").await, StatusCode::NOT_FOUND);
}

/// A collector serving a widget build whose loader template is the real one.
async fn with_the_real_loader() -> TestCollector {
    let dir = tempfile::tempdir().expect("tempdir");
    let loader =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/loader.js"))
            .expect("the loader template");
    let assets = widget_build(dir.path(), &loader);
    let mut config = TestCollector::config(dir.path());
    config.assets_dir = Some(assets);
    clean_test_databases().await;
    let app = samtycke_collector::Application::build(config)
        .await
        .expect("starts");
    TestCollector {
        dir,
        router: app.router(),
    }
}

/// The loader as a browser with these request headers gets it, and its text when it came
/// uncompressed.
async fn loader_with(collector: &TestCollector, headers: &[(&str, &str)]) -> (Answer, String) {
    let mut request = Request::get("/s/demo.js");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = collector
        .send(request.body(Body::empty()).expect("request"))
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let text = String::from_utf8(answer.bytes.clone()).unwrap_or_default();
    (answer, text)
}

#[tokio::test]
async fn the_loader_inlines_the_sites_configuration_the_banners_first_layer_and_its_styles() {
    let collector = with_the_real_loader().await;
    let (answer, text) = loader_with(&collector, &[]).await;
    assert!(answer.content_type.starts_with("text/javascript"));
    assert!(text.contains("/assets/abc/app_bg.wasm"));
    assert!(!text.contains("__SAMTYCKE_CONFIG__"));
    assert!(text.contains(r#""disclosure":""#), "{text}");
    // The widget's settings at their defaults (bar, bottom-left, no reload) are left out.
    for setting in [r#""layout":"#, r#""control":"#, r#""reload":"#] {
        assert!(!text.contains(setting), "{setting} {text}");
    }
    // The first layer, rendered from the banner's components in the policy's default language
    // when the browser names none: the three answers in their order, the purposes by name,
    // and the styles it needs.
    assert!(text.contains(r#""lang":"en""#), "{text}");
    let accept = text
        .find(r#"data-action=\"accept-all\""#)
        .expect("accept all");
    let reject = text
        .find(r#"data-action=\"reject-all\""#)
        .expect("reject all");
    let settings = text.find(r#"data-action=\"settings\""#).expect("settings");
    assert!(accept < reject && reject < settings, "{text}");
    for name in ["Statistics", "Embedded videos", "Personalised advertising"] {
        assert!(text.contains(&format!("<li>{name}</li>")), "{name}: {text}");
    }
    // The first layer's styles, for the site's layout only.
    assert!(text.contains(r#""css":".bar{"#), "{text}");
    assert!(
        text.contains(".panel{") && !text.contains(".modal{"),
        "{text}"
    );
    // No hydration markers: the app replaces this rendering, it does not hydrate it.
    assert!(!text.contains("<!--"), "{text}");
    // The loader's own words on the page, in every policy language, with the purposes' names
    // for embed placeholders.
    assert!(text.contains(r#""settings":"Privacy settings""#), "{text}");
    assert!(
        text.contains(r#""settings":"Integritetsinställningar""#),
        "{text}"
    );
    assert!(text.contains(r#""media":"Inbäddade videoklipp""#), "{text}");
}

#[tokio::test]
async fn the_first_layer_speaks_the_browsers_language_and_names_global_privacy_control() {
    let collector = with_the_real_loader().await;
    let (swedish, text) = loader_with(
        &collector,
        &[("accept-language", "de-DE;q=0.9, sv-FI;q=0.95, en;q=0.5")],
    )
    .await;
    assert!(text.contains(r#""lang":"sv""#), "{text}");
    assert!(text.contains("Godkänn alla"), "{text}");
    assert!(!text.contains("Accept all"), "{text}");
    let vary = swedish
        .headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    for header in ["accept-language", "sec-gpc", "accept-encoding"] {
        assert!(vary.contains(header), "{vary}");
    }
    let (_, refused) = loader_with(&collector, &[("accept-language", "sv;q=0, en;q=0.5")]).await;
    assert!(refused.contains(r#""lang":"en""#), "{refused}");
    let (_, neither) = loader_with(&collector, &[("accept-language", "fr-FR, de;q=0.8")]).await;
    assert!(neither.contains(r#""lang":"en""#), "{neither}");

    // Under Global Privacy Control the first layer says why advertising stays off.
    let (_, plain) = loader_with(&collector, &[]).await;
    let (_, gpc) = loader_with(&collector, &[("sec-gpc", "1")]).await;
    assert!(gpc.contains("Global Privacy Control"), "{gpc}");
    assert!(!plain.contains("Global Privacy Control"), "{plain}");
}

#[tokio::test]
async fn the_loader_is_served_compressed_revalidated_and_measurable_by_the_sites_pages() {
    let collector = with_the_real_loader().await;
    let (identity, text) = loader_with(&collector, &[]).await;
    let (brotli, _) = loader_with(&collector, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(
        brotli
            .headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("br")
    );
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &brotli.bytes[..], &mut decoded).expect("brotli");
    assert_eq!(decoded, text.as_bytes());
    assert!(brotli.bytes.len() * 2 < identity.bytes.len());
    let (gzip, _) = loader_with(&collector, &[("accept-encoding", "gzip, br;q=0")]).await;
    assert_eq!(
        gzip.headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );

    let etag = identity.headers.get(header::ETAG).expect("etag").clone();
    let again = collector
        .send(
            Request::get("/s/demo.js")
                .header(header::IF_NONE_MATCH, etag)
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);

    // Resource Timing shows the loader's and the policy's sizes to the site's own pages.
    for answer in [identity, collector.get("/v1/sites/demo/policy").await] {
        assert_eq!(
            answer
                .headers
                .get("timing-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some(ORIGIN)
        );
    }
    let policy = collector
        .send(
            Request::get("/v1/sites/demo/policy")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &policy.bytes[..], &mut decoded).expect("brotli");
    assert_eq!(decoded, test_policy_bytes());
}

#[tokio::test]
async fn a_widget_build_without_a_loader_template_stops_the_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let assets = widget_build(dir.path(), "console.log('not a template')");
    let mut config = TestCollector::config(dir.path());
    config.assets_dir = Some(assets);
    clean_test_databases().await;
    let Err(error) = samtycke_collector::Application::build(config).await else {
        panic!("a widget build without a loader template must stop the start");
    };
    let error = error.to_string();
    assert!(error.contains("loader.js"), "{error}");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let collector = TestCollector::start().await;
    assert_eq!(collector.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(collector.get("/readyz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn site_documents_answer_cors_for_configured_origins_only_and_the_jwks_for_anyone() {
    let collector = TestCollector::start().await;
    let get = |path: &'static str, origin: &'static str| {
        Request::get(path)
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .expect("request")
    };
    let allow = |answer: &Answer| {
        answer
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let policy = collector.send(get("/v1/sites/demo/policy", ORIGIN)).await;
    assert_eq!(allow(&policy).as_deref(), Some(ORIGIN));
    let foreign = collector
        .send(get("/v1/sites/demo/policy", "https://evil.example"))
        .await;
    assert_eq!(allow(&foreign), None);
    let jwks = collector
        .send(get("/.well-known/jwks.json", "https://verifier.example"))
        .await;
    assert_eq!(allow(&jwks).as_deref(), Some("*"));
}

/// The demo policy in `dir`, and beside it a widget build (`dist/`) as `cargo xtask dist` lays
/// one out, with `loader` as its loader; returns the build's folder.
fn widget_build(dir: &Path, loader: &str) -> std::path::PathBuf {
    write_test_policy(dir);
    let assets = dir.join("dist");
    std::fs::create_dir_all(&assets).expect("mkdir");
    std::fs::write(
        assets.join("manifest.json"),
        r#"{"app":"/assets/abc/app.js","wasm":"/assets/abc/app_bg.wasm"}"#,
    )
    .expect("write");
    std::fs::write(assets.join("loader.js"), loader).expect("write");
    assets
}
