//! Memberships: who belongs to an organization, with what role, and since when.

use std::collections::HashMap;

use allot_core::{AccountId, MemberId, MemberStatus, OrgId, Role};

use crate::db::{Conn, query, query_as, query_scalar};

use super::id_list;

/// The highest role the member `m`'s groups grant them, or NULL: a column for queries over
/// memberships. Their effective role is the higher of this and their own.
pub const GROUP_ROLE_SQL: &str = "(SELECT g.role FROM group_members gm
      JOIN groups g ON g.id = gm.group_id
     WHERE gm.membership_id = m.id AND g.role IS NOT NULL
     ORDER BY CASE g.role WHEN 'admin' THEN 1 WHEN 'member' THEN 2 ELSE 3 END LIMIT 1)";

/// A member of the organization, as changes to members need them.
pub struct OrgMember {
    pub role: Role,
    /// The highest role a group grants them, if any.
    pub group_role: Option<Role>,
    pub active: bool,
    pub removed_at: Option<i64>,
    pub full_name: String,
}

type MemberRow = (
    MemberId,
    Role,
    Option<Role>,
    MemberStatus,
    Option<i64>,
    String,
);

fn org_member(
    (id, role, group_role, status, removed_at, full_name): MemberRow,
) -> (MemberId, OrgMember) {
    let member = OrgMember {
        role,
        group_role,
        active: status == MemberStatus::Active,
        removed_at,
        full_name,
    };
    (id, member)
}

/// Member `id` of `org_id`, active or removed; `None` for another organization's or
/// nonexistent ids alike.
pub async fn find(
    conn: &mut Conn,
    org_id: OrgId,
    id: MemberId,
) -> Result<Option<OrgMember>, sqlx::Error> {
    let row: Option<MemberRow> = query_as(&format!(
        "SELECT m.id, m.role, {GROUP_ROLE_SQL}, m.status, m.removed_at, a.full_name
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.id = ? AND m.org_id = ?"
    ))
    .bind(id)
    .bind(org_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| org_member(row).1))
}

/// The members of `org_id` among `ids`, active or removed, read at once; other
/// organizations' and nonexistent ids are missing alike.
pub async fn find_many(
    conn: &mut Conn,
    org_id: OrgId,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, OrgMember>, sqlx::Error> {
    let rows: Vec<MemberRow> = query_as(&format!(
        "SELECT m.id, m.role, {GROUP_ROLE_SQL}, m.status, m.removed_at, a.full_name
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.id IN (SELECT value FROM json_each(?)) AND m.org_id = ?"
    ))
    .bind(id_list(ids))
    .bind(org_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(org_member).collect())
}

/// How many active Owners the organization has.
pub async fn active_owners(conn: &mut Conn, org_id: OrgId) -> Result<usize, sqlx::Error> {
    let count: i64 = query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND status = ? AND role = ?",
    )
    .bind(org_id)
    .bind(MemberStatus::Active)
    .bind(Role::Owner)
    .fetch_one(conn)
    .await?;
    Ok(count as usize)
}

/// Marks the members removed by `by` at `now`; they keep their data for Undo.
pub async fn remove(
    conn: &mut Conn,
    ids: &[MemberId],
    by: AccountId,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE memberships SET status = ?, removed_at = ?, removed_by = ?
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(MemberStatus::Removed)
    .bind(now)
    .bind(by)
    .bind(id_list(ids))
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes removed members active again, as they were.
pub async fn restore(conn: &mut Conn, ids: &[MemberId]) -> Result<(), sqlx::Error> {
    query(
        "UPDATE memberships SET status = ?, removed_at = NULL, removed_by = NULL
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(MemberStatus::Active)
    .bind(id_list(ids))
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives the members their own role `role`.
pub async fn set_role(conn: &mut Conn, ids: &[MemberId], role: Role) -> Result<(), sqlx::Error> {
    query("UPDATE memberships SET role = ? WHERE id IN (SELECT value FROM json_each(?))")
        .bind(role)
        .bind(id_list(ids))
        .execute(conn)
        .await?;
    Ok(())
}
