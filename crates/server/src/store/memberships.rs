//! Memberships: who belongs to an organization, with what role, and since when.

use std::{collections::HashMap, sync::LazyLock};

use allot_core::{AccountId, MemberId, MemberStatus, OrgId, Role};

use crate::db::{Conn, Executor, insert_all, query, query_as, query_scalar};

use super::id_list;

/// The highest role the member `m`'s groups grant them, or NULL: a column for queries over
/// memberships. Their effective role is the higher of this and their own.
/// Groups grant one of `allot_core::allocation::GROUP_ROLES`: Admin above Member above
/// Billing Manager.
static GROUP_ROLE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(SELECT g.role FROM group_members gm
           JOIN groups g ON g.id = gm.group_id
          WHERE gm.membership_id = m.id AND g.role IS NOT NULL
          ORDER BY CASE g.role WHEN '{}' THEN 1 WHEN '{}' THEN 2 ELSE 3 END LIMIT 1)",
        Role::Admin.as_str(),
        Role::Member.as_str()
    )
});

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
        "SELECT m.id, m.role, {group_role}, m.status, m.removed_at, a.full_name
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.id = ? AND m.org_id = ?",
        group_role = GROUP_ROLE_SQL.as_str()
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
        "SELECT m.id, m.role, {group_role}, m.status, m.removed_at, a.full_name
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.id IN (SELECT value FROM json_each(?)) AND m.org_id = ?",
        group_role = GROUP_ROLE_SQL.as_str()
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

/// Whether `email`'s account is an active member of `org_id`.
pub async fn is_active_by_email(
    conn: &mut Conn,
    org_id: OrgId,
    email: &str,
) -> Result<bool, sqlx::Error> {
    query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN accounts a ON a.id = m.account_id
                        WHERE m.org_id = ? AND a.email = ? AND m.status = ?)",
    )
    .bind(org_id)
    .bind(email)
    .bind(MemberStatus::Active)
    .fetch_one(conn)
    .await
}

/// The account's membership of `org_id`, active or removed: its id and status.
pub async fn of_account(
    conn: &mut Conn,
    org_id: OrgId,
    account_id: AccountId,
) -> Result<Option<(MemberId, MemberStatus)>, sqlx::Error> {
    query_as("SELECT id, status FROM memberships WHERE org_id = ? AND account_id = ?")
        .bind(org_id)
        .bind(account_id)
        .fetch_optional(conn)
        .await
}

/// The account's active membership of `org_id`: its id, own role, the highest role its groups
/// grant, and when it last opened the organization.
pub async fn active_of_account(
    on: impl Executor<'_>,
    org_id: OrgId,
    account_id: AccountId,
) -> Result<Option<(MemberId, Role, Option<Role>, Option<i64>)>, sqlx::Error> {
    query_as(&format!(
        "SELECT m.id, m.role, {group_role}, m.last_access_at FROM memberships m
         WHERE m.org_id = ? AND m.account_id = ? AND m.status = ?",
        group_role = GROUP_ROLE_SQL.as_str()
    ))
    .bind(org_id)
    .bind(account_id)
    .bind(MemberStatus::Active)
    .fetch_optional(on)
    .await
}

/// The organizations the account is an active member of, by name: id, name, own role and
/// the highest role its groups there grant.
pub async fn organizations_of(
    on: impl Executor<'_>,
    account_id: AccountId,
) -> Result<Vec<(OrgId, String, Role, Option<Role>)>, sqlx::Error> {
    query_as(&format!(
        "SELECT o.id, o.name, m.role, {group_role} FROM memberships m
         JOIN organizations o ON o.id = m.org_id
         WHERE m.account_id = ? AND m.status = ? ORDER BY o.name, o.id",
        group_role = GROUP_ROLE_SQL.as_str()
    ))
    .bind(account_id)
    .bind(MemberStatus::Active)
    .fetch_all(on)
    .await
}

/// Notes that the member opened the organization at `now`.
pub async fn touch(on: impl Executor<'_>, id: MemberId, now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE memberships SET last_access_at = ? WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(on)
        .await?;
    Ok(())
}

/// A new active member of `org_id` with `role`, joined at `joined_at`.
pub async fn insert(
    conn: &mut Conn,
    org_id: OrgId,
    account_id: AccountId,
    role: Role,
    joined_at: i64,
    last_access_at: Option<i64>,
) -> Result<MemberId, sqlx::Error> {
    query_scalar(
        "INSERT INTO memberships (org_id, account_id, role, status, joined_at, last_access_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(org_id)
    .bind(account_id)
    .bind(role)
    .bind(MemberStatus::Active)
    .bind(joined_at)
    .bind(last_access_at)
    .fetch_one(conn)
    .await
}

/// A membership to write with others at once, its id chosen beforehand (see
/// `Conn::next_id`); removed when `removed_by` is given.
pub struct MembershipRow {
    pub id: MemberId,
    pub account_id: AccountId,
    pub role: Role,
    pub joined_at: i64,
    pub removed_at: Option<i64>,
    pub removed_by: Option<AccountId>,
    pub last_access_at: Option<i64>,
}

pub async fn insert_many(
    conn: &mut Conn,
    org_id: OrgId,
    rows: &[MembershipRow],
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO memberships (id, org_id, account_id, role, status, joined_at, removed_at,
           removed_by, last_access_at)",
        rows,
        super::ROWS_PER_INSERT,
        |values, row| {
            let status = match row.removed_by {
                Some(_) => MemberStatus::Removed,
                None => MemberStatus::Active,
            };
            values
                .push_bind(row.id)
                .push_bind(org_id)
                .push_bind(row.account_id)
                .push_bind(row.role)
                .push_bind(status)
                .push_bind(row.joined_at)
                .push_bind(row.removed_at)
                .push_bind(row.removed_by)
                .push_bind(row.last_access_at);
        },
    )
    .await
}

/// A removed member active again with `role`, joined afresh at `now`: without the licenses,
/// teams, groups and held licenses they had (Undo is for bringing those back).
pub async fn rejoin(
    conn: &mut Conn,
    id: MemberId,
    role: Role,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE memberships SET role = ?, status = ?, joined_at = ?,
           removed_at = NULL, removed_by = NULL, last_access_at = ?, allocate_to_user = FALSE
         WHERE id = ?",
    )
    .bind(role)
    .bind(MemberStatus::Active)
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    for table in [
        "direct_allocations",
        "team_members",
        "group_members",
        "held_licenses",
    ] {
        query(&format!("DELETE FROM {table} WHERE membership_id = ?"))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Whether `id` is an active member of `org_id`.
/// Which of `ids` are active members of the organization, by id.
pub async fn active_among(
    conn: &mut Conn,
    org_id: OrgId,
    ids: &[MemberId],
) -> Result<Vec<MemberId>, sqlx::Error> {
    query_scalar(
        "SELECT id FROM memberships
         WHERE id IN (SELECT value FROM json_each(?)) AND org_id = ? AND status = ? ORDER BY 1",
    )
    .bind(super::id_list(ids))
    .bind(org_id)
    .bind(MemberStatus::Active)
    .fetch_all(conn)
    .await
}

/// Each active member's id, full name, own role and "Allocate to User" setting, by id: of
/// `ids`, those that are active members of the organization.
pub async fn allocation_settings(
    conn: &mut Conn,
    org_id: OrgId,
    ids: &[MemberId],
) -> Result<Vec<(MemberId, String, Role, bool)>, sqlx::Error> {
    query_as(
        "SELECT m.id, a.full_name, m.role, m.allocate_to_user FROM memberships m
         JOIN accounts a ON a.id = m.account_id
         WHERE m.id IN (SELECT value FROM json_each(?)) AND m.org_id = ? AND m.status = ?
         ORDER BY 1",
    )
    .bind(super::id_list(ids))
    .bind(org_id)
    .bind(MemberStatus::Active)
    .fetch_all(conn)
    .await
}

pub async fn set_allocate_to_user(
    conn: &mut Conn,
    id: MemberId,
    allocate_to_user: bool,
) -> Result<(), sqlx::Error> {
    query("UPDATE memberships SET allocate_to_user = ? WHERE id = ?")
        .bind(allocate_to_user)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether `id` is a member of `org_id`, active or removed.
pub async fn exists(conn: &mut Conn, org_id: OrgId, id: MemberId) -> Result<bool, sqlx::Error> {
    query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE id = ? AND org_id = ?)")
        .bind(id)
        .bind(org_id)
        .fetch_one(conn)
        .await
}

/// The member's organization's name, and their account's address and id: who an offline
/// license is issued to.
pub async fn licensee(
    conn: &mut Conn,
    id: MemberId,
) -> Result<(String, String, AccountId), sqlx::Error> {
    query_as(
        "SELECT o.name, a.email, a.id FROM memberships m
         JOIN organizations o ON o.id = m.org_id JOIN accounts a ON a.id = m.account_id
         WHERE m.id = ?",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}
