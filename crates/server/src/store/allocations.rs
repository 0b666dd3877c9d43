//! Members' licenses: products allocated to them directly, and the seats they hold for
//! licenses inherited from groups.

use std::collections::HashMap;

use allot_core::{LicensedUser, MemberId, MemberStatus, OrgId, ProductId};

use crate::db::{Conn, insert_all, query, query_as, query_scalar};

/// Allocates `product` to `member` directly (nothing if it already is).
pub async fn grant(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    product: ProductId,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(org_id)
    .bind(member)
    .bind(product)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes `member`'s direct allocations exactly `products`.
pub async fn set_direct(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    products: &[ProductId],
    now: i64,
) -> Result<(), sqlx::Error> {
    clear_direct(conn, member).await?;
    insert_all(
        conn,
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)",
        products,
        super::ROWS_PER_INSERT,
        |values, product| {
            values
                .push_bind(org_id)
                .push_bind(member)
                .push_bind(*product)
                .push_bind(now);
        },
    )
    .await
}

/// Takes away every product allocated to `member` directly.
pub async fn clear_direct(conn: &mut Conn, member: MemberId) -> Result<(), sqlx::Error> {
    query("DELETE FROM direct_allocations WHERE membership_id = ?")
        .bind(member)
        .execute(conn)
        .await?;
    Ok(())
}

/// The inherited licenses whose seats each of `members` holds, by product.
pub async fn held_of_many(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<HashMap<MemberId, Vec<ProductId>>, sqlx::Error> {
    super::by_member(
        conn,
        "SELECT membership_id, product_id FROM held_licenses
         WHERE membership_id IN (SELECT value FROM json_each(?)) ORDER BY 1, 2",
        members,
    )
    .await
}

/// `member` takes a seat for the license of `product` they inherit (nothing if they hold it).
pub async fn hold(
    conn: &mut Conn,
    member: MemberId,
    product: ProductId,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO held_licenses (membership_id, product_id, acquired_at)
         VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(member)
    .bind(product)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// `member` gives back the seat they held for `product`.
pub async fn release(
    conn: &mut Conn,
    product: ProductId,
    members: &[MemberId],
) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM held_licenses
         WHERE product_id = ? AND membership_id IN (SELECT value FROM json_each(?))",
    )
    .bind(product)
    .bind(super::id_list(members))
    .execute(conn)
    .await?;
    Ok(())
}

/// The organization's active members holding a license (allocated or inherited and held),
/// by name, with their products and machines.
pub async fn licensed_users(
    conn: &mut Conn,
    org_id: OrgId,
) -> Result<Vec<LicensedUser>, sqlx::Error> {
    let licenses: Vec<(MemberId, ProductId)> = query_as(
        "SELECT licensed.membership_id, licensed.product_id FROM (
           SELECT membership_id, product_id FROM direct_allocations
           UNION SELECT membership_id, product_id FROM held_licenses
         ) AS licensed JOIN memberships m ON m.id = licensed.membership_id
         WHERE m.org_id = ? AND m.status = ? ORDER BY licensed.product_id",
    )
    .bind(org_id)
    .bind(MemberStatus::Active)
    .fetch_all(&mut *conn)
    .await?;
    let mut products_of: HashMap<MemberId, Vec<ProductId>> = HashMap::new();
    for (member, product) in licenses {
        products_of.entry(member).or_default().push(product);
    }
    let users: Vec<(MemberId, String, String, i64, Option<i64>)> = query_as(
        "SELECT m.id, a.full_name, a.email,
           (SELECT COUNT(*) FROM machines WHERE membership_id = m.id),
           (SELECT MAX(last_seen_at) FROM machines WHERE membership_id = m.id)
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.status = ?
           AND (EXISTS (SELECT 1 FROM direct_allocations WHERE membership_id = m.id)
                OR EXISTS (SELECT 1 FROM held_licenses WHERE membership_id = m.id))
         ORDER BY a.full_name, m.id",
    )
    .bind(org_id)
    .bind(MemberStatus::Active)
    .fetch_all(conn)
    .await?;
    Ok(users
        .into_iter()
        .map(
            |(member_id, full_name, email, machines, last_used_at)| LicensedUser {
                member_id,
                full_name,
                email,
                products: products_of.remove(&member_id).unwrap_or_default(),
                machines: machines as u32,
                last_used_at,
            },
        )
        .collect())
}

/// The products allocated directly to each of `members`, by product.
pub async fn direct_of_many(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<HashMap<MemberId, Vec<ProductId>>, sqlx::Error> {
    super::by_member(
        conn,
        "SELECT membership_id, product_id FROM direct_allocations
         WHERE membership_id IN (SELECT value FROM json_each(?)) ORDER BY 1, 2",
        members,
    )
    .await
}

/// Allocates each `(member, product)` directly, as of `now`.
pub async fn grant_many(
    conn: &mut Conn,
    org_id: OrgId,
    grants: &[(MemberId, ProductId)],
    now: i64,
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)",
        grants,
        super::ROWS_PER_INSERT,
        |values, &(member, product)| {
            values
                .push_bind(org_id)
                .push_bind(member)
                .push_bind(product)
                .push_bind(now);
        },
    )
    .await
}

/// The first `limit` members (by id) allocated `product` directly.
pub async fn first_holders(
    conn: &mut Conn,
    product: ProductId,
    limit: usize,
) -> Result<Vec<MemberId>, sqlx::Error> {
    query_scalar(
        "SELECT membership_id FROM direct_allocations WHERE product_id = ?
         ORDER BY membership_id LIMIT ?",
    )
    .bind(product)
    .bind(limit)
    .fetch_all(conn)
    .await
}
