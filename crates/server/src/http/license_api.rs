//! The License API that licensed products call with their member's credentials: activate a
//! license on a machine (an online session, or a signed offline license), heartbeat the
//! session, release it; and the public key that verifies offline licenses.

use allot_core::{
    ActivateRequest, ActivateResponse, ActivationId, ActivationRef, HeartbeatResponse,
    LicensePublicKey, MemberId, OrgId,
    audit::{AuditDetail, Released},
    format, paths,
};
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState, change,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::{self, Caller},
    http::extract::{JsonBody, PathParams},
    license_key::{self, LicenseKey},
    ops::activate,
    store::activations::{self, Live},
    throttle,
};

/// Takes a license of a product on a machine: an online session to heartbeat, or an offline
/// license signed by the server. The machine is registered on first use. A seat is taken only
/// when one is free, however many products ask at once.
#[utoipa::path(post, path = paths::LICENSE_ACTIVATE, tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivateRequest,
    responses((status = 200, body = ActivateResponse),
              (status = 400, body = allot_core::ErrorBody, description = "`invalid_machine`"),
              (status = 403, body = allot_core::ErrorBody, description = "`not_licensed`"),
              (status = 409, body = allot_core::ErrorBody,
               description = "`seats_exceeded`, `no_license_pool`"),
              (status = 429, body = allot_core::ErrorBody,
               description = "`too_many_attempts`: refused activations of this member on \
                              this machine")))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ActivateRequest>,
) -> ApiResult<Json<ActivateResponse>> {
    let member = auth::membership(&state.db, &caller, org_id).await?;
    // Counted before the organization's write lock is taken: a product that keeps asking
    // for a seat it cannot have waits instead of holding everyone's writes.
    let attempt = throttle::Activation::new(member.id, &request.machine_id);
    if let Err(wait) = attempt.take(&state.db).await? {
        return Err(ApiError::too_many_requests(
            "too_many_attempts",
            format!(
                "Too many refused activations on this machine; try again {}.",
                format::until(0, wait.as_secs() as i64)
            ),
        ));
    }
    let mut tx = change::begin(&state.db, org_id).await?;
    match activate::activate_for(&mut tx, &state.links, org_id, member.id, &request, now()).await {
        Ok(response) => {
            tx.commit().await?;
            attempt.succeeded(&state.db).await?;
            Ok(Json(response))
        }
        Err(error) => {
            tx.rollback().await?;
            activate::record_inheritance_failure(
                &state,
                org_id,
                member.id,
                request.product_id,
                &error,
            )
            .await?;
            Err(error)
        }
    }
}

fn session_terminated() -> ApiError {
    ApiError::gone(
        "session_terminated",
        "This license session has ended (released, timed out, or ended by an Admin); stop \
         using the product and activate again.",
    )
}

fn no_such_activation() -> ApiError {
    ApiError::not_found_because(
        "not_found",
        "You have no activation with this id in this organization.",
    )
}

/// Keeps an online session alive. Once it has ended (released, timed out, or ended by an
/// Admin) the answer is 410 and the product must stop.
#[utoipa::path(post, path = paths::LICENSE_HEARTBEAT, tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivationRef,
    responses((status = 200, body = HeartbeatResponse),
              (status = 410, body = allot_core::ErrorBody, description = "`session_terminated`")))]
pub async fn heartbeat(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(org_id): PathParams<OrgId>,
    JsonBody(request): JsonBody<ActivationRef>,
) -> ApiResult<Json<HeartbeatResponse>> {
    let member = auth::membership(&state.db, &caller, org_id).await?;
    let now = now();
    let machine =
        activations::heartbeat(&state.db, org_id, member.id, request.activation_id, now).await?;
    let Some(machine) = machine else {
        return Err(
            if own_online_activation(&state, org_id, member.id, request.activation_id).await? {
                session_terminated()
            } else {
                no_such_activation()
            },
        );
    };
    activations::machine_seen(&state.db, member.id, &machine, now).await?;
    Ok(Json(HeartbeatResponse {
        status: "active".into(),
    }))
}

async fn own_online_activation(
    state: &AppState,
    org_id: OrgId,
    member: MemberId,
    id: ActivationId,
) -> ApiResult<bool> {
    Ok(activations::is_members_online(&state.db, org_id, member, id).await?)
}

/// Ends an online session and frees its seat (a product does this on exit). Releasing an
/// ended session again changes nothing.
#[utoipa::path(post, path = paths::LICENSE_RELEASE, tag = "license",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = ActivationRef,
    responses((status = 204, description = "Released")))]
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
        let detail = AuditDetail::LicenseReleased(Released::Session {
            activation: request.activation_id,
            member: member.id,
        });
        tx.record(Some(caller.account_id), detail).await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The public key that verifies offline licenses' signatures (public: products check
/// licenses without signing in).
#[utoipa::path(get, path = paths::LICENSE_PUBLIC_KEY, tag = "license",
    responses((status = 200, body = LicensePublicKey)))]
pub async fn public_key(State(state): State<AppState>) -> Json<LicensePublicKey> {
    Json(LicensePublicKey {
        algorithm: license_key::ALGORITHM.into(),
        public_key: LicenseKey::from_server_secret(&state.links).public_key(),
    })
}

/// The License API that licensed products call: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(activate))
        .routes(routes!(heartbeat))
        .routes(routes!(release))
        .routes(routes!(public_key))
}
