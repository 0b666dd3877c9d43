//! The License API that licensed products call with their member's credentials: activate a
//! license on a machine (an online session, or a signed offline license), heartbeat the
//! session, release it; and the public key that verifies offline licenses.

use allot_core::{
    AccountId, ActivateRequest, ActivateResponse, ActivationMode, ActivationRef, HeartbeatResponse,
    LicensePublicKey, MemberId, OfflineLicense, OrgId, PoolSummary, ProductId, SignedLicense,
    allocation::Entitlement,
    licensing::{
        self, Grant, HEARTBEAT_INTERVAL_SECS, Pool, PoolKind, PoolUsage, Refusal,
        SESSION_TIMEOUT_SECS, Session,
    },
};
use axum::{Json, extract::State, http::StatusCode};
use axum::{Router, routing};
use serde_json::json;

use crate::db::{Conn, query, query_as, query_scalar};
use crate::{
    AppState,
    auth::{self, Caller},
    change,
    db::now,
    error::{ApiError, ApiResult},
    extract::{JsonBody, PathParams},
    groups,
    invitations::InvitationLinks,
    license_key::{self, LicenseKey},
    store::activations::{self, Live},
    store::allocation_errors,
};

/// Longer machine ids or hostnames are not ids but mistakes (or abuse).
const MAX_NAME_CHARS: usize = 255;

/// Ends the members' online sessions at once and deletes their registered machines; their
/// offline licenses stay valid until they expire; the seats of their inherited licenses are
/// freed. Removing licensed users and removing members both come here, in bulk.
pub async fn end_machines_and_sessions(
    conn: &mut Conn,
    members: &[MemberId],
    now: i64,
) -> Result<(), sqlx::Error> {
    activations::end(conn, Live::OfMembers(members), now).await?;
    activations::forget_machines_and_held(conn, members).await
}

fn checked_name<'a>(value: &'a str, what: &str) -> ApiResult<&'a str> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(
            "invalid_machine",
            format!("Give the {what}: 1 to {MAX_NAME_CHARS} characters."),
        ));
    }
    Ok(value)
}

/// The product's name, if it belongs to the organization.
async fn product_name(conn: &mut Conn, org_id: OrgId, product: ProductId) -> ApiResult<String> {
    query_scalar("SELECT name FROM products WHERE id = ? AND org_id = ?")
        .bind(product)
        .bind(org_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "This organization has no product with this id.",
            )
        })
}

/// The product's pools with the seats their activations hold now. Run inside the
/// activation's transaction, after `change::begin`, so the count cannot go stale.
async fn pools_in_use(
    conn: &mut Conn,
    product: ProductId,
    now: i64,
) -> Result<Vec<Pool>, sqlx::Error> {
    let pools: Vec<(i64, PoolKind, PoolUsage, i64, i64, i64)> = query_as(
        "SELECT id, kind, usage, seats, starts_at, expires_at FROM license_pools
         WHERE product_id = ? ORDER BY expires_at, id",
    )
    .bind(product)
    .fetch_all(&mut *conn)
    .await?;
    let holders: Vec<(i64, i64, Option<i64>)> = query_as(
        "SELECT a.pool_id, a.last_heartbeat_at, a.expires_at FROM activations a
         JOIN license_pools p ON p.id = a.pool_id
         WHERE p.product_id = ? AND a.ended_at IS NULL AND (a.expires_at IS NULL OR a.expires_at > ?)",
    )
    .bind(product)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    Ok(pools
        .into_iter()
        .map(|(id, kind, usage, seats, starts_at, expires_at)| {
            let held = holders.iter().filter(|holder| holder.0 == id);
            let used = match usage {
                PoolUsage::Online => {
                    let sessions: Vec<Session> = held
                        .map(|&(_, last_heartbeat_at, _)| Session {
                            last_heartbeat_at,
                            ended_at: None,
                        })
                        .collect();
                    licensing::floating_seats_in_use(&sessions, now, SESSION_TIMEOUT_SECS)
                }
                PoolUsage::Offline => {
                    let expiries: Vec<i64> = held.filter_map(|holder| holder.2).collect();
                    licensing::offline_seats_in_use(&expiries, now)
                }
            };
            Pool {
                id,
                kind,
                usage,
                seats: seats as u32,
                used,
                starts_at,
                expires_at,
            }
        })
        .collect())
}

/// The product's pools as admins and operators see them: seats, and seats used.
pub(crate) async fn pool_summaries(
    conn: &mut Conn,
    product: ProductId,
    now: i64,
) -> Result<Vec<PoolSummary>, sqlx::Error> {
    // A named online pool's seats are held by the allocations, not by sessions.
    let licensed: i64 = query_scalar(
        "SELECT (SELECT COUNT(*) FROM direct_allocations a
                   JOIN memberships m ON m.id = a.membership_id
                  WHERE a.product_id = ?1 AND m.status = 'active')
              + (SELECT COUNT(*) FROM held_licenses h
                   JOIN memberships m ON m.id = h.membership_id
                  WHERE h.product_id = ?1 AND m.status = 'active')",
    )
    .bind(product)
    .fetch_one(&mut *conn)
    .await?;
    Ok(pools_in_use(conn, product, now)
        .await?
        .into_iter()
        .map(|pool| PoolSummary {
            id: pool.id,
            kind: pool.kind,
            usage: pool.usage,
            seats: pool.seats,
            used: match (pool.kind, pool.usage) {
                (PoolKind::Named, PoolUsage::Online) => licensed as u32,
                _ => pool.used,
            },
            starts_at: pool.starts_at,
            expires_at: pool.expires_at,
        })
        .collect())
}

fn refusal_error(refusal: Refusal, product: &str, org: &str, mode: ActivationMode) -> ApiError {
    let usage = mode.as_str();
    match refusal {
        Refusal::NoPool => ApiError::new(
            StatusCode::CONFLICT,
            "no_license_pool",
            format!("{org} has no current {usage} licenses of {product}; ask an Admin."),
        ),
        Refusal::SeatsExceeded { seats, used } => ApiError::new(
            StatusCode::CONFLICT,
            "seats_exceeded",
            format!(
                "All {usage} seats of {product} are in use ({used} of {seats}); try again when \
                 one is free."
            ),
        ),
    }
}

/// Registers the machine for the member on first use, or notes it was seen again.
async fn register_machine(
    conn: &mut Conn,
    org_id: OrgId,
    member: MemberId,
    machine_id: &str,
    hostname: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query(
        "INSERT INTO machines (org_id, membership_id, machine_id, hostname, registered_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (membership_id, machine_id)
         DO UPDATE SET hostname = excluded.hostname, last_seen_at = excluded.last_seen_at",
    )
    .bind(org_id)
    .bind(member)
    .bind(machine_id)
    .bind(hostname)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The member's activation of the product on the machine that still holds its license: a
/// live session, or an unexpired offline license; activating again reuses it.
async fn current_activation(
    conn: &mut Conn,
    member: MemberId,
    product: ProductId,
    machine_id: &str,
    mode: ActivationMode,
    now: i64,
) -> Result<Option<(i64, i64, Option<i64>)>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, Option<i64>)> = query_as(
        "SELECT id, started_at, last_heartbeat_at, expires_at FROM activations
         WHERE membership_id = ? AND product_id = ? AND machine_id = ? AND mode = ?
           AND ended_at IS NULL ORDER BY id DESC",
    )
    .bind(member)
    .bind(product)
    .bind(machine_id)
    .bind(mode)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .find(|&(_, _, last_heartbeat_at, expires_at)| match mode {
            ActivationMode::Online => Session {
                last_heartbeat_at,
                ended_at: None,
            }
            .is_live(now, SESSION_TIMEOUT_SECS),
            ActivationMode::Offline => expires_at.is_some_and(|at| now < at),
        })
        .map(|(id, started_at, _, expires_at)| (id, started_at, expires_at)))
}

/// Takes a license of a product on a machine: an online session to heartbeat, or an offline
/// license signed by the server. The machine is registered on first use. A seat is taken only
/// when one is free, however many products ask at once.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/license/activate", tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivateRequest,
    responses((status = 200, body = ActivateResponse),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_machine`"),
              (status = 401, body = allot_core::ErrorBody),
              (status = 403, body = allot_core::ErrorBody, description = "`not_licensed`"),
              (status = 404, body = allot_core::ErrorBody),
              (status = 409, body = allot_core::ErrorBody,
               description = "`seats_exceeded`, `no_license_pool`")))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ActivateRequest>,
) -> ApiResult<Json<ActivateResponse>> {
    let member = auth::membership(&state.db, &caller, org_id).await?;
    let mut tx = change::begin(&state.db, org_id).await?;
    match activate_for(&mut tx, &state.links, org_id, member.id, &request, now()).await {
        Ok(response) => {
            tx.commit().await?;
            Ok(Json(response))
        }
        Err(error) => {
            tx.rollback().await?;
            record_inheritance_failure(&state, org_id, member.id, request.product_id, &error)
                .await?;
            Err(error)
        }
    }
}

/// An inherited license that could not take a seat is an allocation error the admins see and
/// retry, kept in its own transaction since the activation itself changed nothing.
async fn record_inheritance_failure(
    state: &AppState,
    org_id: OrgId,
    member: MemberId,
    product: ProductId,
    error: &ApiError,
) -> ApiResult<()> {
    if error.code() != "seats_exceeded" {
        return Ok(());
    }
    let mut tx = change::begin(&state.db, org_id).await?;
    let Some(member_state) = groups::member_state(&mut tx, org_id, member).await? else {
        return Ok(());
    };
    let org_groups = groups::org_groups(&mut tx, org_id).await?;
    if member_state.entitlement(product, &org_groups) == (Entitlement::Inherited { held: false }) {
        allocation_errors::record(&mut tx, org_id, member, product, error.message(), now()).await?;
        let detail = json!({ "member": member, "product": product, "reason": error.message() });
        change::record(&mut tx, org_id, None, "allocation.failed", detail).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Activates as [`activate`] does, for the member, in the caller's transaction: run it after
/// `change::begin`, so that seats are counted under the write lock. The demo comes here too,
/// so that its sessions and machines are real ones.
pub(crate) async fn activate_for(
    tx: &mut Conn,
    links: &InvitationLinks,
    org_id: OrgId,
    member: MemberId,
    request: &ActivateRequest,
    now: i64,
) -> ApiResult<ActivateResponse> {
    let machine_id = checked_name(&request.machine_id, "machine ID")?;
    let hostname = checked_name(&request.hostname, "hostname")?;
    let product = product_name(&mut *tx, org_id, request.product_id).await?;
    let (org, email, account): (String, String, AccountId) = query_as(
        "SELECT o.name, a.email, a.id FROM memberships m
         JOIN organizations o ON o.id = m.org_id JOIN accounts a ON a.id = m.account_id
         WHERE m.id = ?",
    )
    .bind(member)
    .fetch_one(&mut *tx)
    .await?;
    let state = groups::member_state(&mut *tx, org_id, member)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let org_groups = groups::org_groups(&mut *tx, org_id).await?;
    match state.entitlement(request.product_id, &org_groups) {
        Entitlement::Direct | Entitlement::Inherited { held: true } => {}
        Entitlement::Inherited { held: false } => {
            groups::acquire_inherited(&mut *tx, org_id, member, request.product_id, now).await?
        }
        Entitlement::Blocked => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_licensed",
                format!(
                    "An Admin of {org} has kept you from acquiring any license (Allocate to \
                     User with no license); ask them."
                ),
            ));
        }
        Entitlement::NotEntitled => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_licensed",
                format!("You have no license of {product} in {org}; ask an Admin."),
            ));
        }
    }
    register_machine(&mut *tx, org_id, member, machine_id, hostname, now).await?;
    let mode = request.mode;
    let current =
        current_activation(&mut *tx, member, request.product_id, machine_id, mode, now).await?;
    let (activation_id, issued_at, expires_at) = match current {
        Some(activation) => {
            query("UPDATE activations SET last_heartbeat_at = ?, hostname = ? WHERE id = ?")
                .bind(now)
                .bind(hostname)
                .bind(activation.0)
                .execute(&mut *tx)
                .await?;
            activation
        }
        None => {
            let usage = match mode {
                ActivationMode::Online => PoolUsage::Online,
                ActivationMode::Offline => PoolUsage::Offline,
            };
            let pools = pools_in_use(&mut *tx, request.product_id, now).await?;
            let (pool_id, expires_at) = match licensing::serving_pool(&pools, usage, now) {
                Ok(Grant::Allocation) => (None, None),
                Ok(Grant::Seat {
                    pool_id,
                    expires_at,
                }) => (
                    Some(pool_id),
                    (mode == ActivationMode::Offline).then_some(expires_at),
                ),
                Err(refusal) => return Err(refusal_error(refusal, &product, &org, mode)),
            };
            let id: i64 = query_scalar(
                "INSERT INTO activations (org_id, membership_id, product_id, pool_id, mode,
                   machine_id, hostname, started_at, last_heartbeat_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) RETURNING id",
            )
            .bind(org_id)
            .bind(member)
            .bind(request.product_id)
            .bind(pool_id)
            .bind(mode)
            .bind(machine_id)
            .bind(hostname)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            let detail = json!({
                "activation": id, "member": member, "product": request.product_id,
                "machine_id": machine_id, "mode": mode,
            });
            change::record(tx, org_id, Some(account), "license.activated", detail).await?;
            (id, now, expires_at)
        }
    };
    Ok(match (mode, expires_at) {
        (ActivationMode::Offline, Some(expires_at)) => {
            let license = OfflineLicense {
                activation_id,
                org_id,
                member_email: email,
                product_id: request.product_id,
                product,
                machine_id: machine_id.to_owned(),
                issued_at,
                expires_at,
            };
            let payload = serde_json::to_string(&license).map_err(|_| ApiError::internal())?;
            let signature = LicenseKey::from_server_secret(links).sign(&payload);
            ActivateResponse {
                activation_id,
                heartbeat_interval_secs: None,
                expires_at: Some(expires_at),
                license: Some(SignedLicense { payload, signature }),
            }
        }
        _ => ActivateResponse {
            activation_id,
            heartbeat_interval_secs: Some(HEARTBEAT_INTERVAL_SECS),
            expires_at: None,
            license: None,
        },
    })
}

fn session_terminated() -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "session_terminated",
        "This license session has ended (released, timed out, or ended by an Admin); stop \
         using the product and activate again.",
    )
}

fn no_such_activation() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "You have no activation with this id in this organization.",
    )
}

/// Keeps an online session alive. Once it has ended (released, timed out, or ended by an
/// Admin) the answer is 410 and the product must stop.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/license/heartbeat", tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivationRef,
    responses((status = 200, body = HeartbeatResponse),
              (status = 401, body = allot_core::ErrorBody), (status = 404, body = allot_core::ErrorBody),
              (status = 410, body = allot_core::ErrorBody, description = "`session_terminated`")))]
pub async fn heartbeat(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ActivationRef>,
) -> ApiResult<Json<HeartbeatResponse>> {
    let member = auth::membership(&state.db, &caller, org_id).await?;
    let now = now();
    // One statement: a session that timed out cannot come back, even racing an activation
    // that counted it as ended.
    let machine: Option<String> = query_scalar(
        "UPDATE activations SET last_heartbeat_at = ?1
         WHERE id = ?2 AND org_id = ?3 AND membership_id = ?4 AND mode = 'online'
           AND ended_at IS NULL AND last_heartbeat_at > ?1 - ?5
         RETURNING machine_id",
    )
    .bind(now)
    .bind(request.activation_id)
    .bind(org_id)
    .bind(member.id)
    .bind(SESSION_TIMEOUT_SECS)
    .fetch_optional(&state.db)
    .await?;
    let Some(machine) = machine else {
        return Err(
            if own_online_activation(&state, org_id, member.id, request.activation_id).await? {
                session_terminated()
            } else {
                no_such_activation()
            },
        );
    };
    query("UPDATE machines SET last_seen_at = ? WHERE membership_id = ? AND machine_id = ?")
        .bind(now)
        .bind(member.id)
        .bind(machine)
        .execute(&state.db)
        .await?;
    Ok(Json(HeartbeatResponse {
        status: "active".into(),
    }))
}

async fn own_online_activation(
    state: &AppState,
    org_id: OrgId,
    member: MemberId,
    id: i64,
) -> ApiResult<bool> {
    Ok(query_scalar(
        "SELECT EXISTS (SELECT 1 FROM activations
         WHERE id = ? AND org_id = ? AND membership_id = ? AND mode = 'online')",
    )
    .bind(id)
    .bind(org_id)
    .bind(member)
    .fetch_one(&state.db)
    .await?)
}

/// Ends an online session and frees its seat (a product does this on exit). Releasing an
/// ended session again changes nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/license/release", tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivationRef,
    responses((status = 204, description = "Released"),
              (status = 401, body = allot_core::ErrorBody), (status = 404, body = allot_core::ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ActivationRef>,
) -> ApiResult<StatusCode> {
    let member = auth::membership(&state.db, &caller, org_id).await?;
    if !own_online_activation(&state, org_id, member.id, request.activation_id).await? {
        return Err(no_such_activation());
    }
    let mut tx = change::begin(&state.db, org_id).await?;
    let ended = activations::end(&mut tx, Live::Id(request.activation_id), now()).await?;
    if ended == 1 {
        let detail = json!({ "activation": request.activation_id, "member": member.id });
        change::record(
            &mut tx,
            org_id,
            Some(caller.account_id),
            "license.released",
            detail,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The public key that verifies offline licenses' signatures (public: products check
/// licenses without signing in).
#[utoipa::path(get, path = "/api/v1/license/public-key", tag = "license",
    responses((status = 200, body = LicensePublicKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<LicensePublicKey> {
    Json(LicensePublicKey {
        algorithm: license_key::ALGORITHM.into(),
        public_key: LicenseKey::from_server_secret(&state.links).public_key(),
    })
}

/// The License API that licensed products call: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{org_id}/license/activate", routing::post(activate))
        .route("/orgs/{org_id}/license/heartbeat", routing::post(heartbeat))
        .route("/orgs/{org_id}/license/release", routing::post(release))
        .route("/license/public-key", routing::get(public_key))
}
