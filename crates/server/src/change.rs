//! What every change to an organization does besides the change itself, in its transaction.

use allot_core::{AccountId, OrgId};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::db::{Db, now};

/// Opens a write transaction holding SQLite's write lock from the start (`BEGIN IMMEDIATE`),
/// so that two requests can never both read a count (seats left, Owners left) and then
/// both act on it.
pub async fn begin(db: &Db) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// Records who did what in the audit log and advances the organization's sequence number;
/// returns the new number. Call once per change, inside the change's transaction.
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
    Ok(seq as u64)
}
