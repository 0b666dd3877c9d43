//! Teams: listing, creating, renaming, deleting, and their members, over real HTTP.

use crate::common::*;
use allot_core::{MemberId, Team, TeamMember, TeamRole};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

const GLOBEX_ADMIN: &str = "admin@globex.example";
const GLOBEX_PASSWORD: &str = "globex-secret";

fn teams_path() -> String {
    format!("/api/v1/orgs/{ACME_QA}/teams")
}

fn team_path(team_id: TeamId) -> String {
    format!("{}/{team_id}", teams_path())
}

fn member_path(team_id: TeamId, member_id: MemberId) -> String {
    format!("{}/members/{member_id}", team_path(team_id))
}

async fn list(server: &TestServer, token: &str) -> Vec<Team> {
    let response = server.get_as(token, &teams_path()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("teams")
}

async fn team_named(server: &TestServer, token: &str, name: &str) -> Team {
    list(server, token)
        .await
        .into_iter()
        .find(|team| team.name == name)
        .unwrap_or_else(|| panic!("a team named {name}"))
}

async fn create(server: &TestServer, token: &str, name: &str) -> Response {
    server
        .post_as(token, &teams_path(), json!({ "name": name }))
        .await
}

async fn rename(server: &TestServer, token: &str, team_id: TeamId, name: &str) -> Response {
    let body = json!({ "name": name });
    server
        .send_as(token, Method::PATCH, &team_path(team_id), Some(body))
        .await
}

async fn put_member(
    server: &TestServer,
    token: &str,
    team_id: TeamId,
    member_id: MemberId,
    role: TeamRole,
) -> Response {
    let body = json!({ "role": role });
    let path = member_path(team_id, member_id);
    server.send_as(token, Method::PUT, &path, Some(body)).await
}

async fn ok_team(response: Response) -> Team {
    assert_eq!(response.status(), StatusCode::OK, "{}", response.url());
    response.json().await.expect("a team")
}

#[tokio::test]
async fn lists_the_teams_by_name_with_their_members() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    let teams = list(&server, &token).await;

    let names: Vec<&str> = teams.iter().map(|team| team.name.as_str()).collect();
    assert_eq!(
        names,
        ["Mobile", "QA Core", "Release Engineering", "Web Platform"]
    );
    for team in &teams {
        assert_eq!(team.members.len(), 12, "{}", team.name);
        let admins = team
            .members
            .iter()
            .filter(|member| member.role == TeamRole::Admin);
        assert_eq!(admins.count(), 1, "{}", team.name);
    }
}

#[tokio::test]
async fn creates_a_team_with_a_trimmed_name() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    let response = create(&server, &token, "  Automation QA  ").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let team: Team = response.json().await.unwrap();
    assert_eq!(team.name, "Automation QA");
    assert!(team.members.is_empty());
    assert_eq!(team_named(&server, &token, "Automation QA").await, team);
}

#[tokio::test]
async fn team_names_are_unique_in_any_case() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let created = create(&server, &token, "Équipe Nord").await;
    assert_eq!(created.status(), StatusCode::CREATED);

    for name in ["qa core", " QA CORE ", "ÉQUIPE NORD", "équipe nord"] {
        let response = create(&server, &token, name).await;
        expect_error(response, StatusCode::CONFLICT, "team_name_taken").await;
    }
}

#[tokio::test]
async fn team_names_need_1_to_80_characters() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    for name in ["", "   ", &"ü".repeat(81)] {
        let response = create(&server, &token, name).await;
        expect_error(response, StatusCode::BAD_REQUEST, "invalid_team_name").await;
    }
    let longest = create(&server, &token, &"ü".repeat(80)).await;
    assert_eq!(longest.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn renames_a_team() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let mobile = team_named(&server, &token, "Mobile").await;

    let renamed = ok_team(rename(&server, &token, mobile.id, " Mobile Apps ").await).await;
    let recased = ok_team(rename(&server, &token, mobile.id, "MOBILE APPS").await).await;
    let taken = rename(&server, &token, mobile.id, "qa core").await;

    assert_eq!(renamed.name, "Mobile Apps");
    assert_eq!(renamed.members, mobile.members);
    assert_eq!(recased.name, "MOBILE APPS");
    expect_error(taken, StatusCode::CONFLICT, "team_name_taken").await;
    let invalid = rename(&server, &token, mobile.id, " ").await;
    expect_error(invalid, StatusCode::BAD_REQUEST, "invalid_team_name").await;
}

#[tokio::test]
async fn deletes_a_team_and_its_memberships() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let mobile = team_named(&server, &token, "Mobile").await;

    let response = server
        .send_as(&token, Method::DELETE, &team_path(mobile.id), None)
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(
        list(&server, &token)
            .await
            .iter()
            .all(|team| team.id != mobile.id)
    );
    let rows: i64 = db::query_scalar("SELECT COUNT(*) FROM team_members WHERE team_id = ?")
        .bind(mobile.id)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    let again = server
        .send_as(&token, Method::DELETE, &team_path(mobile.id), None)
        .await;
    expect_error(again, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn adds_a_member_changes_their_team_role_and_takes_them_out() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let mobile = team_named(&server, &token, "Mobile").await;
    assert!(mobile.members.iter().all(|member| member.member_id != mia));

    let added = ok_team(put_member(&server, &token, mobile.id, mia, TeamRole::Admin).await).await;
    let changed =
        ok_team(put_member(&server, &token, mobile.id, mia, TeamRole::Member).await).await;

    let mia_in = |team: &Team| {
        team.members
            .iter()
            .find(|member| member.member_id == mia)
            .cloned()
    };
    assert_eq!(
        mia_in(&added),
        Some(TeamMember {
            member_id: mia,
            role: TeamRole::Admin
        })
    );
    assert_eq!(
        mia_in(&changed).map(|member| member.role),
        Some(TeamRole::Member)
    );
    assert_eq!(changed.members.len(), mobile.members.len() + 1);

    let path = member_path(mobile.id, mia);
    let removed = ok_team(server.send_as(&token, Method::DELETE, &path, None).await).await;
    assert_eq!(removed, mobile);
}

#[tokio::test]
async fn a_billing_manager_cannot_join_a_team() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let blake = member_id(&server.db, ACME_QA, BILLING_EMAIL).await;
    let mobile = team_named(&server, &token, "Mobile").await;

    let response = put_member(&server, &token, mobile.id, blake, TeamRole::Member).await;

    let error = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "billing_manager_in_team",
    )
    .await;
    assert_eq!(error.error.message, "Billing Managers cannot be in a team.");
    assert_eq!(team_named(&server, &token, "Mobile").await, mobile);
}

#[tokio::test]
async fn only_active_members_of_the_organization_join_its_teams() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let labs_member = member_id(&server.db, ACME_LABS, OWNER_EMAIL).await;
    let mobile = team_named(&server, &token, "Mobile").await;
    db::query("UPDATE memberships SET status = 'removed', removed_at = 0 WHERE id = ?")
        .bind(mia)
        .execute(&server.db)
        .await
        .unwrap();

    let removed = put_member(&server, &token, mobile.id, mia, TeamRole::Member).await;
    let foreign = put_member(&server, &token, mobile.id, labs_member, TeamRole::Member).await;

    expect_error(removed, StatusCode::UNPROCESSABLE_ENTITY, "member_removed").await;
    expect_error(foreign, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn another_organizations_teams_answer_404() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let globex = create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let globex_team: TeamId =
        db::query_scalar("INSERT INTO teams (org_id, name) VALUES (?, 'Secret') RETURNING id")
            .bind(globex)
            .fetch_one(&server.db)
            .await
            .unwrap();
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;

    let renamed = rename(&server, &token, globex_team, "Mine").await;
    let joined = put_member(&server, &token, globex_team, mia, TeamRole::Member).await;
    let deleted = server
        .send_as(&token, Method::DELETE, &team_path(globex_team), None)
        .await;

    expect_error(renamed, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(joined, StatusCode::NOT_FOUND, "not_found").await;
    expect_error(deleted, StatusCode::NOT_FOUND, "not_found").await;
    let name: String = db::query_scalar("SELECT name FROM teams WHERE id = ?")
        .bind(globex_team)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(name, "Secret");
}

#[tokio::test]
async fn every_change_is_audited_and_in_the_change_feed_and_no_op_puts_are_not() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let (events, seq) = (
        audit_events(&server.db, ACME_QA).await,
        org_seq(&server.db, ACME_QA).await,
    );

    let team: Team = create(&server, &token, "Audited")
        .await
        .json()
        .await
        .unwrap();
    ok_team(rename(&server, &token, team.id, "Audited Too").await).await;
    ok_team(put_member(&server, &token, team.id, mia, TeamRole::Member).await).await;
    ok_team(put_member(&server, &token, team.id, mia, TeamRole::Member).await).await;
    let path = member_path(team.id, mia);
    ok_team(server.send_as(&token, Method::DELETE, &path, None).await).await;
    let deleted = server
        .send_as(&token, Method::DELETE, &team_path(team.id), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 5);
    assert_eq!(org_seq(&server.db, ACME_QA).await, seq + 5);
    let actions: Vec<String> = db::query_scalar(
        "SELECT action FROM audit_events WHERE org_id = ? ORDER BY id DESC LIMIT 5",
    )
    .bind(ACME_QA)
    .fetch_all(&server.db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "team.deleted",
            "team.member_removed",
            "team.member_set",
            "team.renamed",
            "team.created"
        ]
    );
    // Every admin's console hears of each, and loads the teams again.
    let events = change_events_after(&server.db, ACME_QA, seq).await;
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|event| event.teams_changed));
}

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_get_404_on_every_route() {
    let server = TestServer::start().await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let outsider = server
        .bearer_token_with(GLOBEX_ADMIN, GLOBEX_PASSWORD)
        .await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let team = team_named(&server, &admin, "Mobile").await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let routes = [
        (Method::GET, teams_path(), None),
        (Method::POST, teams_path(), Some(json!({ "name": "Mine" }))),
        (
            Method::PATCH,
            team_path(team.id),
            Some(json!({ "name": "Mine" })),
        ),
        (Method::DELETE, team_path(team.id), None),
        (
            Method::PUT,
            member_path(team.id, mia),
            Some(json!({ "role": "member" })),
        ),
        (Method::DELETE, member_path(team.id, mia), None),
    ];
    let events = audit_events(&server.db, ACME_QA).await;

    for (method, path, body) in routes {
        let response = server
            .send_as(&member, method.clone(), &path, body.clone())
            .await;
        expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        let response = server.send_as(&outsider, method, &path, body).await;
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);
    assert_eq!(team_named(&server, &admin, "Mobile").await, team);
}
