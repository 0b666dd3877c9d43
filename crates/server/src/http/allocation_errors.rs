//! Licenses that could not be allocated: recorded where it happens, listed to the admins,
//! retried or dismissed by them.

use allot_core::{
    AccountId, AllocationError, AllocationErrorId, MemberId, OrgId, ProductId,
    allocation::Entitlement,
    audit::{AuditDetail, ErrorClosed},
    paths,
};
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState, change,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::Manager,
    http::extract::PathParams,
    ops::allocate,
    store::{self, allocation_errors, allocations, seats},
};

/// The organization's open allocation errors of active members, newest first.
#[utoipa::path(get, path = paths::ALLOCATION_ERRORS, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = Vec<AllocationError>)))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
) -> ApiResult<Json<Vec<AllocationError>>> {
    Ok(Json(allocation_errors::list(&state.db, org_id).await?))
}

/// The error's member and product, if it is this organization's.
async fn find(
    conn: &mut Conn,
    org_id: OrgId,
    id: AllocationErrorId,
) -> ApiResult<(MemberId, ProductId)> {
    allocation_errors::find(conn, org_id, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Deletes the error and records what became of it (`Retried` or `Dismissed`), ending the
/// transaction.
async fn close(
    mut tx: change::WriteTx,
    actor: AccountId,
    (member_id, product_id): (MemberId, ProductId),
    id: AllocationErrorId,
    became: fn(ErrorClosed) -> AuditDetail,
) -> ApiResult<StatusCode> {
    allocation_errors::delete(&mut tx, id).await?;
    let detail = became(ErrorClosed {
        member_id,
        product_id,
    });
    tx.finish(Some(actor), detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tries the allocation again: done when a seat is free now, else 409 with the numbers and
/// nothing changed.
#[utoipa::path(post, path = paths::ALLOCATION_ERROR_RETRY, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id"), ("id" = i64, Path, description = "Allocation error id")),
    responses((status = 204), (status = 409, body = allot_core::ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, id)): PathParams<(OrgId, AllocationErrorId)>,
) -> ApiResult<StatusCode> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let (membership_id, product_id) = find(&mut tx, org_id, id).await?;
    let seats = seats::product_seats(&mut tx, org_id).await?;
    let product = seats
        .iter()
        .find(|product| product.id == product_id)
        .ok_or_else(ApiError::not_found)?;
    // Refused, the retry leaves no trace: the error stays as it was (dropping `tx` rolls back).
    if let Some(shortfall) = product.shortfall(1) {
        return Err(ApiError::conflict("seats_exceeded", shortfall));
    }
    // A license the member inherits takes its seat as their product would have; any other
    // was an invitation's direct allocation.
    let member = allocate::member_state(&mut tx, org_id, membership_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let org_groups = store::groups::list(&mut tx, org_id).await?;
    let now = now();
    match member.entitlement(product_id, &org_groups) {
        Entitlement::Inherited { .. } => {
            allocations::hold(&mut tx, membership_id, product_id, now).await?
        }
        _ => allocations::grant(&mut tx, org_id, membership_id, product_id, now).await?,
    }
    close(
        tx,
        caller.account_id,
        (membership_id, product_id),
        id,
        AuditDetail::AllocationErrorRetried,
    )
    .await
}

/// Dismisses the error without allocating: the admin has seen it and decided.
#[utoipa::path(delete, path = paths::ALLOCATION_ERROR, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id"), ("id" = i64, Path, description = "Allocation error id")),
    responses((status = 204)))]
pub async fn dismiss(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, id)): PathParams<(OrgId, AllocationErrorId)>,
) -> ApiResult<StatusCode> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let (membership_id, product_id) = find(&mut tx, org_id, id).await?;
    close(
        tx,
        caller.account_id,
        (membership_id, product_id),
        id,
        AuditDetail::AllocationErrorDismissed,
    )
    .await
}

/// Licenses that could not be allocated: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(dismiss))
        .routes(routes!(retry))
}
