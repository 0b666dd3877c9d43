//! Groups and license allocation: group members and roles, allocation rules whose licenses
//! take a seat when a product acquires them, release, "Allocate to User", removal from a
//! group, and allocation errors when seats run out.

use crate::common::*;
use allot_core::{
    AllocationError, BulkResponse, GroupChange, MembersSnapshot, OrgId, ProductSeats, Role,
};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const OTHER_PASSWORD: &str = "another password";

fn org_path(rest: &str) -> String {
    format!("/api/v1/orgs/{ACME_QA}/{rest}")
}

struct Setup {
    server: TestServer,
    admin: String,
    product: ProductId,
    mia: MemberId,
    mia_token: String,
    /// A second Member of Acme QA who signs in with `OTHER_PASSWORD`.
    other: MemberId,
    other_token: String,
}

/// Acme QA with a new named product of `seats` seats, and two Members signed in as their
/// products would be.
async fn setup(seats: u32) -> Setup {
    let server = TestServer::start().await;
    let product = add_product(&server.db, ACME_QA, "Inherited Studio", seats).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let (other, other_email): (MemberId, String) = db::query_as(
        "SELECT m.id, a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.role = 'member' AND m.status = 'active' AND m.id != ?
         ORDER BY m.id LIMIT 1",
    )
    .bind(ACME_QA)
    .bind(mia)
    .fetch_one(&server.db)
    .await
    .unwrap();
    set_password(&server.db, &other_email, OTHER_PASSWORD).await;
    Setup {
        admin: server.bearer_token(ADMIN_EMAIL).await,
        mia_token: server.bearer_token(MEMBER_EMAIL).await,
        other_token: server.bearer_token_with(&other_email, OTHER_PASSWORD).await,
        server,
        product,
        mia,
        other,
    }
}

impl Setup {
    async fn send(&self, method: Method, path: &str, body: Value) -> Response {
        self.server
            .send_as(&self.admin, method, &org_path(path), Some(body))
            .await
    }

    async fn changed(&self, method: Method, path: &str, body: Value) -> GroupChange {
        let response = self.send(method, path, body).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// A group with a rule for the product, holding `members`.
    async fn group(&self, name: &str, members: &[MemberId]) -> GroupId {
        let created = self
            .changed(
                Method::POST,
                "groups",
                json!({ "name": name, "members": members }),
            )
            .await;
        let id = created.group.unwrap().id;
        let rule = json!({ "products": [self.product] });
        self.changed(Method::PUT, &format!("groups/{id}/rule"), rule)
            .await;
        id
    }

    async fn activate(&self, token: &str, machine: &str) -> Response {
        let body = json!({
            "product_id": self.product, "machine_id": machine, "hostname": machine, "mode": "online",
        });
        self.server
            .post_as(token, &org_path("license/activate"), body)
            .await
    }

    /// Activates and answers the activation's id.
    async fn acquire(&self, token: &str, machine: &str) -> i64 {
        let response = self.activate(token, machine).await;
        assert_eq!(response.status(), StatusCode::OK, "activation on {machine}");
        let body: Value = response.json().await.unwrap();
        body["activation_id"].as_i64().unwrap()
    }

    async fn heartbeat(&self, token: &str, activation: i64) -> StatusCode {
        let body = json!({ "activation_id": activation });
        self.server
            .post_as(token, &org_path("license/heartbeat"), body)
            .await
            .status()
    }

    async fn seats_used(&self) -> u32 {
        let response = self.server.get_as(&self.admin, &org_path("products")).await;
        let products: Vec<ProductSeats> = response.json().await.unwrap();
        products
            .into_iter()
            .find(|p| p.id == self.product)
            .unwrap()
            .used
    }

    async fn snapshot(&self) -> MembersSnapshot {
        self.server
            .members_as(&self.admin, ACME_QA)
            .await
            .json()
            .await
            .unwrap()
    }

    async fn allocation_errors(&self) -> Vec<AllocationError> {
        let response = self
            .server
            .get_as(&self.admin, &org_path("allocation-errors"))
            .await;
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn groups_are_created_renamed_and_deleted_with_their_members() {
    let s = setup(5).await;
    let created = s
        .changed(
            Method::POST,
            "groups",
            json!({ "name": " QA Leads ", "role": "admin", "members": [s.mia, s.mia] }),
        )
        .await;
    let group = created.group.unwrap();
    assert_eq!(
        (group.name.as_str(), group.role),
        ("QA Leads", Some(Role::Admin))
    );
    assert_eq!(created.members_changed, 1);

    let snapshot = s.snapshot().await;
    assert!(snapshot.groups.iter().any(|g| g.id == group.id));
    let mia = snapshot.members.iter().find(|m| m.id == s.mia).unwrap();
    assert!(mia.groups.contains(&group.id));

    for (body, status, code) in [
        (
            json!({ "name": "qa leads" }),
            StatusCode::CONFLICT,
            "name_taken",
        ),
        (
            json!({ "name": "  " }),
            StatusCode::BAD_REQUEST,
            "invalid_group_name",
        ),
        (
            json!({ "name": "x".repeat(101) }),
            StatusCode::BAD_REQUEST,
            "invalid_group_name",
        ),
        (
            json!({ "name": "Owners", "role": "owner" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_role",
        ),
        (
            json!({ "name": "Ghosts", "members": [999_999] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_member",
        ),
    ] {
        let seq = org_seq(&s.server.db, ACME_QA).await;
        expect_error(s.send(Method::POST, "groups", body).await, status, code).await;
        assert_eq!(
            org_seq(&s.server.db, ACME_QA).await,
            seq,
            "a refusal changes nothing"
        );
    }

    let renamed = s
        .changed(
            Method::PUT,
            &format!("groups/{}", group.id),
            json!({ "name": "Leads", "role": "admin", "members": [s.other] }),
        )
        .await;
    assert_eq!(renamed.group.unwrap().name, "Leads");
    assert_eq!(
        renamed.members_changed, 2,
        "Mia lost Admin, the other gained it"
    );
    let detail = last_audit_detail(&s.server.db, ACME_QA, "group.updated").await;
    assert_eq!(detail["removed"], json!([s.mia]));
    assert_eq!(detail["added"], json!([s.other]));

    s.changed(Method::DELETE, &format!("groups/{}", group.id), json!({}))
        .await;
    let snapshot = s.snapshot().await;
    assert!(!snapshot.groups.iter().any(|g| g.id == group.id));
    assert!(
        snapshot
            .members
            .iter()
            .all(|m| !m.groups.contains(&group.id))
    );
    let missing = s
        .send(Method::DELETE, &format!("groups/{}", group.id), json!({}))
        .await;
    expect_error(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_group_role_applies_until_the_member_leaves_the_group() {
    let s = setup(5).await;
    async fn mia_can_manage(s: &Setup) -> StatusCode {
        s.server.members_as(&s.mia_token, ACME_QA).await.status()
    }
    assert_eq!(mia_can_manage(&s).await, StatusCode::FORBIDDEN);
    let created = s
        .changed(
            Method::POST,
            "groups",
            json!({ "name": "Deputies", "role": "admin", "members": [s.mia] }),
        )
        .await;
    assert_eq!(mia_can_manage(&s).await, StatusCode::OK);
    let session: Value = s
        .server
        .get_as(&s.mia_token, "/api/v1/session")
        .await
        .json()
        .await
        .unwrap();
    let acme = session["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == ACME_QA.0)
        .unwrap()
        .clone();
    assert_eq!(acme["role"], "admin");

    let id = created.group.unwrap().id;
    s.changed(
        Method::PUT,
        &format!("groups/{id}"),
        json!({ "name": "Deputies", "role": "admin", "members": [] }),
    )
    .await;
    assert_eq!(mia_can_manage(&s).await, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_inherited_license_takes_a_seat_when_acquired_and_release_frees_it() {
    let s = setup(5).await;
    let group = s.group("Studio users", &[s.mia, s.other]).await;
    assert_eq!(s.seats_used().await, 0, "a rule takes no seat by itself");

    let activation = s.acquire(&s.mia_token, "mia-1").await;
    assert_eq!(s.seats_used().await, 1);
    let mia = s
        .snapshot()
        .await
        .members
        .into_iter()
        .find(|m| m.id == s.mia);
    assert_eq!(mia.unwrap().held, [s.product]);
    // A second machine of the same member takes no second seat.
    s.acquire(&s.mia_token, "mia-2").await;
    assert_eq!(s.seats_used().await, 1);

    let release = json!({ "ids": [s.mia, s.other, 999_999] });
    let response = s
        .send(Method::POST, &format!("groups/{group}/release"), release)
        .await;
    let results: BulkResponse = response.json().await.unwrap();
    let codes: Vec<Option<String>> = results
        .results
        .iter()
        .map(|r| r.error.as_ref().map(|e| e.code.clone()))
        .collect();
    assert_eq!(
        codes,
        [None, Some("nothing_held".into()), Some("not_found".into())]
    );
    assert_eq!(s.seats_used().await, 0);
    assert_eq!(
        s.heartbeat(&s.mia_token, activation).await,
        StatusCode::GONE
    );

    // Releasing does not keep the member from the license: the next sign-in takes it again.
    s.acquire(&s.mia_token, "mia-1").await;
    assert_eq!(s.seats_used().await, 1);
}

#[tokio::test]
async fn members_a_rule_entitles_beyond_the_seats_get_allocation_errors_and_a_retry() {
    let s = setup(1).await;
    s.group("Studio users", &[s.mia, s.other]).await;
    s.acquire(&s.mia_token, "mia-1").await;

    let seq = org_seq(&s.server.db, ACME_QA).await;
    let refused = s.activate(&s.other_token, "other-1").await;
    let error = expect_error(refused, StatusCode::CONFLICT, "seats_exceeded").await;
    assert!(
        error.error.message.contains("0 of 1 seats left"),
        "{}",
        error.error.message
    );
    assert_eq!(s.seats_used().await, 1, "seats never exceed the pool");
    let errors = s.allocation_errors().await;
    let recorded = errors
        .iter()
        .find(|e| e.member_id == s.other && e.product_id == s.product)
        .expect("the failure is listed");
    assert!(recorded.reason.contains("0 of 1 seats left"));
    assert!(org_seq(&s.server.db, ACME_QA).await > seq);

    let retry = format!("allocation-errors/{}/retry", recorded.id);
    let still_full = s.send(Method::POST, &retry, json!({})).await;
    expect_error(still_full, StatusCode::CONFLICT, "seats_exceeded").await;

    let mia_leaves = json!({ "allocate_to_user": true, "products": [] });
    s.changed(
        Method::PUT,
        &format!("members/{}/allocation", s.mia),
        mia_leaves,
    )
    .await;
    assert_eq!(s.seats_used().await, 0);
    let retried = s.send(Method::POST, &retry, json!({})).await;
    assert_eq!(retried.status(), StatusCode::NO_CONTENT);
    let other = s
        .snapshot()
        .await
        .members
        .into_iter()
        .find(|m| m.id == s.other);
    let other = other.unwrap();
    assert_eq!(other.held, [s.product], "the retry took the inherited seat");
    assert!(
        !other.licenses.contains(&s.product),
        "not as a direct allocation"
    );
    assert_eq!(s.seats_used().await, 1);
    s.acquire(&s.other_token, "other-1").await;
    assert_eq!(s.seats_used().await, 1);
}

#[tokio::test]
async fn allocate_to_user_with_nothing_blocks_every_license() {
    let s = setup(5).await;
    s.group("Studio users", &[s.mia]).await;
    let activation = s.acquire(&s.mia_token, "mia-1").await;

    let block = json!({ "allocate_to_user": true, "products": [] });
    let change = s
        .changed(Method::PUT, &format!("members/{}/allocation", s.mia), block)
        .await;
    assert_eq!((change.members_changed, change.seats_freed), (1, 1));
    assert_eq!(s.seats_used().await, 0);
    assert_eq!(
        s.heartbeat(&s.mia_token, activation).await,
        StatusCode::GONE
    );
    let refused = s.activate(&s.mia_token, "mia-1").await;
    let error = expect_error(refused, StatusCode::FORBIDDEN, "not_licensed").await;
    assert!(error.error.message.contains("any license"));
    assert!(
        s.allocation_errors().await.is_empty(),
        "a block is a decision, not an error"
    );
    let mia = s
        .snapshot()
        .await
        .members
        .into_iter()
        .find(|m| m.id == s.mia);
    assert!(mia.unwrap().is_blocked());

    // Unblocked, the group rule applies again.
    let unblock = json!({ "allocate_to_user": false, "products": [] });
    s.changed(
        Method::PUT,
        &format!("members/{}/allocation", s.mia),
        unblock,
    )
    .await;
    s.acquire(&s.mia_token, "mia-1").await;
}

#[tokio::test]
async fn a_direct_allocation_overrides_the_groups_and_needs_a_seat() {
    let s = setup(1).await;
    let elsewhere = add_product(&s.server.db, ACME_QA, "Direct Only", 5).await;
    s.group("Studio users", &[s.mia]).await;
    s.acquire(&s.mia_token, "mia-1").await;
    assert_eq!(s.seats_used().await, 1);

    // The held inherited seat becomes the direct allocation's: no second seat needed.
    let direct = json!({ "allocate_to_user": true, "products": [s.product, elsewhere] });
    let change = s
        .changed(
            Method::PUT,
            &format!("members/{}/allocation", s.mia),
            direct,
        )
        .await;
    assert_eq!(change.seats_freed, 1);
    assert_eq!(s.seats_used().await, 1);
    let mia = s
        .snapshot()
        .await
        .members
        .into_iter()
        .find(|m| m.id == s.mia);
    let mia = mia.unwrap();
    assert!(mia.allocate_to_user && mia.held.is_empty());
    assert_eq!(mia.licenses, [s.product, elsewhere]);

    let full = json!({ "allocate_to_user": true, "products": [s.product] });
    let refused = s
        .send(
            Method::PUT,
            &format!("members/{}/allocation", s.other),
            full,
        )
        .await;
    expect_error(refused, StatusCode::CONFLICT, "seats_exceeded").await;
    let unknown = json!({ "allocate_to_user": true, "products": [999_999] });
    let refused = s
        .send(
            Method::PUT,
            &format!("members/{}/allocation", s.other),
            unknown,
        )
        .await;
    expect_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "unknown_product").await;
}

#[tokio::test]
async fn leaving_the_group_frees_the_seat_and_ends_the_session() {
    let s = setup(5).await;
    let group = s.group("Studio users", &[s.mia, s.other]).await;
    let mia_session = s.acquire(&s.mia_token, "mia-1").await;
    let other_session = s.acquire(&s.other_token, "other-1").await;
    assert_eq!(s.seats_used().await, 2);

    let change = s
        .changed(
            Method::PUT,
            &format!("groups/{group}"),
            json!({ "name": "Studio users", "members": [s.mia] }),
        )
        .await;
    assert_eq!((change.members_changed, change.seats_freed), (1, 1));
    assert_eq!(s.seats_used().await, 1);
    assert_eq!(
        s.heartbeat(&s.other_token, other_session).await,
        StatusCode::GONE
    );
    assert_eq!(s.heartbeat(&s.mia_token, mia_session).await, StatusCode::OK);
    let refused = s.activate(&s.other_token, "other-1").await;
    expect_error(refused, StatusCode::FORBIDDEN, "not_licensed").await;

    // Emptying the rule frees the rest.
    let change = s
        .changed(
            Method::PUT,
            &format!("groups/{group}/rule"),
            json!({ "products": [] }),
        )
        .await;
    assert_eq!(change.seats_freed, 1);
    assert_eq!(s.seats_used().await, 0);
    assert_eq!(
        s.heartbeat(&s.mia_token, mia_session).await,
        StatusCode::GONE
    );
}

#[tokio::test]
async fn removing_a_member_frees_their_inherited_seats() {
    let s = setup(5).await;
    s.group("Studio users", &[s.other]).await;
    s.acquire(&s.other_token, "other-1").await;
    assert_eq!(s.seats_used().await, 1);
    let response = s
        .send(Method::POST, "members/remove", json!({ "ids": [s.other] }))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(s.seats_used().await, 0);
}

#[tokio::test]
async fn members_are_forbidden_and_other_organizations_get_404() {
    let s = setup(5).await;
    let group = s.group("Studio users", &[s.mia]).await;
    let outsider_org: OrgId = create_organization(
        &s.server.db,
        "Elsewhere",
        "admin@elsewhere.test",
        OTHER_PASSWORD,
    )
    .await;
    let outsider = s
        .server
        .bearer_token_with("admin@elsewhere.test", OTHER_PASSWORD)
        .await;
    let requests = [
        (Method::POST, "groups".to_owned(), json!({ "name": "X" })),
        (
            Method::PUT,
            format!("groups/{group}"),
            json!({ "name": "X" }),
        ),
        (Method::DELETE, format!("groups/{group}"), json!({})),
        (
            Method::PUT,
            format!("groups/{group}/rule"),
            json!({ "products": [] }),
        ),
        (
            Method::POST,
            format!("groups/{group}/release"),
            json!({ "ids": [s.mia] }),
        ),
        (
            Method::PUT,
            format!("members/{}/allocation", s.mia),
            json!({ "allocate_to_user": true, "products": [] }),
        ),
    ];
    let seq = org_seq(&s.server.db, ACME_QA).await;
    for (method, path, body) in &requests {
        let as_member = s
            .server
            .send_as(
                &s.mia_token,
                method.clone(),
                &org_path(path),
                Some(body.clone()),
            )
            .await;
        expect_error(as_member, StatusCode::FORBIDDEN, "forbidden").await;
        let as_outsider = s
            .server
            .send_as(
                &outsider,
                method.clone(),
                &org_path(path),
                Some(body.clone()),
            )
            .await;
        expect_error(as_outsider, StatusCode::NOT_FOUND, "not_found").await;
        // Acme QA's group through the outsider's own organization is nonexistent too.
        let own_path = format!("/api/v1/orgs/{outsider_org}/{path}");
        let crossed = s
            .server
            .send_as(&outsider, method.clone(), &own_path, Some(body.clone()))
            .await;
        if path != "groups" {
            assert!(
                [StatusCode::NOT_FOUND, StatusCode::BAD_REQUEST].contains(&crossed.status()),
                "{method} {own_path}: {}",
                crossed.status()
            );
        }
    }
    assert_eq!(org_seq(&s.server.db, ACME_QA).await, seq);
}
