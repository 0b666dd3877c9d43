//! The organization's state as the console holds it: members, groups, pending invitations
//! and products with their seats. Loaded whole for the snapshot, or only what a transaction
//! touched for its change event, by the same queries, so that the two always agree.

use std::collections::HashMap;

use allot_core::{
    ChangeEvent, GroupId, Invitation, InvitationId, InvitationStatus, Member, MemberId,
    MemberStatus, MembersSnapshot, OrgId, Product, ProductId, ProductsChange, Role,
};

use super::{
    changes::{self, ChangeKind},
    groups, seats,
};
use crate::db::{Backend, Conn, now, query_as, query_scalar};

/// Everything, or only what the current transaction touched (`change_dirty`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Touched,
}

impl Scope {
    /// A condition on `column` for queries whose organization is `?1`.
    fn filter(self, column: &str, kind: ChangeKind) -> String {
        match self {
            Scope::All => String::new(),
            // The kind is one of the enum's fixed names, never input.
            Scope::Touched => format!(
                " AND {column} IN (SELECT entity_id FROM change_dirty
                                    WHERE org_id = ?1 AND kind = '{}')",
                kind.as_str()
            ),
        }
    }
}

/// Active and removed members with their licenses, stamped with the organization's sequence
/// number, with groups, pending invitations and seats. Run it in one (read) transaction so
/// that the parts agree with each other and the stamp; the change feed continues from it.
pub async fn snapshot(conn: &mut Conn, org_id: OrgId) -> Result<MembersSnapshot, sqlx::Error> {
    let seq = changes::current_seq(conn, org_id).await?;
    let ProductsChange { products, seats } = products(conn, org_id).await?;
    Ok(MembersSnapshot {
        seq,
        products,
        members: load_members(conn, org_id, Scope::All)
            .await?
            .into_iter()
            .map(std::sync::Arc::new)
            .collect(),
        groups: groups::list(conn, org_id).await?,
        invitations: load_invitations(conn, org_id, Scope::All).await?,
        seats,
    })
}

/// The event of the change the current transaction made, numbered `seq`: the new state of
/// everything it touched.
pub async fn touched(conn: &mut Conn, org_id: OrgId, seq: u64) -> Result<ChangeEvent, sqlx::Error> {
    let dirty = changes::marks(conn, org_id).await?;
    let marked = |kind: ChangeKind| -> Vec<i64> {
        dirty
            .iter()
            .filter(|(marked, _)| *marked == kind)
            .map(|&(_, id)| id)
            .collect()
    };
    let mut event = ChangeEvent {
        seq,
        licenses_changed: !marked(ChangeKind::Licenses).is_empty(),
        allocation_errors_changed: !marked(ChangeKind::AllocationErrors).is_empty(),
        teams_changed: !marked(ChangeKind::Teams).is_empty(),
        ..ChangeEvent::default()
    };
    if !marked(ChangeKind::Member).is_empty() {
        event.members = load_members(conn, org_id, Scope::Touched).await?;
    }
    let invitations = marked(ChangeKind::Invitation);
    if !invitations.is_empty() {
        event.invitations = load_invitations(conn, org_id, Scope::Touched).await?;
        event.invitations_gone = (invitations.into_iter().map(InvitationId))
            .filter(|id| !event.invitations.iter().any(|i| i.id == *id))
            .collect();
    }
    let groups: Vec<GroupId> = marked(ChangeKind::Group).into_iter().map(GroupId).collect();
    if !groups.is_empty() {
        event.groups = groups::list(conn, org_id)
            .await?
            .into_iter()
            .filter(|group| groups.contains(&group.id))
            .collect();
        event.groups_gone = groups
            .into_iter()
            .filter(|id| !event.groups.iter().any(|g| g.id == *id))
            .collect();
    }
    if !marked(ChangeKind::Seats).is_empty() {
        event.products = Some(products(conn, org_id).await?);
    }
    Ok(event)
}

async fn products(conn: &mut Conn, org_id: OrgId) -> Result<ProductsChange, sqlx::Error> {
    let seats = seats::product_seats(conn, org_id).await?;
    let products = seats
        .iter()
        .map(|product| Product {
            id: product.id,
            name: product.name.clone(),
        })
        .collect();
    Ok(ProductsChange { products, seats })
}

/// A member's columns, in the order `load_members` selects them.
type MemberRow = (
    MemberId,
    String,
    String,
    Role,
    MemberStatus,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
);

/// The organization's members in `scope`, by id.
pub async fn load_members(
    conn: &mut Conn,
    org_id: OrgId,
    scope: Scope,
) -> Result<Vec<Member>, sqlx::Error> {
    let mut licenses = sorted_pairs(
        conn,
        &format!(
            "FROM direct_allocations WHERE org_id = ?1{}",
            scope.filter("membership_id", ChangeKind::Member)
        ),
        "membership_id, product_id",
        org_id,
    )
    .await?;
    let mut group_ids = sorted_pairs(
        conn,
        &format!(
            "FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE g.org_id = ?1{}",
            scope.filter("gm.membership_id", ChangeKind::Member)
        ),
        "gm.membership_id, gm.group_id",
        org_id,
    )
    .await?;
    let mut held = sorted_pairs(
        conn,
        &format!(
            "FROM held_licenses h JOIN memberships m ON m.id = h.membership_id
             WHERE m.org_id = ?1{}",
            scope.filter("h.membership_id", ChangeKind::Member)
        ),
        "h.membership_id, h.product_id",
        org_id,
    )
    .await?;
    let mut rows: Vec<MemberRow> = json_rows(
        conn,
        "m.id, a.full_name, a.email, m.role, m.status, m.joined_at, m.removed_at,
         r.full_name, m.last_access_at, CAST(m.allocate_to_user AS INTEGER)",
        &format!(
            "FROM memberships m
             JOIN accounts a ON a.id = m.account_id
             LEFT JOIN accounts r ON r.id = m.removed_by
             WHERE m.org_id = ?1{}",
            scope.filter("m.id", ChangeKind::Member)
        ),
        org_id,
    )
    .await?;
    rows.sort_unstable_by_key(|row| row.0);
    rows.into_iter()
        .map(
            |(
                id,
                full_name,
                email,
                role,
                status,
                joined_at,
                removed_at,
                removed_by,
                last_access_at,
                allocate_to_user,
            )| {
                Ok(Member {
                    id,
                    full_name,
                    email,
                    role,
                    status,
                    joined_at,
                    removed_at,
                    removed_by,
                    last_access_at,
                    licenses: licenses.take(id),
                    allocate_to_user: allocate_to_user != 0,
                    groups: group_ids.take(id),
                    held: held.take(id),
                })
            },
        )
        .collect()
}

/// `(owner, id)` pairs sorted by owner, taken owner by owner in ascending order: a merge
/// with the owners' own rows, without a map.
struct SortedPairs<Id> {
    pairs: std::iter::Peekable<std::vec::IntoIter<(MemberId, Id)>>,
}

impl<Id> SortedPairs<Id> {
    /// The ids of `owner`, skipping those of owners before it (none when read in order).
    fn take(&mut self, owner: MemberId) -> Vec<Id> {
        while self.pairs.next_if(|&(of, _)| of < owner).is_some() {}
        let mut ids = Vec::new();
        while let Some((_, id)) = self.pairs.next_if(|&(of, _)| of == owner) {
            ids.push(id);
        }
        ids
    }
}

/// `(owner, id)` pairs of `columns` from `from` (whose organization is `?1`), sorted.
async fn sorted_pairs<Id: Ord + serde::de::DeserializeOwned>(
    conn: &mut Conn,
    from: &str,
    columns: &str,
    org_id: OrgId,
) -> Result<SortedPairs<Id>, sqlx::Error> {
    let mut pairs: Vec<(MemberId, Id)> = json_rows(conn, columns, from, org_id).await?;
    pairs.sort_unstable();
    Ok(SortedPairs {
        pairs: pairs.into_iter().peekable(),
    })
}

/// The rows of `SELECT <columns> <from>` (whose organization is `?1`), in no particular
/// order, read as one JSON array of arrays built by the database. Each row and each of its
/// values crossing from SQLite's thread on its own costs several times the query itself for
/// the 100,000s of rows of a large organization's snapshot.
async fn json_rows<T: serde::de::DeserializeOwned>(
    conn: &mut Conn,
    columns: &str,
    from: &str,
    org_id: OrgId,
) -> Result<Vec<T>, sqlx::Error> {
    let sql = match conn.backend() {
        Backend::Sqlite => format!("SELECT json_group_array(json_array({columns})) {from}"),
        Backend::Postgres => {
            format!("SELECT COALESCE(json_agg(json_build_array({columns})), '[]')::text {from}")
        }
    };
    let json: String = query_scalar(&sql).bind(org_id).fetch_one(conn).await?;
    serde_json::from_str(&json).map_err(|error| sqlx::Error::Decode(error.into()))
}

/// The organization's pending invitations in `scope`, by id.
pub async fn load_invitations(
    conn: &mut Conn,
    org_id: OrgId,
    scope: Scope,
) -> Result<Vec<Invitation>, sqlx::Error> {
    let filter = scope.filter("i.id", ChangeKind::Invitation);
    let promised: Vec<(InvitationId, ProductId)> = query_as(&format!(
        "SELECT ip.invitation_id, ip.product_id FROM invitation_products ip
         JOIN invitations i ON i.id = ip.invitation_id
         WHERE i.org_id = ?1 AND i.status = ?2{filter} ORDER BY ip.product_id"
    ))
    .bind(org_id)
    .bind(InvitationStatus::Pending)
    .fetch_all(&mut *conn)
    .await?;
    let mut products: HashMap<InvitationId, Vec<ProductId>> = HashMap::new();
    for (invitation, product) in promised {
        products.entry(invitation).or_default().push(product);
    }
    let rows: Vec<(InvitationId, String, Role, String, i64, i64)> = query_as(&format!(
        "SELECT i.id, i.email, i.role, a.full_name, i.created_at, i.expires_at
         FROM invitations i JOIN accounts a ON a.id = i.invited_by
         WHERE i.org_id = ?1 AND i.status = ?2{filter} ORDER BY i.id"
    ))
    .bind(org_id)
    .bind(InvitationStatus::Pending)
    .fetch_all(&mut *conn)
    .await?;
    let now = now();
    rows.into_iter()
        .map(|(id, email, role, invited_by, created_at, expires_at)| {
            Ok(Invitation {
                id,
                email,
                role,
                products: products.remove(&id).unwrap_or_default(),
                invited_by,
                created_at,
                expires_at,
                expired: expires_at <= now,
            })
        })
        .collect()
}
