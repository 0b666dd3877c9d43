//! License Management for the Owner and Admins: the overview of licenses, sessions and
//! machines, and what each removal terminates (Remove a Licensed User, remove an online
//! license, remove an expired offline license, Deactivate Machine).

use axum::{Router, routing};
use std::collections::HashMap;

use allot_core::{
    ActivationMode, BulkResponse, ErrorDetail, IdsRequest, LicenseOverview, LicensedUser, MemberId,
    OfflineActivation, OnlineActivation, OrgId, ProductLicenses, RegisteredMachine, format,
    licensing::{SESSION_TIMEOUT_SECS, utc_date},
};
use axum::{Json, extract::State};
use serde_json::json;

use crate::db::{Conn, query, query_as, query_scalar};
use crate::{
    AppState,
    auth::{Caller, Manager},
    bulk::Report,
    change,
    db::now,
    error::ApiResult,
    extract::JsonBody,
    license_api,
    store::activations::{self, Live},
};

/// The License Management page: pools and their use, licensed users, live online sessions,
/// offline licenses and registered machines.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/licenses", tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = LicenseOverview),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn overview(
    State(state): State<AppState>,
    Manager {
        caller: _, org_id, ..
    }: Manager,
) -> ApiResult<Json<LicenseOverview>> {
    // One read transaction: every list reflects the same moment as `seq`.
    let mut tx = state.db.begin().await?;
    let now = now();
    let seq: i64 = query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(&mut *tx)
        .await?;

    let products: Vec<(i64, String)> =
        query_as("SELECT id, name FROM products WHERE org_id = ? ORDER BY name")
            .bind(org_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut product_licenses = Vec::with_capacity(products.len());
    for (id, name) in products {
        let pools = license_api::pool_summaries(&mut tx, id, now).await?;
        product_licenses.push(ProductLicenses { id, name, pools });
    }

    let allocations: Vec<(i64, i64)> = query_as(
        "SELECT licensed.membership_id, licensed.product_id FROM (
           SELECT membership_id, product_id FROM direct_allocations
           UNION SELECT membership_id, product_id FROM held_licenses
         ) AS licensed JOIN memberships m ON m.id = licensed.membership_id
         WHERE m.org_id = ? AND m.status = 'active' ORDER BY licensed.product_id",
    )
    .bind(org_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut products_of: HashMap<MemberId, Vec<i64>> = HashMap::new();
    for (member, product) in allocations {
        products_of.entry(member).or_default().push(product);
    }
    let users: Vec<(i64, String, String, i64, Option<i64>)> = query_as(
        "SELECT m.id, a.full_name, a.email,
           (SELECT COUNT(*) FROM machines WHERE membership_id = m.id),
           (SELECT MAX(last_seen_at) FROM machines WHERE membership_id = m.id)
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.status = 'active'
           AND (EXISTS (SELECT 1 FROM direct_allocations WHERE membership_id = m.id)
                OR EXISTS (SELECT 1 FROM held_licenses WHERE membership_id = m.id))
         ORDER BY a.full_name, m.id",
    )
    .bind(org_id)
    .fetch_all(&mut *tx)
    .await?;
    let licensed_users = users
        .into_iter()
        .map(
            |(member_id, full_name, email, machines, last_used_at)| LicensedUser {
                member_id,
                full_name,
                email,
                products: products_of.remove(&member_id).unwrap_or_default(),
                machines: machines as u32,
                last_used_at,
            },
        )
        .collect();

    type ActivationRow = (i64, String, String, i64, String, i64, i64, i64, Option<i64>);
    let activations: Vec<ActivationRow> = query_as(
        "SELECT x.id, x.machine_id, x.hostname, x.membership_id, a.full_name, x.product_id,
                x.started_at, x.last_heartbeat_at, x.expires_at
         FROM activations x
         JOIN memberships m ON m.id = x.membership_id JOIN accounts a ON a.id = m.account_id
         WHERE x.org_id = ?1 AND x.ended_at IS NULL
           AND (x.mode = 'offline' OR x.last_heartbeat_at > ?2 - ?3)
         ORDER BY x.started_at DESC, x.id DESC",
    )
    .bind(org_id)
    .bind(now)
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_all(&mut *tx)
    .await?;
    let (mut online, mut offline) = (Vec::new(), Vec::new());
    for (id, machine_id, hostname, member_id, member_name, product_id, started_at, beat, expires) in
        activations
    {
        match expires {
            Some(expires_at) => offline.push(OfflineActivation {
                activation_id: id,
                machine_id,
                hostname,
                member_id,
                member_name,
                product_id,
                expires_at,
                removable: expires_at <= now,
            }),
            None => online.push(OnlineActivation {
                activation_id: id,
                machine_id,
                hostname,
                member_id,
                member_name,
                product_id,
                started_at,
                last_heartbeat_at: beat,
            }),
        }
    }

    let machines: Vec<(i64, String, String, i64, String, i64, i64)> = query_as(
        "SELECT x.id, x.machine_id, x.hostname, x.membership_id, a.full_name, x.registered_at,
                x.last_seen_at
         FROM machines x
         JOIN memberships m ON m.id = x.membership_id JOIN accounts a ON a.id = m.account_id
         WHERE x.org_id = ? ORDER BY x.last_seen_at DESC, x.id DESC",
    )
    .bind(org_id)
    .fetch_all(&mut *tx)
    .await?;
    let machines = machines
        .into_iter()
        .map(
            |(id, machine_id, hostname, member_id, member_name, registered_at, last_seen_at)| {
                RegisteredMachine {
                    id,
                    machine_id,
                    hostname,
                    member_id,
                    member_name,
                    registered_at,
                    last_seen_at,
                }
            },
        )
        .collect();

    Ok(Json(LicenseOverview {
        seq: seq as u64,
        products: product_licenses,
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

/// A bulk removal: each id is done or refused (with why) in one transaction, recorded as one
/// audit event naming the ids done.
struct Removal {
    tx: change::WriteTx,
    report: Report<i64>,
    now: i64,
}

impl Removal {
    /// Begins the removal, for a manager of the organization (checked by the extractor).
    async fn begin(state: &AppState, org_id: OrgId, ids: usize) -> ApiResult<Self> {
        Ok(Self {
            tx: change::begin(&state.db, org_id).await?,
            report: Report::new(ids),
            now: now(),
        })
    }

    fn add(&mut self, id: i64, outcome: Result<(), ErrorDetail>) -> ApiResult<()> {
        self.report.add(id, outcome.map(|()| id))
    }

    async fn finish(
        self,
        org_id: OrgId,
        caller: &Caller,
        action: &str,
    ) -> ApiResult<Json<BulkResponse>> {
        let detail = self
            .report
            .any_done()
            .then(|| json!({ "ids": self.report.done }));
        self.report
            .finish(self.tx, org_id, caller.account_id, action, detail)
            .await
    }
}

/// Remove a Licensed User: ends their online sessions at once, removes their licenses and
/// their registered machines. Their offline licenses stay valid until they expire.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/licenses/users/remove", tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per member id: done, or `not_found`"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn remove_users(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for &id in &request.ids {
        let outcome = remove_user(&mut removal.tx, org_id, id, removal.now).await?;
        removal.add(id, outcome)?;
    }
    removal
        .finish(org_id, &caller, "licenses.users_removed")
        .await
}

async fn remove_user(
    conn: &mut Conn,
    org_id: OrgId,
    id: MemberId,
    now: i64,
) -> ApiResult<Result<(), ErrorDetail>> {
    let member: bool =
        query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE id = ? AND org_id = ?)")
            .bind(id)
            .bind(org_id)
            .fetch_one(&mut *conn)
            .await?;
    if !member {
        return Ok(Err(refused(
            "not_found",
            "No member of this organization has this id.",
        )));
    }
    license_api::end_machines_and_sessions(conn, &[id], now).await?;
    query("DELETE FROM direct_allocations WHERE membership_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(Ok(()))
}

/// The activation's mode, expiry and whether it ended, if it is the organization's.
async fn find_activation(
    conn: &mut Conn,
    org_id: OrgId,
    id: i64,
) -> ApiResult<Option<(ActivationMode, Option<i64>, bool)>> {
    Ok(query_as(
        "SELECT mode, expires_at, ended_at IS NOT NULL FROM activations WHERE id = ? AND org_id = ?",
    )
    .bind(id)
    .bind(org_id)
    .fetch_optional(conn)
    .await?)
}

fn no_such_activation() -> ErrorDetail {
    refused(
        "not_found",
        "No license of this kind in this organization has this id.",
    )
}

/// Removes online licenses: their sessions end now (the product's next heartbeat answers 410)
/// and their seats are free.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/licenses/online/remove", tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per activation id: done, or \
               `not_found`, `already_ended`"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn remove_online(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for &id in &request.ids {
        let outcome = match find_activation(&mut removal.tx, org_id, id).await? {
            Some((ActivationMode::Online, _, ended)) => {
                if ended {
                    Err(refused("already_ended", "This session has already ended."))
                } else {
                    activations::end(&mut removal.tx, Live::Id(id), removal.now).await?;
                    Ok(())
                }
            }
            _ => Err(no_such_activation()),
        };
        removal.add(id, outcome)?;
    }
    removal
        .finish(org_id, &caller, "licenses.online_removed")
        .await
}

/// Removes expired offline licenses from the list. One not yet expired is refused: the
/// machine holds it, and it stays valid, until it expires.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/licenses/offline/remove", tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per activation id: done, or \
               `not_found`, `offline_not_expired`"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn remove_offline(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    let now = removal.now;
    for &id in &request.ids {
        let outcome = match find_activation(&mut removal.tx, org_id, id).await? {
            Some((ActivationMode::Offline, Some(expires_at), _)) => {
                if now < expires_at {
                    Err(refused(
                        "offline_not_expired",
                        format!(
                            "An offline license cannot be removed before it expires on {} \
                             (UTC), {}.",
                            utc_date(expires_at),
                            format::until(now, expires_at)
                        ),
                    ))
                } else {
                    query("DELETE FROM activations WHERE id = ?")
                        .bind(id)
                        .execute(&mut *removal.tx)
                        .await?;
                    Ok(())
                }
            }
            _ => Err(no_such_activation()),
        };
        removal.add(id, outcome)?;
    }
    removal
        .finish(org_id, &caller, "licenses.offline_removed")
        .await
}

/// Deactivate Machine: deletes registered machines and ends their online sessions; the
/// member's product registers the machine again at its next activation, if licensed.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/licenses/machines/remove", tag = "licenses",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse, description = "Per machine id: done, or `not_found`"),
              (status = 401, body = allot_core::ErrorBody), (status = 403, body = allot_core::ErrorBody),
              (status = 404, body = allot_core::ErrorBody)))]
pub async fn remove_machines(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut removal = Removal::begin(&state, org_id, request.ids.len()).await?;
    for &id in &request.ids {
        let machine: Option<(i64, String)> = query_as(
            "DELETE FROM machines WHERE id = ? AND org_id = ? RETURNING membership_id, machine_id",
        )
        .bind(id)
        .bind(org_id)
        .fetch_optional(&mut *removal.tx)
        .await?;
        let outcome = match machine {
            Some((member, machine_id)) => {
                let on_machine = Live::OnMachine {
                    member,
                    machine_id: &machine_id,
                };
                activations::end(&mut removal.tx, on_machine, removal.now).await?;
                Ok(())
            }
            None => Err(refused(
                "not_found",
                "No registered machine of this organization has this id.",
            )),
        };
        removal.add(id, outcome)?;
    }
    removal
        .finish(org_id, &caller, "licenses.machines_removed")
        .await
}

/// License Management: the overview and its removals: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org_id}/licenses", routing::get(overview))
        .route(
            "/orgs/{org_id}/licenses/users/remove",
            routing::post(remove_users),
        )
        .route(
            "/orgs/{org_id}/licenses/online/remove",
            routing::post(remove_online),
        )
        .route(
            "/orgs/{org_id}/licenses/offline/remove",
            routing::post(remove_offline),
        )
        .route(
            "/orgs/{org_id}/licenses/machines/remove",
            routing::post(remove_machines),
        )
}
