//! The License API as licensed products use it: activate online or offline, heartbeat,
//! release, verify offline licenses; and seats never exceeded however many ask at once.

use crate::common::*;
use allot_core::{
    ActivateResponse, ActivationId, LicensePublicKey, OfflineLicense, OrgId,
    licensing::SESSION_TIMEOUT_SECS,
};
use allot_server::expiry;
use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use reqwest::{Response, StatusCode};
use serde_json::json;

fn path(org_id: OrgId, action: &str) -> String {
    format!("/api/v1/orgs/{org_id}/license/{action}")
}

async fn activate(
    server: &TestServer,
    token: &str,
    product: ProductId,
    machine: &str,
    mode: &str,
) -> Response {
    let body = json!({
        "product_id": product, "machine_id": machine, "hostname": format!("{machine}.local"),
        "mode": mode,
    });
    server
        .post_as(token, &path(ACME_QA, "activate"), body)
        .await
}

async fn activated(
    server: &TestServer,
    token: &str,
    product: ProductId,
    machine: &str,
    mode: &str,
) -> ActivateResponse {
    let response = activate(server, token, product, machine, mode).await;
    assert_eq!(response.status(), StatusCode::OK, "activation on {machine}");
    response.json().await.unwrap()
}

async fn heartbeat(server: &TestServer, token: &str, activation: ActivationId) -> Response {
    let body = json!({ "activation_id": activation });
    server
        .post_as(token, &path(ACME_QA, "heartbeat"), body)
        .await
}

/// Mia, a Member of Acme QA, with a license of a new product with a pool of `seats`.
async fn mia_licensed(
    server: &TestServer,
    seats: u32,
    kind: &str,
    usage: &str,
) -> (String, ProductId) {
    let product = add_product_with_pool(&server.db, ACME_QA, "Studio X", seats, kind, usage).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    allocate(&server.db, ACME_QA, mia, product).await;
    (server.bearer_token(MEMBER_EMAIL).await, product)
}

async fn count(server: &TestServer, sql: &str) -> i64 {
    db::query_scalar(sql).fetch_one(&server.db).await.unwrap()
}

#[tokio::test]
async fn an_online_session_heartbeats_until_released() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 2, "floating", "online").await;
    let events = audit_events(&server.db, ACME_QA).await;

    let session = activated(&server, &token, product, "m-1", "online").await;
    assert!(session.heartbeat_interval_secs.unwrap() < SESSION_TIMEOUT_SECS);
    assert!(session.license.is_none());
    assert_eq!(audit_events(&server.db, ACME_QA).await, events + 1);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM machines WHERE machine_id = 'm-1'"
        )
        .await,
        1
    );

    // The same machine again reuses its live session rather than taking a second seat.
    let again = activated(&server, &token, product, "m-1", "online").await;
    assert_eq!(again.activation_id, session.activation_id);
    activated(&server, &token, product, "m-2", "online").await;
    let full = activate(&server, &token, product, "m-3", "online").await;
    let error = expect_error(full, StatusCode::CONFLICT, "seats_exceeded").await;
    assert!(error.error.message.contains("2 of 2"), "{error:?}");

    let beat = heartbeat(&server, &token, session.activation_id).await;
    assert_eq!(beat.status(), StatusCode::OK);
    let beat: serde_json::Value = beat.json().await.unwrap();
    assert_eq!(beat["status"], "active");

    let body = json!({ "activation_id": session.activation_id });
    let released = server
        .post_as(&token, &path(ACME_QA, "release"), body)
        .await;
    assert_eq!(released.status(), StatusCode::NO_CONTENT);
    let after = heartbeat(&server, &token, session.activation_id).await;
    let error = expect_error(after, StatusCode::GONE, "session_terminated").await;
    assert!(error.error.message.contains("stop"), "{error:?}");
    // The seat is free again.
    activated(&server, &token, product, "m-3", "online").await;
}

#[tokio::test]
async fn a_silent_session_times_out_and_frees_its_seat() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 1, "floating", "online").await;
    let session = activated(&server, &token, product, "m-1", "online").await;
    let heard_at: i64 = db::query_scalar(
        "UPDATE activations SET last_heartbeat_at = last_heartbeat_at - ?
         RETURNING last_heartbeat_at",
    )
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_one(&server.db)
    .await
    .unwrap();
    let seq = org_seq(&server.db, ACME_QA).await;

    // The server notes it at once, as the system, and open consoles hear of it.
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 1);
    let events = change_events_after(&server.db, ACME_QA, seq).await;
    assert!(events.last().unwrap().licenses_changed);
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let detail = json!({ "activations": [{
        "id": session.activation_id, "member": mia, "product": product, "machine_id": "m-1",
    }] });
    let entries = audit_entries(&server.db, ACME_QA, "session.timed_out").await;
    assert_eq!(entries, [(None, detail)]);
    let ended_at: Option<i64> = db::query_scalar("SELECT ended_at FROM activations WHERE id = ?")
        .bind(session.activation_id)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(
        ended_at,
        Some(heard_at + SESSION_TIMEOUT_SECS),
        "when it timed out"
    );
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0, "once");

    activated(&server, &token, product, "m-2", "online").await;
    let late = heartbeat(&server, &token, session.activation_id).await;
    expect_error(late, StatusCode::GONE, "session_terminated").await;
}

#[tokio::test]
async fn an_offline_license_expiring_is_noted_once_by_the_system() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 1, "floating", "offline").await;
    let offline = activated(&server, &token, product, "m-1", "offline").await;
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0);
    db::query("UPDATE activations SET expires_at = ? WHERE id = ?")
        .bind(db::now() - 1)
        .bind(offline.activation_id)
        .execute(&server.db)
        .await
        .unwrap();
    let seq = org_seq(&server.db, ACME_QA).await;

    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 1);

    let events = change_events_after(&server.db, ACME_QA, seq).await;
    assert!(events.last().unwrap().licenses_changed);
    let entries = audit_entries(&server.db, ACME_QA, "offline_license.expired").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, None, "by the system");
    assert_eq!(
        entries[0].1["activations"][0]["id"],
        offline.activation_id.0
    );
    assert_eq!(expiry::note_due(&server.db).await.unwrap(), 0, "once");
    // Its seat is free for another machine.
    activated(&server, &token, product, "m-2", "offline").await;
}

#[tokio::test]
async fn named_online_pools_need_no_seat_beyond_the_allocation() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 1, "named", "online").await;
    for machine in ["m-1", "m-2", "m-3"] {
        activated(&server, &token, product, machine, "online").await;
    }
}

#[tokio::test]
async fn an_offline_license_verifies_with_the_public_key() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 1, "named", "offline").await;
    let offline = activated(&server, &token, product, "m-1", "offline").await;
    let license = offline
        .license
        .expect("an offline activation carries its license");
    let payload: OfflineLicense = serde_json::from_str(&license.payload).unwrap();
    assert_eq!(payload.activation_id, offline.activation_id);
    assert_eq!(payload.member_email, MEMBER_EMAIL);
    assert_eq!(payload.machine_id, "m-1");
    assert_eq!(Some(payload.expires_at), offline.expires_at);
    assert!(payload.expires_at <= payload.issued_at + 30 * 24 * 60 * 60);

    let key: LicensePublicKey = server
        .get("/api/v1/license/public-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(key.algorithm, "ed25519");
    let key: [u8; 32] = STANDARD.decode(key.public_key).unwrap().try_into().unwrap();
    let key = VerifyingKey::from_bytes(&key).unwrap();
    let signature: [u8; 64] = STANDARD
        .decode(&license.signature)
        .unwrap()
        .try_into()
        .unwrap();
    let signature = Signature::from_bytes(&signature);
    assert!(key.verify(license.payload.as_bytes(), &signature).is_ok());
    let tampered = license.payload.replace("m-1", "m-2");
    assert!(key.verify(tampered.as_bytes(), &signature).is_err());

    // Asking again from the same machine gets the same license; another machine finds the
    // one seat taken.
    let again = activated(&server, &token, product, "m-1", "offline").await;
    assert_eq!(again.license.unwrap().payload, license.payload);
    let full = activate(&server, &token, product, "m-2", "offline").await;
    expect_error(full, StatusCode::CONFLICT, "seats_exceeded").await;
    // An offline license has no session to heartbeat.
    let beat = heartbeat(&server, &token, offline.activation_id).await;
    expect_error(beat, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn only_licensed_members_of_the_organization_activate() {
    let server = TestServer::start().await;
    let (_, product) = mia_licensed(&server, 5, "floating", "online").await;

    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let admin_id = member_id(&server.db, ACME_QA, ADMIN_EMAIL).await;
    db::query("DELETE FROM direct_allocations WHERE membership_id = ?")
        .bind(admin_id)
        .execute(&server.db)
        .await
        .unwrap();
    let refused = activate(&server, &admin, product, "m-1", "online").await;
    let error = expect_error(refused, StatusCode::FORBIDDEN, "not_licensed").await;
    assert_eq!(
        error.error.message,
        "You have no license of Studio X in Acme QA; ask an Admin."
    );

    create_organization(
        &server.db,
        "Elsewhere",
        "out@else.example",
        "a long password",
    )
    .await;
    let outsider = server
        .bearer_token_with("out@else.example", "a long password")
        .await;
    let refused = activate(&server, &outsider, product, "m-1", "online").await;
    expect_error(refused, StatusCode::NOT_FOUND, "not_found").await;
    let beat = heartbeat(&server, &outsider, ActivationId(1)).await;
    expect_error(beat, StatusCode::NOT_FOUND, "not_found").await;

    let anonymous = server
        .post(&path(ACME_QA, "activate"))
        .json(
            &json!({ "product_id": product, "machine_id": "m", "hostname": "h", "mode": "online" }),
        )
        .send()
        .await
        .unwrap();
    expect_error(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(count(&server, "SELECT COUNT(*) FROM activations").await, 0);
    assert_eq!(count(&server, "SELECT COUNT(*) FROM machines").await, 0);
}

#[tokio::test]
async fn a_blank_machine_id_is_refused() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 5, "floating", "online").await;
    let refused = activate(&server, &token, product, "  ", "online").await;
    expect_error(refused, StatusCode::BAD_REQUEST, "invalid_machine").await;
}

#[tokio::test]
async fn a_hundred_machines_at_once_get_exactly_the_ten_seats() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 10, "floating", "online").await;
    let server = std::sync::Arc::new(server);
    let attempts: Vec<_> = (0..100)
        .map(|i| {
            let (server, token) = (server.clone(), token.clone());
            tokio::spawn(async move {
                activate(&server, &token, product, &format!("m-{i}"), "online")
                    .await
                    .status()
            })
        })
        .collect();
    let mut granted = 0;
    for attempt in futures_util::future::join_all(attempts).await {
        match attempt.unwrap() {
            StatusCode::OK => granted += 1,
            StatusCode::CONFLICT => {}
            other => panic!("an activation answered {other}"),
        }
    }
    assert_eq!(granted, 10);
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM activations WHERE ended_at IS NULL"
        )
        .await,
        10
    );
}

#[tokio::test]
async fn floating_seats_in_use_are_kept_as_their_own_usage_series() {
    let server = TestServer::start().await;
    let (token, product) = mia_licensed(&server, 2, "floating", "online").await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let usage = |kind: &str| {
        let query = format!("range=24h&kind={kind}");
        let (server, admin) = (&server, admin.clone());
        async move { server.usage_as(&admin, product, &query).await }
    };

    let first = activated(&server, &token, product, "m-1", "online").await;
    activated(&server, &token, product, "m-2", "online").await;
    let body = json!({ "activation_id": first.activation_id });
    let released = server
        .post_as(&token, &path(ACME_QA, "release"), body)
        .await;
    assert_eq!(released.status(), StatusCode::NO_CONTENT);

    // Two sessions at once this hour, against the floating pool's two seats.
    let floating = usage("floating").await;
    let now = floating.points[23];
    assert_eq!((now.peak, now.quota), (2, Some(2)));
    assert_eq!(floating.peak, 2);
    assert_eq!(floating.days_at_quota, 1);
    // Its named seats are another series: Mia's allocation, and no named pool.
    let named = usage("named").await;
    assert_eq!((named.points[23].peak, named.points[23].quota), (1, None));
}
