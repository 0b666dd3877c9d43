//! Remove Users (with Undo) and Change Role: bulk changes in one transaction, reported per id.

use allot_core::{
    AccountId, BulkResponse, ChangeRoleRequest, ErrorDetail, IdsRequest, ItemResult, MemberId,
    OrgId, ProductSeats, Role,
    rules::{self, Actor, Batch, RuleViolation, Target},
};
use axum::{Json, extract::State};
use serde_json::json;
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::{
    AppState,
    auth::{self, Caller, Membership},
    change,
    db::now,
    error::{ApiError, ApiResult},
    extract::{JsonBody, PathParams},
    license_api, seats,
};

/// How long after a removal its Undo is still offered; later, invite them back.
const UNDO_WINDOW_SECS: i64 = 10 * 60;

/// A member of the organization, as the changes here need them.
pub struct OrgMember {
    pub role: Role,
    pub active: bool,
    pub removed_at: Option<i64>,
    pub full_name: String,
}

/// Member `id` of `org_id`, active or removed; `None` for another organization's or
/// nonexistent ids alike.
pub async fn find_member(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    id: MemberId,
) -> ApiResult<Option<OrgMember>> {
    let row: Option<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT m.role, m.status, m.removed_at, a.full_name
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.id = ? AND m.org_id = ?",
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(conn)
    .await?;
    row.map(|(role, status, removed_at, full_name)| {
        Ok(OrgMember {
            role: Role::parse(&role).ok_or_else(ApiError::internal)?,
            active: status == "active",
            removed_at,
            full_name,
        })
    })
    .transpose()
}

/// The caller as the transaction sees them: their role may have changed since the
/// request's membership check, and the rules judge by the current one.
async fn current_actor(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    manager: &Membership,
) -> ApiResult<Actor> {
    let member = find_member(conn, org_id, manager.id)
        .await?
        .filter(|member| member.active)
        .ok_or_else(ApiError::not_found)?;
    Ok(Actor {
        id: manager.id,
        role: member.role,
    })
}

/// Why one id of a bulk change was not done: refused (reported for that id while the others
/// go on), or failed (the whole request fails and nothing changes).
enum ItemError {
    Refused(ErrorDetail),
    Failed(ApiError),
}

fn refused(code: &str, message: impl Into<String>) -> ItemError {
    ItemError::Refused(ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
    })
}

fn no_such_member() -> ItemError {
    refused("not_found", "No member of this organization has this id.")
}

impl From<RuleViolation> for ItemError {
    fn from(violation: RuleViolation) -> Self {
        refused(violation.code(), violation.message())
    }
}

impl From<ApiError> for ItemError {
    fn from(error: ApiError) -> Self {
        ItemError::Failed(error)
    }
}

impl From<sqlx::Error> for ItemError {
    fn from(error: sqlx::Error) -> Self {
        ItemError::Failed(error.into())
    }
}

/// A bulk change's results so far: one per id, and what each done one returned (for the
/// audit event).
struct Report<T> {
    results: Vec<ItemResult>,
    done: Vec<T>,
}

impl<T> Report<T> {
    fn new(ids: usize) -> Self {
        Self {
            results: Vec::with_capacity(ids),
            done: Vec::new(),
        }
    }

    /// Adds id's outcome; a failure fails the whole request.
    fn add(&mut self, id: i64, outcome: Result<T, ItemError>) -> ApiResult<()> {
        let error = match outcome {
            Ok(value) => {
                self.done.push(value);
                None
            }
            Err(ItemError::Refused(detail)) => Some(detail),
            Err(ItemError::Failed(error)) => return Err(error),
        };
        self.results.push(ItemResult { id, error });
        Ok(())
    }

    /// Records the change with `detail` (`None` when nothing changed: refusals alone are no
    /// event), commits, and answers with the organization's sequence number.
    async fn finish(
        self,
        mut tx: Transaction<'static, Sqlite>,
        org_id: OrgId,
        actor: AccountId,
        action: &str,
        detail: Option<serde_json::Value>,
    ) -> ApiResult<Json<BulkResponse>> {
        let seq = match detail {
            Some(detail) => change::record(&mut tx, org_id, Some(actor), action, detail).await?,
            None => {
                let seq: i64 = sqlx::query_scalar("SELECT seq FROM organizations WHERE id = ?")
                    .bind(org_id)
                    .fetch_one(&mut *tx)
                    .await?;
                seq as u64
            }
        };
        tx.commit().await?;
        Ok(Json(BulkResponse {
            results: self.results,
            seq,
        }))
    }
}

async fn active_owners(conn: &mut SqliteConnection, org_id: OrgId) -> ApiResult<usize> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE org_id = ? AND status = 'active' AND role = 'owner'",
    )
    .bind(org_id)
    .fetch_one(conn)
    .await?;
    Ok(count as usize)
}

/// Removes members. They keep their data, and their team memberships and direct licenses
/// stay recorded (uncounted while they are removed) so that Undo restores them exactly.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/members/remove", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: removed, or why not \
               (`not_found`, `already_removed`, `remove_self`, `owner_only`, `last_owner`)"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let manager = auth::manager(&state.db, &caller, org_id).await?;
    let mut tx = change::begin(&state.db).await?;
    let actor = current_actor(&mut tx, org_id, &manager).await?;
    let mut batch = Batch::new(actor, active_owners(&mut tx, org_id).await?);
    let now = now();
    let mut report = Report::new(request.ids.len());
    for &id in &request.ids {
        let outcome = remove_one(&mut tx, org_id, id, &mut batch, caller.account_id, now).await;
        report.add(id, outcome)?;
    }
    let detail = (!report.done.is_empty()).then(|| json!({ "members": report.done }));
    let account = caller.account_id;
    report
        .finish(tx, org_id, account, "members.removed", detail)
        .await
}

async fn remove_one(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    id: MemberId,
    batch: &mut Batch,
    by: AccountId,
    now: i64,
) -> Result<MemberId, ItemError> {
    let member = find_member(conn, org_id, id)
        .await?
        .ok_or_else(no_such_member)?;
    if !member.active {
        return Err(refused(
            "already_removed",
            format!("{} was already removed.", member.full_name),
        ));
    }
    batch.remove(Target {
        id,
        role: member.role,
    })?;
    sqlx::query(
        "UPDATE memberships SET status = 'removed', removed_at = ?, removed_by = ? WHERE id = ?",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    license_api::end_machines_and_sessions(conn, id, now).await?;
    Ok(id)
}

/// Undoes removals made in the last ten minutes: the members come back with their role,
/// teams and licenses, provided each of their licenses still has a free seat.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/members/restore", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: restored, or why not \
               (`not_found`, `not_removed`, `undo_expired`, `owner_only`, `seats_exceeded`)"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let manager = auth::manager(&state.db, &caller, org_id).await?;
    let mut tx = change::begin(&state.db).await?;
    let actor = current_actor(&mut tx, org_id, &manager).await?;
    // Counted once and kept current as members come back, so a batch cannot overfill a pool.
    let mut seats = seats::product_seats(&mut tx, org_id).await?;
    let now = now();
    let mut report = Report::new(request.ids.len());
    for &id in &request.ids {
        let outcome = restore_one(&mut tx, org_id, id, actor, &mut seats, now).await;
        report.add(id, outcome)?;
    }
    let detail = (!report.done.is_empty()).then(|| json!({ "members": report.done }));
    let account = caller.account_id;
    report
        .finish(tx, org_id, account, "members.restored", detail)
        .await
}

async fn restore_one(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    id: MemberId,
    actor: Actor,
    seats: &mut [ProductSeats],
    now: i64,
) -> Result<MemberId, ItemError> {
    let member = find_member(conn, org_id, id)
        .await?
        .ok_or_else(no_such_member)?;
    let name = &member.full_name;
    let removed_at = match (member.active, member.removed_at) {
        (false, Some(removed_at)) => removed_at,
        _ => return Err(refused("not_removed", format!("{name} is not removed."))),
    };
    if now - removed_at > UNDO_WINDOW_SECS {
        return Err(refused(
            "undo_expired",
            format!(
                "{name} was removed more than 10 minutes ago, so the removal can no longer be \
                 undone; invite them back instead."
            ),
        ));
    }
    rules::check_restore(
        actor,
        Target {
            id,
            role: member.role,
        },
    )?;
    let products: Vec<i64> =
        sqlx::query_scalar("SELECT product_id FROM direct_allocations WHERE membership_id = ?")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let mut held: Vec<&mut ProductSeats> = seats
        .iter_mut()
        .filter(|product| products.contains(&product.id))
        .collect();
    if let Some(shortfall) = held.iter().find_map(|product| product.shortfall(1)) {
        return Err(refused(
            "seats_exceeded",
            format!("{name} cannot be brought back: {shortfall}"),
        ));
    }
    for product in &mut held {
        product.used += 1;
    }
    sqlx::query(
        "UPDATE memberships SET status = 'active', removed_at = NULL, removed_by = NULL
         WHERE id = ?",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Gives members a role. Billing Managers cannot be in a team, so members made Billing
/// Manager leave their teams (the audit event names them).
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/members/role", tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ChangeRoleRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: done, or why not \
               (`not_found`, `member_removed`, `own_role`, `owner_only`, `last_owner`)"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn change_role(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ChangeRoleRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let manager = auth::manager(&state.db, &caller, org_id).await?;
    let mut tx = change::begin(&state.db).await?;
    let actor = current_actor(&mut tx, org_id, &manager).await?;
    let mut batch = Batch::new(actor, active_owners(&mut tx, org_id).await?);
    let mut report = Report::new(request.ids.len());
    for &id in &request.ids {
        let outcome = change_role_one(&mut tx, org_id, id, &mut batch, request.role).await;
        report.add(id, outcome)?;
    }
    // Members who already had the role are done but unchanged.
    let changed: Vec<_> = report.done.iter().flatten().collect();
    let detail = (!changed.is_empty()).then(|| json!({ "role": request.role, "members": changed }));
    let account = caller.account_id;
    report
        .finish(tx, org_id, account, "members.role_changed", detail)
        .await
}

/// Gives member `id` the role; what changed, for the audit event, or `None` when they
/// already had it.
async fn change_role_one(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    id: MemberId,
    batch: &mut Batch,
    new_role: Role,
) -> Result<Option<serde_json::Value>, ItemError> {
    let member = find_member(conn, org_id, id)
        .await?
        .ok_or_else(no_such_member)?;
    if !member.active {
        return Err(refused(
            "member_removed",
            format!(
                "{} was removed from the organization; bring them back first.",
                member.full_name
            ),
        ));
    }
    batch.change_role(
        Target {
            id,
            role: member.role,
        },
        new_role,
    )?;
    if member.role == new_role {
        return Ok(None);
    }
    sqlx::query("UPDATE memberships SET role = ? WHERE id = ?")
        .bind(new_role.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let mut left_teams: Vec<String> = Vec::new();
    if rules::check_team_member(new_role).is_err() {
        left_teams = sqlx::query_scalar(
            "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
             WHERE tm.membership_id = ? ORDER BY t.name",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM team_members WHERE membership_id = ?")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Some(
        json!({ "id": id, "previous_role": member.role, "left_teams": left_teams }),
    ))
}
