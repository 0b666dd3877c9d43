//! Licenses that could not be allocated are listed to the admins with why, and can be
//! retried once a seat is free, or dismissed.

use crate::common::*;
use allot_core::{AllocationError, InviteResponse, MembersSnapshot};
use reqwest::StatusCode;
use serde_json::json;

/// Ann is invited with a license of a 1-seat product whose seat goes to Mia before Ann
/// joins; returns the admin's token, the product and Mia's member id.
async fn ann_joins_without_her_license(server: &TestServer) -> (String, ProductId, MemberId) {
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let tiny = add_product(&server.db, ACME_QA, "Tiny", 1).await;
    let body = json!({ "emails": ["ann@new.example"], "role": "member", "products": [tiny] });
    let invited: InviteResponse = server
        .post(&format!("/api/v1/orgs/{ACME_QA}/invitations"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = match invited.results[0].outcome {
        allot_core::InviteOutcome::Invited { invitation_id } => invitation_id,
        ref other => panic!("not invited: {other:?}"),
    };
    let link: allot_core::InvitationLink = server
        .get(&format!("/api/v1/orgs/{ACME_QA}/invitations/{id}/link"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    db::query("INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at) VALUES (?, ?, ?, 0)")
        .bind(ACME_QA)
        .bind(mia)
        .bind(tiny)
        .execute(&server.db)
        .await
        .unwrap();
    let accepted = server
        .post(&format!(
            "/api/v1/invitations/{}/accept",
            link.path.trim_start_matches("/join/")
        ))
        .json(&json!({ "full_name": "Ann Lee", "password": "a long enough password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::OK);
    (token, tiny, mia)
}

async fn errors(server: &TestServer, token: &str) -> Vec<AllocationError> {
    server
        .get(&format!("/api/v1/orgs/{ACME_QA}/allocation-errors"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn licenses_of(server: &TestServer, token: &str, email: &str) -> Vec<ProductId> {
    let snapshot: MembersSnapshot = server
        .members_as(token, ACME_QA)
        .await
        .json()
        .await
        .unwrap();
    snapshot
        .members
        .into_iter()
        .find(|m| m.email == email)
        .unwrap()
        .licenses
        .clone()
}

#[tokio::test]
async fn a_license_missed_at_joining_is_listed_with_why() {
    let server = TestServer::start().await;
    let (token, tiny, _) = ann_joins_without_her_license(&server).await;
    let listed = errors(&server, &token).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].member_name, "Ann Lee");
    assert_eq!(listed[0].product_id, tiny);
    assert_eq!(listed[0].product_name, "Tiny");
    assert_eq!(
        listed[0].reason,
        "Tiny has 0 of 1 seats left; this needs 1."
    );
}

#[tokio::test]
async fn retry_is_refused_while_the_pool_is_full_and_allocates_once_a_seat_is_free() {
    let server = TestServer::start().await;
    let (token, tiny, mia) = ann_joins_without_her_license(&server).await;
    let id = errors(&server, &token).await[0].id;
    let retry = format!("/api/v1/orgs/{ACME_QA}/allocation-errors/{id}/retry");
    let response = server
        .post(&retry)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::CONFLICT, "seats_exceeded").await;
    assert!(
        licenses_of(&server, &token, "ann@new.example")
            .await
            .is_empty()
    );

    // Mia leaves, and her seat frees.
    let removed = server
        .post(&format!("/api/v1/orgs/{ACME_QA}/members/remove"))
        .bearer_auth(&token)
        .json(&json!({ "ids": [mia] }))
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::OK);
    let response = server
        .post(&retry)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        licenses_of(&server, &token, "ann@new.example").await,
        [tiny]
    );
    assert!(errors(&server, &token).await.is_empty());
}

#[tokio::test]
async fn dismissing_removes_the_error_without_allocating() {
    let server = TestServer::start().await;
    let (token, _, _) = ann_joins_without_her_license(&server).await;
    let id = errors(&server, &token).await[0].id;
    let response = server
        .delete(&format!("/api/v1/orgs/{ACME_QA}/allocation-errors/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(errors(&server, &token).await.is_empty());
    assert!(
        licenses_of(&server, &token, "ann@new.example")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_see_nothing() {
    let server = TestServer::start().await;
    let (admin, _, _) = ann_joins_without_her_license(&server).await;
    let id = errors(&server, &admin).await[0].id;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let response = server
        .get(&format!("/api/v1/orgs/{ACME_QA}/allocation-errors"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    // Acme Labs' admin (the demo owner is one there) cannot reach Acme QA's error through Labs.
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let response = server
        .post(&format!(
            "/api/v1/orgs/{ACME_LABS}/allocation-errors/{id}/retry"
        ))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
