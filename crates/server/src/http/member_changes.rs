//! Remove Users (with Undo) and Change Role: bulk changes in one transaction, reported per id.

use std::collections::HashMap;

use allot_core::{
    BulkResponse, ChangeRoleRequest, MemberId, MemberIdsRequest, OrgId, ProductId, ProductSeats,
    Role,
    audit::{AuditDetail, Members, PreviousRole, RoleChanged},
    paths,
    rules::{self, Actor, Batch, Target},
};
use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::{Manager, Membership},
    http::bulk::{Bulk, ItemError, refused},
    http::extract::JsonBody,
    ops::activate,
    store::{
        allocations,
        memberships::{self, OrgMember},
        seats, sessions, teams,
    },
};

/// How long after a removal its Undo is still offered; later, invite them back.
const UNDO_WINDOW_SECS: i64 = 10 * 60;

impl OrgMember {
    /// The role the rules judge this member by, as a change's subject.
    fn target(&self, id: MemberId) -> Target {
        Target {
            id,
            role: self.role,
            group_role: self.group_role,
        }
    }
}

/// The caller as the transaction sees them: their role may have changed since the
/// request's membership check, and the rules judge by the current effective one.
async fn current_actor(conn: &mut Conn, org_id: OrgId, manager: &Membership) -> ApiResult<Actor> {
    let member = memberships::find(conn, org_id, manager.id)
        .await?
        .filter(|member| member.active)
        .ok_or_else(ApiError::not_found)?;
    Ok(Actor {
        id: manager.id,
        role: allot_core::allocation::raised_role(member.role, member.group_role),
    })
}

fn no_such_member() -> ItemError {
    refused("not_found", "No member of this organization has this id.")
}

/// Removes members. They keep their data, and their team memberships and direct licenses
/// stay recorded (uncounted while they are removed) so that Undo restores them exactly.
#[utoipa::path(post, path = paths::MEMBERS_REMOVE, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = MemberIdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: removed, or why not \
               (`not_found`, `already_removed`, `remove_self`, `owner_only`, `last_owner`)")))]
pub async fn remove(
    State(state): State<AppState>,
    Manager {
        caller,
        org_id,
        membership: manager,
    }: Manager,
    JsonBody(request): JsonBody<MemberIdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut bulk = Bulk::begin(&state.db, org_id, request.ids.len()).await?;
    let actor = current_actor(&mut bulk.tx, org_id, &manager).await?;
    let mut batch = Batch::new(
        actor,
        memberships::active_owners(&mut bulk.tx, org_id).await?,
    );
    let now = now();
    // Judged one id at a time in the order given, against the members as the earlier ids
    // left them; then written all at once.
    let mut members = memberships::find_many(&mut bulk.tx, org_id, &request.ids).await?;
    for &id in &request.ids {
        let outcome = remove_one(&mut members, id, &mut batch);
        bulk.add(id, outcome)?;
    }
    if !bulk.done.is_empty() {
        memberships::remove(&mut bulk.tx, &bulk.done, caller.account_id, now).await?;
        sessions::end_where_no_organization_is_left(&mut bulk.tx, &bulk.done).await?;
        activate::end_machines_and_sessions(&mut bulk.tx, &bulk.done, now).await?;
    }
    let detail = |members| Some(AuditDetail::MembersRemoved(Members { members }));
    bulk.finish(caller.account_id, detail).await
}

fn remove_one(
    members: &mut HashMap<MemberId, OrgMember>,
    id: MemberId,
    batch: &mut Batch,
) -> Result<MemberId, ItemError> {
    let member = members.get_mut(&id).ok_or_else(no_such_member)?;
    if !member.active {
        return Err(refused(
            "already_removed",
            format!("{} was already removed.", member.full_name),
        ));
    }
    batch.remove(member.target(id))?;
    member.active = false;
    Ok(id)
}

/// Undoes removals made in the last ten minutes: the members come back with their role,
/// teams and licenses, provided each of their licenses still has a free seat.
#[utoipa::path(post, path = paths::MEMBERS_RESTORE, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = MemberIdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: restored, or why not \
               (`not_found`, `not_removed`, `undo_expired`, `owner_only`, `seats_exceeded`)")))]
pub async fn restore(
    State(state): State<AppState>,
    Manager {
        caller,
        org_id,
        membership: manager,
    }: Manager,
    JsonBody(request): JsonBody<MemberIdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut bulk = Bulk::begin(&state.db, org_id, request.ids.len()).await?;
    let actor = current_actor(&mut bulk.tx, org_id, &manager).await?;
    // Counted once and kept current as members come back, so a batch cannot overfill a pool.
    let mut seats = seats::product_seats(&mut bulk.tx, org_id).await?;
    let now = now();
    let mut members = memberships::find_many(&mut bulk.tx, org_id, &request.ids).await?;
    let mut licenses = allocations::direct_of_many(&mut bulk.tx, &request.ids).await?;
    for &id in &request.ids {
        let outcome = restore_one(&mut members, &mut licenses, id, actor, &mut seats, now);
        bulk.add(id, outcome)?;
    }
    if !bulk.done.is_empty() {
        memberships::restore(&mut bulk.tx, &bulk.done).await?;
    }
    let detail = |members| Some(AuditDetail::MembersRestored(Members { members }));
    bulk.finish(caller.account_id, detail).await
}

fn restore_one(
    members: &mut HashMap<MemberId, OrgMember>,
    licenses: &mut HashMap<MemberId, Vec<ProductId>>,
    id: MemberId,
    actor: Actor,
    seats: &mut [ProductSeats],
    now: i64,
) -> Result<MemberId, ItemError> {
    let member = members.get_mut(&id).ok_or_else(no_such_member)?;
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
    rules::check_restore(actor, member.target(id))?;
    let products = licenses.get(&id).map_or(&[][..], Vec::as_slice);
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
    member.active = true;
    member.removed_at = None;
    Ok(id)
}

/// Gives members a role. Billing Managers cannot be in a team, so members made Billing
/// Manager leave their teams (the audit event names them).
#[utoipa::path(post, path = paths::MEMBERS_ROLE, tag = "members",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ChangeRoleRequest,
    responses((status = 200, body = BulkResponse, description = "Per member: done, or why not \
               (`not_found`, `member_removed`, `own_role`, `owner_only`, `last_owner`)")))]
pub async fn change_role(
    State(state): State<AppState>,
    Manager {
        caller,
        org_id,
        membership: manager,
    }: Manager,
    JsonBody(request): JsonBody<ChangeRoleRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut bulk = Bulk::begin(&state.db, org_id, request.ids.len()).await?;
    let actor = current_actor(&mut bulk.tx, org_id, &manager).await?;
    let mut batch = Batch::new(
        actor,
        memberships::active_owners(&mut bulk.tx, org_id).await?,
    );
    let new_role = request.role;
    let mut members = memberships::find_many(&mut bulk.tx, org_id, &request.ids).await?;
    for &id in &request.ids {
        let outcome = change_role_one(&mut members, id, &mut batch, new_role);
        bulk.add(id, outcome)?;
    }
    // Members who already had the role are done but unchanged.
    let changed: Vec<(MemberId, Role)> = bulk.done.iter().flatten().copied().collect();
    let ids: Vec<MemberId> = changed.iter().map(|&(id, _)| id).collect();
    let mut left_teams: HashMap<MemberId, Vec<String>> = HashMap::new();
    if !ids.is_empty() {
        memberships::set_role(&mut bulk.tx, &ids, new_role).await?;
        if rules::check_team_member(new_role).is_err() {
            left_teams = teams::leave_all(&mut bulk.tx, &ids).await?;
        }
    }
    let members: Vec<PreviousRole> = (changed.into_iter())
        .map(|(id, previous_role)| PreviousRole {
            id,
            previous_role: Some(previous_role),
            left_teams: left_teams.remove(&id).unwrap_or_default(),
        })
        .collect();
    let detail = (!members.is_empty()).then_some(AuditDetail::MembersRoleChanged(RoleChanged {
        role: Some(new_role),
        members,
    }));
    bulk.finish(caller.account_id, |_| detail).await
}

/// Gives member `id` the role (as far as the rules go: the caller writes it); their previous
/// role, for the audit event, or `None` when they already had it.
fn change_role_one(
    members: &mut HashMap<MemberId, OrgMember>,
    id: MemberId,
    batch: &mut Batch,
    new_role: Role,
) -> Result<Option<(MemberId, Role)>, ItemError> {
    let member = members.get_mut(&id).ok_or_else(no_such_member)?;
    if !member.active {
        return Err(refused(
            "member_removed",
            format!(
                "{} was removed from the organization; bring them back first.",
                member.full_name
            ),
        ));
    }
    batch.change_role(member.target(id), new_role)?;
    if member.role == new_role {
        return Ok(None);
    }
    let previous_role = member.role;
    member.role = new_role;
    Ok(Some((id, previous_role)))
}

/// Remove Users (and Undo) and Change Role: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(remove))
        .routes(routes!(restore))
        .routes(routes!(change_role))
}
