//! Regression tests for the defects found by probing the server as an attacker would: each
//! failed before its fix.

use std::{net::IpAddr, time::Duration};

use crate::common::*;
use allot_core::{
    BulkResponse, InvitationId, InvitationLink, InviteOutcome, InviteResponse, Session,
};
use reqwest::{Method, Response, StatusCode, header};
use serde_json::{Value, json};

fn org_path(rest: &str) -> String {
    format!("/api/v1/orgs/{ACME_QA}/{rest}")
}

const NEW_PASSWORD: &str = "a long new password";

/// Invites `email` with `role` as the holder of `token`; the invitation's id.
async fn invite(server: &TestServer, token: &str, email: &str, role: &str) -> InvitationId {
    let body = json!({ "emails": [email], "role": role });
    let response = server.post_as(token, &org_path("invitations"), body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response: InviteResponse = response.json().await.unwrap();
    match response.results[0].outcome {
        InviteOutcome::Invited { invitation_id } => invitation_id,
        ref other => panic!("not invited: {other:?}"),
    }
}

async fn link(server: &TestServer, token: &str, id: InvitationId) -> Response {
    server
        .get_as(token, &org_path(&format!("invitations/{id}/link")))
        .await
}

async fn resend(server: &TestServer, token: &str, id: InvitationId) -> Response {
    server
        .post_as(
            token,
            &org_path(&format!("invitations/{id}/resend")),
            json!({}),
        )
        .await
}

async fn accept_new(server: &TestServer, link: &InvitationLink) -> Response {
    let token = link.path.trim_start_matches("/join/");
    server
        .post(&format!("/api/v1/invitations/{token}/accept"))
        .json(&json!({ "full_name": "New Person", "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap()
}

async fn change_role(server: &TestServer, token: &str, id: MemberId, role: &str) -> BulkResponse {
    let body = json!({ "ids": [id], "role": role });
    let response = server.post_as(token, &org_path("members/role"), body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

// 1. An Admin could make an Owner through an Owner's invitation.

#[tokio::test]
async fn an_admin_cannot_copy_or_resend_an_owner_invitation() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let id = invite(&server, &owner, "new.owner@new.example", "owner").await;
    let mails = server.outbox().await.len();

    expect_error(
        link(&server, &admin, id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_error(
        resend(&server, &admin, id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    assert_eq!(server.outbox().await.len(), mails, "nothing was sent");
    assert_eq!(link(&server, &owner, id).await.status(), StatusCode::OK);
    // An Admin still handles invitations they may grant.
    let member_invitation = invite(&server, &owner, "new.member@new.example", "member").await;
    assert_eq!(
        link(&server, &admin, member_invitation).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        resend(&server, &admin, member_invitation).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_owner_invitation_dies_with_its_inviters_right_to_grant_owner() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    // A second Owner invites someone as Owner, then is made Admin.
    let second = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;
    change_role(&server, &owner, second, "owner").await;
    let second_token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invite(&server, &second_token, "new.owner@new.example", "owner").await;
    let sent: InvitationLink = link(&server, &second_token, id).await.json().await.unwrap();
    change_role(&server, &owner, second, "admin").await;

    let token = sent.path.trim_start_matches("/join/");
    let preview = server
        .get(&format!("/api/v1/invitations/{token}"))
        .send()
        .await
        .unwrap();
    expect_error(preview, StatusCode::GONE, "inviter_cannot_grant").await;
    let accepted = accept_new(&server, &sent).await;
    expect_error(accepted, StatusCode::GONE, "inviter_cannot_grant").await;

    // An Owner who resends it vouches for it: the new link works, and makes an Owner.
    let resent: InvitationLink = resend(&server, &owner, id).await.json().await.unwrap();
    let accepted = accept_new(&server, &resent).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let session: Session = accepted.json().await.unwrap();
    let acme = session
        .organizations
        .iter()
        .find(|o| o.id == ACME_QA)
        .unwrap();
    assert_eq!(acme.role, allot_core::Role::Owner);
}

// 2. A group could keep a demoted Admin an Admin.

#[tokio::test]
async fn a_role_from_a_group_cannot_be_demoted_away_unseen() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let admin_id = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;
    // The Admin puts themselves in a group that grants Admin.
    let body = json!({ "name": "Keepers", "role": "admin", "members": [admin_id] });
    let created = server.post_as(&admin, &org_path("groups"), body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let group: Value = created.json().await.unwrap();
    let group_id = group["group"]["id"].as_i64().unwrap();

    // The Owner's demotion is refused, saying why, and nothing changes.
    let response = change_role(&server, &owner, admin_id, "member").await;
    let error = response.results[0].error.as_ref().expect("refused");
    assert_eq!(error.code, "role_from_group");
    let snapshot = server.members_as(&owner, ACME_QA).await;
    let snapshot: allot_core::MembersSnapshot = snapshot.json().await.unwrap();
    let shown = snapshot.members.iter().find(|m| m.id == admin_id).unwrap();
    assert_eq!(shown.role, allot_core::Role::Admin);

    // Out of the group, the demotion goes through, and the rights go with it.
    let body = json!({ "name": "Keepers", "role": "admin", "members": [] });
    let updated = server
        .send_as(
            &owner,
            Method::PUT,
            &org_path(&format!("groups/{group_id}")),
            Some(body),
        )
        .await;
    assert_eq!(updated.status(), StatusCode::OK);
    let response = change_role(&server, &owner, admin_id, "member").await;
    assert!(response.results[0].error.is_none(), "{response:?}");
    let members = server.members_as(&admin, ACME_QA).await;
    expect_error(members, StatusCode::FORBIDDEN, "forbidden").await;
}

// 3. The change feed outlived its session.

#[tokio::test]
async fn the_feed_ends_when_its_session_signs_out() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mut feed = server.get_as(&token, &org_path("changes?after=0")).await;
    assert_eq!(feed.status(), StatusCode::OK);
    // The stream opens with a comment.
    tokio::time::timeout(Duration::from_secs(5), feed.chunk())
        .await
        .expect("the feed starts")
        .unwrap();

    let signed_out = server
        .send_as(&token, Method::DELETE, "/api/v1/session", None)
        .await;
    assert_eq!(signed_out.status(), StatusCode::NO_CONTENT);

    // Whatever was in flight, the stream ends soon after.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while feed.chunk().await.ok().flatten().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the feed still streams after sign-out");
}

#[tokio::test]
async fn the_feed_ends_when_its_session_expires() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let mut feed = server.get_as(&token, &org_path("changes?after=0")).await;
    assert_eq!(feed.status(), StatusCode::OK);
    set_session_time(&server.db, &token, "expires_at", 1).await;

    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while feed.chunk().await.ok().flatten().is_some() {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the feed still streams after its session expired"
    );
}

// 4. Sign-in throttling was racy and a lockout weapon.

fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn sign_in_from(
    server: &TestServer,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> StatusCode {
    client
        .post(server.url("/api/v1/session"))
        .json(&json!({ "email": email, "password": password, "bearer": true }))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn concurrent_wrong_passwords_get_five_checks_and_lock_no_one_else_out() {
    let server = TestServer::start().await;
    let attacker = client_from("127.0.0.1");
    let attempts = (0..200).map(|_| sign_in_from(&server, &attacker, OWNER_EMAIL, "guess"));
    let statuses = futures_util::future::join_all(attempts).await;

    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, refused), (5, 195), "{statuses:?}");
    // The attacker's client stays slowed down, even with the right password...
    assert_eq!(
        sign_in_from(&server, &attacker, OWNER_EMAIL, DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...while the owner, from their own device, signs in.
    let owner = client_from("127.0.0.2");
    assert_eq!(
        sign_in_from(&server, &owner, OWNER_EMAIL, DEMO_PASSWORD).await,
        StatusCode::OK
    );
    // The count lives in the database, where every server sees it.
    let rows: i64 = db::query_scalar("SELECT COUNT(*) FROM sign_in_throttle")
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert!(rows >= 3, "{rows}");
}

#[tokio::test]
async fn one_client_guessing_across_many_addresses_is_slowed() {
    let server = TestServer::start().await;
    let guesser = client_from("127.0.0.3");
    let mut statuses = Vec::new();
    for n in 0..60 {
        let email = format!("nobody{n}@example.com");
        statuses.push(sign_in_from(&server, &guesser, &email, "guess").await);
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 50, "{statuses:?}");
    assert_eq!(statuses[59], StatusCode::TOO_MANY_REQUESTS);
    // Another client is not affected.
    let other = client_from("127.0.0.4");
    assert_eq!(
        sign_in_from(&server, &other, OWNER_EMAIL, DEMO_PASSWORD).await,
        StatusCode::OK
    );
}

// 5. Activation links in plain text.

#[tokio::test]
async fn no_activation_link_is_stored_and_the_database_is_private() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let id = invite(&server, &owner, "ann@new.example", "member").await;
    resend(&server, &owner, id).await;

    let bodies: Vec<String> = db::query_scalar("SELECT body FROM outbox")
        .fetch_all(&server.db)
        .await
        .unwrap();
    assert!(!bodies.is_empty());
    for body in &bodies {
        assert!(!body.contains("/join/"), "{body}");
    }
    // What the mail will say once sent carries the current link.
    let current: InvitationLink = link(&server, &owner, id).await.json().await.unwrap();
    let mails = server.outbox().await;
    assert!(mails.last().unwrap().body.contains(&current.path));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fresh.db");
        allot_server::db::open(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

// 6. A failed retry poisoned the change bookkeeping.

#[tokio::test]
async fn a_refused_retry_leaves_no_trace_and_the_next_write_works() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let product = add_product(&server.db, ACME_QA, "Scarce", 1).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    allocate(&server.db, ACME_QA, mia, product).await;
    let other = member_id(&server.db, ACME_QA, BILLING_EMAIL).await;
    db::query(
        "INSERT INTO allocation_errors (org_id, membership_id, product_id, reason, created_at)
         VALUES (?, ?, ?, 'no seat', 0)",
    )
    .bind(ACME_QA)
    .bind(other)
    .bind(product)
    .execute(&server.db)
    .await
    .unwrap();
    let error_id: i64 =
        db::query_scalar("SELECT id FROM allocation_errors WHERE reason = 'no seat'")
            .fetch_one(&server.db)
            .await
            .unwrap();
    // A write first, so that the fixture's own rows are settled.
    settle(&server, &owner).await;
    let seq = org_seq(&server.db, ACME_QA).await;

    let retry = server
        .post_as(
            &owner,
            &org_path(&format!("allocation-errors/{error_id}/retry")),
            json!({}),
        )
        .await;
    expect_error(retry, StatusCode::CONFLICT, "seats_exceeded").await;

    assert_eq!(org_seq(&server.db, ACME_QA).await, seq, "no event");
    let reason: String = db::query_scalar("SELECT reason FROM allocation_errors WHERE id = ?")
        .bind(error_id)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(reason, "no seat", "the error is as it was");
    assert_clean(&server).await;
    // The write that used to fail with 500.
    let mia_token = server.bearer_token(MEMBER_EMAIL).await;
    let body =
        json!({ "product_id": product, "machine_id": "m-1", "hostname": "m-1", "mode": "online" });
    let activated = server
        .post_as(&mia_token, &org_path("license/activate"), body)
        .await;
    assert_eq!(activated.status(), StatusCode::OK);
}

/// A harmless write by the Owner, which must succeed: a new team.
async fn settle(server: &TestServer, owner: &str) {
    static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("Probe {n}");
    let response = server
        .post_as(owner, &org_path("teams"), json!({ "name": name }))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "a write after a refusal"
    );
}

async fn assert_clean(server: &TestServer) {
    // On PostgreSQL, writes outside the servers' write transactions note theirs in the
    // shared table (the connection's own is empty between transactions).
    let table = if on_postgres() {
        "public.change_dirty"
    } else {
        "change_dirty"
    };
    let dirty: i64 = db::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(dirty, 0, "change bookkeeping left behind");
}

/// Every refusal path of the mutations, each followed by a write that must succeed and by
/// clean change bookkeeping: a refused request leaves no trace.
#[tokio::test]
async fn every_refusal_leaves_the_bookkeeping_clean() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let owner_id = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    let admin_id = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let tiny = add_product(&server.db, ACME_QA, "Tiny", 1).await;
    allocate(&server.db, ACME_QA, mia, tiny).await;
    let owner_invitation = invite(&server, &owner, "o@new.example", "owner").await;
    settle(&server, &owner).await;

    let refusals: Vec<(&str, Method, String, Value)> = vec![
        (
            "invite beyond the seats",
            Method::POST,
            org_path("invitations"),
            json!({ "emails": ["x@new.example"], "role": "member", "products": [tiny] }),
        ),
        (
            "invite an invalid address",
            Method::POST,
            org_path("invitations"),
            json!({ "emails": ["x@"], "role": "member" }),
        ),
        (
            "Admin invites an Owner",
            Method::POST,
            org_path("invitations"),
            json!({ "emails": ["y@new.example"], "role": "owner" }),
        ),
        (
            "Admin resends an Owner invitation",
            Method::POST,
            org_path(&format!("invitations/{owner_invitation}/resend")),
            json!({}),
        ),
        (
            "remove oneself",
            Method::POST,
            org_path("members/remove"),
            json!({ "ids": [admin_id] }),
        ),
        (
            "Admin removes the Owner",
            Method::POST,
            org_path("members/remove"),
            json!({ "ids": [owner_id] }),
        ),
        (
            "own role",
            Method::POST,
            org_path("members/role"),
            json!({ "ids": [admin_id], "role": "member" }),
        ),
        (
            "Admin makes an Owner",
            Method::POST,
            org_path("members/role"),
            json!({ "ids": [mia], "role": "owner" }),
        ),
        (
            "undo of a member not removed",
            Method::POST,
            org_path("members/restore"),
            json!({ "ids": [mia] }),
        ),
        (
            "a team without a name",
            Method::POST,
            org_path("teams"),
            json!({ "name": " " }),
        ),
        (
            "a group granting Owner",
            Method::POST,
            org_path("groups"),
            json!({ "name": "G", "role": "owner" }),
        ),
        (
            "a group with a stranger",
            Method::POST,
            org_path("groups"),
            json!({ "name": "G", "members": [999999] }),
        ),
        (
            "a direct allocation beyond the seats",
            Method::PUT,
            org_path(&format!("members/{admin_id}/allocation")),
            json!({ "allocate_to_user": true, "products": [tiny] }),
        ),
        (
            "remove an unexpired offline license",
            Method::POST,
            org_path("licenses/offline/remove"),
            json!({ "ids": [999999] }),
        ),
        (
            "revoke an unknown invitation",
            Method::POST,
            org_path("invitations/revoke"),
            json!({ "ids": [999999] }),
        ),
        (
            "dismiss an unknown allocation error",
            Method::DELETE,
            org_path("allocation-errors/999999"),
            json!({}),
        ),
    ];
    for (what, method, path, body) in refusals {
        let seq = org_seq(&server.db, ACME_QA).await;
        let response = server.send_as(&admin, method, &path, Some(body)).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(
            status.is_client_error() || text.contains("\"error\":{"),
            "{what}: {status} {text}"
        );
        if status.is_client_error() {
            assert_eq!(
                org_seq(&server.db, ACME_QA).await,
                seq,
                "{what}: an event for a refusal"
            );
        }
        assert_clean(&server).await;
        settle(&server, &owner).await;
    }
    // A Member's writes are refused before anything starts.
    let response = server
        .post_as(&member, &org_path("teams"), json!({ "name": "Mine" }))
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    assert_clean(&server).await;
}

// 7. Smaller ones.

#[tokio::test]
async fn feed_positions_out_of_range_are_refused_in_the_error_shape() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    for after in ["9223372036854775808", "-1", "abc"] {
        let response = server
            .get_as(&token, &org_path(&format!("changes?after={after}")))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{after}");
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json",
            "{after}"
        );
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{after}: {body}");
    }
    let response = server
        .client
        .get(server.url(&org_path("changes")))
        .bearer_auth(&token)
        .header("Last-Event-ID", "99999999999999999999")
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::BAD_REQUEST, "invalid_position").await;
}

#[tokio::test]
async fn bodies_are_bounded_and_whole_numbers_may_have_a_fraction() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 << 20));
    let response = server
        .client
        .post(server.url(&org_path("teams")))
        .bearer_auth(&token)
        .header(header::CONTENT_TYPE, "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").await;

    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let body = json!({ "ids": [mia.0 as f64], "role": "admin" });
    let response = server
        .post_as(&token, &org_path("members/role"), body)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response: BulkResponse = response.json().await.unwrap();
    assert!(response.results[0].error.is_none(), "{response:?}");
}

#[tokio::test]
async fn names_and_passwords_are_bounded() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let id = invite(&server, &owner, "ann@new.example", "member").await;
    let sent: InvitationLink = link(&server, &owner, id).await.json().await.unwrap();
    let accept = |body: Value| {
        let token = sent.path.trim_start_matches("/join/").to_owned();
        let server = &server;
        async move {
            server
                .post(&format!("/api/v1/invitations/{token}/accept"))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let cases = [
        (
            json!({ "full_name": "é".repeat(201), "password": NEW_PASSWORD }),
            "full_name_too_long",
        ),
        (
            json!({ "full_name": "Ann", "password": "eleven char" }),
            "weak_password",
        ),
        (
            json!({ "full_name": "Ann", "password": "a".repeat(1001) }),
            "password_too_long",
        ),
    ];
    for (body, code) in cases {
        expect_error(accept(body).await, StatusCode::BAD_REQUEST, code).await;
    }
    let response = server.sign_in(OWNER_EMAIL, &"a".repeat(1001)).await;
    expect_error(response, StatusCode::BAD_REQUEST, "password_too_long").await;
    assert_eq!(
        accept(json!({ "full_name": "é".repeat(200), "password": "twelve odd chars, and some" }))
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn answers_with_secrets_or_personal_data_are_not_stored_by_caches() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let id = invite(&server, &owner, "ann@new.example", "member").await;
    let responses = [
        server.sign_in_bearer(OWNER_EMAIL, DEMO_PASSWORD).await,
        link(&server, &owner, id).await,
        resend(&server, &owner, id).await,
        server.members_as(&owner, ACME_QA).await,
        server.get_as(&owner, &org_path("members/export.csv")).await,
    ];
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK, "{}", response.url());
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-store",
            "{}",
            response.url()
        );
    }
}

/// Another organization's ids stay unknown whatever the throttling or limits say.
#[tokio::test]
async fn another_organizations_owner_gets_404_for_this_ones_invitation_link() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let id = invite(&server, &owner, "ann@new.example", "member").await;
    let password = "stranger's password";
    create_organization(&server.db, "Elsewhere", "stranger@else.example", password).await;
    let stranger = server
        .bearer_token_with("stranger@else.example", password)
        .await;
    let response = link(&server, &stranger, id).await;
    expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
}
