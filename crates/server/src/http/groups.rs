//! Groups and license allocation: group members, the roles and license rules groups grant,
//! members' direct allocations with "Allocate to User", and releasing inherited licenses.
//!
//! Every change here computes each affected member's licenses before and after
//! (`ops::allocate`), then settles the difference in the same transaction: inherited seats
//! no longer owed are freed, and sessions of products the member lost end at once.

use std::collections::{BTreeMap, BTreeSet};

use allot_core::{
    AllocationRequest, BulkResponse, Group, GroupChange, GroupId, GroupRequest, GroupRuleRequest,
    MemberId, MemberIdsRequest, OrgId, ProductId, Role,
    allocation::GROUP_ROLES,
    audit::{self, AuditDetail},
    paths,
    rules::GROUP_NAME_MAX_CHARS,
};
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState, change,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::{Caller, Manager},
    http::bulk::{Bulk, ItemError, refused},
    http::extract::{JsonBody, PathParams},
    ops::allocate,
    store::{
        activations::{self, Live},
        allocations, groups, memberships, products, seats,
    },
};

fn valid_name(name: &str) -> ApiResult<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > GROUP_NAME_MAX_CHARS {
        return Err(ApiError::bad_request(
            "invalid_group_name",
            format!("A group name has 1 to {GROUP_NAME_MAX_CHARS} characters."),
        ));
    }
    Ok(name)
}

/// The role a group is to grant: one a group may grant at all, and one the manager saving the
/// group may grant themselves.
fn valid_role(role: Option<Role>, manager: Role) -> ApiResult<Option<Role>> {
    match role {
        Some(role) if !GROUP_ROLES.contains(&role) => Err(ApiError::unprocessable(
            "invalid_role",
            "A group can grant Admin, Member or Billing Manager, never Owner.",
        )),
        Some(role) if !manager.may_grant(role) => Err(ApiError::forbidden(format!(
            "Only a member who may grant the {} role can make a group grant it.",
            role.label()
        ))),
        _ => Ok(role),
    }
}

async fn ensure_name_free(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
    except: Option<GroupId>,
) -> ApiResult<()> {
    let taken = groups::name_taken(conn, org_id, name, except).await?;
    if taken {
        return Err(ApiError::conflict(
            "name_taken",
            format!("This organization already has a group named \"{name}\"."),
        ));
    }
    Ok(())
}

/// The requested members, each an active member of the organization, by id without repeats.
async fn valid_members(
    conn: &mut Conn,
    org_id: OrgId,
    members: &[MemberId],
) -> ApiResult<Vec<MemberId>> {
    let mut members = members.to_vec();
    members.sort_unstable();
    members.dedup();
    let active = memberships::active_among(conn, org_id, &members).await?;
    if let Some(unknown) = members
        .iter()
        .find(|member| active.binary_search(member).is_err())
    {
        return Err(ApiError::unprocessable(
            "unknown_member",
            format!("No active member of this organization has id {unknown}."),
        ));
    }
    Ok(members)
}

/// The requested products, each one of the organization's, by id without repeats.
async fn valid_products(
    conn: &mut Conn,
    org_id: OrgId,
    products: &[ProductId],
) -> ApiResult<Vec<ProductId>> {
    let mut products = products.to_vec();
    products.sort_unstable();
    products.dedup();
    for &product in &products {
        let known = products::exists(conn, org_id, product).await?;
        if !known {
            return Err(ApiError::unprocessable(
                "unknown_product",
                format!("This organization has no product with id {product}."),
            ));
        }
    }
    Ok(products)
}

async fn find_group(conn: &mut Conn, org_id: OrgId, group_id: GroupId) -> ApiResult<Group> {
    groups::list(conn, org_id)
        .await?
        .into_iter()
        .find(|group| group.id == group_id)
        .ok_or_else(ApiError::not_found)
}

/// Records the change and commits, answering with what it did.
async fn finish(
    tx: change::WriteTx,
    caller: &Caller,
    detail: AuditDetail,
    group: Option<Group>,
    settled: allocate::Settled,
) -> ApiResult<GroupChange> {
    let seq = tx.finish(Some(caller.account_id), detail).await?;
    Ok(GroupChange {
        group,
        members_changed: settled.members_changed,
        seats_freed: settled.seats_freed,
        seq,
    })
}

#[utoipa::path(post, path = paths::GROUPS, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = GroupRequest,
    responses((status = 201, body = GroupChange),
              (status = 400, body = allot_core::ErrorBody,
               description = "`invalid_group_name`"),
              (status = 422, body = allot_core::ErrorBody, description = "`invalid_role`, `unknown_member`"),
              (status = 409, body = allot_core::ErrorBody, description = "`name_taken`")))]
pub async fn create(
    State(state): State<AppState>,
    Manager {
        caller,
        org_id,
        membership: manager,
    }: Manager,
    JsonBody(request): JsonBody<GroupRequest>,
) -> ApiResult<(StatusCode, Json<GroupChange>)> {
    let name = valid_name(&request.name)?;
    let role = valid_role(request.role, manager.role)?;
    let mut tx = change::begin(&state.db, org_id).await?;
    ensure_name_free(&mut tx, org_id, name, None).await?;
    let members = valid_members(&mut tx, org_id, &request.members).await?;
    let id = groups::create(&mut tx, org_id, name, role).await?;
    groups::add_members(&mut tx, id, &members).await?;
    // A new group has no rule yet, so only a role can change its members.
    let settled = allocate::Settled {
        members_changed: if role.is_some() {
            members.len() as u32
        } else {
            0
        },
        seats_freed: 0,
    };
    let group = find_group(&mut tx, org_id, id).await?;
    let detail = AuditDetail::GroupCreated(audit::GroupCreated {
        group: id,
        name: name.to_owned(),
        role,
        members,
        settled,
    });
    let change = finish(tx, &caller, detail, Some(group), settled);
    Ok((StatusCode::CREATED, Json(change.await?)))
}

/// The Edit Group panel's Save: renames, sets the role, and makes the active members exactly
/// those given. Members taken out lose the role and the licenses they had only from it.
#[utoipa::path(put, path = paths::GROUP, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("group_id" = i64, Path, description = "Group id")),
    request_body = GroupRequest,
    responses((status = 200, body = GroupChange),
              (status = 400, body = allot_core::ErrorBody,
               description = "`invalid_group_name`"),
              (status = 422, body = allot_core::ErrorBody, description = "`invalid_role`, `unknown_member`"),
              (status = 409, body = allot_core::ErrorBody, description = "`name_taken`")))]
pub async fn update(
    State(state): State<AppState>,
    Manager {
        caller,
        membership: manager,
        ..
    }: Manager,
    PathParams((org_id, group_id)): PathParams<(OrgId, GroupId)>,
    JsonBody(request): JsonBody<GroupRequest>,
) -> ApiResult<Json<GroupChange>> {
    let name = valid_name(&request.name)?;
    let role = valid_role(request.role, manager.role)?;
    let mut tx = change::begin(&state.db, org_id).await?;
    let group = find_group(&mut tx, org_id, group_id).await?;
    ensure_name_free(&mut tx, org_id, name, Some(group_id)).await?;
    let wanted: BTreeSet<MemberId> = valid_members(&mut tx, org_id, &request.members)
        .await?
        .into_iter()
        .collect();
    let current: BTreeSet<MemberId> = groups::active_members(&mut tx, group_id)
        .await?
        .into_iter()
        .collect();
    let groups = groups::list(&mut tx, org_id).await?;
    let affected: Vec<MemberId> = current.union(&wanted).copied().collect();
    let before = allocate::snapshot_members(&mut tx, org_id, &affected, &groups).await?;

    groups::update(&mut tx, group_id, name, role).await?;
    let added: Vec<MemberId> = wanted.difference(&current).copied().collect();
    let removed: Vec<MemberId> = current.difference(&wanted).copied().collect();
    groups::add_members(&mut tx, group_id, &added).await?;
    groups::remove_members(&mut tx, group_id, &removed).await?;
    let settled = allocate::settle(&mut tx, org_id, &before, now()).await?;
    let updated = find_group(&mut tx, org_id, group_id).await?;
    let detail = AuditDetail::GroupUpdated(audit::GroupUpdated {
        group: group_id,
        previous_name: group.name,
        name: name.to_owned(),
        previous_role: group.role,
        role,
        added,
        removed,
        settled,
    });
    let change = finish(tx, &caller, detail, Some(updated), settled);
    Ok(Json(change.await?))
}

/// Deletes the group: its members lose its role and the licenses they had only from it.
#[utoipa::path(delete, path = paths::GROUP, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("group_id" = i64, Path, description = "Group id")),
    responses((status = 200, body = GroupChange)))]
pub async fn delete(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, group_id)): PathParams<(OrgId, GroupId)>,
) -> ApiResult<Json<GroupChange>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let group = find_group(&mut tx, org_id, group_id).await?;
    let groups = groups::list(&mut tx, org_id).await?;
    let members = groups::active_members(&mut tx, group_id).await?;
    let before = allocate::snapshot_members(&mut tx, org_id, &members, &groups).await?;
    groups::delete(&mut tx, group_id).await?;
    let settled = allocate::settle(&mut tx, org_id, &before, now()).await?;
    let detail = AuditDetail::GroupDeleted(audit::GroupNamed {
        group: group_id,
        name: group.name,
        settled,
    });
    let change = finish(tx, &caller, detail, None, settled);
    Ok(Json(change.await?))
}

/// The Edit Group Allocation Rule panel's Save: the products every member inherits.
/// Inherited seats are taken when members' products acquire them, not here.
#[utoipa::path(put, path = paths::GROUP_RULE, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("group_id" = i64, Path, description = "Group id")),
    request_body = GroupRuleRequest,
    responses((status = 200, body = GroupChange),
              (status = 422, body = allot_core::ErrorBody, description = "`unknown_product`")))]
pub async fn set_rule(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, group_id)): PathParams<(OrgId, GroupId)>,
    JsonBody(request): JsonBody<GroupRuleRequest>,
) -> ApiResult<Json<GroupChange>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let group = find_group(&mut tx, org_id, group_id).await?;
    let products = valid_products(&mut tx, org_id, &request.products).await?;
    let groups = groups::list(&mut tx, org_id).await?;
    let members = groups::active_members(&mut tx, group_id).await?;
    let before = allocate::snapshot_members(&mut tx, org_id, &members, &groups).await?;
    groups::set_products(&mut tx, group_id, &products).await?;
    let settled = allocate::settle(&mut tx, org_id, &before, now()).await?;
    let updated = find_group(&mut tx, org_id, group_id).await?;
    let detail = AuditDetail::GroupRuleSet(audit::RuleSet {
        group: group_id,
        previous_products: group.products,
        products,
        settled,
    });
    let change = finish(tx, &caller, detail, Some(updated), settled);
    Ok(Json(change.await?))
}

/// Release license: frees the seats of the licenses each member holds by inheritance from
/// this group and ends their sessions. Their product acquires the license again at its next
/// sign-in, if a seat is free then.
#[utoipa::path(post, path = paths::GROUP_RELEASE, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("group_id" = i64, Path, description = "Group id")),
    request_body = MemberIdsRequest,
    responses((status = 200, body = BulkResponse)))]
pub async fn release(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, group_id)): PathParams<(OrgId, GroupId)>,
    JsonBody(request): JsonBody<MemberIdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut bulk = Bulk::begin(&state.db, org_id, request.ids.len()).await?;
    let group = find_group(&mut bulk.tx, org_id, group_id).await?;
    let mut members = allocate::member_states(&mut bulk.tx, org_id, &request.ids).await?;
    let mut released: BTreeMap<ProductId, Vec<MemberId>> = BTreeMap::new();
    for &id in &request.ids {
        let Some(member) = members.get_mut(&id) else {
            bulk.add(
                id,
                Err(refused(
                    "not_found",
                    "No active member of this organization has this id.",
                )),
            )?;
            continue;
        };
        if !member.groups.contains(&group_id) {
            bulk.add(
                id,
                Err(refused(
                    "not_in_group",
                    format!("{} is not in {}.", member.name, group.name),
                )),
            )?;
            continue;
        }
        let products: Vec<ProductId> = member
            .held
            .iter()
            .copied()
            .filter(|product| group.products.contains(product))
            .collect();
        if products.is_empty() {
            bulk.add(
                id,
                Err(refused(
                    "nothing_held",
                    format!(
                        "{} holds no license inherited from {}.",
                        member.name, group.name
                    ),
                )),
            )?;
            continue;
        }
        // Released: an id given twice finds nothing left to release.
        member.held.retain(|product| !products.contains(product));
        for &product in &products {
            released.entry(product).or_default().push(id);
        }
        bulk.add(
            id,
            Ok::<_, ItemError>(audit::ReleasedFrom {
                member: id,
                products,
            }),
        )?;
    }
    let now = now();
    for (&product, members) in &released {
        allocations::release(&mut bulk.tx, product, members).await?;
        activations::end(&mut bulk.tx, Live::OfProduct { product, members }, now).await?;
    }
    let detail = |released| {
        Some(AuditDetail::LicenseReleased(audit::Released::Inherited {
            group: group_id,
            released,
        }))
    };
    bulk.finish(caller.account_id, detail).await
}

/// The Edit License Allocation panel's Save: the member's direct allocation and whether it
/// overrides their groups. Newly ticked products need a free seat; a license the member held
/// by inheritance keeps its seat, now through the allocation.
#[utoipa::path(put, path = paths::MEMBER_ALLOCATION, tag = "groups",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("member_id" = i64, Path, description = "Member id")),
    request_body = AllocationRequest,
    responses((status = 200, body = GroupChange),
              (status = 422, body = allot_core::ErrorBody, description = "`unknown_product`"),
              (status = 409, body = allot_core::ErrorBody, description = "`seats_exceeded`")))]
pub async fn set_allocation(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, member_id)): PathParams<(OrgId, MemberId)>,
    JsonBody(request): JsonBody<AllocationRequest>,
) -> ApiResult<Json<GroupChange>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let member = allocate::member_state(&mut tx, org_id, member_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let products = valid_products(&mut tx, org_id, &request.products).await?;
    let seats = seats::product_seats(&mut tx, org_id).await?;
    for product in &seats {
        let takes_seat = products.contains(&product.id)
            && !member.direct.contains(&product.id)
            && !member.held.contains(&product.id);
        if let Some(shortfall) = product.shortfall(1).filter(|_| takes_seat) {
            return Err(ApiError::conflict(
                "seats_exceeded",
                format!("{} cannot be allocated: {shortfall}", member.name),
            ));
        }
    }
    let groups = groups::list(&mut tx, org_id).await?;
    let before = allocate::snapshot_members(&mut tx, org_id, &[member_id], &groups).await?;
    memberships::set_allocate_to_user(&mut tx, member_id, request.allocate_to_user).await?;
    let now = now();
    allocations::set_direct(&mut tx, org_id, member_id, &products, now).await?;
    let settled = allocate::settle(&mut tx, org_id, &before, now).await?;
    let detail = AuditDetail::AllocationSet(audit::AllocationSet {
        member: member_id,
        previous: audit::Allocation {
            allocate_to_user: member.allocate_to_user,
            products: member.direct,
        },
        allocate_to_user: request.allocate_to_user,
        products,
        settled,
    });
    let change = finish(tx, &caller, detail, None, settled);
    Ok(Json(change.await?))
}

/// Groups, their rules, and members' license allocation: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(update, delete))
        .routes(routes!(set_rule))
        .routes(routes!(release))
        .routes(routes!(set_allocation))
}
