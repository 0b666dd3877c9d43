//! The demo organization: its products in use, and seats that add up.

use crate::common::*;
use allot_core::{LicenseOverview, ProductSeats};
use allot_server::{demo, links::InvitationLinks};
use reqwest::StatusCode;

#[tokio::test]
async fn the_demo_has_machines_and_sessions_within_its_seats() {
    let server = TestServer::start().await;
    // The test server does not share its secret; a key of our own signs the demo's licenses.
    let links = InvitationLinks::new(allot_server::secret::random(), &server.url(""));
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

/// A server over a demo of `members` active members (`--demo-members`), with its products in
/// use, as `allot-server --demo --demo-members N` starts.
struct ScaledDemo {
    base: String,
    db: allot_server::db::Db,
    task: tokio::task::JoinHandle<()>,
    _database: TestDatabase,
    _dir: tempfile::TempDir,
}

impl ScaledDemo {
    async fn start(members: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::new(dir.path()).await;
        let db = allot_server::db::open(&database.url).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let links = InvitationLinks::new(allot_server::secret::random(), &base);
        let started = std::time::Instant::now();
        assert!(
            demo::seed_if_empty_with(&db, &links, members)
                .await
                .unwrap()
        );
        demo::activate_licenses(&db, &links).await.unwrap();
        println!("seeded {members} members in {:?}", started.elapsed());
        let app = allot_server::router(
            allot_server::AppState::new(db.clone(), links),
            &Default::default(),
        );
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base,
            db,
            task,
            _database: database,
            _dir: dir,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, token: &str, path: &str) -> T {
        let response = client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }
}

impl Drop for ScaledDemo {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_larger_demo_grows_in_proportion_within_its_seats() {
    use allot_core::{Invitation, MemberStatus, MembersSnapshot};
    let server = ScaledDemo::start(2000).await;
    let response = client()
        .post(format!("{}/api/v1/session", server.base))
        .json(&serde_json::json!({
            "email": OWNER_EMAIL, "password": DEMO_PASSWORD, "bearer": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session: serde_json::Value = response.json().await.unwrap();
    let owner = session["token"].as_str().unwrap();

    let snapshot: MembersSnapshot = server
        .get(owner, &format!("/api/v1/orgs/{ACME_QA}/members"))
        .await;
    let count = |status| {
        snapshot
            .members
            .iter()
            .filter(|m| m.status == status)
            .count()
    };
    assert_eq!(count(MemberStatus::Active), 2000);
    assert_eq!(count(MemberStatus::Removed), 160);
    let emails: std::collections::HashSet<&str> =
        snapshot.members.iter().map(|m| m.email.as_str()).collect();
    assert_eq!(
        emails.len(),
        snapshot.members.len(),
        "addresses are distinct"
    );
    // Every 2nd, 7th and 13th active member holds Studio, Runtime and Visual licenses.
    let licensed = |name: &str| {
        let product = snapshot
            .products
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .id;
        snapshot
            .members
            .iter()
            .filter(|m| m.status == MemberStatus::Active && m.licenses.contains(&product))
            .count()
    };
    assert_eq!(licensed("Studio Enterprise"), 1000);
    assert_eq!(licensed("Runtime Engine"), 286);
    assert_eq!(licensed("Visual Testing"), 154);

    let invitations: Vec<Invitation> = server
        .get(owner, &format!("/api/v1/orgs/{ACME_QA}/invitations"))
        .await;
    assert_eq!(invitations.len(), 120);

    // 10 machines for every 250 members: 8 online sessions and 2 offline licenses.
    let overview: LicenseOverview = server
        .get(owner, &format!("/api/v1/orgs/{ACME_QA}/licenses"))
        .await;
    assert_eq!(overview.machines.len(), 80);
    assert_eq!(overview.online.len(), 64);
    assert_eq!(overview.offline.len(), 16);
    for product in &overview.products {
        for pool in &product.pools {
            assert!(pool.used <= pool.seats, "{}: {pool:?}", product.name);
        }
    }
    let runtime = overview
        .products
        .iter()
        .find(|p| p.name == "Runtime Engine")
        .unwrap();
    let seats: Vec<(u32, u32)> = runtime.pools.iter().map(|p| (p.seats, p.used)).collect();
    assert!(seats.contains(&(320, 24)), "floating: {seats:?}");
    assert!(seats.contains(&(320, 16)), "offline: {seats:?}");

    let products: Vec<ProductSeats> = server
        .get(owner, &format!("/api/v1/orgs/{ACME_QA}/products"))
        .await;
    for product in products {
        assert!(
            product.seats.is_none_or(|seats| product.used <= seats),
            "{product:?}"
        );
    }
    // The second organization stays as small as in the default demo.
    let labs: i64 = db::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = ?")
        .bind(ACME_LABS)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(labs, 13);
}

#[tokio::test]
async fn the_default_demo_keeps_its_size() {
    use allot_core::{MemberStatus, MembersSnapshot};
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    let snapshot: MembersSnapshot = server
        .members_as(&owner, ACME_QA)
        .await
        .json()
        .await
        .unwrap();
    let count = |status| {
        snapshot
            .members
            .iter()
            .filter(|m| m.status == status)
            .count()
    };
    assert_eq!(count(MemberStatus::Active), 250);
    assert_eq!(count(MemberStatus::Removed), 20);
    let seats: Vec<i64> = db::query_scalar("SELECT seats FROM license_pools ORDER BY id")
        .fetch_all(&server.db)
        .await
        .unwrap();
    assert_eq!(seats, [150, 40, 40, 25]);
}
