//! The change feed: the snapshot at the start plus the events of any sequence of changes
//! equals a fresh snapshot at the end; and the feed streams them, resumes from the last one
//! a client saw, and tells a client too far behind to reload.

use std::time::Duration;

use crate::common::*;
use allot_core::{Applied, ChangeEvent, MembersSnapshot, Role};
use proptest::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn org_path(rest: &str) -> String {
    format!("/api/v1/orgs/{ACME_QA}/{rest}")
}

async fn snapshot(server: &TestServer, token: &str) -> MembersSnapshot {
    let response = server.members_as(token, ACME_QA).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut snapshot: MembersSnapshot = response.json().await.unwrap();
    // Sign-ins touch last access; it is shown, not synchronised.
    for member in &mut snapshot.members {
        std::sync::Arc::make_mut(member).last_access_at = None;
    }
    snapshot
}

/// One admin action, with indexes into the starting snapshot's members, invitations and
/// products; most are valid, some are refused, and both must keep the feed exact.
#[derive(Clone, Debug)]
enum Op {
    Remove(Vec<usize>),
    Restore(usize),
    ChangeRole(usize, usize),
    Invite(u8, usize),
    Revoke(usize),
    CreateGroup(u8, Vec<usize>, Option<usize>),
    EditLastGroup(Vec<usize>),
    RuleOfLastGroup(Vec<usize>),
    DeleteLastGroup,
    Allocate(usize, bool, Vec<usize>),
    RemoveLicensedUser(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let some = || proptest::collection::vec(0usize..400, 1..4);
    prop_oneof![
        some().prop_map(Op::Remove),
        (0usize..400).prop_map(Op::Restore),
        (0usize..400, 0usize..4).prop_map(|(m, r)| Op::ChangeRole(m, r)),
        (any::<u8>(), 0usize..4).prop_map(|(n, p)| Op::Invite(n, p)),
        (0usize..40).prop_map(Op::Revoke),
        (any::<u8>(), some(), proptest::option::of(0usize..3))
            .prop_map(|(n, m, r)| Op::CreateGroup(n, m, r)),
        some().prop_map(Op::EditLastGroup),
        proptest::collection::vec(0usize..4, 0..3).prop_map(Op::RuleOfLastGroup),
        Just(Op::DeleteLastGroup),
        (
            0usize..400,
            any::<bool>(),
            proptest::collection::vec(0usize..4, 0..3)
        )
            .prop_map(|(m, a, p)| Op::Allocate(m, a, p)),
        (0usize..400).prop_map(Op::RemoveLicensedUser),
    ]
}

async fn run(server: &TestServer, token: &str, start: &MembersSnapshot, op: &Op) {
    let member = |i: usize| start.members[i % start.members.len()].id;
    let product = |i: usize| start.products[i % start.products.len()].id;
    let last_group = || async {
        snapshot(server, token)
            .await
            .groups
            .last()
            .map(|group| group.id)
            .unwrap_or(GroupId(999_999))
    };
    let (method, path, body) = match op {
        Op::Remove(ids) => (
            Method::POST,
            org_path("members/remove"),
            json!({ "ids": ids.iter().map(|&i| member(i)).collect::<Vec<_>>() }),
        ),
        Op::Restore(i) => (
            Method::POST,
            org_path("members/restore"),
            json!({ "ids": [member(*i)] }),
        ),
        Op::ChangeRole(i, role) => (
            Method::POST,
            org_path("members/role"),
            json!({ "ids": [member(*i)], "role": Role::ALL[*role] }),
        ),
        Op::Invite(n, p) => (
            Method::POST,
            org_path("invitations"),
            json!({ "emails": [format!("sync{n}@example.net")], "role": "member",
                    "products": [product(*p)] }),
        ),
        Op::Revoke(i) => {
            let id = start
                .invitations
                .get(i % start.invitations.len().max(1))
                .map_or(999_999, |invitation| invitation.id.0);
            (
                Method::POST,
                org_path("invitations/revoke"),
                json!({ "ids": [id] }),
            )
        }
        Op::CreateGroup(n, ids, role) => (
            Method::POST,
            org_path("groups"),
            json!({ "name": format!("Group {n}"),
                    "role": role.map(|r| allot_core::allocation::GROUP_ROLES[r]),
                    "members": ids.iter().map(|&i| member(i)).collect::<Vec<_>>() }),
        ),
        Op::EditLastGroup(ids) => (
            Method::PUT,
            org_path(&format!("groups/{}", last_group().await)),
            json!({ "name": "Edited", "members": ids.iter().map(|&i| member(i)).collect::<Vec<_>>() }),
        ),
        Op::RuleOfLastGroup(products) => (
            Method::PUT,
            org_path(&format!("groups/{}/rule", last_group().await)),
            json!({ "products": products.iter().map(|&p| product(p)).collect::<Vec<_>>() }),
        ),
        Op::DeleteLastGroup => (
            Method::DELETE,
            org_path(&format!("groups/{}", last_group().await)),
            json!({}),
        ),
        Op::Allocate(i, allocate_to_user, products) => (
            Method::PUT,
            org_path(&format!("members/{}/allocation", member(*i))),
            json!({ "allocate_to_user": allocate_to_user,
                    "products": products.iter().map(|&p| product(p)).collect::<Vec<_>>() }),
        ),
        Op::RemoveLicensedUser(i) => (
            Method::POST,
            org_path("licenses/users/remove"),
            json!({ "ids": [member(*i)] }),
        ),
    };
    let response = server.send_as(token, method, &path, Some(body)).await;
    assert!(
        !response.status().is_server_error(),
        "{op:?}: {}",
        response.status()
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn the_snapshot_plus_the_events_is_a_fresh_snapshot(ops in proptest::collection::vec(op(), 1..25)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = TestServer::start().await;
            let token = server.bearer_token(OWNER_EMAIL).await;
            let start = snapshot(&server, &token).await;
            for op in &ops {
                run(&server, &token, &start, op).await;
            }
            let mut state = start.clone();
            for event in change_events_after(&server.db, ACME_QA, start.seq).await {
                assert_eq!(state.apply(&event), Applied::Applied, "events are contiguous");
                for member in &mut state.members {
                    std::sync::Arc::make_mut(member).last_access_at = None;
                }
            }
            let fresh = snapshot(&server, &token).await;
            assert_eq!(state, fresh, "after {ops:?}");
        });
    }
}

/// Reads the SSE stream until `count` events of `kind` arrived, returning their data and ids.
async fn read_events(
    response: &mut reqwest::Response,
    kind: &str,
    count: usize,
) -> Vec<(Option<String>, String)> {
    let mut text = String::new();
    let mut found = Vec::new();
    while found.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(5), response.chunk())
            .await
            .expect("an event within 5 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                block.lines().find_map(|line| {
                    line.strip_prefix(name)
                        .map(|value| value.trim_start().to_owned())
                })
            };
            if field("event:") == Some(kind.to_owned()) {
                found.push((field("id:"), field("data:").unwrap_or_default()));
            }
        }
    }
    found
}

#[tokio::test]
async fn the_feed_streams_changes_and_resumes_from_the_last_event_seen() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let start = snapshot(&server, &token).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;

    let mut feed = server
        .get_as(&token, &org_path(&format!("changes?after={}", start.seq)))
        .await;
    assert_eq!(feed.status(), StatusCode::OK);
    let body = json!({ "ids": [mia], "role": "admin" });
    server
        .post_as(&token, &org_path("members/role"), body)
        .await;
    let events = read_events(&mut feed, "change", 1).await;
    let event: ChangeEvent = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(events[0].0, Some(event.seq.to_string()));
    assert_eq!(event.seq, start.seq + 1);
    assert_eq!(event.members.len(), 1);
    assert_eq!(event.members[0].role, Role::Admin);
    drop(feed);

    // Two changes while disconnected arrive on reconnection, in order.
    for role in ["member", "admin"] {
        let body = json!({ "ids": [mia], "role": role });
        server
            .post_as(&token, &org_path("members/role"), body)
            .await;
    }
    let mut feed = server
        .client
        .get(server.url(&org_path("changes")))
        .bearer_auth(&token)
        .header("Last-Event-ID", event.seq.to_string())
        .send()
        .await
        .unwrap();
    let events = read_events(&mut feed, "change", 2).await;
    let seqs: Vec<Option<String>> = events.into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        seqs,
        [
            Some((event.seq + 1).to_string()),
            Some((event.seq + 2).to_string())
        ]
    );
}

#[tokio::test]
async fn a_client_too_far_behind_or_ahead_is_told_to_reload() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let start = snapshot(&server, &token).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    server
        .post_as(
            &token,
            &org_path("members/role"),
            json!({ "ids": [mia], "role": "admin" }),
        )
        .await;
    // The log no longer holds the event after the client's snapshot.
    db::query("DELETE FROM change_events WHERE org_id = ? AND seq = ?")
        .bind(ACME_QA)
        .bind(start.seq as i64 + 1)
        .execute(&server.db)
        .await
        .unwrap();
    for after in [start.seq, start.seq + 50] {
        let mut feed = server
            .get_as(&token, &org_path(&format!("changes?after={after}")))
            .await;
        let reset = read_events(&mut feed, "reset", 1).await;
        assert_eq!(reset[0].1, (start.seq + 1).to_string());
    }
}

#[tokio::test]
async fn the_feed_is_for_managers_of_the_organization_only() {
    let server = TestServer::start().await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let response = server.get_as(&member, &org_path("changes?after=0")).await;
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let response = server
        .get_as(&owner, "/api/v1/orgs/999999/changes?after=0")
        .await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
    // Without a position, the client is told to start from a snapshot.
    let mut feed = server.get_as(&owner, &org_path("changes")).await;
    assert_eq!(feed.status(), StatusCode::OK);
    let seq = org_seq(&server.db, ACME_QA).await;
    let events = read_events(&mut feed, "reset", 1).await;
    assert_eq!(events[0].1, seq.to_string());
}
