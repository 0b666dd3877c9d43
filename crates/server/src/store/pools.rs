//! License pools: the seats an organization bought for a product, and how many its
//! activations and allocations use.

use allot_core::{
    MemberStatus, OrgId, PoolId, PoolSummary, ProductId,
    licensing::{self, Pool, PoolKind, PoolUsage, SESSION_TIMEOUT_SECS, Session},
};

use crate::db::{Conn, query, query_as, query_scalar};

/// A pool to add, valid from `starts_at` until `expires_at`.
pub struct NewPool {
    pub org_id: OrgId,
    pub product_id: ProductId,
    pub seats: u32,
    pub kind: PoolKind,
    pub usage: PoolUsage,
    pub starts_at: i64,
    pub expires_at: i64,
}

pub async fn insert(conn: &mut Conn, pool: &NewPool) -> Result<PoolId, sqlx::Error> {
    query_scalar(
        "INSERT INTO license_pools (org_id, product_id, seats, kind, usage, starts_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(pool.org_id)
    .bind(pool.product_id)
    .bind(pool.seats)
    .bind(pool.kind)
    .bind(pool.usage)
    .bind(pool.starts_at)
    .bind(pool.expires_at)
    .fetch_one(conn)
    .await
}

/// The organization of pool `id`, if there is one.
pub async fn org_of(conn: &mut Conn, id: PoolId) -> Result<Option<OrgId>, sqlx::Error> {
    query_scalar("SELECT org_id FROM license_pools WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Gives pool `id` the seats or expiry given; answers whether there is such a pool.
pub async fn update(
    conn: &mut Conn,
    id: PoolId,
    seats: Option<u32>,
    expires_at: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = query(
        "UPDATE license_pools SET seats = COALESCE(?, seats), expires_at = COALESCE(?, expires_at)
         WHERE id = ?",
    )
    .bind(seats)
    .bind(expires_at)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The product's pools with the seats their activations hold now. Run inside the
/// activation's transaction, after `change::begin`, so the count cannot go stale.
pub async fn in_use(
    conn: &mut Conn,
    product: ProductId,
    now: i64,
) -> Result<Vec<Pool>, sqlx::Error> {
    let pools: Vec<(PoolId, PoolKind, PoolUsage, i64, i64, i64)> = query_as(
        "SELECT id, kind, usage, seats, starts_at, expires_at FROM license_pools
         WHERE product_id = ? ORDER BY expires_at, id",
    )
    .bind(product)
    .fetch_all(&mut *conn)
    .await?;
    let holders: Vec<(PoolId, i64, Option<i64>)> = query_as(
        "SELECT a.pool_id, a.last_heartbeat_at, a.expires_at FROM activations a
         JOIN license_pools p ON p.id = a.pool_id
         WHERE p.product_id = ? AND a.ended_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > ?)",
    )
    .bind(product)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok(pools
        .into_iter()
        .map(|(id, kind, usage, seats, starts_at, expires_at)| {
            let held = holders.iter().filter(|holder| holder.0 == id);
            let used = match usage {
                PoolUsage::Online => {
                    let sessions: Vec<Session> = held
                        .map(|&(_, last_heartbeat_at, _)| Session {
                            last_heartbeat_at,
                            ended_at: None,
                        })
                        .collect();
                    licensing::floating_seats_in_use(&sessions, now, SESSION_TIMEOUT_SECS)
                }
                PoolUsage::Offline => {
                    let expiries: Vec<i64> = held.filter_map(|holder| holder.2).collect();
                    licensing::offline_seats_in_use(&expiries, now)
                }
            };
            Pool {
                id,
                kind,
                usage,
                seats: seats as u32,
                used,
                starts_at,
                expires_at,
            }
        })
        .collect())
}

/// The product's pools as admins and operators see them: seats, and seats used.
pub async fn summaries(
    conn: &mut Conn,
    product: ProductId,
    now: i64,
) -> Result<Vec<PoolSummary>, sqlx::Error> {
    // A named online pool's seats are held by the allocations, not by sessions.
    let licensed: i64 = query_scalar(
        "SELECT (SELECT COUNT(*) FROM direct_allocations a
                   JOIN memberships m ON m.id = a.membership_id
                  WHERE a.product_id = ?1 AND m.status = ?2)
              + (SELECT COUNT(*) FROM held_licenses h
                   JOIN memberships m ON m.id = h.membership_id
                  WHERE h.product_id = ?1 AND m.status = ?2)",
    )
    .bind(product)
    .bind(MemberStatus::Active)
    .fetch_one(&mut *conn)
    .await?;
    Ok(in_use(conn, product, now)
        .await?
        .into_iter()
        .map(|pool| PoolSummary {
            id: pool.id,
            kind: pool.kind,
            usage: pool.usage,
            seats: pool.seats,
            used: match (pool.kind, pool.usage) {
                (PoolKind::Named, PoolUsage::Online) => licensed as u32,
                _ => pool.used,
            },
            starts_at: pool.starts_at,
            expires_at: pool.expires_at,
        })
        .collect())
}
