//! A request dropped wherever it waits, as when its client goes away, leaves no transaction
//! open behind it: whoever uses its connection next commits as they should.

use crate::common::*;
use futures_util::future::join_all;

#[tokio::test]
async fn transactions_dropped_while_beginning_leave_every_connection_committing() {
    let server = TestServer::start().await;
    // Dropped after being polled a few times: anywhere in the begin, from before its BEGIN
    // is sent to after it is answered.
    for polls in 1..=8 {
        for _ in 0..25 {
            let mut begin = std::pin::pin!(server.db.begin());
            for _ in 0..polls {
                if futures_util::poll!(begin.as_mut()).is_ready() {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
    }
    // Writes on their own, at once, so that they take every connection of the pool.
    let writes = (0..40).map(|n| {
        db::query("INSERT INTO teams (org_id, name) VALUES (?, ?)")
            .bind(ACME_QA)
            .bind(format!("Probe {n}"))
            .execute(&server.db)
    });
    for written in join_all(writes).await {
        written.unwrap();
    }

    // Seen through a pool of this test's own: every one committed.
    let own = db::open(server.database_url()).await.unwrap();
    let seen: i64 = db::query_scalar("SELECT COUNT(*) FROM teams WHERE name LIKE 'Probe %'")
        .fetch_one(&own)
        .await
        .unwrap();
    assert_eq!(seen, 40);
}
