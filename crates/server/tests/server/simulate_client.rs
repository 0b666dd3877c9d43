//! `allot-server simulate-client` against a running server: heartbeats until released, and
//! stops when an Admin ends the session.

use crate::common::*;
use allot_server::simulate::{self, Mode, Outcome, SimulateClient};
use reqwest::StatusCode;
use serde_json::json;

/// Mia with a license of a product with a floating online pool, as the simulated product.
async fn mia_on(server: &TestServer, machine_id: &str, heartbeats: u32) -> SimulateClient {
    let product =
        add_product_with_pool(&server.db, ACME_QA, "Studio X", 2, "floating", "online").await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    allocate(&server.db, ACME_QA, mia, product).await;
    SimulateClient {
        url: server.url(""),
        email: MEMBER_EMAIL.into(),
        password: DEMO_PASSWORD.into(),
        org: ACME_QA,
        product,
        machine_id: machine_id.into(),
        hostname: None,
        mode: Mode::Online,
        heartbeats,
        interval_secs: 0.05,
    }
}

async fn session_on(server: &TestServer, machine_id: &str) -> Option<(i64, Option<i64>)> {
    db::query_as("SELECT id, ended_at FROM activations WHERE machine_id = ?")
        .bind(machine_id)
        .fetch_optional(&server.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_simulated_product_heartbeats_and_releases() {
    let server = TestServer::start().await;
    let args = mia_on(&server, "SIM-01", 2).await;
    assert_eq!(simulate::run(&args).await.unwrap(), Outcome::Finished);
    let (_, ended_at) = session_on(&server, "SIM-01").await.unwrap();
    assert!(ended_at.is_some(), "released at the end");
}

#[tokio::test]
async fn the_simulated_product_stops_when_an_admin_ends_its_session() {
    let server = TestServer::start().await;
    let args = mia_on(&server, "SIM-02", 1000).await;
    let product = tokio::spawn(async move { simulate::run(&args).await.unwrap() });
    let session = loop {
        if let Some((id, _)) = session_on(&server, "SIM-02").await {
            break id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let response = server
        .post_as(
            &admin,
            &format!("/api/v1/orgs/{ACME_QA}/licenses/online/remove"),
            json!({ "ids": [session] }),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(product.await.unwrap(), Outcome::Terminated);
}
