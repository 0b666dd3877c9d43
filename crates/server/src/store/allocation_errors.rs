//! Allocation errors: licenses a member should have had but could not get (no seat was
//! free), kept until an admin retries or dismisses them.

use allot_core::{AllocationError, AllocationErrorId, MemberId, MemberStatus, OrgId, ProductId};

use crate::db::{Conn, Db, query, query_as, query_scalar};

/// Records that `member` could not get `product`, replacing an older record of the same
/// pair.
pub async fn record(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    product: ProductId,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO allocation_errors (org_id, membership_id, product_id, reason, created_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (membership_id, product_id)
         DO UPDATE SET reason = excluded.reason, created_at = excluded.created_at",
    )
    .bind(org_id)
    .bind(member)
    .bind(product)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Why `member` could not get `product`, while that error is open.
pub async fn reason(
    conn: &mut Conn,
    member: MemberId,
    product: ProductId,
) -> Result<Option<String>, sqlx::Error> {
    query_scalar("SELECT reason FROM allocation_errors WHERE membership_id = ? AND product_id = ?")
        .bind(member)
        .bind(product)
        .fetch_optional(conn)
        .await
}

/// The organization's open allocation errors of active members, newest first.
pub async fn list(db: &Db, org_id: OrgId) -> Result<Vec<AllocationError>, sqlx::Error> {
    let rows: Vec<(
        AllocationErrorId,
        MemberId,
        String,
        ProductId,
        String,
        String,
        i64,
    )> = query_as(
        "SELECT e.id, e.membership_id, a.full_name, e.product_id, p.name, e.reason, e.created_at
         FROM allocation_errors e
         JOIN memberships m ON m.id = e.membership_id
         JOIN accounts a ON a.id = m.account_id
         JOIN products p ON p.id = e.product_id
         WHERE e.org_id = ? AND m.status = ?
         ORDER BY e.created_at DESC, e.id DESC",
    )
    .bind(org_id)
    .bind(MemberStatus::Active)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, member_id, member_name, product_id, product_name, reason, created_at)| {
                AllocationError {
                    id,
                    member_id,
                    member_name,
                    product_id,
                    product_name,
                    reason,
                    created_at,
                }
            },
        )
        .collect())
}

/// Error `id`'s member and product, if it is the organization's.
pub async fn find(
    conn: &mut Conn,
    org_id: OrgId,
    id: AllocationErrorId,
) -> Result<Option<(MemberId, ProductId)>, sqlx::Error> {
    query_as("SELECT membership_id, product_id FROM allocation_errors WHERE id = ? AND org_id = ?")
        .bind(id)
        .bind(org_id)
        .fetch_optional(conn)
        .await
}

pub async fn delete(conn: &mut Conn, id: AllocationErrorId) -> Result<(), sqlx::Error> {
    query("DELETE FROM allocation_errors WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets the errors about `member`'s license of `product`: they have it now.
pub async fn delete_for(
    conn: &mut Conn,
    member: MemberId,
    product: ProductId,
) -> Result<(), sqlx::Error> {
    query("DELETE FROM allocation_errors WHERE membership_id = ? AND product_id = ?")
        .bind(member)
        .bind(product)
        .execute(conn)
        .await?;
    Ok(())
}
