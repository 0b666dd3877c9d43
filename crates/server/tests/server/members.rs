//! The members snapshot, who may read it, and tenant isolation, over real HTTP.

use std::collections::HashSet;

use crate::common::*;
use allot_core::{ErrorBody, Member, MemberStatus, MembersSnapshot, OrgId, Role, Session};
use reqwest::StatusCode;

const OTHER_ORG_ADMIN: &str = "admin@globex.example";
const OTHER_ORG_PASSWORD: &str = "globex-secret";

/// The demo owner's snapshot of Acme QA.
async fn acme_qa_snapshot(server: &TestServer) -> MembersSnapshot {
    let token = server.bearer_token(OWNER_EMAIL).await;
    let response = server.members_as(&token, ACME_QA).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a members snapshot")
}

fn with_status(snapshot: &MembersSnapshot, status: MemberStatus) -> Vec<&Member> {
    snapshot
        .members
        .iter()
        .filter(|member| member.status == status)
        .map(|member| &**member)
        .collect()
}

/// Asserts that the members of `org_id` answer this caller exactly as those of a
/// nonexistent organization do: 404 `not_found`, byte for byte the same body.
async fn assert_answers_like_a_nonexistent_org(server: &TestServer, token: &str, org_id: OrgId) {
    let response = server.members_as(token, org_id).await;
    let (status, body) = (response.status(), response.text().await.unwrap());
    let missing = server.members_as(token, NO_SUCH_ORG).await;
    let (missing_status, missing_body) = (missing.status(), missing.text().await.unwrap());

    assert_eq!(status, missing_status);
    assert_eq!(body, missing_body);
    assert_eq!(status, StatusCode::NOT_FOUND);
    let error: ErrorBody = serde_json::from_str(&body).expect("an API error");
    assert_eq!(error.error.code, "not_found");
}

// The snapshot

#[tokio::test]
async fn the_owner_sees_250_active_and_20_removed_members() {
    let server = TestServer::start().await;

    let snapshot = acme_qa_snapshot(&server).await;

    assert_eq!(with_status(&snapshot, MemberStatus::Active).len(), 250);
    assert_eq!(with_status(&snapshot, MemberStatus::Removed).len(), 20);
    let ids: HashSet<_> = snapshot.members.iter().map(|member| member.id).collect();
    assert_eq!(ids.len(), snapshot.members.len(), "member ids are unique");
}

#[tokio::test]
async fn the_snapshot_includes_every_role() {
    let server = TestServer::start().await;

    let snapshot = acme_qa_snapshot(&server).await;

    let roles: HashSet<Role> = with_status(&snapshot, MemberStatus::Active)
        .iter()
        .map(|member| member.role)
        .collect();
    assert_eq!(roles, HashSet::from(Role::ALL));
    let role_of = |email: &str| {
        snapshot
            .members
            .iter()
            .find(|member| member.email == email)
            .map(|member| member.role)
    };
    assert_eq!(role_of(OWNER_EMAIL), Some(Role::Owner));
    assert_eq!(role_of(ADMIN_EMAIL), Some(Role::Admin));
    assert_eq!(role_of(MEMBER_EMAIL), Some(Role::Member));
    assert_eq!(role_of(BILLING_EMAIL), Some(Role::BillingManager));
}

#[tokio::test]
async fn removed_members_say_when_and_by_whom() {
    let server = TestServer::start().await;

    let snapshot = acme_qa_snapshot(&server).await;

    for member in with_status(&snapshot, MemberStatus::Removed) {
        let removed_at = member.removed_at.expect("a removal time");
        assert!(removed_at >= member.joined_at, "{member:?}");
        assert_eq!(member.removed_by.as_deref(), Some("Olivia Owens"));
    }
    for member in with_status(&snapshot, MemberStatus::Active) {
        assert_eq!(member.removed_at, None, "{member:?}");
        assert_eq!(member.removed_by, None, "{member:?}");
    }
}

#[tokio::test]
async fn the_snapshot_lists_the_products_that_licenses_refer_to() {
    let server = TestServer::start().await;

    let snapshot = acme_qa_snapshot(&server).await;

    let names: Vec<&str> = snapshot
        .products
        .iter()
        .map(|product| product.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["Runtime Engine", "Studio Enterprise", "Visual Testing"]
    );
    let product_ids: HashSet<_> = snapshot.products.iter().map(|product| product.id).collect();
    let licenses: Vec<_> = snapshot
        .members
        .iter()
        .flat_map(|member| &member.licenses)
        .collect();
    assert!(!licenses.is_empty(), "the demo hands out licenses");
    for product_id in licenses {
        assert!(product_ids.contains(product_id), "license of {product_id}");
    }
}

#[tokio::test]
async fn the_snapshot_is_stamped_with_the_sequence_number() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let response = server.members_as(&token, ACME_QA).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["seq"].is_u64(), "seq in {}", body["seq"]);
}

#[tokio::test]
async fn an_admin_can_list_the_members() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    let response = server.members_as(&token, ACME_QA).await;

    assert_eq!(response.status(), StatusCode::OK);
    let snapshot: MembersSnapshot = response.json().await.unwrap();
    assert_eq!(snapshot.members.len(), 270);
}

#[tokio::test]
async fn the_owner_lists_the_second_organization_where_they_are_an_admin() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let response = server.members_as(&token, ACME_LABS).await;

    assert_eq!(response.status(), StatusCode::OK);
    let snapshot: MembersSnapshot = response.json().await.unwrap();
    assert_eq!(snapshot.members.len(), 13);
    assert!(snapshot.products.is_empty());
    let owner = snapshot
        .members
        .iter()
        .find(|member| member.email == OWNER_EMAIL)
        .expect("the demo owner is a member");
    assert_eq!(owner.role, Role::Admin);
}

// Roles that may not list members

#[tokio::test]
async fn a_member_is_forbidden_to_list_members() {
    let server = TestServer::start().await;
    let token = server.bearer_token(MEMBER_EMAIL).await;

    let response = server.members_as(&token, ACME_QA).await;

    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_billing_manager_is_forbidden_to_list_members() {
    let server = TestServer::start().await;
    let token = server.bearer_token(BILLING_EMAIL).await;

    let response = server.members_as(&token, ACME_QA).await;

    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
}

// Tenant isolation

#[tokio::test]
async fn another_organizations_admin_gets_exactly_the_404_of_a_nonexistent_org() {
    let server = TestServer::start().await;
    let globex =
        create_organization(&server.db, "Globex", OTHER_ORG_ADMIN, OTHER_ORG_PASSWORD).await;
    let token = server
        .bearer_token_with(OTHER_ORG_ADMIN, OTHER_ORG_PASSWORD)
        .await;
    let own = server.members_as(&token, globex).await;
    assert_eq!(own.status(), StatusCode::OK, "the admin manages Globex");

    assert_answers_like_a_nonexistent_org(&server, &token, ACME_QA).await;
}

#[tokio::test]
async fn the_demo_owner_gets_exactly_the_404_of_a_nonexistent_org_for_another_org() {
    let server = TestServer::start().await;
    let globex =
        create_organization(&server.db, "Globex", OTHER_ORG_ADMIN, OTHER_ORG_PASSWORD).await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    assert_answers_like_a_nonexistent_org(&server, &token, globex).await;
}

#[tokio::test]
async fn another_organizations_admin_sees_only_their_organization() {
    let server = TestServer::start().await;
    let globex =
        create_organization(&server.db, "Globex", OTHER_ORG_ADMIN, OTHER_ORG_PASSWORD).await;
    let token = server
        .bearer_token_with(OTHER_ORG_ADMIN, OTHER_ORG_PASSWORD)
        .await;

    let response = server.get_as(&token, "/api/v1/session").await;

    assert_eq!(response.status(), StatusCode::OK);
    let session: Session = response.json().await.unwrap();
    let organizations: Vec<_> = session
        .organizations
        .iter()
        .map(|org| (org.id, org.role))
        .collect();
    assert_eq!(organizations, [(globex, Role::Admin)]);
}

// Removed members

/// Gives the first removed member of Acme QA a known password; returns their email.
async fn removed_member_with_password(server: &TestServer, password: &str) -> String {
    let snapshot = acme_qa_snapshot(server).await;
    let removed = with_status(&snapshot, MemberStatus::Removed)[0];
    set_password(&server.db, &removed.email, password).await;
    removed.email.clone()
}

#[tokio::test]
async fn a_removed_member_can_still_sign_in_but_no_longer_sees_the_organization() {
    let server = TestServer::start().await;
    let email = removed_member_with_password(&server, "still-mine").await;

    let response = server.sign_in_bearer(&email, "still-mine").await;

    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the account still exists"
    );
    let session: Session = response.json().await.unwrap();
    assert!(
        session.organizations.iter().all(|org| org.id != ACME_QA),
        "{:?}",
        session.organizations
    );
    let token = session.token.expect("a token");
    let current: Session = server
        .get_as(&token, "/api/v1/session")
        .await
        .json()
        .await
        .unwrap();
    assert!(current.organizations.iter().all(|org| org.id != ACME_QA));
}

#[tokio::test]
async fn a_removed_member_gets_404_for_the_organizations_members() {
    let server = TestServer::start().await;
    let email = removed_member_with_password(&server, "still-mine").await;
    let token = server.bearer_token_with(&email, "still-mine").await;

    let response = server.members_as(&token, ACME_QA).await;

    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}

/// The snapshot is compressed on a blocking thread for clients that take brotli, and is the
/// same snapshot once decoded; others get it plain.
#[tokio::test]
async fn the_snapshot_goes_out_in_brotli_to_clients_that_take_it() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let path = format!("/api/v1/orgs/{ACME_QA}/members");
    let fetch = |encoding: &'static str| {
        server
            .get(&path)
            .bearer_auth(&token)
            .header(reqwest::header::ACCEPT_ENCODING, encoding)
            .send()
    };
    let brotli = fetch("gzip, br").await.unwrap();
    assert_eq!(brotli.headers()[reqwest::header::CONTENT_ENCODING], "br");
    assert_eq!(brotli.headers()[reqwest::header::VARY], "accept-encoding");
    let compressed = brotli.bytes().await.unwrap();
    let mut json = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut json).unwrap();
    let decoded: MembersSnapshot = serde_json::from_slice(&json).unwrap();

    let plain = fetch("identity").await.unwrap();
    assert!(
        plain
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .is_none()
    );
    let plain: MembersSnapshot = plain.json().await.unwrap();
    assert_eq!(decoded, plain);
    assert!(json.len() > 4 * compressed.len(), "it is compressed");
}
