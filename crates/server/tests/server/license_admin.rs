//! License Management: the overview, and what each removal terminates.

use crate::common::*;
use allot_core::{
    ActivateResponse, ActivationId, BulkResponse, LicenseOverview, OrgId,
    licensing::{PoolKind, PoolUsage},
};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;

/// Mia, a Member of Acme QA, licensed to a product with a 5-seat floating online pool and a
/// 2-seat offline pool, with an online session on machine m-1 and an offline license on m-2.
struct Setup {
    admin: String,
    mia_token: String,
    mia: MemberId,
    product: ProductId,
    online: ActivationId,
    offline: ActivationId,
}

async fn setup(server: &TestServer) -> Setup {
    let product =
        add_product_with_pool(&server.db, ACME_QA, "Studio X", 5, "floating", "online").await;
    add_pool(&server.db, ACME_QA, product, 2, "floating", "offline").await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    allocate(&server.db, ACME_QA, mia, product).await;
    let mia_token = server.bearer_token(MEMBER_EMAIL).await;
    let online = activate(server, &mia_token, product, "m-1", "online").await;
    let offline = activate(server, &mia_token, product, "m-2", "offline").await;
    Setup {
        admin: server.bearer_token(ADMIN_EMAIL).await,
        mia_token,
        mia,
        product,
        online: online.activation_id,
        offline: offline.activation_id,
    }
}

async fn activate(
    server: &TestServer,
    token: &str,
    product: ProductId,
    machine: &str,
    mode: &str,
) -> ActivateResponse {
    let body =
        json!({ "product_id": product, "machine_id": machine, "hostname": "h", "mode": mode });
    let response = server
        .post_as(
            token,
            &format!("/api/v1/orgs/{ACME_QA}/license/activate"),
            body,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "activation on {machine}");
    response.json().await.unwrap()
}

async fn heartbeat(server: &TestServer, token: &str, activation: ActivationId) -> StatusCode {
    server
        .post_as(
            token,
            &format!("/api/v1/orgs/{ACME_QA}/license/heartbeat"),
            json!({ "activation_id": activation }),
        )
        .await
        .status()
}

async fn overview(server: &TestServer, token: &str) -> LicenseOverview {
    let response = server
        .get_as(token, &format!("/api/v1/orgs/{ACME_QA}/licenses"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn remove(
    server: &TestServer,
    token: &str,
    what: &str,
    ids: &[impl serde::Serialize],
) -> Response {
    server
        .post_as(
            token,
            &format!("/api/v1/orgs/{ACME_QA}/licenses/{what}/remove"),
            json!({ "ids": ids }),
        )
        .await
}

async fn removed(
    server: &TestServer,
    token: &str,
    what: &str,
    ids: &[impl serde::Serialize],
) -> BulkResponse {
    let response = remove(server, token, what, ids).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn error_code(response: &BulkResponse, id: impl Into<i64>) -> Option<&str> {
    let id = id.into();
    let result = response.results.iter().find(|result| result.id == id);
    result
        .expect("a result per id")
        .error
        .as_ref()
        .map(|error| error.code.as_str())
}

#[tokio::test]
async fn the_overview_shows_pools_users_sessions_and_machines() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let overview = overview(&server, &s.admin).await;

    let product = overview
        .products
        .iter()
        .find(|p| p.id == s.product)
        .unwrap();
    let floating = product
        .pools
        .iter()
        .find(|pool| pool.usage == PoolUsage::Online)
        .unwrap();
    assert_eq!(
        (floating.kind, floating.seats, floating.used),
        (PoolKind::Floating, 5, 1)
    );
    let offline_pool = product
        .pools
        .iter()
        .find(|pool| pool.usage == PoolUsage::Offline)
        .unwrap();
    assert_eq!((offline_pool.seats, offline_pool.used), (2, 1));

    let mia = overview
        .licensed_users
        .iter()
        .find(|user| user.member_id == s.mia)
        .unwrap();
    assert!(mia.products.contains(&s.product));
    assert_eq!(mia.machines, 2);
    assert!(mia.last_used_at.is_some());

    assert_eq!(overview.online.len(), 1);
    assert_eq!(overview.online[0].activation_id, s.online);
    assert_eq!(overview.online[0].machine_id, "m-1");
    assert_eq!(overview.offline.len(), 1);
    assert_eq!(overview.offline[0].activation_id, s.offline);
    assert!(!overview.offline[0].removable);
    assert_eq!(overview.machines.len(), 2);
    assert_eq!(overview.seq, org_seq(&server.db, ACME_QA).await);
}

#[tokio::test]
async fn removing_an_online_license_ends_its_session() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let ids = [s.online.0, s.offline.0, 999_999];
    let response = removed(&server, &s.admin, "online", &ids).await;
    assert_eq!(error_code(&response, s.online), None);
    assert_eq!(error_code(&response, s.offline), Some("not_found"));
    assert_eq!(error_code(&response, 999_999), Some("not_found"));
    assert_eq!(
        last_audit_detail(&server.db, ACME_QA, "licenses.online_removed").await,
        json!({ "ids": [s.online] })
    );
    assert_eq!(
        heartbeat(&server, &s.mia_token, s.online).await,
        StatusCode::GONE
    );
    assert!(overview(&server, &s.admin).await.online.is_empty());
    let again = removed(&server, &s.admin, "online", &[s.online]).await;
    assert_eq!(error_code(&again, s.online), Some("already_ended"));
}

#[tokio::test]
async fn offline_licenses_are_removed_only_once_expired() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let events = audit_events(&server.db, ACME_QA).await;
    let refused = removed(&server, &s.admin, "offline", &[s.offline, s.online]).await;
    assert_eq!(error_code(&refused, s.offline), Some("offline_not_expired"));
    assert_eq!(error_code(&refused, s.online), Some("not_found"));
    let message = &refused.results[0].error.as_ref().unwrap().message;
    assert!(
        message.contains("cannot be removed before it expires on 20"),
        "{message}"
    );
    assert_eq!(audit_events(&server.db, ACME_QA).await, events);

    db::query("UPDATE activations SET expires_at = ? WHERE id = ?")
        .bind(allot_server::db::now() - 1)
        .bind(s.offline)
        .execute(&server.db)
        .await
        .unwrap();
    assert!(overview(&server, &s.admin).await.offline[0].removable);
    let done = removed(&server, &s.admin, "offline", &[s.offline]).await;
    assert_eq!(error_code(&done, s.offline), None);
    assert!(overview(&server, &s.admin).await.offline.is_empty());
}

#[tokio::test]
async fn deactivating_a_machine_ends_its_sessions() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let machines = overview(&server, &s.admin).await.machines;
    let m1 = machines
        .iter()
        .find(|m| m.machine_id == "m-1")
        .unwrap()
        .id
        .0;
    let response = removed(&server, &s.admin, "machines", &[m1, 999_999]).await;
    assert_eq!(error_code(&response, m1), None);
    assert_eq!(error_code(&response, 999_999), Some("not_found"));
    assert_eq!(
        heartbeat(&server, &s.mia_token, s.online).await,
        StatusCode::GONE
    );
    let after = overview(&server, &s.admin).await;
    assert_eq!(after.machines.len(), 1);
    assert_eq!(after.machines[0].machine_id, "m-2");
    // The offline license on the other machine is untouched.
    assert_eq!(after.offline.len(), 1);
}

#[tokio::test]
async fn removing_a_licensed_user_ends_sessions_and_licenses_but_not_offline_ones() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let response = removed(&server, &s.admin, "users", &[s.mia, MemberId(999_999)]).await;
    assert_eq!(error_code(&response, s.mia), None);
    assert_eq!(error_code(&response, 999_999), Some("not_found"));
    assert_eq!(
        heartbeat(&server, &s.mia_token, s.online).await,
        StatusCode::GONE
    );
    let after = overview(&server, &s.admin).await;
    assert!(
        after
            .licensed_users
            .iter()
            .all(|user| user.member_id != s.mia)
    );
    assert!(after.machines.is_empty());
    assert!(after.online.is_empty());
    assert_eq!(
        after.offline.len(),
        1,
        "offline licenses stay until they expire"
    );
    // Her license is gone: activating again is refused.
    let body =
        json!({ "product_id": s.product, "machine_id": "m-1", "hostname": "h", "mode": "online" });
    let again = server
        .post_as(
            &s.mia_token,
            &format!("/api/v1/orgs/{ACME_QA}/license/activate"),
            body,
        )
        .await;
    expect_error(again, StatusCode::FORBIDDEN, "not_licensed").await;
}

#[tokio::test]
async fn removing_a_member_ends_their_machines_and_sessions() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let response = server
        .post_as(
            &s.admin,
            &format!("/api/v1/orgs/{ACME_QA}/members/remove"),
            json!({ "ids": [s.mia] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let count: i64 =
        db::query_scalar("SELECT COUNT(*) FROM activations WHERE id = ? AND ended_at IS NOT NULL")
            .bind(s.online)
            .fetch_one(&server.db)
            .await
            .unwrap();
    assert_eq!(count, 1);
    assert!(overview(&server, &s.admin).await.machines.is_empty());
}

#[tokio::test]
async fn only_managers_of_the_organization_manage_licenses() {
    let server = TestServer::start().await;
    let s = setup(&server).await;
    let other: OrgId = create_organization(
        &server.db,
        "Elsewhere",
        "out@else.example",
        "a long password",
    )
    .await;
    assert_ne!(other, ACME_QA);
    let outsider = server
        .bearer_token_with("out@else.example", "a long password")
        .await;
    for (token, status, code) in [
        (&s.mia_token, StatusCode::FORBIDDEN, "forbidden"),
        (&outsider, StatusCode::NOT_FOUND, "not_found"),
    ] {
        let listed = server
            .get_as(token, &format!("/api/v1/orgs/{ACME_QA}/licenses"))
            .await;
        expect_error(listed, status, code).await;
        for what in ["users", "online", "offline", "machines"] {
            let response = remove(&server, token, what, &[s.online]).await;
            expect_error(response, status, code).await;
        }
    }
    assert_eq!(
        heartbeat(&server, &s.mia_token, s.online).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn seats_in_use_are_kept_per_hour_and_read_as_a_series_over_each_range() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let usage = |product: ProductId, range: &str| {
        let query = format!("range={range}");
        let (server, token) = (&server, token.clone());
        async move { server.usage_as(&token, product, &query).await }
    };
    let products: Vec<allot_core::ProductSeats> = server
        .get_as(&token, &format!("/api/v1/orgs/{ACME_QA}/products"))
        .await
        .json()
        .await
        .unwrap();
    let product = products
        .iter()
        .find(|product| product.seats.is_some_and(|seats| seats > product.used))
        .expect("a product with a free named seat");

    // The demo's year of history ends at today's count.
    let day = usage(product.id, "24h").await;
    assert_eq!(day.points.len(), 24);
    assert_eq!(day.points[23].peak, product.used);
    assert_eq!(day.points[23].quota, product.seats);
    let year = usage(product.id, "12m").await;
    assert_eq!(year.points.len(), 12);
    assert!(year.peak >= product.used && year.average > 0.0);
    assert_eq!(usage(product.id, "30d").await.points.len(), 30);

    // A seat taken now shows in the current hour.
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let body = json!({ "allocate_to_user": false, "products": [product.id] });
    let allocated = server
        .send_as(
            &token,
            Method::PUT,
            &format!("/api/v1/orgs/{ACME_QA}/members/{mia}/allocation"),
            Some(body),
        )
        .await;
    assert_eq!(allocated.status(), StatusCode::OK);
    let day = usage(product.id, "24h").await;
    assert_eq!(day.points[23].peak, product.used + 1);
    assert_eq!(day.peak.max(product.used + 1), day.peak);

    let wrong = server
        .get_as(
            &token,
            &format!(
                "/api/v1/orgs/{ACME_QA}/products/{}/usage?range=1y",
                product.id
            ),
        )
        .await;
    expect_error(wrong, StatusCode::BAD_REQUEST, "invalid_query").await;
    let elsewhere = server
        .get_as(
            &token,
            &format!("/api/v1/orgs/{ACME_QA}/products/999999/usage"),
        )
        .await;
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND);
}
