//! Security and cache headers on everything the collector serves; the database file is as
//! private as the key files.

use axum::http::{HeaderMap, StatusCode, header};

use crate::helpers::*;

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_answer_says_nosniff_no_referrer_and_a_content_security_policy() {
    let collector = TestCollector::start_serving_pages().await;
    for path in [
        "/healthz",
        "/.well-known/jwks.json",
        "/v1/sites/demo/policy",
        "/s/demo.js",
        "/assets/0123/app.js",
        "/index.html",
        "/",
        "/no-such-page",
        "/v1/sites/nowhere/policy",
    ] {
        let answer = collector.get(path).await;
        let headers = &answer.headers;
        assert_eq!(
            header_of(headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header_of(headers, header::REFERRER_POLICY),
            "no-referrer",
            "{path}"
        );
        let csp = header_of(headers, header::CONTENT_SECURITY_POLICY);
        if answer.content_type.starts_with("text/html") {
            assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
            assert!(csp.contains("object-src 'none'"), "{path}: {csp}");
            assert_eq!(header_of(headers, header::X_FRAME_OPTIONS), "SAMEORIGIN");
        } else {
            assert_eq!(csp, "default-src 'none'; frame-ancestors 'none'", "{path}");
            assert_eq!(header_of(headers, header::X_FRAME_OPTIONS), "DENY");
        }
        assert!(
            !header_of(headers, header::CACHE_CONTROL).is_empty(),
            "{path} has no Cache-Control"
        );
    }
}

#[tokio::test]
async fn problems_receipts_and_missing_assets_are_never_cached() {
    let collector = TestCollector::start_serving_pages().await;
    let missing = collector.get("/assets/0123/nothing.js").await;
    assert_problem(&missing, StatusCode::NOT_FOUND);
    assert_eq!(
        header_of(&missing.headers, header::CACHE_CONTROL),
        "no-store"
    );
    let request = reject_all(&collector.policy_sha256());
    let answer = collector
        .post_receipt(&body(&device(4), &request), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(
        header_of(&answer.headers, header::CACHE_CONTROL),
        "no-store"
    );
    let page = collector.get("/index.html").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header_of(&page.headers, header::CACHE_CONTROL), "no-cache");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    if backend() != samtycke_collector::store::Backend::Sqlite {
        return; // a PostgreSQL server keeps its own files
    }
    let collector = TestCollector::start().await;
    let request = reject_all(&collector.policy_sha256());
    let answer = collector
        .post_receipt(&body(&device(4), &request), Some(ORIGIN))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    for entry in std::fs::read_dir(collector.dir.path()).expect("lists") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("samtycke.db") {
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{name} is {mode:o}");
        }
    }
}

#[tokio::test]
async fn a_revalidated_page_keeps_its_own_policy() {
    // A 304 has no content type; the browser merges its headers into the cached page, so it
    // must not bring the policy meant for resources.
    let collector = TestCollector::start_serving_pages().await;
    let page = collector.get("/index.html").await;
    let modified = header_of(&page.headers, header::LAST_MODIFIED).to_owned();
    assert!(!modified.is_empty(), "static pages carry Last-Modified");
    let answer = collector
        .send(
            axum::http::Request::get("/index.html")
                .header(header::IF_MODIFIED_SINCE, modified)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    assert!(!answer.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert!(!answer.headers.contains_key(header::X_FRAME_OPTIONS));
    assert_eq!(
        header_of(&answer.headers, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
}
