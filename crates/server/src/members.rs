//! The organization's members: the snapshot the console loads.

use std::collections::HashMap;

use allot_core::{Member, MemberId, MemberStatus, MembersSnapshot, OrgId, Product, Role};
use axum::{Json, extract::State};
use sqlx::{Row, SqliteConnection};

use crate::{
    AppState,
    auth::{self, Caller},
    error::{ApiError, ApiResult},
    extract::PathParams,
    groups,
};

/// Active and removed members with their licenses, stamped with the organization's sequence
/// number. Read in one transaction so that the parts agree with each other and the stamp.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/members", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = MembersSnapshot), (status = 401, body = allot_core::ErrorBody),
              (status = 403, body = allot_core::ErrorBody), (status = 404, body = allot_core::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
) -> ApiResult<Json<MembersSnapshot>> {
    auth::manager(&state.db, &caller, org_id).await?;
    let mut tx = state.db.begin().await?;

    let seq: i64 = sqlx::query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;
    let products = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM products WHERE org_id = ? ORDER BY name",
    )
    .bind(org_id)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(id, name)| Product { id, name })
    .collect();

    let groups = groups::org_groups(&mut tx, org_id).await?;
    let mut licenses = ids_by_member(
        &mut tx,
        "SELECT membership_id, product_id FROM direct_allocations WHERE org_id = ?
         ORDER BY membership_id, product_id",
        org_id,
    )
    .await?;
    let mut group_ids = ids_by_member(
        &mut tx,
        "SELECT gm.membership_id, gm.group_id FROM group_members gm
         JOIN groups g ON g.id = gm.group_id WHERE g.org_id = ?
         ORDER BY gm.membership_id, gm.group_id",
        org_id,
    )
    .await?;
    let mut held = ids_by_member(
        &mut tx,
        "SELECT h.membership_id, h.product_id FROM held_licenses h
         JOIN memberships m ON m.id = h.membership_id WHERE m.org_id = ?
         ORDER BY h.membership_id, h.product_id",
        org_id,
    )
    .await?;

    let rows = sqlx::query(
        "SELECT m.id, a.full_name, a.email, m.role, m.status, m.joined_at, m.removed_at,
                r.full_name AS removed_by, m.last_access_at, m.allocate_to_user
         FROM memberships m
         JOIN accounts a ON a.id = m.account_id
         LEFT JOIN accounts r ON r.id = m.removed_by
         WHERE m.org_id = ? ORDER BY m.id",
    )
    .bind(org_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let members = rows
        .into_iter()
        .map(|row| {
            let id: i64 = row.get("id");
            let role = Role::parse(row.get("role")).ok_or_else(ApiError::internal)?;
            let status = match row.get::<&str, _>("status") {
                "active" => MemberStatus::Active,
                _ => MemberStatus::Removed,
            };
            Ok(Member {
                id,
                full_name: row.get("full_name"),
                email: row.get("email"),
                role,
                status,
                joined_at: row.get("joined_at"),
                removed_at: row.get("removed_at"),
                removed_by: row.get("removed_by"),
                last_access_at: row.get("last_access_at"),
                licenses: licenses.remove(&id).unwrap_or_default(),
                allocate_to_user: row.get("allocate_to_user"),
                groups: group_ids.remove(&id).unwrap_or_default(),
                held: held.remove(&id).unwrap_or_default(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;

    Ok(Json(MembersSnapshot {
        seq: seq as u64,
        products,
        members,
        groups,
    }))
}

/// `(member, id)` pairs from `sql`, grouped by member.
async fn ids_by_member(
    conn: &mut SqliteConnection,
    sql: &str,
    org_id: OrgId,
) -> Result<HashMap<MemberId, Vec<i64>>, sqlx::Error> {
    let pairs: Vec<(MemberId, i64)> = sqlx::query_as(sql).bind(org_id).fetch_all(conn).await?;
    let mut by_member: HashMap<MemberId, Vec<i64>> = HashMap::new();
    for (member, id) in pairs {
        by_member.entry(member).or_default().push(id);
    }
    Ok(by_member)
}
