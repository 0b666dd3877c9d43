//! Waking the change feeds of every server when any of them commits a change.

use std::{sync::Arc, time::Duration};

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::Db;

/// The channel `change::WriteTx::record` notifies, with the organization's id.
pub const CHANNEL: &str = "allot_changes";

/// On PostgreSQL, wakes `changes` whenever any server commits a change (NOTIFY, sent by
/// `change::WriteTx::record` in the change's transaction). A notification is only a wake-up: the
/// feeds read the events from the table, so one missed while the listening connection was
/// down costs no event, and the feeds are woken again once it is back. On SQLite there is
/// one server, whose own writes wake its feeds.
pub fn listen(db: &Db, changes: Arc<watch::Sender<u64>>) {
    let Db::Postgres(pool) = db else { return };
    let pool = pool.clone();
    let wake = move || changes.send_modify(|count| *count = count.wrapping_add(1));
    tokio::spawn(async move {
        loop {
            let listening = async {
                let mut listener = PgListener::connect_with(&pool).await?;
                listener.listen(CHANNEL).await?;
                loop {
                    // `None`: the connection was lost; the next call reconnects and listens
                    // again. Whatever was missed meanwhile is in the table.
                    listener.try_recv().await?;
                    wake();
                }
                #[allow(unreachable_code)]
                Ok::<(), sqlx::Error>(())
            };
            if let Err(error) = listening.await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(%error, "listening for other servers' changes; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                wake();
            }
        }
    });
}
