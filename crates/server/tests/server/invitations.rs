//! Invite Users, Pending Invitations (resend, copy link, revoke) and joining through the
//! activation link, over real HTTP.

use crate::common::*;
use allot_core::{
    BulkResponse, Invitation, InvitationId, InvitationLink, InvitationPreview, InviteOutcome,
    InviteResponse, Member, MemberStatus, MembersSnapshot, ProductSeats, Role, Session,
};
use allot_server::{db, expiry};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const GLOBEX_ADMIN: &str = "admin@globex.example";
const GLOBEX_PASSWORD: &str = "globex-secret";
const NEW_PASSWORD: &str = "a long enough secret";
const DAY: i64 = 24 * 60 * 60;

fn invitations_path() -> String {
    format!("/api/v1/orgs/{ACME_QA}/invitations")
}

async fn invite(server: &TestServer, token: &str, body: serde_json::Value) -> Response {
    server.post_as(token, &invitations_path(), body).await
}

/// Invites `emails` as Members with `products`, which must succeed.
async fn invite_ok(
    server: &TestServer,
    token: &str,
    emails: &[&str],
    products: &[ProductId],
) -> InviteResponse {
    let body = json!({ "emails": emails, "role": "member", "products": products });
    let response = invite(server, token, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("an invite response")
}

/// The id of the invitation made for the single address of `response`.
fn invited_id(response: &InviteResponse) -> InvitationId {
    match response.results.as_slice() {
        [result] => match result.outcome {
            InviteOutcome::Invited { invitation_id } => invitation_id,
            ref other => panic!("{} was not invited: {other:?}", result.email),
        },
        results => panic!("one result expected: {results:?}"),
    }
}

async fn pending(server: &TestServer, token: &str) -> Vec<Invitation> {
    let response = server.get_as(token, &invitations_path()).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("invitations")
}

async fn copy_link(server: &TestServer, token: &str, id: InvitationId) -> InvitationLink {
    let response = server
        .get_as(token, &format!("{}/{id}/link", invitations_path()))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a link")
}

async fn resend(server: &TestServer, token: &str, id: InvitationId) -> Response {
    server
        .post_as(
            token,
            &format!("{}/{id}/resend", invitations_path()),
            json!({}),
        )
        .await
}

async fn revoke(server: &TestServer, token: &str, ids: &[InvitationId]) -> BulkResponse {
    let path = format!("{}/revoke", invitations_path());
    let response = server.post_as(token, &path, json!({ "ids": ids })).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a bulk response")
}

/// The API path behind an activation link's path (`/join/<token>`).
fn api_path(link_path: &str) -> String {
    let token = link_path
        .strip_prefix("/join/")
        .unwrap_or_else(|| panic!("{link_path} is a /join/ link"));
    format!("/api/v1/invitations/{token}")
}

/// What the invitee sees when opening the link (no session needed).
async fn open_link(server: &TestServer, link_path: &str) -> Response {
    server.get(&api_path(link_path)).send().await.unwrap()
}

async fn accept(server: &TestServer, link_path: &str, body: serde_json::Value) -> Response {
    server
        .post(&format!("{}/accept", api_path(link_path)))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn accept_new(server: &TestServer, link_path: &str, full_name: &str) -> Response {
    accept(
        server,
        link_path,
        json!({ "full_name": full_name, "password": NEW_PASSWORD }),
    )
    .await
}

async fn snapshot(server: &TestServer, token: &str) -> MembersSnapshot {
    let response = server.members_as(token, ACME_QA).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("a members snapshot")
}

fn member<'a>(snapshot: &'a MembersSnapshot, email: &str) -> &'a Member {
    snapshot
        .members
        .iter()
        .find(|member| member.email.eq_ignore_ascii_case(email))
        .unwrap_or_else(|| panic!("{email} is a member"))
}

async fn products(server: &TestServer, token: &str) -> Vec<ProductSeats> {
    let response = server
        .get_as(token, &format!("/api/v1/orgs/{ACME_QA}/products"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("products")
}

async fn invitation_count(db: &db::Db) -> i64 {
    db::query_scalar("SELECT COUNT(*) FROM invitations")
        .fetch_one(db)
        .await
        .unwrap()
}

async fn set_expires_at(db: &db::Db, id: InvitationId, at: i64) {
    db::query("UPDATE invitations SET expires_at = ? WHERE id = ?")
        .bind(at)
        .bind(id)
        .execute(db)
        .await
        .unwrap();
}

/// The path of the activation link in a mail's body.
fn link_in(body: &str) -> &str {
    let start = body.find("/join/").expect("a /join/ link in the mail");
    body[start..].split_whitespace().next().unwrap()
}

// Invite Users

#[tokio::test]
async fn each_address_gets_its_own_outcome() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let already_invited = pending(&server, &token).await[0].email.clone();
    let events = audit_events(&server.db, ACME_QA).await;

    let response = invite_ok(
        &server,
        &token,
        &[
            "Ann Lee <ann@new.example>",
            MEMBER_EMAIL,
            &already_invited.to_uppercase(),
            "bob@NEW.example",
            "ANN@new.example",
        ],
        &[],
    )
    .await;

    let outcomes: Vec<(&str, &InviteOutcome)> = response
        .results
        .iter()
        .map(|result| (result.email.as_str(), &result.outcome))
        .collect();
    assert_eq!(outcomes.len(), 4, "the duplicate is merged: {outcomes:?}");
    assert_eq!(outcomes[0].0, "ann@new.example");
    assert!(matches!(outcomes[0].1, InviteOutcome::Invited { .. }));
    assert_eq!(outcomes[1], (MEMBER_EMAIL, &InviteOutcome::AlreadyMember));
    assert_eq!(outcomes[2].1, &InviteOutcome::AlreadyInvited);
    assert_eq!(outcomes[3].0, "bob@new.example");
    assert!(matches!(outcomes[3].1, InviteOutcome::Invited { .. }));

    let listed = pending(&server, &token).await;
    let ann = listed
        .iter()
        .find(|invitation| invitation.email == "ann@new.example")
        .expect("Ann's invitation is pending");
    assert_eq!(ann.role, Role::Member);
    assert_eq!(ann.invited_by, "Adam Alvarez");
    assert_eq!(ann.expires_at - ann.created_at, DAY);
    assert!(
        listed[0].created_at >= listed[listed.len() - 1].created_at,
        "newest first"
    );

    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    let detail = last_audit_detail(&server.db, ACME_QA, "invitations.created").await;
    assert_eq!(
        detail["emails"],
        json!(["ann@new.example", "bob@new.example"])
    );
    let recipients: Vec<String> = server
        .outbox()
        .await
        .into_iter()
        .map(|mail| mail.to)
        .collect();
    assert_eq!(recipients, ["ann@new.example", "bob@new.example"]);
}

#[tokio::test]
async fn an_invalid_address_refuses_the_whole_request() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let before = invitation_count(&server.db).await;

    let response = invite(
        &server,
        &token,
        json!({ "emails": ["ann@new.example", "bob@new"], "role": "member" }),
    )
    .await;

    let error = expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid_email").await;
    assert!(error.error.message.contains("bob@new"), "{error:?}");
    assert!(error.error.message.contains("Invalid domain"), "{error:?}");
    assert_eq!(invitation_count(&server.db).await, before);
    assert!(server.outbox().await.is_empty());
}

#[tokio::test]
async fn between_one_and_500_addresses() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let too_many: Vec<String> = (0..501).map(|i| format!("p{i}@new.example")).collect();

    let response = invite(
        &server,
        &token,
        json!({ "emails": too_many, "role": "member" }),
    )
    .await;
    let error = expect_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "too_many_addresses",
    )
    .await;
    assert!(error.error.message.contains("500"), "{error:?}");

    let response = invite(&server, &token, json!({ "emails": [], "role": "member" })).await;
    expect_error(response, StatusCode::BAD_REQUEST, "no_addresses").await;

    let exactly_500: Vec<&str> = too_many[..500].iter().map(String::as_str).collect();
    assert_eq!(
        invite_ok(&server, &token, &exactly_500, &[])
            .await
            .results
            .len(),
        500
    );
}

#[tokio::test]
async fn invitations_must_fit_the_seats_and_pending_ones_hold_them() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let tiny = add_product(&server.db, ACME_QA, "Tiny", 2).await;
    let before = invitation_count(&server.db).await;
    let three = json!({
        "emails": ["a@new.example", "b@new.example", "c@new.example"],
        "role": "member",
        "products": [tiny],
    });

    let response = invite(&server, &token, three).await;

    let error = expect_error(response, StatusCode::CONFLICT, "seats_exceeded").await;
    assert_eq!(
        error.error.message,
        "Tiny has 2 of 2 seats left; this needs 3."
    );
    assert_eq!(
        invitation_count(&server.db).await,
        before,
        "nothing created"
    );
    assert!(server.outbox().await.is_empty());

    invite_ok(
        &server,
        &token,
        &["a@new.example", "b@new.example"],
        &[tiny],
    )
    .await;
    let seats = products(&server, &token).await;
    let tiny_seats = seats.iter().find(|product| product.id == tiny).unwrap();
    assert_eq!((tiny_seats.seats, tiny_seats.used), (Some(2), 2));

    let response = invite(
        &server,
        &token,
        json!({ "emails": ["c@new.example"], "role": "member", "products": [tiny] }),
    )
    .await;
    let error = expect_error(response, StatusCode::CONFLICT, "seats_exceeded").await;
    assert_eq!(
        error.error.message,
        "Tiny has 0 of 2 seats left; this needs 1."
    );
}

#[tokio::test]
async fn products_must_belong_to_the_organization() {
    let server = TestServer::start().await;
    let globex = create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let globex_product = add_product(&server.db, globex, "Globex Suite", 10).await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    for product in [globex_product, ProductId(999_999)] {
        let body = json!({ "emails": ["a@new.example"], "role": "member", "products": [product] });
        let response = invite(&server, &token, body).await;
        expect_error(response, StatusCode::NOT_FOUND, "product_not_found").await;
    }
}

#[tokio::test]
async fn only_an_owner_invites_an_owner() {
    let server = TestServer::start().await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let body = json!({ "emails": ["boss@new.example"], "role": "owner" });

    let response = invite(&server, &admin, body.clone()).await;
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;

    let response = invite(&server, &owner, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let listed = pending(&server, &owner).await;
    assert_eq!(listed[0].email, "boss@new.example");
    assert_eq!(listed[0].role, Role::Owner);
}

// Pending Invitations

#[tokio::test]
async fn expired_invitations_are_listed_with_their_expiry_and_can_be_replaced() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &["late@new.example"], &[]).await);
    let link = copy_link(&server, &token, id).await;
    let expired_at = db::now() - 60;
    set_expires_at(&server.db, id, expired_at).await;

    let listed = pending(&server, &token).await;
    let invitation = listed
        .iter()
        .find(|invitation| invitation.id == id)
        .unwrap();
    assert_eq!(invitation.expires_at, expired_at);
    assert!(invitation.expired, "the server says it expired");
    expect_error(
        open_link(&server, &link.path).await,
        StatusCode::GONE,
        "invitation_expired",
    )
    .await;

    // Inviting the address again replaces the expired invitation.
    let again = invited_id(&invite_ok(&server, &token, &["late@new.example"], &[]).await);
    let listed = pending(&server, &token).await;
    assert!(listed.iter().all(|invitation| invitation.id != id));
    assert!(listed.iter().any(|invitation| invitation.id == again));
    expect_error(
        open_link(&server, &link.path).await,
        StatusCode::GONE,
        "invitation_revoked",
    )
    .await;
}

#[tokio::test]
async fn resending_ends_the_old_link_and_gives_24_fresh_hours() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[]).await);
    let old = copy_link(&server, &token, id).await;
    set_expires_at(&server.db, id, db::now() - 60).await;
    let events = audit_events(&server.db, ACME_QA).await;

    let response = resend(&server, &token, id).await;

    assert_eq!(response.status(), StatusCode::OK);
    let new: InvitationLink = response.json().await.unwrap();
    assert_ne!(new.path, old.path);
    assert!((new.expires_at - (db::now() + DAY)).abs() <= 5, "{new:?}");
    // The old link says it was replaced, and where the new one went.
    let replaced = expect_error(
        open_link(&server, &old.path).await,
        StatusCode::GONE,
        "invitation_link_replaced",
    )
    .await;
    assert!(
        replaced
            .error
            .message
            .contains("sent again to ann@new.example"),
        "{}",
        replaced.error.message
    );
    assert_eq!(open_link(&server, &new.path).await.status(), StatusCode::OK);
    assert_eq!(copy_link(&server, &token, id).await, new);
    let mails = server.outbox().await;
    assert_eq!(mails.len(), 2);
    assert_eq!(link_in(&mails[1].body), new.path);
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    let detail = last_audit_detail(&server.db, ACME_QA, "invitation.resent").await;
    assert_eq!(detail["email"], "ann@new.example");
}

#[tokio::test]
async fn resending_an_expired_invitation_needs_its_seats_free_again() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let tiny = add_product(&server.db, ACME_QA, "Tiny", 1).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[tiny]).await);
    set_expires_at(&server.db, id, db::now() - 60).await;
    // Expired, it no longer holds the seat: someone else takes it.
    invite_ok(&server, &token, &["bob@new.example"], &[tiny]).await;

    let response = resend(&server, &token, id).await;

    expect_error(response, StatusCode::CONFLICT, "seats_exceeded").await;
}

#[tokio::test]
async fn an_expiry_is_one_event_by_the_system_that_frees_the_seats_and_comes_again_after_a_resend()
{
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let product = add_product(&server.db, ACME_QA, "Expiring", 5).await;
    let id = invited_id(&invite_ok(&server, &token, &["soon@new.example"], &[product]).await);
    // Nothing is due yet.
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0);
    let first_expiry = db::now() - 1;
    set_expires_at(&server.db, id, first_expiry).await;
    let seq = org_seq(&server.db, ACME_QA).await;

    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 1);

    let events = change_events_after(&server.db, ACME_QA, seq).await;
    let event = events.last().unwrap();
    assert_eq!(event.invitations.len(), 1);
    assert!(event.invitations[0].id == id && event.invitations[0].expired);
    let seats = event.products.as_ref().expect("the seats changed");
    let seats = seats
        .seats
        .iter()
        .find(|seats| seats.id == product)
        .unwrap();
    assert_eq!(
        (seats.used, seats.reserved),
        (0, 0),
        "the seat is free again"
    );
    let entries = audit_entries(&server.db, ACME_QA, "invitation.expired").await;
    let detail = json!({ "invitations": [{ "id": id, "email": "soon@new.example" }] });
    assert_eq!(entries, [(None, detail)], "by the system, once");
    // Noted once: looking again records nothing.
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0);
    assert_eq!(org_seq(&server.db, ACME_QA).await, event.seq);

    // Resent, it holds 24 fresh hours; its new expiry is noted in its turn.
    assert_eq!(resend(&server, &token, id).await.status(), StatusCode::OK);
    let listed = pending(&server, &token).await;
    assert!(!listed.iter().find(|i| i.id == id).unwrap().expired);
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0);
    // Another second than the first expiry's, however long the test took to get here.
    set_expires_at(&server.db, id, first_expiry - 1).await;
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 1);
    let entries = audit_entries(&server.db, ACME_QA, "invitation.expired").await;
    assert_eq!(entries.len(), 2);
}

#[tokio::test]
async fn copy_link_gives_the_link_that_was_mailed_and_works() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[]).await);

    let link = copy_link(&server, &token, id).await;

    assert!(link.path.starts_with("/join/"), "{link:?}");
    assert_eq!(link.path.len(), "/join/".len() + 64);
    let mails = server.outbox().await;
    assert!(mails[0].body.contains(&server.url(&link.path)), "{mails:?}");
    let response = open_link(&server, &link.path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let preview: InvitationPreview = response.json().await.unwrap();
    assert_eq!(preview.email, "ann@new.example");
    assert_eq!(preview.organization, "Acme QA");
    assert_eq!(preview.invited_by, "Adam Alvarez");
    assert_eq!(preview.role, Role::Member);
    assert!(!preview.account_exists);
}

#[tokio::test]
async fn the_demo_invitations_have_working_links() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;

    let listed = pending(&server, &token).await;

    assert_eq!(listed.len(), 15);
    for invitation in listed {
        let link = copy_link(&server, &token, invitation.id).await;
        let response = open_link(&server, &link.path).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", invitation.email);
    }
}

#[tokio::test]
async fn revoked_links_stop_working_at_once() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let response = invite_ok(
        &server,
        &token,
        &["ann@new.example", "bob@new.example"],
        &[],
    )
    .await;
    let ids: Vec<InvitationId> = response
        .results
        .iter()
        .map(|result| match result.outcome {
            InviteOutcome::Invited { invitation_id } => invitation_id,
            _ => panic!("{result:?}"),
        })
        .collect();
    let links = [
        copy_link(&server, &token, ids[0]).await,
        copy_link(&server, &token, ids[1]).await,
    ];
    let events = audit_events(&server.db, ACME_QA).await;

    let response = revoke(&server, &token, &[ids[0], InvitationId(999_999), ids[1]]).await;

    let errors: Vec<Option<&str>> = response
        .results
        .iter()
        .map(|result| result.error.as_ref().map(|error| error.code.as_str()))
        .collect();
    assert_eq!(errors, [None, Some("not_found"), None]);
    assert_eq!(response.seq, org_seq(&server.db, ACME_QA).await);
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    for link in &links {
        let error = expect_error(
            open_link(&server, &link.path).await,
            StatusCode::GONE,
            "invitation_revoked",
        )
        .await;
        assert!(error.error.message.contains("Admin"), "{error:?}");
        expect_error(
            accept_new(&server, &link.path, "Ann Lee").await,
            StatusCode::GONE,
            "invitation_revoked",
        )
        .await;
    }
    assert!(
        pending(&server, &token)
            .await
            .iter()
            .all(|i| !ids.contains(&i.id))
    );

    let again = revoke(&server, &token, &[ids[0]]).await;
    let error = again.results[0].error.as_ref().expect("already revoked");
    assert_eq!(error.code, "not_pending");
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    let response = resend(&server, &token, ids[0]).await;
    expect_error(response, StatusCode::CONFLICT, "not_pending").await;
}

// Joining

#[tokio::test]
async fn a_new_account_joins_with_its_role_and_licenses_and_is_signed_in() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let studio = products(&server, &token).await;
    let studio = studio
        .iter()
        .find(|product| product.name == "Studio Enterprise")
        .unwrap()
        .id;
    let body = json!({ "emails": ["ann@new.example"], "role": "admin", "products": [studio] });
    let response: InviteResponse = invite(&server, &token, body).await.json().await.unwrap();
    let link = copy_link(&server, &token, invited_id(&response)).await;

    let response = accept(&server, &link.path, json!({ "password": NEW_PASSWORD })).await;
    expect_error(response, StatusCode::BAD_REQUEST, "full_name_required").await;
    let response = accept(
        &server,
        &link.path,
        json!({ "full_name": "Ann Lee", "password": "short" }),
    )
    .await;
    expect_error(response, StatusCode::BAD_REQUEST, "weak_password").await;
    // Long enough, and still what a guesser tries first: refused, saying why and how.
    for guessable in [
        "password1234",
        "            ",
        "123456789012",
        "annlee123456",
    ] {
        let body = json!({ "full_name": "Ann Lee", "password": guessable });
        let response = accept(&server, &link.path, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{guessable:?}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "weak_password", "{guessable:?}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("This password would be easy to guess."),
            "{message}"
        );
    }
    let response = accept_new(&server, &link.path, "Ann\nLee").await;
    expect_error(response, StatusCode::BAD_REQUEST, "control_character").await;
    let events = audit_events(&server.db, ACME_QA).await;

    let response = accept_new(&server, &link.path, "  Ann   Lee ").await;

    assert_eq!(response.status(), StatusCode::OK);
    let cookie = cookie_pair(&response);
    let session: Session = response.json().await.unwrap();
    assert_eq!(session.account.email, "ann@new.example");
    assert_eq!(session.account.full_name, "Ann Lee");
    let current: Session = server
        .get("/api/v1/session")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let organizations: Vec<_> = current
        .organizations
        .iter()
        .map(|org| (org.id, org.role))
        .collect();
    assert_eq!(organizations, [(ACME_QA, Role::Admin)]);

    let snapshot = snapshot(&server, &token).await;
    let ann = member(&snapshot, "ann@new.example");
    assert_eq!(ann.status, MemberStatus::Active);
    assert_eq!(ann.role, Role::Admin);
    assert_eq!(ann.licenses, [studio]);
    assert!(
        pending(&server, &token)
            .await
            .iter()
            .all(|i| i.email != ann.email)
    );
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    let detail = last_audit_detail(&server.db, ACME_QA, "invitation.accepted").await;
    assert_eq!(detail["granted"], json!([studio]));
    let actor: String = db::query_scalar(
        "SELECT a.email FROM audit_events e JOIN accounts a ON a.id = e.actor_id
         WHERE e.org_id = ? ORDER BY e.id DESC LIMIT 1",
    )
    .bind(ACME_QA)
    .fetch_one(&server.db)
    .await
    .unwrap();
    assert_eq!(actor, "ann@new.example");

    // Single use.
    let response = accept_new(&server, &link.path, "Ann Lee").await;
    expect_error(response, StatusCode::GONE, "invitation_used").await;
    let response = open_link(&server, &link.path).await;
    expect_error(response, StatusCode::GONE, "invitation_used").await;
}

#[tokio::test]
async fn an_existing_account_joins_with_its_own_password() {
    let server = TestServer::start().await;
    let globex = create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &[GLOBEX_ADMIN], &[]).await);
    let link = copy_link(&server, &token, id).await;
    let preview: InvitationPreview = open_link(&server, &link.path).await.json().await.unwrap();
    assert!(preview.account_exists);

    let response = accept(&server, &link.path, json!({ "password": "not the one" })).await;
    expect_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(
        open_link(&server, &link.path).await.status(),
        StatusCode::OK,
        "a wrong password leaves the invitation pending"
    );

    let response = accept(
        &server,
        &link.path,
        json!({ "full_name": "Ignored", "password": GLOBEX_PASSWORD }),
    )
    .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_session_cookie(&response).is_some());
    let session: Session = response.json().await.unwrap();
    assert_eq!(session.account.full_name, "Admin of Globex");
    let mut ids: Vec<_> = session.organizations.iter().map(|org| org.id).collect();
    ids.sort();
    assert_eq!(ids, [ACME_QA, globex]);
}

#[tokio::test]
async fn wrong_passwords_at_joining_count_as_failed_sign_ins() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let removed = snapshot(&server, &token)
        .await
        .members
        .into_iter()
        .find(|member| member.status == MemberStatus::Removed)
        .unwrap();
    let id = invited_id(&invite_ok(&server, &token, &[removed.email.as_str()], &[]).await);
    let link = copy_link(&server, &token, id).await;

    for _ in 0..5 {
        let response = accept(&server, &link.path, json!({ "password": "guess" })).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }

    let response = accept(&server, &link.path, json!({ "password": DEMO_PASSWORD })).await;
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
    let response = server.sign_in(&removed.email, DEMO_PASSWORD).await;
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts").await;
}

#[tokio::test]
async fn expired_and_unknown_links_say_so() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[]).await);
    let link = copy_link(&server, &token, id).await;
    set_expires_at(&server.db, id, db::now() - 1).await;

    let error = expect_error(
        accept_new(&server, &link.path, "Ann Lee").await,
        StatusCode::GONE,
        "invitation_expired",
    )
    .await;
    assert!(error.error.message.contains("new invitation"), "{error:?}");
    let unknown = format!("/join/{}", "0".repeat(64));
    expect_error(
        open_link(&server, &unknown).await,
        StatusCode::NOT_FOUND,
        "invitation_not_found",
    )
    .await;
    expect_error(
        accept_new(&server, &unknown, "Ann Lee").await,
        StatusCode::NOT_FOUND,
        "invitation_not_found",
    )
    .await;
}

#[tokio::test]
async fn a_full_pool_at_joining_leaves_out_that_license_and_says_why() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let tiny = add_product(&server.db, ACME_QA, "Tiny", 1).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[tiny]).await);
    let link = copy_link(&server, &token, id).await;
    // An operator gives the seat to someone else directly meanwhile.
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    db::query(
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
         VALUES (?, ?, ?, 0)",
    )
    .bind(ACME_QA)
    .bind(mia)
    .bind(tiny)
    .execute(&server.db)
    .await
    .unwrap();

    let response = accept_new(&server, &link.path, "Ann Lee").await;

    assert_eq!(response.status(), StatusCode::OK);
    let snapshot = snapshot(&server, &token).await;
    let ann = member(&snapshot, "ann@new.example");
    assert_eq!(ann.status, MemberStatus::Active);
    assert!(ann.licenses.is_empty(), "{ann:?}");
    let detail = last_audit_detail(&server.db, ACME_QA, "invitation.accepted").await;
    assert_eq!(
        detail["not_granted"],
        json!([{ "product": "Tiny", "reason": "Tiny has 0 of 1 seats left; this needs 1." }])
    );
}

#[tokio::test]
async fn a_removed_member_invited_back_is_active_again_with_a_fresh_start() {
    let server = TestServer::start().await;
    let token = server.bearer_token(OWNER_EMAIL).await;
    let before = snapshot(&server, &token).await;
    let removed = before
        .members
        .iter()
        .find(|member| member.status == MemberStatus::Removed)
        .unwrap();
    let visual = before
        .products
        .iter()
        .find(|product| product.name == "Visual Testing")
        .unwrap()
        .id;
    let studio = before
        .products
        .iter()
        .find(|product| product.name == "Studio Enterprise")
        .unwrap()
        .id;
    // What they had before they were removed.
    db::query(
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
         VALUES (?, ?, ?, 0)",
    )
    .bind(ACME_QA)
    .bind(removed.id)
    .bind(studio)
    .execute(&server.db)
    .await
    .unwrap();
    db::query("INSERT INTO team_members (team_id, membership_id, role) VALUES (1, ?, 'admin')")
        .bind(removed.id)
        .execute(&server.db)
        .await
        .unwrap();
    let body = json!({ "emails": [removed.email], "role": "admin", "products": [visual] });
    let response: InviteResponse = invite(&server, &token, body).await.json().await.unwrap();
    let link = copy_link(&server, &token, invited_id(&response)).await;

    let response = accept(&server, &link.path, json!({ "password": DEMO_PASSWORD })).await;

    assert_eq!(response.status(), StatusCode::OK);
    let after = snapshot(&server, &token).await;
    let back = member(&after, &removed.email);
    assert_eq!(back.id, removed.id, "the same membership, with its history");
    assert_eq!(back.status, MemberStatus::Active);
    assert_eq!(back.role, Role::Admin);
    assert!(back.joined_at >= db::now() - 5, "{back:?}");
    assert_eq!((back.removed_at, back.removed_by.as_deref()), (None, None));
    assert_eq!(back.licenses, [visual]);
    let teams: i64 = db::query_scalar("SELECT COUNT(*) FROM team_members WHERE membership_id = ?")
        .bind(removed.id)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(teams, 0);
}

// Mail

#[tokio::test]
async fn the_mail_carries_the_link_and_nothing_a_name_smuggles_in() {
    let server = TestServer::start().await;
    // PostgreSQL's text cannot hold a NUL at all.
    let smuggled = "Adam\r\nBcc: all@evil.example\u{0}\u{1b}[2J\u{202e}Alvarez";
    let smuggled = if on_postgres() {
        smuggled.replace('\u{0}', "")
    } else {
        smuggled.to_owned()
    };
    db::query("UPDATE accounts SET full_name = ? WHERE email = ?")
        .bind(smuggled)
        .bind(ADMIN_EMAIL)
        .execute(&server.db)
        .await
        .unwrap();
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let id = invited_id(&invite_ok(&server, &token, &["ann@new.example"], &[]).await);

    let mails = server.outbox().await;

    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.to, "ann@new.example");
    for text in [&mail.subject, mail.body.trim_end()] {
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
    }
    let link = copy_link(&server, &token, id).await;
    assert_eq!(
        mail.body,
        format!(
            "Adam Bcc: all@evil.example [2J Alvarez invited you to join Acme QA on Allot as \
             Member. Open this link within 24 hours to accept: {}\n",
            server.url(&link.path)
        )
    );
}

// Who may

/// Every organization route of invitations, with a body that would otherwise be accepted.
fn org_routes(org_id: OrgId) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let base = format!("/api/v1/orgs/{org_id}");
    vec![
        (Method::GET, format!("{base}/products"), None),
        (Method::GET, format!("{base}/invitations"), None),
        (
            Method::POST,
            format!("{base}/invitations"),
            Some(json!({ "emails": ["x@new.example"], "role": "member" })),
        ),
        (
            Method::POST,
            format!("{base}/invitations/1/resend"),
            Some(json!({})),
        ),
        (Method::GET, format!("{base}/invitations/1/link"), None),
        (
            Method::POST,
            format!("{base}/invitations/revoke"),
            Some(json!({ "ids": [1] })),
        ),
    ]
}

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_see_nothing() {
    let server = TestServer::start().await;
    create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let billing = server.bearer_token(BILLING_EMAIL).await;
    let globex = server
        .bearer_token_with(GLOBEX_ADMIN, GLOBEX_PASSWORD)
        .await;
    let events = audit_events(&server.db, ACME_QA).await;

    for (method, path, body) in org_routes(ACME_QA) {
        for token in [&member, &billing] {
            let response = server
                .send_as(token, method.clone(), &path, body.clone())
                .await;
            expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let response = server
            .send_as(&globex, method.clone(), &path, body.clone())
            .await;
        expect_error(response, StatusCode::NOT_FOUND, "not_found").await;
        let response = client()
            .request(method, server.url(&path))
            .send()
            .await
            .unwrap();
        expect_error(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);
    assert!(server.outbox().await.is_empty());
}

#[tokio::test]
async fn an_admin_cannot_reach_another_organizations_invitations_by_id() {
    let server = TestServer::start().await;
    let globex = create_organization(&server.db, "Globex", GLOBEX_ADMIN, GLOBEX_PASSWORD).await;
    let acme = server.bearer_token(ADMIN_EMAIL).await;
    let acme_invitation = pending(&server, &acme).await[0].id;
    let token = server
        .bearer_token_with(GLOBEX_ADMIN, GLOBEX_PASSWORD)
        .await;

    let link = server
        .get_as(
            &token,
            &format!("/api/v1/orgs/{globex}/invitations/{acme_invitation}/link"),
        )
        .await;
    expect_error(link, StatusCode::NOT_FOUND, "not_found").await;
    let path = format!("/api/v1/orgs/{globex}/invitations/{acme_invitation}/resend");
    let resent = server.post_as(&token, &path, json!({})).await;
    expect_error(resent, StatusCode::NOT_FOUND, "not_found").await;
    let path = format!("/api/v1/orgs/{globex}/invitations/revoke");
    let revoked: BulkResponse = server
        .post_as(&token, &path, json!({ "ids": [acme_invitation] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revoked.results[0].error.as_ref().unwrap().code, "not_found");
    assert!(
        pending(&server, &acme)
            .await
            .iter()
            .any(|i| i.id == acme_invitation)
    );
}

#[tokio::test]
async fn the_openapi_document_describes_invitations() {
    let server = TestServer::start().await;

    let document: serde_json::Value = server
        .get("/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for path in [
        "/api/v1/orgs/{org_id}/products",
        "/api/v1/orgs/{org_id}/invitations",
        "/api/v1/orgs/{org_id}/invitations/{id}/resend",
        "/api/v1/orgs/{org_id}/invitations/{id}/link",
        "/api/v1/orgs/{org_id}/invitations/revoke",
        "/api/v1/invitations/{token}",
        "/api/v1/invitations/{token}/accept",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path}");
    }
}

#[tokio::test]
async fn accepting_from_another_site_is_refused_like_a_forged_sign_in() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let body = json!({ "emails": ["forged@new.example"], "role": "member" });
    let response: InviteResponse = invite(&server, &token, body).await.json().await.unwrap();
    let link = copy_link(&server, &token, invited_id(&response)).await;
    let response = server
        .post(&format!("{}/accept", api_path(&link.path)))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({ "full_name": "Forged", "password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::FORBIDDEN, "forbidden").await;
    // The link still works from the console itself.
    let response = accept_new(&server, &link.path, "Real Person").await;
    assert_eq!(response.status(), StatusCode::OK);
}
