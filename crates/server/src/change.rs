//! What every change to an organization does besides the change itself, in its transaction.

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::{Arc, LazyLock, Mutex as StdMutex},
};

use allot_core::{AccountId, OrgId};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{
    db::{Backend, Conn, Db, Tx, now, query, query_scalar},
    members,
};

/// One queue of writers per SQLite file: a writer waits here for its turn, without a
/// connection, instead of polling SQLite's busy timeout (whose back-off makes the unlucky
/// wait seconds under load). PostgreSQL needs none: its writers lock their organization.
static WRITERS: LazyLock<StdMutex<HashMap<PathBuf, Arc<Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn writers(file: &Path) -> Arc<Mutex<()>> {
    let mut writers = WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    writers.entry(file.to_path_buf()).or_default().clone()
}

/// A write transaction and, on SQLite, this process's turn to write, given back when it
/// ends. Derefs to the connection, like a [`Tx`].
pub struct WriteTx {
    // Dropped first: an unfinished transaction is rolled back before the turn passes on.
    tx: Tx,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commits, provided every change the transaction made has its event: a change noted in
    /// `change_dirty` but never recorded would be missing from the feed and would poison the
    /// next transaction's bookkeeping, so such a transaction is rolled back and fails.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let unrecorded: bool = query_scalar("SELECT EXISTS (SELECT 1 FROM change_dirty)")
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
    type Target = Conn;

    fn deref(&self) -> &Conn {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.tx
    }
}

/// Opens a write transaction on `org_id`'s data in which what it counts (seats left, Owners
/// left, an invitation still pending) cannot change under it until it ends, whichever server
/// writes: on SQLite it holds the write lock from the start (`BEGIN IMMEDIATE`), after this
/// process's writers have queued for their turn, in order; on PostgreSQL it locks the
/// organization's row, so that the organization's writers take turns across all servers
/// while other organizations' go on.
///
/// A write made outside the servers (an operator's SQL) is noted by the triggers like any
/// other but has no event yet: it becomes its organization's next event here, before this
/// transaction's own change, so that the feed stays complete and `commit` finds the
/// bookkeeping clean.
pub async fn begin(db: &Db, org_id: OrgId) -> Result<WriteTx, sqlx::Error> {
    let turn = match db.sqlite_file() {
        Some(file) => Some(writers(&file).lock_owned().await),
        None => None,
    };
    let mut tx = WriteTx {
        tx: db.begin_write().await?,
        _turn: turn,
    };
    let outside: Vec<OrgId> = match db.backend() {
        Backend::Sqlite => query_scalar("SELECT DISTINCT org_id FROM change_dirty"),
        Backend::Postgres => query_scalar("SELECT DISTINCT org_id FROM public.change_dirty"),
    }
    .fetch_all(&mut *tx)
    .await?;
    if db.backend() == Backend::Postgres {
        // This transaction's changes are noted in the connection's own table from here on.
        query("SELECT set_config('allot.writing', 'on', true)")
            .execute(&mut *tx)
            .await?;
        // Organizations locked in one order by everyone, so that two writers never wait for
        // each other.
        let mut orgs: Vec<OrgId> = outside.iter().copied().chain([org_id]).collect();
        orgs.sort_unstable();
        orgs.dedup();
        for org in &orgs {
            query("SELECT 1 FROM organizations WHERE id = ? FOR UPDATE")
                .bind(org)
                .execute(&mut *tx)
                .await?;
        }
        query(
            "WITH taken AS (DELETE FROM public.change_dirty
                            WHERE org_id IN (SELECT value FROM json_each(?)) RETURNING *)
             INSERT INTO change_dirty SELECT * FROM taken ON CONFLICT DO NOTHING",
        )
        .bind(serde_json::to_string(&outside).map_err(|error| sqlx::Error::Encode(error.into()))?)
        .execute(&mut *tx)
        .await?;
    }
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

/// The organization's sequence number: its last change event's.
pub async fn current_seq(conn: &mut Conn, org_id: OrgId) -> Result<u64, sqlx::Error> {
    let seq: i64 = query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(conn)
        .await?;
    Ok(seq as u64)
}

/// Events kept per organization; a client further behind loads a fresh snapshot.
pub const RETAINED_EVENTS: i64 = 10_000;

/// Records who did what in the audit log, advances the organization's sequence number and
/// appends the change event: the new state of everything the transaction touched. Returns
/// the new number. Call once per change, inside the change's transaction, after its writes.
pub async fn record(
    tx: &mut Conn,
    org_id: OrgId,
    actor: Option<AccountId>,
    action: &str,
    detail: serde_json::Value,
) -> Result<u64, sqlx::Error> {
    query(
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
        query_scalar("UPDATE organizations SET seq = seq + 1 WHERE id = ? RETURNING seq")
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?;
    let event = members::touched(&mut *tx, org_id, seq as u64).await?;
    let body = serde_json::to_string(&event).map_err(|error| sqlx::Error::Encode(error.into()))?;
    query("INSERT INTO change_events (org_id, seq, body, created_at) VALUES (?, ?, ?, ?)")
        .bind(org_id)
        .bind(seq)
        .bind(body)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    query("DELETE FROM change_dirty WHERE org_id = ?")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    query("DELETE FROM change_events WHERE org_id = ? AND seq <= ?")
        .bind(org_id)
        .bind(seq - RETAINED_EVENTS)
        .execute(&mut *tx)
        .await?;
    if tx.backend() == Backend::Postgres {
        // Delivered when the transaction commits: every server's open feeds of the
        // organization then read the event (see `db::listen`).
        query("SELECT pg_notify('allot_changes', ?)")
            .bind(org_id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    Ok(seq as u64)
}
