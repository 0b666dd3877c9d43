//! Sessions: the signed-in tokens, stored only as their SHA-256, shared by every server.

use allot_core::{AccountId, MemberId, MemberStatus};

use super::id_list;
use crate::db::{Conn, Db, query, query_as};

/// A stored session: whose it is, when it was last used and when it ends at the latest.
pub struct StoredSession {
    pub account_id: AccountId,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn find(db: &Db, hash: &[u8]) -> Result<Option<StoredSession>, sqlx::Error> {
    let row: Option<(AccountId, i64, i64)> =
        query_as("SELECT account_id, last_seen_at, expires_at FROM sessions WHERE token_hash = ?")
            .bind(hash)
            .fetch_optional(db)
            .await?;
    Ok(
        row.map(|(account_id, last_seen_at, expires_at)| StoredSession {
            account_id,
            last_seen_at,
            expires_at,
        }),
    )
}

pub async fn insert(
    db: &Db,
    hash: &[u8],
    account_id: AccountId,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(hash)
    .bind(account_id)
    .bind(now)
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Notes that the session was used at `now`.
pub async fn touch(db: &Db, hash: &[u8], now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
        .bind(now)
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends the session: signed out, or found expired.
pub async fn delete(db: &Db, hash: &[u8]) -> Result<(), sqlx::Error> {
    query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of the accounts behind `members` that are now active in no
/// organization: removed from their last one, a session has nothing left to open.
pub async fn end_where_no_organization_is_left(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM sessions
         WHERE account_id IN (SELECT account_id FROM memberships
                              WHERE id IN (SELECT value FROM json_each(?)))
           AND NOT EXISTS (SELECT 1 FROM memberships m
                           WHERE m.account_id = sessions.account_id AND m.status = ?)",
    )
    .bind(id_list(members))
    .bind(MemberStatus::Active)
    .execute(conn)
    .await?;
    Ok(())
}
