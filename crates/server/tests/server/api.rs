//! What every API client can rely on: health, the OpenAPI document, the error shape and the
//! security headers, over real HTTP.

use crate::common::*;
use allot_server::{WebConfig, demo};
use reqwest::{Response, StatusCode, header};

fn header_of(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(&name)
        .unwrap_or_else(|| panic!("{name} on {}", response.url()))
        .to_str()
        .expect("an ASCII header")
}

/// Asserts the headers every response carries under the default configuration.
fn assert_security_headers(response: &Response) {
    let csp = header_of(response, header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(
        header_of(response, header::X_CONTENT_TYPE_OPTIONS),
        "nosniff"
    );
}

#[tokio::test]
async fn health_answers_ok() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/health").send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_describes_session_and_members() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/openapi.json").send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let document: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let paths = document["paths"].as_object().expect("paths");
    for path in ["/api/v1/session", "/api/v1/orgs/{org_id}/members"] {
        assert!(paths.contains_key(path), "{path} in {:?}", paths.keys());
    }

    // Schema attributes take literals: they must say what the rules in core say.
    use allot_core::{account, rules, text};
    let field = |schema: &str, name: &str| {
        document["components"]["schemas"][schema]["properties"][name].clone()
    };
    let limits = [
        ("GroupRequest", "name", rules::GROUP_NAME_MAX_CHARS),
        ("TeamName", "name", rules::TEAM_NAME_MAX_CHARS),
        ("AcceptRequest", "full_name", account::FULL_NAME_MAX_CHARS),
        ("SignInRequest", "password", account::PASSWORD_MAX_CHARS),
    ];
    for (schema, name, limit) in limits {
        assert_eq!(field(schema, name)["maxLength"], limit, "{schema}.{name}");
    }
    for (schema, name) in [
        ("GroupRequest", "name"),
        ("TeamName", "name"),
        ("ActivateRequest", "machine_id"),
    ] {
        assert_eq!(
            field(schema, name)["pattern"],
            text::NON_BLANK_LINE_PATTERN,
            "{schema}.{name}"
        );
    }
    assert_eq!(
        field("SignInRequest", "email")["pattern"],
        text::LINE_PATTERN
    );
    assert_eq!(
        document["components"]["schemas"]["InviteAddress"]["pattern"],
        text::LINE_PATTERN
    );
}

#[tokio::test]
async fn an_unknown_api_path_is_a_json_404() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/no/such/thing").send().await.unwrap();

    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_successful_response_carries_the_security_headers() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/health").send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_security_headers(&response);
}

#[tokio::test]
async fn error_responses_carry_the_security_headers() {
    let server = TestServer::start().await;

    let unauthenticated = server.get("/api/v1/session").send().await.unwrap();
    let cross_site = server
        .sign_in_request(OWNER_EMAIL, DEMO_PASSWORD)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    let unknown = server.get("/api/v1/no/such/thing").send().await.unwrap();

    for response in [&unauthenticated, &cross_site, &unknown] {
        assert!(response.status().is_client_error());
        assert_security_headers(response);
    }
}

#[tokio::test]
async fn frame_ancestors_follow_the_configuration() {
    let server = TestServer::start_with(WebConfig {
        frame_ancestors: Some("https://portal.example".into()),
        ..WebConfig::default()
    })
    .await;

    let response = server.get("/api/v1/health").send().await.unwrap();

    let csp = header_of(&response, header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("frame-ancestors https://portal.example"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test]
async fn an_unparsable_id_in_the_path_is_a_json_404() {
    let server = TestServer::start().await;
    let token = server.bearer_token(demo::OWNER_EMAIL).await;
    let response = server.get_as(&token, "/api/v1/orgs/abc/members").await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let server = TestServer::start().await;
    let response = client()
        .put(server.url("/api/v1/session"))
        .send()
        .await
        .unwrap();
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}
