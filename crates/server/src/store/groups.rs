//! Groups: their names and roles, their members, and the products their rule allocates.

use std::collections::HashMap;

use allot_core::{Group, GroupId, MemberId, MemberStatus, OrgId, ProductId, Role};

use crate::db::{Conn, insert_all, query, query_as, query_scalar};

/// The organization's groups by id, with their roles and rules.
pub async fn list(conn: &mut Conn, org_id: OrgId) -> Result<Vec<Group>, sqlx::Error> {
    let rows: Vec<(GroupId, String, Option<Role>)> =
        query_as("SELECT id, name, role FROM groups WHERE org_id = ? ORDER BY id")
            .bind(org_id)
            .fetch_all(&mut *conn)
            .await?;
    let rules: Vec<(GroupId, ProductId)> = query_as(
        "SELECT gp.group_id, gp.product_id FROM group_products gp
         JOIN groups g ON g.id = gp.group_id WHERE g.org_id = ? ORDER BY gp.product_id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role)| {
            let products = rules
                .iter()
                .filter(|(group, _)| *group == id)
                .map(|&(_, product)| product)
                .collect();
            Group {
                id,
                name,
                role,
                products,
            }
        })
        .collect())
}

/// Whether another group of the organization (not `except`) has `name`, ignoring case.
pub async fn name_taken(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
    except: Option<GroupId>,
) -> Result<bool, sqlx::Error> {
    query_scalar(
        "SELECT EXISTS (SELECT 1 FROM groups WHERE org_id = ?1 AND name = ?2 COLLATE NOCASE
                          AND (?3 IS NULL OR id != ?3))",
    )
    .bind(org_id)
    .bind(name)
    .bind(except)
    .fetch_one(conn)
    .await
}

pub async fn create(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
    role: Option<Role>,
) -> Result<GroupId, sqlx::Error> {
    query_scalar("INSERT INTO groups (org_id, name, role) VALUES (?, ?, ?) RETURNING id")
        .bind(org_id)
        .bind(name)
        .bind(role)
        .fetch_one(conn)
        .await
}

pub async fn update(
    conn: &mut Conn,
    id: GroupId,
    name: &str,
    role: Option<Role>,
) -> Result<(), sqlx::Error> {
    query("UPDATE groups SET name = ?, role = ? WHERE id = ?")
        .bind(name)
        .bind(role)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes the group with its members and rule.
pub async fn delete(conn: &mut Conn, id: GroupId) -> Result<(), sqlx::Error> {
    for sql in [
        "DELETE FROM group_members WHERE group_id = ?",
        "DELETE FROM group_products WHERE group_id = ?",
        "DELETE FROM groups WHERE id = ?",
    ] {
        query(sql).bind(id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The group's active members; removed members' places are kept for an Undo.
pub async fn active_members(conn: &mut Conn, id: GroupId) -> Result<Vec<MemberId>, sqlx::Error> {
    query_scalar(
        "SELECT gm.membership_id FROM group_members gm
         JOIN memberships m ON m.id = gm.membership_id
         WHERE gm.group_id = ? AND m.status = ? ORDER BY 1",
    )
    .bind(id)
    .bind(MemberStatus::Active)
    .fetch_all(conn)
    .await
}

pub async fn add_members(
    conn: &mut Conn,
    id: GroupId,
    members: &[MemberId],
) -> Result<(), sqlx::Error> {
    insert_all(
        conn,
        "INSERT INTO group_members (group_id, membership_id)",
        members,
        super::ROWS_PER_INSERT,
        |values, member| {
            values.push_bind(id).push_bind(*member);
        },
    )
    .await
}

pub async fn remove_members(
    conn: &mut Conn,
    id: GroupId,
    members: &[MemberId],
) -> Result<(), sqlx::Error> {
    query(
        "DELETE FROM group_members
         WHERE group_id = ? AND membership_id IN (SELECT value FROM json_each(?))",
    )
    .bind(id)
    .bind(super::id_list(members))
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes the group's rule allocate exactly `products`.
pub async fn set_products(
    conn: &mut Conn,
    id: GroupId,
    products: &[ProductId],
) -> Result<(), sqlx::Error> {
    query("DELETE FROM group_products WHERE group_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_all(
        conn,
        "INSERT INTO group_products (group_id, product_id)",
        products,
        super::ROWS_PER_INSERT,
        |values, product| {
            values.push_bind(id).push_bind(*product);
        },
    )
    .await
}

/// The groups `member` belongs to, by id.
pub async fn of_members(
    conn: &mut Conn,
    members: &[MemberId],
) -> Result<HashMap<MemberId, Vec<GroupId>>, sqlx::Error> {
    super::by_member(
        conn,
        "SELECT membership_id, group_id FROM group_members
         WHERE membership_id IN (SELECT value FROM json_each(?)) ORDER BY 1, 2",
        members,
    )
    .await
}
