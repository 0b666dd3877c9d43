//! Teams: named subsets of an organization's members, with a role per team.

use allot_core::{
    MemberId, OrgId, Team, TeamId, TeamMemberRequest, TeamName,
    audit::{AuditDetail, TeamMembership, TeamNamed, TeamRenamed},
    paths,
    rules::{self, TEAM_NAME_MAX_CHARS},
};
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db::Conn;
use crate::{
    AppState, change,
    error::{ApiError, ApiResult},
    http::auth::Manager,
    http::extract::{JsonBody, PathParams},
    store::{memberships, teams},
};

/// Team `team_id` of the organization; 404 for another organization's or nonexistent ids.
async fn load_one(conn: &mut Conn, org_id: OrgId, team_id: TeamId) -> ApiResult<Team> {
    teams::load(conn, org_id, Some(team_id))
        .await?
        .pop()
        .ok_or_else(ApiError::not_found)
}

fn valid_name(raw: &str) -> ApiResult<&str> {
    rules::team_name(raw).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_team_name",
            format!("A team name needs 1 to {TEAM_NAME_MAX_CHARS} characters."),
        )
    })
}

/// Refuses `name` when another team of the organization has it, in any case.
async fn ensure_name_free(
    conn: &mut Conn,
    org_id: OrgId,
    name: &str,
    renamed: Option<TeamId>,
) -> ApiResult<()> {
    // In Rust rather than SQL: SQLite's NOCASE folds only ASCII letters.
    let names = teams::names(conn, org_id, renamed).await?;
    let folded = name.to_lowercase();
    match names.iter().find(|taken| taken.to_lowercase() == folded) {
        Some(taken) => Err(ApiError::conflict(
            "team_name_taken",
            format!("There is already a team named \u{201c}{taken}\u{201d}."),
        )),
        None => Ok(()),
    }
}

#[utoipa::path(get, path = paths::TEAMS, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id")),
    responses((status = 200, body = Vec<Team>)))]
pub async fn list(
    State(state): State<AppState>,
    Manager { org_id, .. }: Manager,
) -> ApiResult<Json<Vec<Team>>> {
    // One read transaction, so that the teams and their members agree.
    let mut tx = state.db.begin().await?;
    let list = teams::load(&mut tx, org_id, None).await?;
    tx.commit().await?;
    Ok(Json(list))
}

#[utoipa::path(post, path = paths::TEAMS, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id")),
    request_body = TeamName,
    responses((status = 201, body = Team),
              (status = 400, body = allot_core::ErrorBody,
               description = "`invalid_team_name`"),
              (status = 409, body = allot_core::ErrorBody, description = "`team_name_taken`")))]
pub async fn create(
    State(state): State<AppState>,
    Manager { caller, org_id, .. }: Manager,
    JsonBody(request): JsonBody<TeamName>,
) -> ApiResult<(StatusCode, Json<Team>)> {
    let name = valid_name(&request.name)?;
    let mut tx = change::begin(&state.db, org_id).await?;
    ensure_name_free(&mut tx, org_id, name, None).await?;
    let id = teams::create(&mut tx, org_id, name).await?;
    let detail = AuditDetail::TeamCreated(TeamNamed {
        team: id,
        name: name.to_owned(),
    });
    tx.finish(Some(caller.account_id), detail).await?;
    let team = Team {
        id,
        name: name.to_owned(),
        members: Vec::new(),
    };
    Ok((StatusCode::CREATED, Json(team)))
}

#[utoipa::path(patch, path = paths::TEAM, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("team_id" = i64, Path, description = "Team id")),
    request_body = TeamName,
    responses((status = 200, body = Team),
              (status = 400, body = allot_core::ErrorBody,
               description = "`invalid_team_name`"),
              (status = 409, body = allot_core::ErrorBody, description = "`team_name_taken`")))]
pub async fn rename(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, team_id)): PathParams<(OrgId, TeamId)>,
    JsonBody(request): JsonBody<TeamName>,
) -> ApiResult<Json<Team>> {
    let name = valid_name(&request.name)?;
    let mut tx = change::begin(&state.db, org_id).await?;
    let mut team = load_one(&mut tx, org_id, team_id).await?;
    if team.name != name {
        ensure_name_free(&mut tx, org_id, name, Some(team_id)).await?;
        teams::rename(&mut tx, team_id, name).await?;
        let detail = AuditDetail::TeamRenamed(TeamRenamed {
            team: team_id,
            previous_name: team.name.clone(),
            name: name.to_owned(),
        });
        tx.record(Some(caller.account_id), detail).await?;
        team.name = name.to_owned();
    }
    tx.commit().await?;
    Ok(Json(team))
}

/// Deletes the team; its members stay in the organization.
#[utoipa::path(delete, path = paths::TEAM, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("team_id" = i64, Path, description = "Team id")),
    responses((status = 204)))]
pub async fn delete(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, team_id)): PathParams<(OrgId, TeamId)>,
) -> ApiResult<StatusCode> {
    let mut tx = change::begin(&state.db, org_id).await?;
    let team = load_one(&mut tx, org_id, team_id).await?;
    teams::delete(&mut tx, team_id).await?;
    let detail = AuditDetail::TeamDeleted(TeamNamed {
        team: team_id,
        name: team.name,
    });
    tx.finish(Some(caller.account_id), detail).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds an active member to the team with a team role, or changes their team role.
#[utoipa::path(put, path = paths::TEAM_MEMBER, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("team_id" = i64, Path, description = "Team id"),
           ("member_id" = i64, Path, description = "Member id")),
    request_body = TeamMemberRequest,
    responses((status = 200, body = Team),
              (status = 422, body = allot_core::ErrorBody,
               description = "`billing_manager_in_team`, `member_removed`")))]
pub async fn set_member(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, team_id, member_id)): PathParams<(OrgId, TeamId, MemberId)>,
    JsonBody(request): JsonBody<TeamMemberRequest>,
) -> ApiResult<Json<Team>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    load_one(&mut tx, org_id, team_id).await?;
    let member = memberships::find(&mut tx, org_id, member_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !member.active {
        return Err(ApiError::unprocessable(
            "member_removed",
            format!(
                "{} was removed from the organization; only its members can be in a team.",
                member.full_name
            ),
        ));
    }
    rules::check_team_member(member.role)
        .map_err(|violation| ApiError::unprocessable(violation.code(), violation.message()))?;
    let role = request.role;
    if teams::set_member(&mut tx, team_id, member_id, role).await? {
        let detail = AuditDetail::TeamMemberSet(TeamMembership {
            team: team_id,
            member: member_id,
            role: Some(role),
        });
        tx.record(Some(caller.account_id), detail).await?;
    }
    let team = load_one(&mut tx, org_id, team_id).await?;
    tx.commit().await?;
    Ok(Json(team))
}

/// Takes a member out of the team (they stay in the organization).
#[utoipa::path(delete, path = paths::TEAM_MEMBER, tag = "teams",
    params(("org_id" = i64, Path, description = "Organization id"),
           ("team_id" = i64, Path, description = "Team id"),
           ("member_id" = i64, Path, description = "Member id")),
    responses((status = 200, body = Team)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Manager { caller, .. }: Manager,
    PathParams((org_id, team_id, member_id)): PathParams<(OrgId, TeamId, MemberId)>,
) -> ApiResult<Json<Team>> {
    let mut tx = change::begin(&state.db, org_id).await?;
    load_one(&mut tx, org_id, team_id).await?;
    memberships::find(&mut tx, org_id, member_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if teams::remove_member(&mut tx, team_id, member_id).await? {
        let detail = AuditDetail::TeamMemberRemoved(TeamMembership {
            team: team_id,
            member: member_id,
            role: None,
        });
        tx.record(Some(caller.account_id), detail).await?;
    }
    let team = load_one(&mut tx, org_id, team_id).await?;
    tx.commit().await?;
    Ok(Json(team))
}

/// Teams and their members: this resource's routes, under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(rename, delete))
        .routes(routes!(set_member, remove_member))
}
