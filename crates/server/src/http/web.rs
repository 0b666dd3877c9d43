//! Serving the built console: hashed assets cached for good, index.html for every deep link.

use std::path::Path;

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, header},
    middleware::{self, Next},
    response::Response,
};
use tower_http::services::{ServeDir, ServeFile};

pub fn console(dir: &Path) -> Router {
    let files = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    let policy = if hashed && !html {
        "public, max-age=31536000, immutable"
    } else {
        // index.html must be revalidated so that a new release is picked up at once.
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    // The same path answers brotli, gzip or plain bytes as the client accepts: a shared
    // cache must keep them apart.
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Trunk names built files `name-<hash>[_bg].ext`, the hash a 64-bit number in hex without
/// leading zeros; their content never changes.
fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let stem = file.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (1..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_trunk_hashed_names() {
        assert!(super::is_hashed("/allot-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(super::is_hashed("/main-0123456789abcdef.css"));
        assert!(super::is_hashed("/allot-d464e5433c32948_bg.wasm"));
        assert!(!super::is_hashed("/index.html"));
        assert!(!super::is_hashed("/orgs/1/users/active"));
        assert!(!super::is_hashed("/favicon.svg"));
    }
}
