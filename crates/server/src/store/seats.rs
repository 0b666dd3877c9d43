//! Counting the seats of an organization's products: named seats are held by direct
//! allocations, by inherited licenses that were acquired, and by pending invitations. The
//! one count every screen shows and every allocation checks.

use allot_core::{
    InvitationStatus, MemberStatus, OrgId, ProductId, ProductSeats, licensing::PoolKind,
};

use crate::db::{Conn, now, query_as};

/// Every product of the organization with its named seats and their use. Run it inside the
/// transaction that will take seats, after `change::begin`, so the count cannot go stale.
///
/// Licenses of active members are counted as all the product's licenses less those of
/// removed members (a product's licenses are its organization's members'): a count of an
/// index, and lookups for the few removed, instead of looking up every holder's status.
pub async fn product_seats(
    conn: &mut Conn,
    org_id: OrgId,
) -> Result<Vec<ProductSeats>, sqlx::Error> {
    let rows: Vec<(ProductId, String, Option<i64>, i64, i64)> = query_as(
        "SELECT p.id, p.name,
           (SELECT CAST(SUM(seats) AS BIGINT) FROM license_pools
             WHERE product_id = p.id AND kind = ?3 AND expires_at > ?1),
           (SELECT COUNT(*) FROM direct_allocations WHERE product_id = p.id)
           - (SELECT COUNT(*) FROM memberships m
              JOIN direct_allocations a ON a.membership_id = m.id AND a.product_id = p.id
             WHERE m.org_id = p.org_id AND m.status = ?4)
           + (SELECT COUNT(*) FROM held_licenses WHERE product_id = p.id)
           - (SELECT COUNT(*) FROM memberships m
              JOIN held_licenses h ON h.membership_id = m.id AND h.product_id = p.id
             WHERE m.org_id = p.org_id AND m.status = ?4),
           (SELECT COUNT(*) FROM invitation_products ip
              JOIN invitations i ON i.id = ip.invitation_id
             WHERE ip.product_id = p.id AND i.status = ?5 AND i.expires_at > ?1)
         FROM products p WHERE p.org_id = ?2 ORDER BY p.name",
    )
    .bind(now())
    .bind(org_id)
    .bind(PoolKind::Named)
    .bind(MemberStatus::Removed)
    .bind(InvitationStatus::Pending)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, seats, in_use, reserved)| ProductSeats {
            id,
            name,
            seats: seats.map(|seats| seats as u32),
            used: (in_use + reserved) as u32,
            reserved: reserved as u32,
        })
        .collect())
}
