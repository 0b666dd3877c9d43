//! Signing in and out, sessions, throttling and cross-site protection, over real HTTP.

use crate::common::*;
use allot_core::{Role, Session};
use allot_server::{auth, credentials, db};
use reqwest::{StatusCode, header};
use serde_json::json;

const WRONG_PASSWORD: &str = "not-the-password";

// Signing in

#[tokio::test]
async fn sign_in_sets_a_host_only_http_only_secure_lax_cookie() {
    let server = TestServer::start().await;

    let response = server.sign_in(OWNER_EMAIL, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = set_session_cookie(&response).expect("a session cookie");
    let attributes = cookie_attributes(&set_cookie);
    for expected in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(
            attributes.iter().any(|a| a.eq_ignore_ascii_case(expected)),
            "{expected} in {set_cookie}"
        );
    }
    assert!(
        !attributes
            .iter()
            .any(|a| a.to_ascii_lowercase().starts_with("domain")),
        "a __Host- cookie has no Domain: {set_cookie}"
    );
    let token = cookie_pair(&response)
        .strip_prefix("__Host-allot_session=")
        .expect("the cookie is __Host-allot_session")
        .to_owned();
    assert!(token.len() >= 32, "at least 128 random bits: {token}");
}

#[tokio::test]
async fn sign_in_returns_the_account_and_its_organizations_with_roles() {
    let server = TestServer::start().await;

    let response = server.sign_in(OWNER_EMAIL, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let session: Session = response.json().await.expect("a session");
    assert_eq!(session.account.email, OWNER_EMAIL);
    assert_eq!(session.account.full_name, "Olivia Owens");
    assert_eq!(
        session.token, None,
        "a cookie sign-in puts no token in the body"
    );
    let organizations: Vec<_> = session
        .organizations
        .iter()
        .map(|org| (org.id, org.name.as_str(), org.role))
        .collect();
    assert_eq!(
        organizations,
        [
            (ACME_LABS, "Acme Labs", Role::Admin),
            (ACME_QA, "Acme QA", Role::Owner),
        ]
    );
}

#[tokio::test]
async fn sign_in_ignores_the_case_of_the_email() {
    let server = TestServer::start().await;

    let response = server.sign_in("Owner@Example.COM", DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let session: Session = response.json().await.expect("a session");
    assert_eq!(session.account.email, OWNER_EMAIL);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let server = TestServer::start().await;

    let wrong_password = server.sign_in(OWNER_EMAIL, WRONG_PASSWORD).await;
    assert!(set_session_cookie(&wrong_password).is_none());
    let wrong_password = expect_error(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown_email = server.sign_in("nobody@example.com", DEMO_PASSWORD).await;
    assert!(set_session_cookie(&unknown_email).is_none());
    let unknown_email = expect_error(
        unknown_email,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;

    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn bearer_sign_in_returns_a_token_and_sets_no_cookie() {
    let server = TestServer::start().await;

    let response = server.sign_in_bearer(ADMIN_EMAIL, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(set_session_cookie(&response), None);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let session: Session = response.json().await.expect("a session");
    assert_eq!(session.account.email, ADMIN_EMAIL);
    let token = session.token.expect("a token");
    assert!(token.len() >= 32, "at least 128 random bits: {token}");
    let current = server.get_as(&token, "/api/v1/session").await;
    assert_eq!(current.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_bearer_sign_in_issues_a_fresh_token() {
    let server = TestServer::start().await;

    let first = server.bearer_token(OWNER_EMAIL).await;
    let second = server.bearer_token(OWNER_EMAIL).await;

    assert_ne!(first, second);
    for token in [&first, &second] {
        let response = server.get_as(token, "/api/v1/session").await;
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn signing_in_with_a_session_cookie_issues_a_new_one() {
    let server = TestServer::start().await;
    let old = server.session_cookie(OWNER_EMAIL).await;

    let response = server
        .sign_in_request(OWNER_EMAIL, DEMO_PASSWORD)
        .header(header::COOKIE, &old)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(cookie_pair(&response), old, "no session fixation");
}

#[tokio::test]
async fn sessions_are_stored_only_as_the_token_hash() {
    let server = TestServer::start().await;

    let token = server.bearer_token(OWNER_EMAIL).await;

    assert!(session_exists(&server.db, &token).await);
    let stored: Vec<Vec<u8>> = db::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&server.db)
        .await
        .unwrap();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert!(
        stored
            .iter()
            .all(|hash| hash.as_slice() != token.as_bytes() && hex(hash) != token),
        "no session token is stored as it is"
    );
}

// Being signed in, and out

#[tokio::test]
async fn current_session_without_credentials_is_401() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/session").send().await.unwrap();

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn members_without_credentials_is_401() {
    let server = TestServer::start().await;

    let response = server.get("/api/v1/orgs/1/members").send().await.unwrap();

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn current_session_answers_for_the_cookie() {
    let server = TestServer::start().await;
    let cookie = server.session_cookie(MEMBER_EMAIL).await;

    let response = server
        .get("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let session: Session = response.json().await.unwrap();
    assert_eq!(session.account.email, MEMBER_EMAIL);
    assert_eq!(session.organizations.len(), 1);
    assert_eq!(session.organizations[0].role, Role::Member);
}

#[tokio::test]
async fn a_garbage_bearer_token_is_401() {
    let server = TestServer::start().await;

    let response = server.get_as("not-a-real-token", "/api/v1/session").await;

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_garbage_session_cookie_is_401() {
    let server = TestServer::start().await;

    let response = server
        .get("/api/v1/session")
        .header(header::COOKIE, "__Host-allot_session=not-a-real-token")
        .send()
        .await
        .unwrap();

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_signed_out_bearer_token_is_401() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let sign_out = server
        .delete("/api/v1/session")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    assert_eq!(sign_out.status(), StatusCode::NO_CONTENT);
    assert!(!session_exists(&server.db, &token).await);
    let session = server.get_as(&token, "/api/v1/session").await;
    expect_error(session, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let members = server.members_as(&token, ACME_QA).await;
    expect_error(members, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_ends_its_session() {
    let server = TestServer::start().await;
    let cookie = server.session_cookie(OWNER_EMAIL).await;

    let sign_out = server
        .delete("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();

    assert_eq!(sign_out.status(), StatusCode::NO_CONTENT);
    let cleared = set_session_cookie(&sign_out).expect("the cookie is cleared");
    assert!(cleared.starts_with("__Host-allot_session=;"), "{cleared}");
    assert!(cookie_attributes(&cleared).contains(&"Max-Age=0".to_owned()));
    let session = server
        .get("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    expect_error(session, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_browser_like_client_keeps_its_session_until_it_signs_out() {
    let server = TestServer::start().await;
    let browser = cookie_client();
    let session_url = server.url("/api/v1/session");

    let sign_in = browser
        .post(&session_url)
        .json(&json!({ "email": OWNER_EMAIL, "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(sign_in.status(), StatusCode::OK);
    let signed_in = browser.get(&session_url).send().await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let sign_out = browser.delete(&session_url).send().await.unwrap();
    assert_eq!(sign_out.status(), StatusCode::NO_CONTENT);
    let signed_out = browser.get(&session_url).send().await.unwrap();

    expect_error(signed_out, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

// Expiry

#[tokio::test]
async fn an_expired_session_is_401_and_deleted() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    set_session_time(&server.db, &token, "expires_at", db::now() - 1).await;

    let response = server.get_as(&token, "/api/v1/session").await;

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert!(!session_exists(&server.db, &token).await);
}

#[tokio::test]
async fn an_idle_session_is_401_and_deleted() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let idle_since = db::now() - auth::IDLE_TIMEOUT_SECS - 1;
    set_session_time(&server.db, &token, "last_seen_at", idle_since).await;

    let response = server.get_as(&token, "/api/v1/session").await;

    expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert!(!session_exists(&server.db, &token).await);
}

#[tokio::test]
async fn using_a_session_before_the_idle_timeout_keeps_it_alive() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let last_seen = db::now() - auth::IDLE_TIMEOUT_SECS + 60 * 60;
    set_session_time(&server.db, &token, "last_seen_at", last_seen).await;

    let response = server.get_as(&token, "/api/v1/session").await;

    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: i64 = db::query_scalar("SELECT last_seen_at FROM sessions WHERE token_hash = ?")
        .bind(credentials::token_hash(&token))
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert!(refreshed > last_seen, "last_seen_at moves on with use");
}

// Throttling

/// Five sign-ins with a wrong password, each refused as wrong.
async fn fail_five_sign_ins(server: &TestServer, email: &str) {
    for attempt in 1..=5 {
        let response = server.sign_in(email, WRONG_PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
}

#[tokio::test]
async fn after_five_wrong_passwords_even_the_right_one_gets_429() {
    let server = TestServer::start().await;
    fail_five_sign_ins(&server, OWNER_EMAIL).await;

    let response = server.sign_in(OWNER_EMAIL, DEMO_PASSWORD).await;

    assert!(set_session_cookie(&response).is_none());
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}

#[tokio::test]
async fn throttling_one_address_leaves_other_addresses_alone() {
    let server = TestServer::start().await;
    fail_five_sign_ins(&server, OWNER_EMAIL).await;

    let response = server.sign_in(ADMIN_EMAIL, DEMO_PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn throttling_ignores_the_case_of_the_email() {
    let server = TestServer::start().await;
    fail_five_sign_ins(&server, OWNER_EMAIL).await;

    let response = server.sign_in("OWNER@example.com", DEMO_PASSWORD).await;

    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}

// Cross-site protection

#[tokio::test]
async fn a_cross_site_sign_in_is_403() {
    let server = TestServer::start().await;

    let response = server
        .sign_in_request(OWNER_EMAIL, DEMO_PASSWORD)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();

    assert!(set_session_cookie(&response).is_none());
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_sign_in_from_another_origin_is_403() {
    let server = TestServer::start().await;

    let response = server
        .sign_in_request(OWNER_EMAIL, DEMO_PASSWORD)
        .header(header::ORIGIN, "http://evil.example")
        .send()
        .await
        .unwrap();

    assert!(set_session_cookie(&response).is_none());
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_same_origin_sign_in_is_allowed() {
    let server = TestServer::start().await;

    let response = server
        .sign_in_request(OWNER_EMAIL, DEMO_PASSWORD)
        .header(header::ORIGIN, format!("http://{}", server.host()))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_cross_site_sign_out_with_the_cookie_is_403_and_the_session_lives_on() {
    let server = TestServer::start().await;
    let cookie = server.session_cookie(OWNER_EMAIL).await;

    let response = server
        .delete("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();

    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let session = server
        .get("/api/v1/session")
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_cross_site_sign_out_with_a_bearer_token_is_allowed() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let response = server
        .delete("/api/v1/session")
        .bearer_auth(&token)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(!session_exists(&server.db, &token).await);
}

// Request bodies

#[tokio::test]
async fn a_sign_in_body_sent_as_text_plain_is_415() {
    let server = TestServer::start().await;

    let response = server
        .post("/api/v1/session")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(json!({ "email": OWNER_EMAIL, "password": DEMO_PASSWORD }).to_string())
        .send()
        .await
        .unwrap();

    assert!(set_session_cookie(&response).is_none());
    expect_error(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_json_sign_in_body_is_400() {
    let server = TestServer::start().await;

    let response = server
        .post("/api/v1/session")
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"email": "owner@example.com", "password": "#)
        .send()
        .await
        .unwrap();

    expect_error(response, StatusCode::BAD_REQUEST, "invalid_body").await;
}

#[tokio::test]
async fn a_sign_in_body_without_a_password_is_400() {
    let server = TestServer::start().await;

    let response = server
        .post("/api/v1/session")
        .json(&json!({ "email": OWNER_EMAIL }))
        .send()
        .await
        .unwrap();

    expect_error(response, StatusCode::BAD_REQUEST, "invalid_body").await;
}
