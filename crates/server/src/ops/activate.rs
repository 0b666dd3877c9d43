//! Activating a license on a machine: an online session, or an offline license signed by
//! the server, taking a seat only when one is free (under the organization's write lock);
//! recording an inherited license that could not get one; and ending members' machines and
//! sessions when they lose their licenses or leave.

use allot_core::{
    ActivateRequest, ActivateResponse, ActivationMode, MemberId, OfflineLicense, OrgId, ProductId,
    SignedLicense,
    allocation::Entitlement,
    audit::{self, AuditDetail},
    licensing::{self, Grant, HEARTBEAT_INTERVAL_SECS, PoolUsage, Refusal},
};

use crate::{
    AppState,
    change::{self, WriteTx},
    db::{Conn, now},
    error::{ApiError, ApiResult},
    license_key::LicenseKey,
    links::InvitationLinks,
    ops::allocate,
    store::{
        self,
        activations::{self, Live, NewActivation},
        allocation_errors, memberships, pools, products,
    },
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
    products::name(conn, org_id, product).await?.ok_or_else(|| {
        ApiError::not_found_because(
            "not_found",
            "This organization has no product with this id.",
        )
    })
}

fn refusal_error(refusal: Refusal, product: &str, org: &str, mode: ActivationMode) -> ApiError {
    let usage = mode.as_str();
    match refusal {
        Refusal::NoPool => ApiError::conflict(
            "no_license_pool",
            format!("{org} has no current {usage} licenses of {product}; ask an Admin."),
        ),
        Refusal::SeatsExceeded { seats, used } => ApiError::conflict(
            "seats_exceeded",
            format!(
                "All {usage} seats of {product} are in use ({used} of {seats}); try again when \
                 one is free."
            ),
        ),
    }
}

/// An inherited license that could not take a seat is an allocation error the admins see and
/// retry, kept in its own transaction since the activation itself changed nothing.
pub async fn record_inheritance_failure(
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
    // Recorded once for as long as the reason stands: a product retrying its activation
    // adds no entry to the audit log and no event to the feed.
    if allocation_errors::reason(&mut tx, member, product)
        .await?
        .as_deref()
        == Some(error.message())
    {
        return Ok(());
    }
    let Some(member_state) = allocate::member_state(&mut tx, org_id, member).await? else {
        return Ok(());
    };
    let org_groups = store::groups::list(&mut tx, org_id).await?;
    if member_state.entitlement(product, &org_groups) == (Entitlement::Inherited { held: false }) {
        allocation_errors::record(&mut tx, org_id, member, product, error.message(), now()).await?;
        let detail = AuditDetail::AllocationFailed(audit::AllocationFailed {
            member,
            product,
            reason: error.message().to_owned(),
        });
        tx.finish(None, detail).await?;
    }
    Ok(())
}

/// Activates a license for the member, as the License API's `activate` asks, in the caller's transaction: run it after
/// `change::begin`, so that seats are counted under the write lock. The demo comes here too,
/// so that its sessions and machines are real ones.
pub async fn activate_for(
    tx: &mut WriteTx,
    links: &InvitationLinks,
    org_id: OrgId,
    member: MemberId,
    request: &ActivateRequest,
    now: i64,
) -> ApiResult<ActivateResponse> {
    let machine_id = checked_name(&request.machine_id, "machine ID")?;
    let hostname = checked_name(&request.hostname, "hostname")?;
    let product = product_name(&mut *tx, org_id, request.product_id).await?;
    let (org, email, account) = memberships::licensee(&mut *tx, member).await?;
    let state = allocate::member_state(&mut *tx, org_id, member)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let org_groups = store::groups::list(&mut *tx, org_id).await?;
    match state.entitlement(request.product_id, &org_groups) {
        Entitlement::Direct | Entitlement::Inherited { held: true } => {}
        Entitlement::Inherited { held: false } => {
            allocate::acquire_inherited(&mut *tx, org_id, member, request.product_id, now).await?
        }
        Entitlement::Blocked => {
            return Err(ApiError::forbidden_because(
                "not_licensed",
                format!(
                    "An Admin of {org} has kept you from acquiring any license (Allocate to \
                     User with no license); ask them."
                ),
            ));
        }
        Entitlement::NotEntitled => {
            return Err(ApiError::forbidden_because(
                "not_licensed",
                format!("You have no license of {product} in {org}; ask an Admin."),
            ));
        }
    }
    activations::register_machine(&mut *tx, org_id, member, machine_id, hostname, now).await?;
    let mode = request.mode;
    let current =
        activations::current(&mut *tx, member, request.product_id, machine_id, mode, now).await?;
    let (activation_id, issued_at, expires_at) = match current {
        Some(activation) => {
            activations::renew(&mut *tx, activation.0, hostname, now).await?;
            activation
        }
        None => {
            let usage = match mode {
                ActivationMode::Online => PoolUsage::Online,
                ActivationMode::Offline => PoolUsage::Offline,
            };
            let pools = pools::in_use(&mut *tx, request.product_id, now).await?;
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
            let new = NewActivation {
                org_id,
                member,
                product: request.product_id,
                pool_id,
                mode,
                machine_id,
                hostname,
                expires_at,
            };
            let id = activations::insert(&mut *tx, &new, now).await?;
            let detail = AuditDetail::LicenseActivated(audit::Activated {
                activation: id,
                member,
                product: request.product_id,
                machine_id: machine_id.to_owned(),
                mode: Some(mode),
            });
            tx.record(Some(account), detail).await?;
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
            let payload = serde_json::to_string(&license).map_err(|_| ApiError::Internal)?;
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
