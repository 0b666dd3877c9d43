//! The demo organization: its products in use, and seats that add up.

mod common;

use allot_core::{LicenseOverview, ProductSeats};
use allot_server::{
    demo,
    invitations::{self, InvitationLinks},
};
use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_demo_has_machines_and_sessions_within_its_seats() {
    let server = TestServer::start().await;
    // The test server does not share its secret; a key of our own signs the demo's licenses.
    let links = InvitationLinks::new(invitations::random_secret(), &server.url(""));
    demo::activate_licenses(&server.db, &links).await.unwrap();
    let admin = server.bearer_token(ADMIN_EMAIL).await;

    let response = server
        .get_as(&admin, &format!("/api/v1/orgs/{ACME_QA}/licenses"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let overview: LicenseOverview = response.json().await.unwrap();
    assert!(overview.online.len() >= 3);
    assert!(overview.offline.len() >= 2);
    assert!(
        overview
            .machines
            .iter()
            .any(|m| m.machine_id == "QA-WS-0142" && m.hostname == "qa-ws-0142.acme.lan")
    );
    for product in &overview.products {
        for pool in &product.pools {
            assert!(pool.used <= pool.seats, "{}: {pool:?}", product.name);
        }
    }

    let response = server
        .get_as(&admin, &format!("/api/v1/orgs/{ACME_QA}/products"))
        .await;
    let products: Vec<ProductSeats> = response.json().await.unwrap();
    for product in products {
        assert!(
            product.seats.is_none_or(|seats| product.used <= seats),
            "{product:?}"
        );
    }
}
