//! License Management for the Owner and Admins: the overview of licenses, sessions and
//! machines, and what each removal terminates (Remove a Licensed User, remove an online
//! license, remove an expired offline license, Deactivate Machine).

use std::collections::BTreeMap;

use allot_core::{
    ActivationId, ActivationMode, BulkResponse, ErrorDetail, IdsRequest, LicenseOverview,
    MachineId, MemberId, MemberIdsRequest, OrgId, ProductId, ProductLicenses,
    audit::{AuditDetail, Removed},
    format,
    licensing::{PoolKind, utc_date},
    paths,
    usage::{UsageRange, UsageSeries},
};
use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::{Caller, Manager},
    http::bulk::Bulk,
    http::extract::{JsonBody, PathParams, QueryParams},
    ops::activate,
    store::{
        self,
        activations::{self, Live},
        allocations, changes, memberships, pools, products, usage,
    },
};

/// The License Management page: pools and their use, licensed users, live online sessions,
/// offline licenses and registered machines.
#[utoipa::path(get, path = paths::LICENSES, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = LicenseOverview)))]
pub async fn overview(
    State(state): State<AppState>,
    Manager {
        caller: _, org_id, ..
    }: Manager,
) -> ApiResult<Json<LicenseOverview>> {
    // One read transaction: every list reflects the same moment as `seq`.
    let mut tx = state.db.begin().await?;
    let now = now();
    let seq = changes::current_seq(&mut tx, org_id).await?;
    let mut products = Vec::new();
    for (id, name) in store::products::list(&mut tx, org_id).await? {
        let pools = pools::summaries(&mut tx, id, now).await?;
        products.push(ProductLicenses { id, name, pools });
    }
    let licensed_users = allocations::licensed_users(&mut tx, org_id).await?;
    let (online, offline) = activations::live(&mut tx, org_id, now).await?;
    let machines = activations::machines(&mut tx, org_id).await?;
    Ok(Json(LicenseOverview {
        seq,
        products,
        licensed_users,
        online,
        offline,
        machines,
    }))
}

fn refused(code: &str, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// A bulk removal: the bulk change, and the names of what it deleted (which the log cannot
/// look up afterwards).
struct Removal<Id> {
    bulk: Bulk<Id>,
    deleted_names: BTreeMap<Id, String>,
    now: i64,
}

impl<Id: Copy + Ord + Into<i64>> Removal<Id> {
    /// Begins the removal, for a manager of the organization (checked by the extractor).
    async fn begin(state: &AppState, org_id: OrgId, ids: usize) -> ApiResult<Self> {
        Ok(Self {
            bulk: Bulk::begin(&state.db, org_id, ids).await?,
            deleted_names: BTreeMap::new(),
            now: now(),
        })
    }

    fn add(&mut self, id: Id, outcome: Result<(), ErrorDetail>) -> ApiResult<()> {
        self.bulk.add(id, outcome.map(|()| id))
    }

    /// Adds `id`, deleted: `name` is what the log calls it.
    fn add_deleted(&mut self, id: Id, name: String) -> ApiResult<()> {
        self.deleted_names.insert(id, name);
        self.add(id, Ok(()))
    }

    /// Records what was removed as the removal's action (`removed`), commits and answers.
    async fn finish(
        self,
        caller: &Caller,
        removed: fn(Removed<Id>) -> AuditDetail,
    ) -> ApiResult<Json<BulkResponse>> {
        let names = self.deleted_names;
        let detail = |ids| Some(removed(Removed { ids, names }));
        self.bulk.finish(caller.account_id, detail).await
    }
}

/// Remove a Licensed User: ends their online sessions at once, removes their licenses and
/// their registered machines. Their offline licenses stay valid until they expire.
#[utoipa::path(post, path = paths::LICENSES_USERS_REMOVE, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = MemberIdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member id: done, or `not_found`")))]
pub async fn remove_users(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<MemberIdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for &id in &request.ids {
        let outcome = remove_user(&mut removal.bulk.tx, org_id, id, removal.now).await?;
        removal.add(id, outcome)?;
    }
    removal
        .finish(&caller, AuditDetail::LicensesUsersRemoved)
        .await
}

async fn remove_user(
    conn: &mut Conn,
    org_id: OrgId,
    id: MemberId,
    now: i64,
) -> ApiResult<Result<(), ErrorDetail>> {
    let member = memberships::exists(conn, org_id, id).await?;
    if !member {
        return Ok(Err(refused(
            "not_found",
            "No member of this organization has this id.",
        )));
    }
    activate::end_machines_and_sessions(conn, &[id], now).await?;
    allocations::clear_direct(conn, id).await?;
    Ok(Ok(()))
}

fn no_such_activation() -> ErrorDetail {
    refused(
        "not_found",
        "No license of this kind in this organization has this id.",
    )
}

/// Removes online licenses: their sessions end now (the product's next heartbeat answers 410)
/// and their seats are free.
#[utoipa::path(post, path = paths::LICENSES_ONLINE_REMOVE, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per activation id: done, or \
               `not_found`, `already_ended`")))]
pub async fn remove_online(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for id in request.ids.iter().copied().map(ActivationId) {
        let outcome = match activations::find(&mut removal.bulk.tx, org_id, id).await? {
            Some((ActivationMode::Online, _, ended)) => {
                if ended {
                    Err(refused("already_ended", "This session has already ended."))
                } else {
                    activations::end(&mut removal.bulk.tx, Live::Id(id), removal.now).await?;
                    Ok(())
                }
            }
            _ => Err(no_such_activation()),
        };
        removal.add(id, outcome)?;
    }
    removal
        .finish(&caller, AuditDetail::LicensesOnlineRemoved)
        .await
}

/// Removes expired offline licenses from the list. One not yet expired is refused: the
/// machine holds it, and it stays valid, until it expires.
#[utoipa::path(post, path = paths::LICENSES_OFFLINE_REMOVE, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per activation id: done, or \
               `not_found`, `offline_not_expired`")))]
pub async fn remove_offline(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    let now = removal.now;
    for id in request.ids.iter().copied().map(ActivationId) {
        let refusal = match activations::find(&mut removal.bulk.tx, org_id, id).await? {
            Some((ActivationMode::Offline, Some(expires_at), _)) if now < expires_at => refused(
                "offline_not_expired",
                format!(
                    "An offline license cannot be removed before it expires on {} (UTC), {}.",
                    utc_date(expires_at),
                    format::until(now, expires_at)
                ),
            ),
            Some((ActivationMode::Offline, Some(_), _)) => {
                if let Some(machine) = activations::delete(&mut removal.bulk.tx, id).await? {
                    removal.add_deleted(id, machine)?;
                    continue;
                }
                no_such_activation()
            }
            _ => no_such_activation(),
        };
        removal.add(id, Err(refusal))?;
    }
    removal
        .finish(&caller, AuditDetail::LicensesOfflineRemoved)
        .await
}

/// Deactivate Machine: deletes registered machines and ends their online sessions; the
/// member's product registers the machine again at its next activation, if licensed.
#[utoipa::path(post, path = paths::LICENSES_MACHINES_REMOVE, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per machine id: done, or `not_found`")))]
pub async fn remove_machines(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for id in request.ids.iter().copied().map(MachineId) {
        let Some((member, machine_id)) =
            activations::delete_machine(&mut removal.bulk.tx, org_id, id).await?
        else {
            let refusal = refused(
                "not_found",
                "No registered machine of this organization has this id.",
            );
            removal.add(id, Err(refusal))?;
            continue;
        };
        let on_machine = Live::OnMachine {
            member,
            machine_id: &machine_id,
        };
        activations::end(&mut removal.bulk.tx, on_machine, removal.now).await?;
        removal.add_deleted(id, machine_id)?;
    }
    removal
        .finish(&caller, AuditDetail::LicensesMachinesRemoved)
        .await
}

/// A product's usage query: the range, `24h` unless said, and the kind of seats, named
/// unless said.
#[derive(Debug, serde::Deserialize)]
pub struct UsageQuery {
    #[serde(default = "default_range")]
    range: UsageRange,
    #[serde(default = "default_kind")]
    kind: PoolKind,
}

fn default_kind() -> PoolKind {
    PoolKind::Named
}

fn default_range() -> UsageRange {
    UsageRange::Day
}

/// The product's seats in use against their quota over the last 24 hours (by hour), 30 days
/// (by day) or 12 months, with the peak, the average, the days at quota and the quota's
/// changes: its named seats (held by licensed members and pending invitations), or its
/// floating seats (held by sessions and offline licenses).
#[utoipa::path(get, path = paths::PRODUCT_USAGE, tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("product_id" = i64, Path, description = "Product id"),
           ("range" = Option<UsageRange>, Query, description = "`24h` (the default), `30d` or `12m`"),
           ("kind" = Option<PoolKind>, Query, description = "`named` (the default) or `floating` seats")),
    responses((status = 200, body = UsageSeries),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_query`")))]
pub async fn usage_series(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
    PathParams((_, product_id)): PathParams<(OrgId, ProductId)>,
    QueryParams(query): QueryParams<UsageQuery>,
) -> ApiResult<Json<UsageSeries>> {
    let now = now();
    let mut conn = state.db.acquire().await?;
    if !products::exists(&mut conn, org_id, product_id).await? {
        return Err(ApiError::not_found());
    }
    let first = query.range.first_hour(now);
    let hours = usage::hours(&mut conn, org_id, product_id, query.kind, first).await?;
    Ok(Json(allot_core::usage::series(query.range, &hours, now)))
}

/// License Management: the overview and its removals: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(usage_series))
        .routes(routes!(remove_users))
        .routes(routes!(remove_online))
        .routes(routes!(remove_offline))
        .routes(routes!(remove_machines))
}
