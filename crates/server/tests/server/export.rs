//! Export Users: the CSV file, its filters and its safety, over real HTTP.

use crate::common::*;
use allot_core::{
    MembersSnapshot,
    csv::{HEADER, iso_datetime},
    search::{SearchQuery, member_search_key},
};
use reqwest::{Response, StatusCode, header};

const GLOBEX_ADMIN: &str = "admin@globex.example";
const GLOBEX_PASSWORD: &str = "globex-secret";

async fn export(server: &TestServer, token: &str, query: &str) -> Response {
    server
        .get_as(
            token,
            &format!("/api/v1/orgs/{ACME_QA}/members/export.csv{query}"),
        )
        .await
}

/// The file's header and rows, parsed as a spreadsheet would.
async fn parse(response: Response) -> (Vec<String>, Vec<Vec<String>>) {
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.expect("a body");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn cell<'r>(row: &'r [String], column: &str) -> &'r str {
    let index = HEADER.iter().position(|name| *name == column).unwrap();
    &row[index]
}

fn row_of<'r>(rows: &'r [Vec<String>], email: &str) -> &'r [String] {
    rows.iter()
        .find(|row| cell(row, "Email") == email)
        .unwrap_or_else(|| panic!("a row for {email}"))
}

#[tokio::test]
async fn exports_every_member_under_the_header() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let response = export(&server, &token, "?status=all").await;

    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let today = &iso_datetime(allot_server::db::now())[..10];
    assert_eq!(
        response.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"acme-qa-users-{today}.csv\"").as_str()
    );
    let (header, rows) = parse(response).await;
    assert_eq!(header, HEADER);
    assert_eq!(rows.len(), 270);
    let statuses: Vec<&str> = rows.iter().map(|row| cell(row, "Status")).collect();
    assert!(statuses[..250].iter().all(|status| *status == "Active"));
    assert!(statuses[250..].iter().all(|status| *status == "Removed"));
}

#[tokio::test]
async fn rows_read_as_people_and_spreadsheets_expect() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let (_, rows) = parse(export(&server, &token, "").await).await;

    assert_eq!(rows.len(), 270, "all members by default");
    let olivia = row_of(&rows, OWNER_EMAIL);
    assert_eq!(cell(olivia, "Full name"), "Olivia Owens");
    assert_eq!(cell(olivia, "Role"), "Owner");
    assert_eq!(
        cell(olivia, "Licenses"),
        "Runtime Engine; Studio Enterprise; Visual Testing"
    );
    assert_eq!(cell(olivia, "Removed date"), "");
    let blake = row_of(&rows, BILLING_EMAIL);
    assert_eq!(cell(blake, "Role"), "Billing Manager");
    let removed = rows.last().unwrap();
    assert_eq!(cell(removed, "Removed by"), "Olivia Owens");
    for row in &rows {
        assert!(!cell(row, "Join date").is_empty());
        for column in ["Join date", "Removed date", "Last access"] {
            let date = cell(row, column);
            // 2026-11-23T13:12:47Z, or nothing
            assert!(
                date.is_empty()
                    || (date.len() == 20 && &date[10..11] == "T" && date.ends_with('Z')),
                "{column}: {date}"
            );
        }
    }
}

#[tokio::test]
async fn filters_by_status() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let (_, active) = parse(export(&server, &token, "?status=active").await).await;
    let (_, removed) = parse(export(&server, &token, "?status=removed").await).await;

    assert_eq!(active.len(), 250);
    assert_eq!(removed.len(), 20);
    assert!(removed.iter().all(|row| cell(row, "Status") == "Removed"));
}

#[tokio::test]
async fn exports_exactly_the_rows_the_search_shows() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let snapshot: MembersSnapshot = server
        .members_as(&token, ACME_QA)
        .await
        .json()
        .await
        .unwrap();
    let search = SearchQuery::new("ZOË @example");
    let mut shown: Vec<&str> = snapshot
        .members
        .iter()
        .filter(|member| search.matches(&member_search_key(member)))
        .map(|member| member.email.as_str())
        .collect();
    shown.sort();
    assert!(!shown.is_empty() && shown.len() < 270);

    let (_, rows) = parse(export(&server, &token, "?q=ZO%C3%8B%20%40example").await).await;

    let mut exported: Vec<&str> = rows.iter().map(|row| cell(row, "Email")).collect();
    exported.sort();
    assert_eq!(exported, shown);
}

#[tokio::test]
async fn cells_that_would_run_as_formulas_are_neutralised() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    db::query("UPDATE accounts SET full_name = ? WHERE email = ?")
        .bind(formula)
        .bind(MEMBER_EMAIL)
        .execute(&server.db)
        .await
        .unwrap();

    let (_, rows) = parse(export(&server, &token, "").await).await;

    assert_eq!(
        cell(row_of(&rows, MEMBER_EMAIL), "Full name"),
        format!("'{formula}")
    );
}

#[tokio::test]
async fn an_export_is_audited() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let (events, seq) = (
        audit_events(&server.db, ACME_QA).await,
        org_seq(&server.db, ACME_QA).await,
    );

    let (_, rows) = parse(export(&server, &token, "?status=removed&q=a").await).await;

    assert!(!rows.is_empty());
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    assert_eq!(org_seq(&server.db, ACME_QA).await, seq + 1);
    let detail = last_audit_detail(&server.db, ACME_QA, "members.exported").await;
    assert_eq!(detail["status"], "removed");
    assert_eq!(detail["q"], "a");
}

#[tokio::test]
async fn an_unknown_status_is_a_bad_request() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;

    let response = export(&server, &token, "?status=pending").await;

    expect_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
}

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_get_404() {
    let server = TestServer::start().await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let outsider = server
        .bearer_token_with(GLOBEX_ADMIN, GLOBEX_PASSWORD)
        .await;
    let events = audit_events(&server.db, ACME_QA).await;

    let forbidden = export(&server, &member, "").await;
    let hidden = export(&server, &outsider, "").await;

    expect_error(forbidden, StatusCode::FORBIDDEN, "forbidden").await;
    expect_error(hidden, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);
}
