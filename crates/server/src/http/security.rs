//! Response headers and cross-site request protection.

use allot_core::paths;
use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, Method, Uri, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use sha2::{Digest, Sha256};

use crate::{error::ApiError, http::auth};

/// The Content-Security-Policy: scripts only from this origin plus the exact inline scripts
/// of the console's index.html (by hash; Trunk writes one to start the wasm), wasm allowed
/// to compile, no inline styles, and framing only by `frame_ancestors`.
pub fn content_security_policy(index_html: Option<&str>, frame_ancestors: &str) -> String {
    let hashes: String = index_html
        .map(inline_scripts)
        .unwrap_or_default()
        .iter()
        .map(|script| format!(" 'sha256-{}'", STANDARD.encode(Sha256::digest(script))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors {frame_ancestors}"
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|i| start + i + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</script>").map(|i| open_end + i) else {
            break;
        };
        if !rest[start..open_end].contains(" src=") {
            scripts.push(&rest[open_end..close]);
        }
        rest = &rest[close..];
    }
    scripts
}

/// Adds the security headers to every response.
pub async fn headers(csp: HeaderValue, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Refuses cookie-authenticated writes that come from another site. A bearer token cannot be
/// sent by another site's page, so those requests need no check.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // Accepting an invitation signs the invitee in with a cookie: it carries none yet but
    // must not be forged either (login CSRF). Signing in decides by what it asks for
    // (`session::sign_in`).
    let needs_check =
        !safe && (auth::uses_cookie(request.headers()) || accepts_invitation(&request));
    if needs_check && is_cross_site(request.uri(), request.headers()) {
        return cross_site_refusal().into_response();
    }
    next.run(request).await
}

/// Refuses cookie-authenticated reads that are audited (exports) unless the browser says the
/// page asking is this origin's, or a person typed the address: a link on another site
/// would ride the `SameSite=Lax` cookie, and its export would be audited as the admin's.
/// Every browser that can hold the session cookie (HTTPS or loopback) sends `Sec-Fetch-Site`.
pub async fn same_origin_reads(request: Request, next: Next) -> Response {
    let fetch_site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if auth::uses_cookie(request.headers()) && !matches!(fetch_site, Some("same-origin" | "none")) {
        return ApiError::forbidden(
            "Exports can only be downloaded from the Allot console's own pages.",
        )
        .into_response();
    }
    next.run(request).await
}

pub fn cross_site_refusal() -> ApiError {
    ApiError::forbidden("Changes can only be made from the Allot console's own pages.")
}

/// Whether the request is `paths::INVITATION_ACCEPT`'s.
fn accepts_invitation(request: &Request) -> bool {
    let path = request.uri().path().strip_prefix(paths::API).unwrap_or("");
    request.method() == Method::POST
        && path.starts_with("/invitations/")
        && path.ends_with("/accept")
}

/// The CORS policy for `--cors-origin`: those exact origins may call the API with bearer
/// tokens (never with cookies: no credentials), and learn so from a preflight cached for ten
/// minutes. Other origins get no CORS headers at all.
pub fn cors(origins: &[HeaderValue]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins.iter().cloned()))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::CONTENT_DISPOSITION])
        .max_age(std::time::Duration::from_secs(600))
}

/// Whether a request comes from another site's page: the browser says so (`Sec-Fetch-Site`),
/// or its `Origin` is not the host it was sent to. That host is the request's authority:
/// HTTP/2 sends it as `:authority` (the URI's) and no `Host`; HTTP/1.1 in `Host`. An
/// `Origin` with neither to compare with is not trusted.
pub fn is_cross_site(uri: &Uri, headers: &HeaderMap) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if matches!(fetch_site, Some(site) if site != "same-origin" && site != "none") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let origin_host = origin
        .to_str()
        .ok()
        .map(|origin| origin.split_once("://").map_or(origin, |(_, host)| host));
    let authority = uri
        .authority()
        .map(|authority| authority.as_str())
        .or_else(|| {
            headers
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
        });
    match (origin_host, authority) {
        (Some(origin), Some(authority)) => !origin.eq_ignore_ascii_case(authority),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_only_inline_scripts() {
        let html = r#"<head><script type="module" src="/a.js"></script>
            <script type="module">import init from '/b.js'; init();</script></head>"#;
        assert_eq!(inline_scripts(html), ["import init from '/b.js'; init();"]);
        let csp = content_security_policy(Some(html), "'none'");
        assert_eq!(csp.matches("'sha256-").count(), 1);
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(csp.ends_with("frame-ancestors 'none'"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.parse().unwrap(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn cross_site_detection() {
        let path: Uri = "/api/v1/session".parse().unwrap();
        let cross = |pairs: &[(&'static str, &'static str)]| is_cross_site(&path, &headers(pairs));
        assert!(!cross(&[("host", "a.test")]));
        assert!(!cross(&[
            ("host", "a.test"),
            ("origin", "https://a.test"),
            ("sec-fetch-site", "same-origin"),
        ]));
        assert!(cross(&[("sec-fetch-site", "cross-site")]));
        assert!(cross(&[("sec-fetch-site", "same-site")]));
        assert!(cross(&[
            ("host", "a.test"),
            ("origin", "https://evil.test")
        ]));
        assert!(
            cross(&[("origin", "https://evil.test")]),
            "an Origin with no host to compare with"
        );
    }

    /// HTTP/2 carries the host as the URI's authority, and no `Host` header.
    #[test]
    fn cross_site_detection_over_http2() {
        let uri: Uri = "https://a.test:8443/api/v1/orgs/1/teams".parse().unwrap();
        assert!(is_cross_site(
            &uri,
            &headers(&[("origin", "http://evil.example")])
        ));
        assert!(!is_cross_site(
            &uri,
            &headers(&[("origin", "https://a.test:8443")])
        ));
        assert!(!is_cross_site(&uri, &headers(&[])));
    }
}
