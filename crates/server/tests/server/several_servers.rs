//! Two `allot-server` processes over one PostgreSQL database behave as one server: the last
//! seat is taken once, an invitation is accepted once, and a change made through one reaches
//! the change feeds of the other at once.
//!
//! Several servers need PostgreSQL: these tests run in the second run of the server's tests,
//! which `cargo xtask test` makes with `ALLOT_TEST_POSTGRES` set; on SQLite (one server's
//! database) they say so and pass.

use std::{
    process::Child,
    time::{Duration, Instant},
};

use crate::common::*;
use allot_core::{InvitationLink, InviteOutcome, InviteResponse};
use reqwest::StatusCode;
use serde_json::json;

/// An `allot-server` process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// A server on the database `url`, signing links with the shared `secret` file; `demo`
    /// seeds the database (give it to the first server only).
    fn start(url: &str, secret: &std::path::Path, demo: bool) -> Self {
        let secret = secret.display().to_string();
        let mut args = vec!["--db", url, "--secret-file", &secret];
        if demo {
            args.push("--demo");
        }
        let (child, base) = spawn_server(args);
        Self { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two servers on one new database, the first having seeded the demo, and a pool of the
/// tests' own on it.
struct Pair {
    a: Server,
    b: Server,
    db: db::Db,
    http: reqwest::Client,
    _database: TestDatabase,
    _dir: tempfile::TempDir,
}

impl Pair {
    async fn start() -> Option<Self> {
        if !on_postgres() {
            println!("several servers share a PostgreSQL database; skipped on SQLite");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::new(dir.path()).await;
        let url = database.url.clone();
        let secret = dir.path().join("allot.secret");
        std::fs::write(&secret, allot_server::secret::random()).unwrap();
        let a = Server::start(&url, &secret, true);
        let b = Server::start(&url, &secret, false);
        let db = db::open(&url).await.unwrap();
        Some(Self {
            a,
            b,
            db,
            http: client(),
            _database: database,
            _dir: dir,
        })
    }

    fn server(&self, i: usize) -> &Server {
        if i.is_multiple_of(2) {
            &self.a
        } else {
            &self.b
        }
    }

    async fn token(&self, server: &Server, email: &str) -> String {
        let response = self
            .http
            .post(server.url("/api/v1/session"))
            .json(&json!({ "email": email, "password": DEMO_PASSWORD, "bearer": true }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {email}");
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_owned()
    }
}

fn org_path(rest: &str) -> String {
    format!("/api/v1/orgs/{ACME_QA}/{rest}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_seat_is_taken_once_across_servers() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    const TRIALS: usize = 20;
    const RACERS: usize = 100;
    let mia = member_id(&pair.db, ACME_QA, MEMBER_EMAIL).await;
    // Signed in on A, used on both: sessions are shared through the database.
    let token = pair.token(&pair.a, MEMBER_EMAIL).await;
    let started = Instant::now();
    for trial in 0..TRIALS {
        // A pool of 2 with one seat in use: at its quota less one.
        let product = add_product_with_pool(
            &pair.db,
            ACME_QA,
            &format!("Race {trial}"),
            2,
            "floating",
            "online",
        )
        .await;
        allocate(&pair.db, ACME_QA, mia, product).await;
        let activate = |server: &Server, machine: String| {
            pair.http
                .post(server.url(&org_path("license/activate")))
                .bearer_auth(&token)
                .json(&json!({ "product_id": product, "machine_id": machine,
                               "hostname": "race", "mode": "online" }))
                .send()
        };
        let first = activate(&pair.a, format!("held-{trial}")).await.unwrap();
        assert!(
            first.status().is_success(),
            "the first seat: {}",
            first.status()
        );

        let racers = (0..RACERS).map(|i| activate(pair.server(i), format!("race-{trial}-{i}")));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(racers)
            .await
            .into_iter()
            .map(|response| response.unwrap().status())
            .collect();
        let won = statuses.iter().filter(|status| status.is_success()).count();
        assert_eq!(won, 1, "trial {trial}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|status| status.is_success() || *status == StatusCode::CONFLICT),
            "trial {trial}: the others are refused, not failed: {statuses:?}"
        );
        let live: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM activations WHERE product_id = ? AND ended_at IS NULL",
        )
        .bind(product)
        .fetch_one(&pair.db)
        .await
        .unwrap();
        assert_eq!(live, 2, "trial {trial}: the pool's two seats");
    }
    println!(
        "{TRIALS} trials of {RACERS} activations across two servers for the last seat: one \
         won each ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invitation_accepted_through_both_servers_at_once_is_accepted_once() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let owner = pair.token(&pair.a, OWNER_EMAIL).await;
    for trial in 0..10 {
        let email = format!("twice{trial}@new.example");
        let invited: InviteResponse = pair
            .http
            .post(pair.b.url(&org_path("invitations")))
            .bearer_auth(&owner)
            .json(&json!({ "emails": [email], "role": "member", "products": [] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let InviteOutcome::Invited { invitation_id } = invited.results[0].outcome else {
            panic!("{email} was not invited: {invited:?}");
        };
        // The link as server A makes it, opened on both: they sign alike.
        let link: InvitationLink = pair
            .http
            .get(
                pair.a
                    .url(&org_path(&format!("invitations/{invitation_id}/link"))),
            )
            .bearer_auth(&owner)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = link.path.strip_prefix("/join/").unwrap();
        let accept = |server: &Server| {
            pair.http
                .post(server.url(&format!("/api/v1/invitations/{token}/accept")))
                .json(
                    &json!({ "full_name": "Twice Accepted", "password": "a long enough password" }),
                )
                .send()
        };
        let (on_a, on_b) = tokio::join!(accept(&pair.a), accept(&pair.b));
        let statuses = [on_a.unwrap().status(), on_b.unwrap().status()];
        assert_eq!(
            statuses.iter().filter(|status| status.is_success()).count(),
            1,
            "trial {trial}: {statuses:?}"
        );
        let memberships: i64 = db::query_scalar(
            "SELECT COUNT(*) FROM memberships m JOIN accounts a ON a.id = m.account_id
             WHERE a.email = ?",
        )
        .bind(&email)
        .fetch_one(&pair.db)
        .await
        .unwrap();
        assert_eq!(memberships, 1, "trial {trial}: one account, one membership");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_through_one_server_reaches_the_feeds_of_the_other_at_once() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let owner = pair.token(&pair.a, OWNER_EMAIL).await;
    let seq = org_seq(&pair.db, ACME_QA).await;
    let feed = pair
        .http
        .get(pair.a.url(&org_path(&format!("changes?after={seq}"))))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    let mut feed = feed;
    // The feed is open once its first comment arrives.
    let mut seen = String::new();
    while !seen.contains("following") {
        seen.push_str(&String::from_utf8_lossy(
            &feed.chunk().await.unwrap().unwrap(),
        ));
    }

    let mut latencies = Vec::new();
    for n in 1..=5u64 {
        let sent = Instant::now();
        let created = pair
            .http
            .post(pair.b.url(&org_path("teams")))
            .bearer_auth(&owner)
            .json(&json!({ "name": format!("Made on B {n}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        let expected = format!("id: {}\n", seq + n);
        tokio::time::timeout(Duration::from_secs(1), async {
            while !seen.contains(&expected) {
                seen.push_str(&String::from_utf8_lossy(
                    &feed.chunk().await.unwrap().unwrap(),
                ));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("event {} did not reach server A within 1 s", seq + n));
        latencies.push(sent.elapsed());
    }
    println!("a change made on server B reached a feed on server A in {latencies:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expiry_is_one_event_however_many_servers_look_at_once() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let owner = pair.token(&pair.a, OWNER_EMAIL).await;
    let emails: Vec<String> = (0..10).map(|i| format!("soon{i}@new.example")).collect();
    let invited = pair
        .http
        .post(pair.a.url(&org_path("invitations")))
        .bearer_auth(&owner)
        .json(&json!({ "emails": emails, "role": "member", "products": [] }))
        .send()
        .await
        .unwrap();
    let invited: InviteResponse = invited.json().await.unwrap();
    let ids: Vec<String> = invited
        .results
        .iter()
        .map(|result| match result.outcome {
            InviteOutcome::Invited { invitation_id } => invitation_id.to_string(),
            ref other => panic!("{} was not invited: {other:?}", result.email),
        })
        .collect();
    let due = db::now() + 1;
    let ids = ids.join(",");
    db::query(&format!(
        "UPDATE invitations SET expires_at = ? WHERE id IN ({ids})"
    ))
    .bind(due)
    .execute(&pair.db)
    .await
    .unwrap();

    // Both servers' own tasks look every second; four more lookers join them when it is due.
    while db::now() < due {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lookers = (0..4).map(|_| allot_server::expiry::note_due(&pair.db));
    for looked in futures_util::future::join_all(lookers).await {
        looked.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let noted: Vec<i64> = audit_entries(&pair.db, ACME_QA, "invitation.expired")
        .await
        .iter()
        .flat_map(|(_, detail)| detail["invitations"].as_array().unwrap().clone())
        .filter(|invitation| invitation["email"].as_str().unwrap().starts_with("soon"))
        .map(|invitation| invitation["id"].as_i64().unwrap())
        .collect();
    let mut once = noted.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(
        (noted.len(), once.len()),
        (10, 10),
        "each noted once: {noted:?}"
    );
}
