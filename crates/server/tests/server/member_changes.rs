//! Remove Users, its Undo, and Change Role, over real HTTP.

use crate::common::*;
use allot_core::{BulkResponse, Member, MemberId, MemberStatus, MembersSnapshot, Role, Team};
use reqwest::{Method, StatusCode};
use serde_json::json;

const GLOBEX_ADMIN: &str = "admin@globex.example";
const GLOBEX_PASSWORD: &str = "globex-secret";

/// `POST /api/v1/orgs/1/members/{action}`, which must answer 200 with per-id results.
async fn bulk(
    server: &TestServer,
    token: &str,
    action: &str,
    body: serde_json::Value,
) -> BulkResponse {
    let path = format!("/api/v1/orgs/{ACME_QA}/members/{action}");
    let response = server.post_as(token, &path, body).await;
    assert_eq!(response.status(), StatusCode::OK, "{action}");
    response.json().await.expect("a bulk response")
}

async fn remove(server: &TestServer, token: &str, ids: &[MemberId]) -> BulkResponse {
    bulk(server, token, "remove", json!({ "ids": ids })).await
}

async fn restore(server: &TestServer, token: &str, ids: &[MemberId]) -> BulkResponse {
    bulk(server, token, "restore", json!({ "ids": ids })).await
}

async fn change_role(
    server: &TestServer,
    token: &str,
    ids: &[MemberId],
    role: Role,
) -> BulkResponse {
    bulk(server, token, "role", json!({ "ids": ids, "role": role })).await
}

/// The error code reported for `id`, or `None` when it was done.
fn outcome(response: &BulkResponse, id: MemberId) -> Option<&str> {
    let result = response
        .results
        .iter()
        .find(|result| result.id == i64::from(id))
        .unwrap_or_else(|| panic!("a result for {id} in {response:?}"));
    result.error.as_ref().map(|error| error.code.as_str())
}

fn message(response: &BulkResponse, id: MemberId) -> &str {
    let result = response
        .results
        .iter()
        .find(|result| result.id == i64::from(id));
    &result
        .and_then(|result| result.error.as_ref())
        .expect("an error")
        .message
}

async fn snapshot(server: &TestServer, token: &str) -> MembersSnapshot {
    let response = server.members_as(token, ACME_QA).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a members snapshot")
}

fn member(snapshot: &MembersSnapshot, id: MemberId) -> &Member {
    snapshot
        .members
        .iter()
        .find(|member| member.id == id)
        .expect("the member is in the snapshot")
}

async fn teams(server: &TestServer, token: &str) -> Vec<Team> {
    let response = server
        .get_as(token, &format!("/api/v1/orgs/{ACME_QA}/teams"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("teams")
}

/// The teams `id` is in, by name.
fn teams_of(teams: &[Team], id: MemberId) -> Vec<String> {
    teams
        .iter()
        .filter(|team| team.members.iter().any(|member| member.member_id == id))
        .map(|team| team.name.clone())
        .collect()
}

/// Seats of the product taken by active members' direct licenses.
async fn seats_used(server: &TestServer, product: &str) -> i64 {
    db::query_scalar(
        "SELECT COUNT(*) FROM direct_allocations d
         JOIN products p ON p.id = d.product_id
         JOIN memberships m ON m.id = d.membership_id
         WHERE p.name = ? AND m.status = 'active'",
    )
    .bind(product)
    .fetch_one(&server.db)
    .await
    .unwrap()
}

async fn product_id(server: &TestServer, name: &str) -> ProductId {
    db::query_scalar("SELECT id FROM products WHERE org_id = ? AND name = ?")
        .bind(ACME_QA)
        .bind(name)
        .fetch_one(&server.db)
        .await
        .unwrap()
}

// Remove Users

#[tokio::test]
async fn removal_reports_each_member_and_goes_on_past_bad_ids() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let before = snapshot(&server, &token).await;
    let gone = before
        .members
        .iter()
        .find(|member| member.status == MemberStatus::Removed)
        .unwrap();
    // A member of Acme Labs, where the owner is an Admin: another organization's id.
    let labs_member = member_id(&server.db, ACME_LABS, OWNER_EMAIL).await;

    let response = remove(
        &server,
        &token,
        &[MemberId(999_999), mia, gone.id, labs_member, owner],
    )
    .await;

    assert_eq!(response.results.len(), 5);
    assert_eq!(outcome(&response, MemberId(999_999)), Some("not_found"));
    assert_eq!(outcome(&response, mia), None);
    assert_eq!(outcome(&response, gone.id), Some("already_removed"));
    assert_eq!(
        message(&response, gone.id),
        format!("{} was already removed.", gone.full_name)
    );
    assert_eq!(outcome(&response, labs_member), Some("not_found"));
    assert_eq!(outcome(&response, owner), Some("remove_self"));
    let after = snapshot(&server, &token).await;
    let removed = member(&after, mia);
    assert_eq!(removed.status, MemberStatus::Removed);
    assert_eq!(removed.removed_by.as_deref(), Some("Olivia Owens"));
    assert!(removed.removed_at.unwrap() >= allot_server::db::now() - 60);
    assert_eq!(after.seq, response.seq);
}

#[tokio::test]
async fn a_removed_member_loses_the_organization_at_once() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let adam = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;

    let response = remove(&server, &owner, &[adam]).await;

    assert_eq!(outcome(&response, adam), None);
    // Acme QA was Adam's only organization: his session ended with it.
    let members = server.members_as(&admin, ACME_QA).await;
    expect_error(members, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let path = format!("/api/v1/orgs/{ACME_QA}/members/remove");
    let again = server.post_as(&admin, &path, json!({ "ids": [1] })).await;
    expect_error(again, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn removal_frees_seats_but_keeps_the_licenses_recorded() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let before = seats_used(&server, "Studio Enterprise").await;
    let mia_licenses = member(&snapshot(&server, &token).await, mia)
        .licenses
        .clone();
    assert!(!mia_licenses.is_empty(), "the demo licenses Mia");

    remove(&server, &token, &[mia]).await;

    assert_eq!(seats_used(&server, "Studio Enterprise").await, before - 1);
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, mia).licenses, mia_licenses);
}

#[tokio::test]
async fn an_admin_cannot_remove_an_owner() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;

    let response = remove(&server, &token, &[owner, mia]).await;

    assert_eq!(outcome(&response, owner), Some("owner_only"));
    assert_eq!(outcome(&response, mia), None);
}

// Undo

#[tokio::test]
async fn undo_restores_role_teams_and_licenses_exactly() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let teams_before = teams(&server, &token).await;
    let licensed_team_member = snapshot(&server, &token)
        .await
        .members
        .into_iter()
        .find(|member| {
            member.id != owner
                && !member.licenses.is_empty()
                && !teams_of(&teams_before, member.id).is_empty()
        })
        .expect("the demo has a licensed team member");
    // A role other than the default, to see it come back too.
    change_role(&server, &token, &[licensed_team_member.id], Role::Admin).await;
    let before = snapshot(&server, &token).await;
    let chosen = member(&before, licensed_team_member.id);
    assert_eq!(chosen.role, Role::Admin);

    remove(&server, &token, &[chosen.id]).await;
    assert!(teams_of(&teams(&server, &token).await, chosen.id).is_empty());
    let response = restore(&server, &token, &[chosen.id]).await;

    assert_eq!(outcome(&response, chosen.id), None);
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, chosen.id), chosen);
    assert_eq!(teams(&server, &token).await, teams_before);
}

#[tokio::test]
async fn undo_is_refused_after_ten_minutes_and_for_members_not_removed() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let adam = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;
    remove(&server, &token, &[mia]).await;
    db::query("UPDATE memberships SET removed_at = removed_at - 601 WHERE id = ?")
        .bind(mia)
        .execute(&server.db)
        .await
        .unwrap();

    let response = restore(&server, &token, &[mia, adam, MemberId(999_999)]).await;

    assert_eq!(outcome(&response, mia), Some("undo_expired"));
    assert!(message(&response, mia).contains("invite them back"));
    assert_eq!(outcome(&response, adam), Some("not_removed"));
    assert_eq!(outcome(&response, MemberId(999_999)), Some("not_found"));
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, mia).status, MemberStatus::Removed);
}

#[tokio::test]
async fn undo_within_ten_minutes_is_allowed() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    remove(&server, &token, &[mia]).await;
    db::query("UPDATE memberships SET removed_at = removed_at - 590 WHERE id = ?")
        .bind(mia)
        .execute(&server.db)
        .await
        .unwrap();

    let response = restore(&server, &token, &[mia]).await;

    assert_eq!(outcome(&response, mia), None);
}

#[tokio::test]
async fn undo_is_refused_when_the_seats_were_taken_meanwhile() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let visual = product_id(&server, "Visual Testing").await;
    let holder = snapshot(&server, &token)
        .await
        .members
        .into_iter()
        .find(|member| {
            member.id != owner
                && member.status == MemberStatus::Active
                && member.licenses.contains(&visual)
        })
        .expect("the demo licenses Visual Testing");
    remove(&server, &token, &[holder.id]).await;
    // The pool is now one seat short of full; Mia takes that seat.
    let used = seats_used(&server, "Visual Testing").await;
    db::query("UPDATE license_pools SET seats = ? WHERE product_id = ?")
        .bind(used + 1)
        .bind(visual)
        .execute(&server.db)
        .await
        .unwrap();
    db::query(
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
         VALUES (?, ?, ?, 0)",
    )
    .bind(ACME_QA)
    .bind(mia)
    .bind(visual)
    .execute(&server.db)
    .await
    .unwrap();

    let response = restore(&server, &token, &[holder.id]).await;

    assert_eq!(outcome(&response, holder.id), Some("seats_exceeded"));
    let seats = used + 1;
    assert_eq!(
        message(&response, holder.id),
        format!(
            "{} cannot be brought back: Visual Testing has 0 of {seats} seats left; this needs 1.",
            holder.full_name
        )
    );
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, holder.id).status, MemberStatus::Removed);
}

// Change Role

#[tokio::test]
async fn nobody_changes_their_own_role() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let adam = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;

    let response = change_role(&server, &token, &[adam], Role::Member).await;

    assert_eq!(outcome(&response, adam), Some("own_role"));
}

#[tokio::test]
async fn an_admin_cannot_grant_or_take_away_owner() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let blake = member_id(&server.db, ACME_QA, BILLING_EMAIL).await;

    let granted = change_role(&server, &token, &[mia], Role::Owner).await;
    let taken = change_role(&server, &token, &[owner], Role::Admin).await;
    let other = change_role(&server, &token, &[mia, blake], Role::Admin).await;

    assert_eq!(outcome(&granted, mia), Some("owner_only"));
    assert_eq!(outcome(&taken, owner), Some("owner_only"));
    assert_eq!(outcome(&other, mia), None);
    assert_eq!(outcome(&other, blake), None);
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, mia).role, Role::Admin);
    assert_eq!(member(&after, owner).role, Role::Owner);
}

#[tokio::test]
async fn demoting_every_owner_at_once_leaves_one() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let olivia = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let owners: Vec<MemberId> = snapshot(&server, &token)
        .await
        .members
        .iter()
        .filter(|member| member.status == MemberStatus::Active && member.role == Role::Owner)
        .map(|member| member.id)
        .collect();
    assert!(owners.len() > 2, "the demo has several Owners");

    let response = change_role(&server, &token, &owners, Role::Member).await;

    for &owner in &owners {
        let expected = (owner == olivia).then_some("own_role");
        assert_eq!(outcome(&response, owner), expected);
    }
    let left: Vec<MemberId> = snapshot(&server, &token)
        .await
        .members
        .iter()
        .filter(|member| member.status == MemberStatus::Active && member.role == Role::Owner)
        .map(|member| member.id)
        .collect();
    assert_eq!(left, [olivia]);
}

#[tokio::test]
async fn an_owner_makes_someone_an_owner() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;

    let response = change_role(&server, &token, &[mia], Role::Owner).await;

    assert_eq!(outcome(&response, mia), None);
    let after = snapshot(&server, &token).await;
    assert_eq!(member(&after, mia).role, Role::Owner);
}

#[tokio::test]
async fn a_team_member_made_billing_manager_leaves_their_teams() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let before = teams(&server, &token).await;
    let chosen = before
        .iter()
        .flat_map(|team| &team.members)
        .map(|member| member.member_id)
        .find(|&id| id != owner)
        .expect("the demo's teams have members");
    let mut left = teams_of(&before, chosen);
    left.sort();

    let response = change_role(&server, &token, &[chosen], Role::BillingManager).await;

    assert_eq!(outcome(&response, chosen), None);
    assert!(teams_of(&teams(&server, &token).await, chosen).is_empty());
    let detail = last_audit_detail(&server.db, ACME_QA, "members.role_changed").await;
    assert_eq!(detail["role"], "billing_manager");
    assert_eq!(detail["members"][0]["id"], chosen.0);
    assert_eq!(detail["members"][0]["left_teams"], json!(left));
}

#[tokio::test]
async fn a_removed_members_role_cannot_change() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    remove(&server, &token, &[mia]).await;

    let response = change_role(&server, &token, &[mia, MemberId(999_999)], Role::Admin).await;

    assert_eq!(outcome(&response, mia), Some("member_removed"));
    assert_eq!(outcome(&response, MemberId(999_999)), Some("not_found"));
}

// Audit and sequence

#[tokio::test]
async fn each_change_is_one_audit_event_and_advances_the_sequence() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let blake = member_id(&server.db, ACME_QA, BILLING_EMAIL).await;
    let (events, seq) = (
        audit_events(&server.db, ACME_QA).await,
        org_seq(&server.db, ACME_QA).await,
    );

    let removed = remove(&server, &token, &[mia, blake]).await;
    let restored = restore(&server, &token, &[mia]).await;
    let changed = change_role(&server, &token, &[mia], Role::Admin).await;

    assert_eq!(
        (removed.seq, restored.seq, changed.seq),
        (seq + 1, seq + 2, seq + 3)
    );
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 3);
    assert_eq!(org_seq(&server.db, ACME_QA).await, seq + 3);
    let detail = last_audit_detail(&server.db, ACME_QA, "members.removed").await;
    assert_eq!(detail["members"], json!([mia, blake]));
}

#[tokio::test]
async fn refusals_alone_change_nothing_and_record_nothing() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let (events, seq) = (
        audit_events(&server.db, ACME_QA).await,
        org_seq(&server.db, ACME_QA).await,
    );

    let response = remove(&server, &token, &[owner, MemberId(999_999)]).await;

    assert_eq!(response.seq, seq);
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);
}

// Who may

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_get_404_on_every_route() {
    let server = TestServer::start().await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let outsider = server
        .bearer_token_with(GLOBEX_ADMIN, GLOBEX_PASSWORD)
        .await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let routes = [
        ("remove", json!({ "ids": [mia] })),
        ("restore", json!({ "ids": [mia] })),
        ("role", json!({ "ids": [mia], "role": "admin" })),
    ];
    let events = audit_events(&server.db, ACME_QA).await;

    for (action, body) in routes {
        let path = format!("/api/v1/orgs/{ACME_QA}/members/{action}");
        let response = server.post_as(&member, &path, body.clone()).await;
        expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = server.post_as(&outsider, &path, body).await;
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);
}

#[tokio::test]
async fn bad_bodies_are_refused_whole() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let path = format!("/api/v1/orgs/{ACME_QA}/members/role");

    let response = server
        .post_as(&token, &path, json!({ "ids": [1], "role": "emperor" }))
        .await;
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    let response = server.send_as(&token, Method::GET, &path, None).await;
    expect_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}
