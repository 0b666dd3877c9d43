//! `--cors-origin`: a portal's pages on another origin call the API with bearer tokens, never
//! with cookies; every other origin gets no CORS headers.

use crate::common::*;
use allot_server::WebConfig;
use reqwest::{Method, StatusCode, header};
use serde_json::json;

const PORTAL: &str = "http://portal.test:8443";

async fn server() -> TestServer {
    TestServer::start_with(WebConfig {
        cors_origins: vec![PORTAL.parse().unwrap()],
        ..WebConfig::default()
    })
    .await
}

#[tokio::test]
async fn the_portal_origin_gets_a_cached_preflight_without_credentials() {
    let server = server().await;

    let response = server
        .client
        .request(Method::OPTIONS, server.url("/api/v1/orgs/1/members/remove"))
        .header(header::ORIGIN, PORTAL)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();

    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], PORTAL);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = headers["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed.contains("authorization") && allowed.contains("last-event-id"),
        "{allowed}"
    );
    assert_eq!(headers["access-control-max-age"], "600");
    assert!(headers.get("access-control-allow-credentials").is_none());
}

#[tokio::test]
async fn bearer_calls_from_the_portal_are_allowed_and_other_origins_get_nothing() {
    let server = server().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let from = |origin: &'static str| {
        server
            .get("/api/v1/session")
            .bearer_auth(&token)
            .header(header::ORIGIN, origin)
            .header("sec-fetch-site", "cross-site")
    };

    let allowed = from(PORTAL).send().await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(allowed.headers()["access-control-allow-origin"], PORTAL);

    let other = from("http://evil.test").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = server
        .client
        .request(Method::OPTIONS, server.url("/api/v1/session"))
        .header(header::ORIGIN, "http://evil.test")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn signing_in_across_sites_gives_a_bearer_token_never_a_cookie() {
    let server = server().await;
    let sign_in = |bearer: bool| {
        server
            .post("/api/v1/session")
            .header(header::ORIGIN, PORTAL)
            .header("sec-fetch-site", "cross-site")
            .json(&json!({ "email": OWNER_EMAIL, "password": DEMO_PASSWORD, "bearer": bearer }))
            .send()
    };

    let bearer = sign_in(true).await.unwrap();
    assert_eq!(bearer.status(), StatusCode::OK);
    assert!(set_session_cookie(&bearer).is_none());
    let body: serde_json::Value = bearer.json().await.unwrap();
    assert!(body["token"].is_string());

    let cookie = sign_in(false).await.unwrap();
    expect_error(cookie, StatusCode::FORBIDDEN, "forbidden").await;
}
