//! What every change to an organization does besides the change itself, in its transaction.

use allot_core::{AccountId, OrgId};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::{
    db::{Db, now},
    members,
};

/// Opens a write transaction holding SQLite's write lock from the start (`BEGIN IMMEDIATE`),
/// so that two requests can never both read a count (seats left, Owners left) and then
/// both act on it.
pub async fn begin(db: &Db) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
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
