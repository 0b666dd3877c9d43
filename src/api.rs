//! The typed client of the Allot JSON API.

use std::fmt;

use allot_core::{
    AcceptRequest, AllocationError, AllocationRequest, BulkResponse, ChangeRoleRequest, ErrorBody,
    GroupChange, GroupId, GroupRequest, GroupRuleRequest, IdsRequest, InvitationLink,
    InvitationPreview, InviteRequest, InviteResponse, LicenseOverview, MemberId, MembersSnapshot,
    OrgId, ProductId, Role, Session, SignInRequest, Team, TeamMemberRequest, TeamName, TeamRole,
};
use gloo_net::http::{Request, Response};
use serde::{Serialize, de::DeserializeOwned};

const BASE: &str = "/api/v1";

/// Why a request failed, in the terms the console reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No session, or it has ended: sign in again.
    Unauthenticated,
    /// Signed in, but this account may not do that.
    Forbidden(String),
    /// Nothing there, or nothing this account can see.
    NotFound,
    /// Bad input or a broken rule (400, 409, 422, 429...): the server's words say which.
    Rejected { code: String, message: String },
    /// The server could not be reached.
    Network,
    /// The server failed (5xx) or answered something unreadable.
    Server(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthenticated => f.write_str("Your session has ended. Sign in again."),
            ApiError::Forbidden(message) | ApiError::Server(message) => f.write_str(message),
            ApiError::Rejected { message, .. } => f.write_str(message),
            ApiError::NotFound => f.write_str("This page does not exist, or you cannot see it."),
            ApiError::Network => {
                f.write_str("The Allot server cannot be reached. Check your connection and retry.")
            }
        }
    }
}

impl std::error::Error for ApiError {}

async fn error_of(response: Response) -> ApiError {
    let status = response.status();
    let body = response.json::<ErrorBody>().await.ok();
    let message = body.as_ref().map(|body| body.error.message.clone());
    let code = body.as_ref().map(|body| body.error.code.as_str());
    match status {
        // A 401 with another code (wrong password) is a refusal to show, not a lost session.
        401 if code.is_none_or(|code| code == "unauthenticated") => ApiError::Unauthenticated,
        403 => ApiError::Forbidden(message.unwrap_or_else(|| "You may not do that.".into())),
        404 => ApiError::NotFound,
        400..=499 => ApiError::Rejected {
            code: body.map(|body| body.error.code).unwrap_or_default(),
            message: message.unwrap_or_else(|| format!("The request was refused ({status}).")),
        },
        _ => ApiError::Server(message.unwrap_or_else(|| {
            format!("The server failed ({status}). Nothing was changed; try again.")
        })),
    }
}

async fn send(request: Result<Request, gloo_net::Error>) -> Result<Response, ApiError> {
    let request = request.map_err(|error| ApiError::Server(error.to_string()))?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(error_of(response).await)
    }
}

async fn json<T: DeserializeOwned>(
    request: Result<Request, gloo_net::Error>,
) -> Result<T, ApiError> {
    let unreadable =
        |error: String| ApiError::Server(format!("Unreadable answer from the server: {error}"));
    // Bytes, not text: a large snapshot then reaches the parser without a UTF-16 round trip.
    let bytes = send(request)
        .await?
        .binary()
        .await
        .map_err(|error| unreadable(error.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|error| unreadable(error.to_string()))
}

fn url(path: &str) -> String {
    format!("{BASE}{path}")
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(Request::get(&url(path)).build()).await
}

async fn post<T: DeserializeOwned>(path: &str, body: &impl Serialize) -> Result<T, ApiError> {
    json(Request::post(&url(path)).json(body)).await
}

pub async fn session() -> Result<Session, ApiError> {
    get("/session").await
}

pub async fn sign_in(email: String, password: String) -> Result<Session, ApiError> {
    let body = SignInRequest {
        email,
        password,
        bearer: false,
    };
    post("/session", &body).await
}

pub async fn sign_out() -> Result<(), ApiError> {
    send(Request::delete(&url("/session")).build())
        .await
        .map(drop)
}

/// The change feed of the organization, from after the change `after` (server-sent events).
pub fn changes_url(org: OrgId, after: u64) -> String {
    url(&format!("/orgs/{org}/changes?after={after}"))
}

pub async fn members(org: OrgId) -> Result<MembersSnapshot, ApiError> {
    get(&format!("/orgs/{org}/members")).await
}

pub async fn remove_members(org: OrgId, ids: Vec<MemberId>) -> Result<BulkResponse, ApiError> {
    post(&format!("/orgs/{org}/members/remove"), &IdsRequest { ids }).await
}

pub async fn restore_members(org: OrgId, ids: Vec<MemberId>) -> Result<BulkResponse, ApiError> {
    post(&format!("/orgs/{org}/members/restore"), &IdsRequest { ids }).await
}

pub async fn change_role(
    org: OrgId,
    ids: Vec<MemberId>,
    role: Role,
) -> Result<BulkResponse, ApiError> {
    post(
        &format!("/orgs/{org}/members/role"),
        &ChangeRoleRequest { ids, role },
    )
    .await
}

/// Where the browser downloads the CSV of the organization's users from: `status` is
/// `all`, `active` or `removed`; `search` filters as the console's search bar does.
pub fn export_url(org: OrgId, status: &str, search: &str) -> String {
    let query = js_sys::encode_uri_component(search.trim());
    url(&format!(
        "/orgs/{org}/members/export.csv?status={status}&q={query}"
    ))
}

pub async fn invite(org: OrgId, request: InviteRequest) -> Result<InviteResponse, ApiError> {
    post(&format!("/orgs/{org}/invitations"), &request).await
}

pub async fn resend_invitation(org: OrgId, id: i64) -> Result<InvitationLink, ApiError> {
    post(&format!("/orgs/{org}/invitations/{id}/resend"), &()).await
}

pub async fn invitation_link(org: OrgId, id: i64) -> Result<InvitationLink, ApiError> {
    get(&format!("/orgs/{org}/invitations/{id}/link")).await
}

pub async fn revoke_invitations(org: OrgId, ids: Vec<i64>) -> Result<BulkResponse, ApiError> {
    post(
        &format!("/orgs/{org}/invitations/revoke"),
        &IdsRequest { ids },
    )
    .await
}

pub async fn invitation_preview(token: &str) -> Result<InvitationPreview, ApiError> {
    get(&format!("/invitations/{token}")).await
}

pub async fn accept_invitation(token: &str, request: AcceptRequest) -> Result<Session, ApiError> {
    post(&format!("/invitations/{token}/accept"), &request).await
}

pub async fn teams(org: OrgId) -> Result<Vec<Team>, ApiError> {
    get(&format!("/orgs/{org}/teams")).await
}

pub async fn create_team(org: OrgId, name: String) -> Result<Team, ApiError> {
    post(&format!("/orgs/{org}/teams"), &TeamName { name }).await
}

pub async fn rename_team(org: OrgId, team: i64, name: String) -> Result<Team, ApiError> {
    json(Request::patch(&url(&format!("/orgs/{org}/teams/{team}"))).json(&TeamName { name })).await
}

pub async fn delete_team(org: OrgId, team: i64) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/orgs/{org}/teams/{team}"))).build())
        .await
        .map(drop)
}

pub async fn set_team_member(
    org: OrgId,
    team: i64,
    member: MemberId,
    role: TeamRole,
) -> Result<Team, ApiError> {
    let path = url(&format!("/orgs/{org}/teams/{team}/members/{member}"));
    json(Request::put(&path).json(&TeamMemberRequest { role })).await
}

pub async fn remove_team_member(org: OrgId, team: i64, member: MemberId) -> Result<Team, ApiError> {
    json(Request::delete(&url(&format!("/orgs/{org}/teams/{team}/members/{member}"))).build()).await
}

pub async fn allocation_errors(org: OrgId) -> Result<Vec<AllocationError>, ApiError> {
    get(&format!("/orgs/{org}/allocation-errors")).await
}

pub async fn retry_allocation(org: OrgId, id: i64) -> Result<(), ApiError> {
    let path = url(&format!("/orgs/{org}/allocation-errors/{id}/retry"));
    send(Request::post(&path).build()).await.map(drop)
}

pub async fn dismiss_allocation_error(org: OrgId, id: i64) -> Result<(), ApiError> {
    send(Request::delete(&url(&format!("/orgs/{org}/allocation-errors/{id}"))).build())
        .await
        .map(drop)
}

pub async fn licenses(org: OrgId) -> Result<LicenseOverview, ApiError> {
    get(&format!("/orgs/{org}/licenses")).await
}

/// One of the License Management removals: `what` is `users`, `online`, `offline` or
/// `machines`.
pub async fn remove_licenses(
    org: OrgId,
    what: &str,
    ids: Vec<i64>,
) -> Result<BulkResponse, ApiError> {
    post(
        &format!("/orgs/{org}/licenses/{what}/remove"),
        &IdsRequest { ids },
    )
    .await
}

pub async fn create_group(org: OrgId, request: GroupRequest) -> Result<GroupChange, ApiError> {
    post(&format!("/orgs/{org}/groups"), &request).await
}

/// Renames the group, sets the role it grants and its exact members (adding and removing).
pub async fn update_group(
    org: OrgId,
    group: GroupId,
    request: GroupRequest,
) -> Result<GroupChange, ApiError> {
    json(Request::put(&url(&format!("/orgs/{org}/groups/{group}"))).json(&request)).await
}

pub async fn delete_group(org: OrgId, group: GroupId) -> Result<GroupChange, ApiError> {
    json(Request::delete(&url(&format!("/orgs/{org}/groups/{group}"))).build()).await
}

/// The group's license allocation rule: the products every member inherits.
pub async fn set_group_rule(
    org: OrgId,
    group: GroupId,
    products: Vec<ProductId>,
) -> Result<GroupChange, ApiError> {
    let path = url(&format!("/orgs/{org}/groups/{group}/rule"));
    json(Request::put(&path).json(&GroupRuleRequest { products })).await
}

/// Frees the seats the members hold of licenses inherited from the group; they re-acquire
/// them at the product's next sign-in.
pub async fn release_group_licenses(
    org: OrgId,
    group: GroupId,
    ids: Vec<MemberId>,
) -> Result<BulkResponse, ApiError> {
    post(
        &format!("/orgs/{org}/groups/{group}/release"),
        &IdsRequest { ids },
    )
    .await
}

/// The Edit License Allocation panel's Save.
pub async fn set_allocation(
    org: OrgId,
    member: MemberId,
    request: AllocationRequest,
) -> Result<GroupChange, ApiError> {
    let path = url(&format!("/orgs/{org}/members/{member}/allocation"));
    json(Request::put(&path).json(&request)).await
}
