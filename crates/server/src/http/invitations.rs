//! Invitations: inviting people by email with a role and licenses, the Pending Invitations tab
//! (resend, copy link, revoke), and joining through the activation link (see `crate::links`).

use std::collections::HashSet;

use allot_core::{
    AcceptRequest, AccountId, BulkResponse, IdsRequest, Invitation, InvitationId, InvitationLink,
    InvitationPreview, InvitationStatus, InviteOutcome, InviteRequest, InviteResponse,
    InviteResult, MemberId, MemberStatus, OrgId, ProductSeats, Role, account,
    audit::{self, AuditDetail},
    emails::{MAX_INVITATIONS, email_key, validate_email},
    paths,
};
use axum::{Json, extract::State, response::IntoResponse};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState, change, credentials,
    db::now,
    error::{ApiError, ApiResult},
    http::auth::{self, Manager},
    http::bulk::{Bulk, refused},
    http::extract::{ClientAddr, JsonBody, PathParams},
    links::{issue_token, join_path},
    mailer::{self, Mail},
    ops::sign_in,
    secret,
    store::{
        accounts, allocation_errors, allocations,
        invitations::{self, LinkedInvitation, NewInvitation, StoredInvitation},
        memberships, seats,
        snapshot::{self, Scope},
    },
};

/// How long a link works after it is sent; the mail says so.
const LINK_VALIDITY_SECS: i64 = 24 * 60 * 60;
const NOT_PENDING: &str = "This invitation was already accepted or revoked.";

/// The organization's products with their named seats and how many are used or promised, for
/// Invite Users.
#[utoipa::path(get, path = paths::PRODUCTS, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = Vec<ProductSeats>)))]
pub async fn products(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
) -> ApiResult<Json<Vec<ProductSeats>>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(seats::product_seats(&mut conn, org_id).await?))
}

/// Pending invitations, newest first, including those past their expiry (the console shows
/// them as expired).
#[utoipa::path(get, path = paths::INVITATIONS, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = Vec<Invitation>)))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
) -> ApiResult<Json<Vec<Invitation>>> {
    let mut conn = state.db.acquire().await?;
    let mut invitations = snapshot::load_invitations(&mut conn, org_id, Scope::All).await?;
    // Newest first, as the Pending Invitations tab lists them.
    invitations.sort_by_key(|invitation| std::cmp::Reverse((invitation.created_at, invitation.id)));
    Ok(Json(invitations))
}

/// What an invitation request does for one (validated, deduplicated) address.
enum Plan {
    AlreadyMember,
    AlreadyInvited,
    /// Invite, replacing the address's expired pending invitation if it has one.
    Invite {
        replaces: Option<InvitationId>,
    },
}

/// Invites people by email with a role and licenses. All or nothing: an invalid address, an
/// unknown product or too few seats refuse the whole request. Addresses of active members and
/// of people with a live invitation are reported and left alone.
#[utoipa::path(post, path = paths::INVITATIONS, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = InviteRequest,
    responses((status = 200, body = InviteResponse), (status = 400, body = allot_core::ErrorBody),
              (status = 409, body = allot_core::ErrorBody),
              (status = 422, body = allot_core::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Manager {
        caller,
        org_id,
        membership: manager,
    }: Manager,
    JsonBody(request): JsonBody<InviteRequest>,
) -> ApiResult<Json<InviteResponse>> {
    may_grant(&manager, request.role)?;
    let addresses = addresses(&request.emails)?;
    let mut product_ids = request.products.clone();
    product_ids.sort_unstable();
    product_ids.dedup();

    let mut tx = change::begin(&state.db, org_id).await?;
    let seats = seats::product_seats(&mut tx, org_id).await?;
    let products = product_ids
        .iter()
        .map(|id| seats.iter().find(|product| product.id == *id))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(unknown_product)?;

    let now = now();
    let mut plans = Vec::with_capacity(addresses.len());
    for email in addresses {
        let plan = if memberships::is_active_by_email(&mut tx, org_id, &email).await? {
            Plan::AlreadyMember
        } else {
            let pending = invitations::pending_for(&mut tx, org_id, &email).await?;
            match pending {
                Some((_, expires_at)) if expires_at > now => Plan::AlreadyInvited,
                expired => Plan::Invite {
                    replaces: expired.map(|(id, _)| id),
                },
            }
        };
        plans.push((email, plan));
    }
    let inviting = plans
        .iter()
        .filter(|(_, plan)| matches!(plan, Plan::Invite { .. }))
        .count() as u32;
    if let Some(shortfall) = products
        .iter()
        .find_map(|product| product.shortfall(inviting))
    {
        return Err(seats_exceeded(shortfall));
    }

    let (inviter, organization) =
        accounts::sender_names(&mut *tx, caller.account_id, org_id).await?;
    let mut results = Vec::with_capacity(plans.len());
    let (mut mails, mut invited, mut replaced) = (Vec::new(), Vec::new(), Vec::new());
    for (email, plan) in plans {
        let outcome = match plan {
            Plan::AlreadyMember => InviteOutcome::AlreadyMember,
            Plan::AlreadyInvited => InviteOutcome::AlreadyInvited,
            Plan::Invite { replaces } => {
                if let Some(id) = replaces {
                    invitations::set_status(&mut tx, id, InvitationStatus::Revoked).await?;
                    replaced.push(id);
                }
                let new = NewInvitation {
                    org_id,
                    email: &email,
                    role: request.role,
                    invited_by: caller.account_id,
                    created_at: now,
                    expires_at: now + LINK_VALIDITY_SECS,
                    placeholder_hash: secret::random(),
                };
                let invitation_id = invitations::insert(&mut tx, new, &product_ids).await?;
                let token = issue_token(&mut tx, &state.links, invitation_id).await?;
                mails.push(Mail::invitation(
                    &email,
                    &inviter,
                    &organization,
                    request.role,
                    invitation_id,
                    state.links.url(&token),
                ));
                invited.push(email.clone());
                InviteOutcome::Invited { invitation_id }
            }
        };
        results.push(InviteResult { email, outcome });
    }
    if !invited.is_empty() {
        mailer::queue(&mut tx, &mails).await?;
        let detail = AuditDetail::InvitationsCreated(audit::Invited {
            emails: invited,
            role: Some(request.role),
            products: product_ids,
            replaced_expired: replaced,
        });
        tx.record(Some(caller.account_id), detail).await?;
    }
    tx.commit().await?;
    mailer::log_queued(&mails, &state.links);
    Ok(Json(InviteResponse { results }))
}

/// The request's addresses validated, duplicates merged (the first spelling kept).
fn addresses(emails: &[String]) -> ApiResult<Vec<String>> {
    if emails.is_empty() {
        return Err(ApiError::bad_request(
            "no_addresses",
            "Enter at least one email address to invite.",
        ));
    }
    if emails.len() > MAX_INVITATIONS {
        return Err(ApiError::unprocessable(
            "too_many_addresses",
            format!(
                "At most {MAX_INVITATIONS} addresses can be invited at once; this has {}. \
                 Invite them in smaller batches.",
                emails.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut addresses = Vec::with_capacity(emails.len());
    for raw in emails {
        let address = validate_email(raw).map_err(|error| {
            ApiError::unprocessable(
                "invalid_email",
                format!(
                    "\"{}\" is not a valid email address: {}. Nobody was invited; correct it \
                     and try again.",
                    raw.trim(),
                    error.message()
                ),
            )
        })?;
        if seen.insert(email_key(&address)) {
            addresses.push(address);
        }
    }
    Ok(addresses)
}

fn unknown_product() -> ApiError {
    ApiError::not_found_because(
        "product_not_found",
        "One of the chosen products does not exist in this organization. Reload and choose again.",
    )
}

fn seats_exceeded(shortfall: String) -> ApiError {
    ApiError::conflict("seats_exceeded", shortfall)
}

/// Whoever creates, resends or copies the link of an invitation hands out its role, so they
/// must be allowed to grant it.
fn may_grant(manager: &auth::Membership, role: Role) -> ApiResult<()> {
    if manager.role.may_grant(role) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "Only an Owner can invite someone as {}, or resend or copy such an invitation.",
        role.label()
    )))
}

fn not_pending() -> ApiError {
    ApiError::conflict("not_pending", NOT_PENDING)
}

/// A pending invitation of the organization (expired or not); 404 for an unknown id or another
/// organization's, 409 once accepted or revoked.
async fn pending_invitation(
    conn: &mut Conn,
    org_id: OrgId,
    id: InvitationId,
) -> ApiResult<StoredInvitation> {
    let invitation = invitations::find(conn, org_id, id).await?;
    match invitation {
        None => Err(ApiError::not_found()),
        Some(invitation) if invitation.status == InvitationStatus::Pending => Ok(invitation),
        Some(_) => Err(not_pending()),
    }
}

/// Sends the invitation again with a new link valid for 24 fresh hours; the old link stops
/// working. An expired invitation takes its seats again, so they must be free.
#[utoipa::path(post, path = paths::INVITATION_RESEND, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("id" = i64, Path, description = "Invitation id")),
    responses((status = 200, body = InvitationLink), (status = 409, body = allot_core::ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    Manager {
        caller,
        membership: manager,
        ..
    }: Manager,
    PathParams((org_id, id)): PathParams<(OrgId, InvitationId)>,
) -> ApiResult<Json<InvitationLink>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let invitation = pending_invitation(&mut tx, org_id, id).await?;
    let role = invitation.role;
    may_grant(&manager, role)?;
    let now = now();
    if invitation.expires_at <= now {
        let products = invitations::products(&mut tx, id).await?;
        let seats = seats::product_seats(&mut tx, org_id).await?;
        if let Some(shortfall) = seats
            .iter()
            .filter(|product| products.contains(&product.id))
            .find_map(|product| product.shortfall(1))
        {
            return Err(seats_exceeded(shortfall));
        }
    }
    let expires_at = now + LINK_VALIDITY_SECS;
    // The resender vouches for the role now: acceptance checks it against them.
    invitations::renew(&mut tx, id, expires_at, caller.account_id).await?;
    let token = issue_token(&mut tx, &state.links, id).await?;
    let (inviter, organization) =
        accounts::sender_names(&mut *tx, caller.account_id, org_id).await?;
    let mails = [Mail::invitation(
        &invitation.email,
        &inviter,
        &organization,
        role,
        id,
        state.links.url(&token),
    )];
    mailer::queue(&mut tx, &mails).await?;
    let detail = AuditDetail::InvitationResent(audit::InvitationRef {
        id,
        email: invitation.email.clone(),
    });
    tx.finish(Some(caller.account_id), detail).await?;
    mailer::log_queued(&mails, &state.links);
    Ok(Json(InvitationLink {
        path: join_path(&token),
        url: state.links.url(&token),
        expires_at,
    }))
}

/// The invitation's current activation link, for "Copy link".
#[utoipa::path(get, path = paths::INVITATION_LINK, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("id" = i64, Path, description = "Invitation id")),
    responses((status = 200, body = InvitationLink), (status = 409, body = allot_core::ErrorBody)))]
pub async fn link(
    State(state): State<AppState>,
    Manager {
        membership: manager,
        ..
    }: Manager,
    PathParams((org_id, id)): PathParams<(OrgId, InvitationId)>,
) -> ApiResult<Json<InvitationLink>> {
    let mut conn = state.db.acquire().await?;
    let invitation = pending_invitation(&mut conn, org_id, id).await?;
    may_grant(&manager, invitation.role)?;
    let token = state.links.token(id, &invitation.token_nonce);
    Ok(Json(InvitationLink {
        path: join_path(&token),
        url: state.links.url(&token),
        expires_at: invitation.expires_at,
    }))
}

/// Revokes pending invitations: their links stop working at once. Reports per id.
#[utoipa::path(post, path = paths::INVITATIONS_REVOKE, tag = "invitations",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = IdsRequest,
    responses((status = 200, body = BulkResponse)))]
pub async fn revoke(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<IdsRequest>,
) -> ApiResult<Json<BulkResponse>> {
    let mut bulk = Bulk::begin(&state.db, org_id, request.ids.len()).await?;
    for id in request.ids.iter().copied().map(InvitationId) {
        let invitation = invitations::find(&mut bulk.tx, org_id, id).await?;
        let outcome = match invitation {
            None => Err(refused(
                "not_found",
                "No such invitation in this organization.",
            )),
            Some(invitation) if invitation.status == InvitationStatus::Pending => {
                invitations::set_status(&mut bulk.tx, id, InvitationStatus::Revoked).await?;
                Ok(audit::InvitationRef {
                    id,
                    email: invitation.email,
                })
            }
            Some(_) => Err(refused("not_pending", NOT_PENDING)),
        };
        bulk.add(id, outcome)?;
    }
    let detail = |invitations| {
        Some(AuditDetail::InvitationsRevoked(audit::Invitations {
            invitations,
        }))
    };
    bulk.finish(caller.account_id, detail).await
}

/// The refusal for a link that Resend replaced, saying so and where the new one went; `None`
/// for a token that never was a link.
async fn replaced_link(conn: &mut Conn, token: &str) -> ApiResult<Option<ApiError>> {
    let replaced = invitations::replaced_link(conn, &credentials::token_hash(token)).await?;
    Ok(replaced.map(|(email, organization, replaced_at)| {
        ApiError::gone(
            "invitation_link_replaced",
            format!(
                "This link was replaced: the invitation to join {organization} was sent again \
                 to {email} on {}, with a new link. Open the newest invitation email, or ask \
                 an Admin of {organization} to send it again.",
                allot_core::licensing::utc_date(replaced_at)
            ),
        )
    }))
}

/// The invitation behind a link, if the link still works; otherwise 404 or 410 saying why and
/// what to do.
async fn linked_invitation(conn: &mut Conn, token: &str) -> ApiResult<LinkedInvitation> {
    let invitation = invitations::linked(&mut *conn, &credentials::token_hash(token)).await?;
    let Some(invitation) = invitation else {
        if let Some(replaced) = replaced_link(conn, token).await? {
            return Err(replaced);
        }
        return Err(ApiError::not_found_because(
            "invitation_not_found",
            "This invitation link is not valid: it may be incomplete, or a newer invitation \
             email replaced it. Ask an Admin of the organization for a new invitation.",
        ));
    };
    let gone = |code, message| Err(ApiError::gone(code, message));
    match invitation.status {
        InvitationStatus::Accepted => gone(
            "invitation_used",
            "This invitation has already been used. Sign in to open the organization, or ask \
             an Admin of it for a new invitation.",
        ),
        InvitationStatus::Revoked => gone(
            "invitation_revoked",
            "This invitation was revoked. Ask an Admin of the organization for a new \
             invitation.",
        ),
        _ if invitation.expires_at <= now() => gone(
            "invitation_expired",
            "This invitation has expired: links work for 24 hours. Ask an Admin of the \
             organization for a new invitation.",
        ),
        _ => {
            // The role is granted by whoever sent the link, as they are now: an inviter who
            // was demoted or removed since can no longer hand it out.
            let role = invitation.role;
            let inviter_role =
                auth::member_role(&mut *conn, invitation.org_id, invitation.inviter_id).await?;
            if !inviter_role.is_some_and(|inviter| inviter.may_grant(role)) {
                return gone(
                    "inviter_cannot_grant",
                    "This invitation can no longer be accepted: the person who sent it may no \
                     longer grant its role. Ask an Owner or Admin of the organization for a \
                     new invitation.",
                );
            }
            Ok(invitation)
        }
    }
}

/// What an invitee sees before accepting. Public: holding the link is the permission.
#[utoipa::path(get, path = paths::INVITATION, tag = "invitations",
    params(("token" = String, Path, description = "The token of the activation link")),
    responses((status = 200, body = InvitationPreview), (status = 404, body = allot_core::ErrorBody),
              (status = 410, body = allot_core::ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    PathParams(token): PathParams<String>,
) -> ApiResult<Json<InvitationPreview>> {
    let mut conn = state.db.acquire().await?;
    let invitation = linked_invitation(&mut conn, &token).await?;
    let account_exists = accounts::exists(&mut conn, &invitation.email).await?;
    Ok(Json(InvitationPreview {
        role: invitation.role,
        organization: invitation.organization,
        invited_by: invitation.invited_by,
        email: invitation.email,
        account_exists,
        expires_at: invitation.expires_at,
    }))
}

/// Who accepts: an existing account (its password checked) or one to create.
enum Invitee {
    Existing(AccountId),
    New {
        full_name: String,
        password_hash: String,
    },
}

/// Accepts an invitation: creates the account or signs in to it, joins the organization with
/// the invited role (a removed member comes back), and grants the invited licenses while seats
/// allow: a product whose seats filled up meanwhile is skipped, and the audit event says so.
/// Signs the account in with a session cookie.
#[utoipa::path(post, path = paths::INVITATION_ACCEPT, tag = "invitations",
    params(("token" = String, Path, description = "The token of the activation link")),
    request_body = AcceptRequest,
    responses((status = 200, body = allot_core::Session), (status = 400, body = allot_core::ErrorBody),
              (status = 401, body = allot_core::ErrorBody), (status = 404, body = allot_core::ErrorBody),
              (status = 409, body = allot_core::ErrorBody), (status = 410, body = allot_core::ErrorBody),
              (status = 429, body = allot_core::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    client: ClientAddr,
    PathParams(token): PathParams<String>,
    JsonBody(request): JsonBody<AcceptRequest>,
) -> ApiResult<impl IntoResponse> {
    let linked = linked_invitation(&mut state.db.acquire().await?, &token).await?;
    let (email, org_id) = (linked.email, linked.org_id);
    // Passwords are hashed and checked before the write lock is taken: that takes a while.
    let account = accounts::find_by_email(&state.db, &email).await?;
    let invitee = match account {
        Some(account) => Invitee::Existing(
            sign_in::authenticate(&state, &client.0, &email, Some(account), request.password)
                .await?,
        ),
        None => {
            let full_name = mailer::one_line(request.full_name.as_deref().unwrap_or_default());
            account::check_full_name(&full_name)?;
            account::check_new_password(&request.password)?;
            let password = request.password;
            let hints = [
                email.clone(),
                full_name.clone(),
                linked.organization.clone(),
            ];
            // Judged, then hashed, in the password work's turn: both take a while.
            let password_hash =
                sign_in::password_work(&state, move || {
                    match credentials::weakness(&password, &hints.each_ref().map(String::as_str)) {
                        Some(why) => Err(ApiError::bad_request("weak_password", why)),
                        None => Ok(credentials::hash_password(&password)),
                    }
                })
                .await??;
            Invitee::New {
                full_name,
                password_hash,
            }
        }
    };

    let mut tx = change::begin(&state.db, org_id).await?;
    // Checked again under the lock: the link may have been used, revoked or resent meanwhile.
    let invitation = linked_invitation(&mut tx, &token).await?;
    let role = invitation.role;
    let now = now();
    let account_id = match invitee {
        Invitee::Existing(id) => id,
        Invitee::New {
            full_name,
            password_hash,
        } => accounts::insert(&mut *tx, &invitation.email, &full_name, &password_hash, now).await?,
    };
    let membership_id = join(&mut tx, &invitation, account_id, role).await?;
    invitations::set_status(&mut tx, invitation.id, InvitationStatus::Accepted).await?;

    // No longer pending, the invitation no longer holds its seats: they are there to take.
    let products = invitations::products(&mut tx, invitation.id).await?;
    let seats = seats::product_seats(&mut tx, invitation.org_id).await?;
    let (mut granted, mut not_granted) = (Vec::new(), Vec::new());
    for product in seats
        .iter()
        .filter(|product| products.contains(&product.id))
    {
        if let Some(reason) = product.shortfall(1) {
            allocation_errors::record(
                &mut tx,
                invitation.org_id,
                membership_id,
                product.id,
                &reason,
                now,
            )
            .await?;
            not_granted.push(audit::NotGranted {
                product: product.name.clone(),
                reason,
            });
            continue;
        }
        allocations::grant(&mut tx, invitation.org_id, membership_id, product.id, now).await?;
        granted.push(product.id);
    }
    let detail = AuditDetail::InvitationAccepted(audit::Accepted {
        invitation_id: invitation.id,
        member_id: membership_id,
        email: invitation.email.clone(),
        role: Some(role),
        granted,
        not_granted,
    });
    tx.finish(Some(account_id), detail).await?;
    auth::open_session(&state.db, account_id, false).await
}

/// Makes the account an active member with `role`: a new membership, or a removed member's
/// old one brought back without the licenses and teams it had. Returns the membership's id.
async fn join(
    conn: &mut Conn,
    invitation: &LinkedInvitation,
    account_id: AccountId,
    role: Role,
) -> ApiResult<MemberId> {
    let membership = memberships::of_account(conn, invitation.org_id, account_id).await?;
    let now = now();
    match membership {
        Some((_, MemberStatus::Active)) => Err(ApiError::conflict(
            "already_member",
            format!(
                "You are already a member of {}: sign in to open it.",
                invitation.organization
            ),
        )),
        Some((id, _)) => {
            memberships::rejoin(conn, id, role, now).await?;
            Ok(id)
        }
        None => Ok(
            memberships::insert(conn, invitation.org_id, account_id, role, now, Some(now)).await?,
        ),
    }
}

/// Invitations: sending, listing, revoking, links, and accepting: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(products))
        .routes(routes!(list, create))
        .routes(routes!(revoke))
        .routes(routes!(resend))
        .routes(routes!(link))
        .routes(routes!(preview))
        .routes(routes!(accept))
}
