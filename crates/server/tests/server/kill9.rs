//! Durability: the real server binary is killed with SIGKILL at random moments while several
//! clients write, then restarted on the same database. Every write it answered 2xx must be
//! there afterwards, and SQLite's integrity check must pass.

use std::{
    path::Path,
    process::Child,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use crate::common::{DEMO_PASSWORD, OWNER_EMAIL};
use serde_json::{Value, json};

const CYCLES: usize = 20;
const WRITERS: usize = 4;

/// The server on `db`, and the address it listens on.
fn start(db: &Path) -> (Child, String) {
    crate::common::spawn_server(["--demo", "--db", &format!("sqlite://{}", db.display())])
}

/// A small random number from the clock (no generator crate needed for this).
fn random_below(limit: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (nanos.wrapping_mul(6364136223846793005) >> 17) % limit
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_write_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("allot.db");
    let client = reqwest::Client::new();
    let (mut server, mut base) = start(&db);
    let session: Value = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "email": OWNER_EMAIL, "password": DEMO_PASSWORD, "bearer": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut attempted = 0;

    for cycle in 0..CYCLES {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let (client, token, base) = (client.clone(), token.clone(), base.clone());
                let acknowledged = acknowledged.clone();
                tokio::spawn(async move {
                    let mut sent = 0;
                    for n in 0.. {
                        let name = format!("Durable {cycle}-{writer}-{n}");
                        sent += 1;
                        let response = client
                            .post(format!("{base}/api/v1/orgs/1/teams"))
                            .bearer_auth(&token)
                            .json(&json!({ "name": name }))
                            .send()
                            .await;
                        match response {
                            Ok(response) if response.status().is_success() => {
                                acknowledged.lock().unwrap().push(name);
                            }
                            Ok(response) => panic!("a write answered {}", response.status()),
                            // The server died under it: unknown whether it was written.
                            Err(_) => break,
                        }
                    }
                    sent
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20 + random_below(200))).await;
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        for writer in writers {
            attempted += writer.await.unwrap();
        }
        (server, base) = start(&db);
    }

    let teams: Vec<Value> = client
        .get(format!("{base}/api/v1/orgs/1/teams"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: std::collections::HashSet<&str> = teams
        .iter()
        .filter_map(|team| team["name"].as_str())
        .collect();
    let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|name| !names.contains(name.as_str()))
        .collect();
    assert!(lost.is_empty(), "answered 2xx, then lost: {lost:?}");
    assert!(
        acknowledged.len() >= CYCLES,
        "too few writes to say anything: {acknowledged:?}"
    );

    server.kill().unwrap();
    server.wait().unwrap();
    let pool = allot_server::db::open(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let integrity: String = allot_server::db::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    println!(
        "kill -9: {CYCLES} kills, {attempted} writes sent, {} answered 2xx, none lost",
        acknowledged.len()
    );
}
