//! The last seat, taken by many at once through every path that takes a seat: activation,
//! invitation (and so invite back), acceptance, direct allocation, undo and retry. Exactly
//! one wins each race, whatever the interleaving.

use std::{future::Future, sync::Arc};

use crate::common::*;
use allot_core::{InvitationLink, InviteOutcome, InviteResponse, ProductSeats};
use reqwest::{Method, StatusCode};
use serde_json::json;

const RACERS: usize = 12;

fn org_path(rest: &str) -> String {
    format!("/api/v1/orgs/{ACME_QA}/{rest}")
}

/// Runs `racer(i)` for every i at once and answers their statuses.
async fn race<F, Fut>(racer: F) -> Vec<StatusCode>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = StatusCode> + Send + 'static,
{
    let racers: Vec<_> = (0..RACERS).map(|i| tokio::spawn(racer(i))).collect();
    futures_util::future::join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn winners(statuses: &[StatusCode]) -> usize {
    statuses.iter().filter(|status| status.is_success()).count()
}

/// Exactly one racer won, and the product's one seat is used once.
async fn one_took_the_seat(
    server: &TestServer,
    token: &str,
    product: ProductId,
    statuses: &[StatusCode],
) {
    assert_eq!(winners(statuses), 1, "{statuses:?}");
    assert_eq!(used(server, token, product).await, 1);
}

/// Active Members of Acme QA other than the demo's own member, `RACERS` of them.
async fn members(server: &TestServer) -> Vec<MemberId> {
    db::query_scalar(
        "SELECT m.id FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.status = 'active' AND m.role = 'member' AND a.email != ?
         ORDER BY m.id LIMIT ?",
    )
    .bind(ACME_QA)
    .bind(MEMBER_EMAIL)
    .bind(RACERS as i64)
    .fetch_all(&server.db)
    .await
    .unwrap()
}

/// How many seats of `product` are used or promised, as Invite Users counts them.
async fn used(server: &TestServer, token: &str, product: ProductId) -> u32 {
    let seats: Vec<ProductSeats> = server
        .get_as(token, &org_path("products"))
        .await
        .json()
        .await
        .unwrap();
    let product = seats.iter().find(|p| p.id == product).unwrap();
    product.used
}

async fn setup() -> (Arc<TestServer>, String, ProductId) {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let product = add_product(&server.db, ACME_QA, "Last Seat", 1).await;
    (Arc::new(server), owner, product)
}

#[tokio::test]
async fn activations_race_for_the_last_seat() {
    let server = TestServer::start().await;
    let product =
        add_product_with_pool(&server.db, ACME_QA, "Floating", 1, "floating", "online").await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    allocate(&server.db, ACME_QA, mia, product).await;
    let token = server.bearer_token(MEMBER_EMAIL).await;
    let server = Arc::new(server);

    let statuses = race(|i| {
        let (server, token) = (server.clone(), token.clone());
        async move {
            let body = json!({ "product_id": product, "machine_id": format!("race-{i}"),
                               "hostname": "race", "mode": "online" });
            server
                .post_as(&token, &org_path("license/activate"), body)
                .await
                .status()
        }
    })
    .await;

    assert_eq!(winners(&statuses), 1, "{statuses:?}");
}

#[tokio::test]
async fn invitations_race_for_the_last_seat() {
    let (server, owner, product) = setup().await;
    // Invite back: addresses of removed members, as Removed Users' "Invite back" sends them.
    let removed: Vec<String> = db::query_scalar(
        "SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.status = 'removed' ORDER BY m.id LIMIT ?",
    )
    .bind(ACME_QA)
    .bind(RACERS as i64)
    .fetch_all(&server.db)
    .await
    .unwrap();

    let statuses = race(|i| {
        let (server, owner) = (server.clone(), owner.clone());
        let email = removed
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("racer{i}@new.example"));
        async move {
            let body = json!({ "emails": [email], "role": "member", "products": [product] });
            server
                .post_as(&owner, &org_path("invitations"), body)
                .await
                .status()
        }
    })
    .await;

    one_took_the_seat(&server, &owner, product, &statuses).await;
}

#[tokio::test]
async fn acceptances_race_for_the_last_seat() {
    let (server, owner, product) = setup().await;
    db::query("UPDATE license_pools SET seats = ? WHERE product_id = ?")
        .bind(RACERS as i64)
        .bind(product)
        .execute(&server.db)
        .await
        .unwrap();
    let mut links = Vec::new();
    for i in 0..RACERS {
        let body = json!({ "emails": [format!("joiner{i}@new.example")], "role": "member",
                           "products": [product] });
        let response: InviteResponse = server
            .post_as(&owner, &org_path("invitations"), body)
            .await
            .json()
            .await
            .unwrap();
        let InviteOutcome::Invited { invitation_id } = response.results[0].outcome else {
            panic!("not invited");
        };
        let link: InvitationLink = server
            .get_as(
                &owner,
                &org_path(&format!("invitations/{invitation_id}/link")),
            )
            .await
            .json()
            .await
            .unwrap();
        links.push(link.path);
    }
    // Seats ran out meanwhile: one is left for all of them.
    db::query("UPDATE license_pools SET seats = 1 WHERE product_id = ?")
        .bind(product)
        .execute(&server.db)
        .await
        .unwrap();

    let statuses = race(|i| {
        let server = server.clone();
        let token = links[i].trim_start_matches("/join/").to_owned();
        async move {
            server
                .post(&format!("/api/v1/invitations/{token}/accept"))
                .json(&json!({ "full_name": "Racer", "password": "a long enough password" }))
                .send()
                .await
                .unwrap()
                .status()
        }
    })
    .await;

    // Everyone joins; one of them gets the license, the others an allocation error.
    assert_eq!(winners(&statuses), RACERS, "{statuses:?}");
    let granted: i64 =
        db::query_scalar("SELECT COUNT(*) FROM direct_allocations WHERE product_id = ?")
            .bind(product)
            .fetch_one(&server.db)
            .await
            .unwrap();
    assert_eq!(granted, 1);
    let errors: i64 =
        db::query_scalar("SELECT COUNT(*) FROM allocation_errors WHERE product_id = ?")
            .bind(product)
            .fetch_one(&server.db)
            .await
            .unwrap();
    assert_eq!(errors, RACERS as i64 - 1);
}

#[tokio::test]
async fn direct_allocations_race_for_the_last_seat() {
    let (server, owner, product) = setup().await;
    let members = members(&server).await;

    let statuses = race(|i| {
        let (server, owner, member) = (server.clone(), owner.clone(), members[i]);
        async move {
            let body = json!({ "allocate_to_user": true, "products": [product] });
            let path = org_path(&format!("members/{member}/allocation"));
            server
                .send_as(&owner, Method::PUT, &path, Some(body))
                .await
                .status()
        }
    })
    .await;

    one_took_the_seat(&server, &owner, product, &statuses).await;
}

#[tokio::test]
async fn undos_race_for_the_last_seat() {
    let (server, owner, product) = setup().await;
    let members = members(&server).await;
    for &member in &members {
        allocate(&server.db, ACME_QA, member, product).await;
    }
    let removed = server
        .post_as(
            &owner,
            &org_path("members/remove"),
            json!({ "ids": members }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);

    let statuses = race(|i| {
        let (server, owner, member) = (server.clone(), owner.clone(), members[i]);
        async move {
            let response = server
                .post_as(
                    &owner,
                    &org_path("members/restore"),
                    json!({ "ids": [member] }),
                )
                .await;
            let report: allot_core::BulkResponse = response.json().await.unwrap();
            if report.results[0].error.is_none() {
                StatusCode::OK
            } else {
                StatusCode::CONFLICT
            }
        }
    })
    .await;

    one_took_the_seat(&server, &owner, product, &statuses).await;
}

#[tokio::test]
async fn retries_race_for_the_last_seat() {
    let (server, owner, product) = setup().await;
    let members = members(&server).await;
    let mut errors = Vec::new();
    for &member in &members {
        let id: i64 = db::query_scalar(
            "INSERT INTO allocation_errors (org_id, membership_id, product_id, reason, created_at)
             VALUES (?, ?, ?, 'no seat', 0) RETURNING id",
        )
        .bind(ACME_QA)
        .bind(member)
        .bind(product)
        .fetch_one(&server.db)
        .await
        .unwrap();
        errors.push(id);
    }

    let statuses = race(|i| {
        let (server, owner, error) = (server.clone(), owner.clone(), errors[i]);
        async move {
            let path = org_path(&format!("allocation-errors/{error}/retry"));
            server.post_as(&owner, &path, json!({})).await.status()
        }
    })
    .await;

    one_took_the_seat(&server, &owner, product, &statuses).await;
}
