//! CORS: browsers may call the collector only from the configured sites' origins. The JWKS is the
//! one exception (see `jwks.rs`): it is verification material for anyone.

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::domain::sites::SiteRegistry;

/// A CORS layer admitting every configured site's origins for `methods`.
pub fn for_sites(sites: &SiteRegistry, methods: &[Method]) -> CorsLayer {
    let origins: Vec<HeaderValue> = sites
        .all_origins()
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(methods.to_vec())
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::ETAG])
}
