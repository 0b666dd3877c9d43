//! `allot-server pool add|set|list`: the functions behind the operators' subcommands.

use crate::common::*;
use allot_core::{
    PoolId,
    licensing::{PoolKind, PoolUsage},
};
use allot_server::{db, expiry, pools};

#[tokio::test]
async fn operators_add_change_and_list_pools() {
    let server = TestServer::start().await;
    let db = &server.db;
    let seq = org_seq(db, ACME_QA).await;
    let year = db::now() + 365 * 24 * 60 * 60;

    let id = pools::add(
        db,
        ACME_QA,
        "Studio X",
        10,
        PoolKind::Floating,
        PoolUsage::Online,
        year,
    )
    .await
    .unwrap();
    // A second pool of the same product reuses the product.
    let offline = pools::add(
        db,
        ACME_QA,
        "Studio X",
        2,
        PoolKind::Named,
        PoolUsage::Offline,
        year,
    )
    .await
    .unwrap();
    assert_eq!(org_seq(db, ACME_QA).await, seq + 2);
    let mia = member_id(db, ACME_QA, MEMBER_EMAIL).await;
    let product: ProductId = db::query_scalar("SELECT product_id FROM license_pools WHERE id = ?")
        .bind(id)
        .fetch_one(db)
        .await
        .unwrap();
    allocate(db, ACME_QA, mia, product).await;

    pools::set(db, id, Some(3), None).await.unwrap();
    assert_eq!(
        last_audit_detail(db, ACME_QA, "pool.changed").await["seats"],
        3
    );
    let listed = pools::list(db, Some(ACME_QA)).await.unwrap();
    let studio: Vec<_> = listed
        .iter()
        .filter(|pool| pool.product == "Studio X")
        .collect();
    assert_eq!(studio.len(), 2);
    let floating = studio.iter().find(|pool| pool.id == id).unwrap();
    assert_eq!(
        (floating.kind, floating.usage, floating.seats, floating.used),
        (PoolKind::Floating, PoolUsage::Online, 3, 0)
    );
    assert!(studio.iter().any(|pool| pool.id == offline));
    assert!(listed.iter().all(|pool| pool.org_id == ACME_QA));

    assert!(
        pools::set(db, PoolId(999_999), Some(1), None)
            .await
            .is_err()
    );
    assert!(
        pools::add(
            db,
            NO_SUCH_ORG,
            "Studio X",
            1,
            PoolKind::Named,
            PoolUsage::Online,
            year
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_pool_expiring_is_noted_once_by_the_system_and_its_seats_leave_the_count() {
    let server = TestServer::start().await;
    let db = &server.db;
    let year = db::now() + 365 * 24 * 60 * 60;
    let id = pools::add(
        db,
        ACME_QA,
        "Studio X",
        10,
        PoolKind::Named,
        PoolUsage::Online,
        year,
    )
    .await
    .unwrap();
    assert_eq!(expiry::note_due(db).await.unwrap(), 0);
    // Its end moved into the past (by the operator here; by time alone in life).
    pools::set(db, id, None, Some(db::now() - 1)).await.unwrap();
    let seq = org_seq(db, ACME_QA).await;

    assert_eq!(expiry::note_due(db).await.unwrap(), 1);

    let events = change_events_after(db, ACME_QA, seq).await;
    assert_eq!(events.len(), 1);
    let products = events[0].products.as_ref().expect("the seats changed");
    let studio = products
        .seats
        .iter()
        .find(|p| p.name == "Studio X")
        .unwrap();
    assert_eq!(studio.seats, None, "no named seats left");
    assert!(events[0].licenses_changed);
    let entries = audit_entries(db, ACME_QA, "pool.expired").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, None, "by the system");
    assert_eq!(entries[0].1["pools"][0]["id"], id.0);
    assert_eq!(expiry::note_due(db).await.unwrap(), 0, "once");
}
