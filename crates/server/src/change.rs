//! What every change to an organization does besides the change itself, in its transaction.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    path::PathBuf,
    sync::{Arc, LazyLock, Mutex as StdMutex},
};

use allot_core::{AccountId, OrgId};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{
    db::{Db, now},
    members,
};

/// One queue of writers per database file: a writer waits here for its turn, without a
/// connection, instead of polling SQLite's busy timeout (whose back-off makes the unlucky
/// wait seconds under load).
static WRITERS: LazyLock<StdMutex<HashMap<PathBuf, Arc<Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn writers(db: &Db) -> Arc<Mutex<()>> {
    let file = db.connect_options().get_filename().to_path_buf();
    let mut writers = WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    writers.entry(file).or_default().clone()
}

/// A write transaction and this process's turn to write, given back when it ends. Derefs to
/// the connection, like a [`Transaction`].
pub struct WriteTx {
    // Dropped first: an unfinished transaction is rolled back before the turn passes on.
    tx: Transaction<'static, Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Commits, provided every change the transaction made has its event: a change noted in
    /// `change_dirty` but never recorded would be missing from the feed and would poison the
    /// next transaction's bookkeeping, so such a transaction is rolled back and fails.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let unrecorded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM change_dirty)")
            .fetch_one(&mut *self.tx)
            .await?;
        if unrecorded {
            self.tx.rollback().await?;
            tracing::error!("a write transaction changed state without recording its change");
            return Err(sqlx::Error::Protocol(
                "a change was made without its change event; it was rolled back".into(),
            ));
        }
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// Opens a write transaction holding SQLite's write lock from the start (`BEGIN IMMEDIATE`),
/// so that two requests can never both read a count (seats left, Owners left) and then
/// both act on it. This process's writers queue for their turn first, in order; other
/// processes (the `pool` command) still meet SQLite's lock.
///
/// A write made outside the server (an operator's SQL) is noted by the triggers like any
/// other but has no event yet: it becomes its organization's next event here, before this
/// transaction's own change, so that the feed stays complete and `commit` finds the
/// bookkeeping clean.
pub async fn begin(db: &Db) -> Result<WriteTx, sqlx::Error> {
    let turn = writers(db).lock_owned().await;
    let mut tx = WriteTx {
        tx: db.begin_with("BEGIN IMMEDIATE").await?,
        _turn: turn,
    };
    let outside: Vec<OrgId> = sqlx::query_scalar("SELECT DISTINCT org_id FROM change_dirty")
        .fetch_all(&mut *tx)
        .await?;
    for org_id in outside {
        tracing::warn!(org_id, "recording a change made outside the server");
        record(
            &mut tx,
            org_id,
            None,
            "external_change",
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(tx)
}

/// Events kept per organization; a client further behind loads a fresh snapshot.
pub const RETAINED_EVENTS: i64 = 10_000;

/// Records who did what in the audit log, advances the organization's sequence number and
/// appends the change event: the new state of everything the transaction touched. Returns
/// the new number. Call once per change, inside the change's transaction, after its writes.
pub async fn record(
    tx: &mut SqliteConnection,
    org_id: OrgId,
    actor: Option<AccountId>,
    action: &str,
    detail: serde_json::Value,
) -> Result<u64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (org_id, actor_id, action, detail, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(org_id)
    .bind(actor)
    .bind(action)
    .bind(detail.to_string())
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let seq: i64 =
        sqlx::query_scalar("UPDATE organizations SET seq = seq + 1 WHERE id = ? RETURNING seq")
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?;
    let event = members::touched(&mut *tx, org_id, seq as u64).await?;
    let body = serde_json::to_string(&event).map_err(|error| sqlx::Error::Encode(error.into()))?;
    sqlx::query("INSERT INTO change_events (org_id, seq, body, created_at) VALUES (?, ?, ?, ?)")
        .bind(org_id)
        .bind(seq)
        .bind(body)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM change_dirty WHERE org_id = ?")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM change_events WHERE org_id = ? AND seq <= ?")
        .bind(org_id)
        .bind(seq - RETAINED_EVENTS)
        .execute(&mut *tx)
        .await?;
    Ok(seq as u64)
}
