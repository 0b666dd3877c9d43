//! Sessions as HTTP carries them (the cookie, the bearer token), opening one, and the checks
//! every organization request goes through.

use allot_core::{AccountId, MemberId, OrgId, Role, Session, allocation::raised_role};
use axum::{
    Json,
    extract::{FromRequestParts, RawPathParams},
    http::{HeaderMap, header, request::Parts},
};

use crate::credentials;
use crate::db::Conn;
use crate::{
    AppState,
    db::{Db, now},
    error::{ApiError, ApiResult},
    ops::sign_in,
    store::memberships,
    store::sessions::{self, StoredSession},
};

/// `__Host-` pins the cookie to this origin, with Secure and Path=/ (browsers treat
/// http://localhost and 127.0.0.1 as secure, so local runs work too).
pub const SESSION_COOKIE: &str = "__Host-allot_session";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT_SECS: i64 = 12 * 60 * 60;
/// A session ends this long after sign-in however busy it is.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 7 * 24 * 60 * 60;
/// How stale `last_seen_at` may get before a request refreshes it (saves a write per call).
const TOUCH_INTERVAL_SECS: i64 = 60;

pub fn session_cookie(token: &str) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={ABSOLUTE_TIMEOUT_SECS}"
    )
}

pub fn cleared_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0")
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// Whether the request authenticates with a cookie (and so needs cross-site protection).
pub fn uses_cookie(headers: &HeaderMap) -> bool {
    bearer_token(headers).is_none() && cookie_token(headers).is_some()
}

/// The signed-in account making a request: a live session from the bearer token or cookie.
pub struct Caller {
    pub account_id: AccountId,
    pub token_hash: Vec<u8>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer_token(&parts.headers)
            .or_else(|| cookie_token(&parts.headers))
            .ok_or_else(ApiError::unauthenticated)?;
        let hash = credentials::token_hash(token);
        let Some(session) = sessions::find(&state.db, &hash).await? else {
            return Err(ApiError::unauthenticated());
        };
        let now = now();
        if !is_live(&session, now) {
            sessions::delete(&state.db, &hash).await?;
            return Err(ApiError::unauthenticated());
        }
        if now - session.last_seen_at >= TOUCH_INTERVAL_SECS {
            sessions::touch(&state.db, &hash, now).await?;
        }
        Ok(Caller {
            account_id: session.account_id,
            token_hash: hash,
        })
    }
}

/// The caller's active membership in the organization a request is about.
pub struct Membership {
    pub id: MemberId,
    pub role: Role,
}

/// The effective role of `account_id` in `org_id`, if they are an active member there.
pub async fn member_role(
    conn: &mut Conn,
    org_id: OrgId,
    account_id: AccountId,
) -> ApiResult<Option<Role>> {
    let membership = memberships::active_of_account(conn, org_id, account_id).await?;
    Ok(membership.map(|(_, role, group_role, _)| raised_role(role, group_role)))
}

fn is_live(session: &StoredSession, now: i64) -> bool {
    session.expires_at > now && session.last_seen_at + IDLE_TIMEOUT_SECS > now
}

impl Caller {
    /// Whether the caller's session still stands (not signed out, not expired), checked
    /// without counting as use: long-lived requests such as the change feed ask it again.
    pub async fn still_signed_in(&self, db: &Db) -> Result<bool, sqlx::Error> {
        Ok(sessions::find(db, &self.token_hash)
            .await?
            .is_some_and(|session| is_live(&session, now())))
    }
}

/// The caller's active membership in `org_id`. Not being a member answers 404, exactly as a
/// nonexistent organization does, so other organizations' ids reveal nothing.
pub async fn membership(db: &Db, caller: &Caller, org_id: OrgId) -> ApiResult<Membership> {
    let (id, role, group_role, last_access_at) =
        memberships::active_of_account(db, org_id, caller.account_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
    let now = now();
    if last_access_at.is_none_or(|at| now - at >= TOUCH_INTERVAL_SECS) {
        memberships::touch(db, id, now).await?;
    }
    let role = raised_role(role, group_role);
    Ok(Membership { id, role })
}

/// The caller as a manager (Owner or Admin) of the organization their request's path names
/// (`/orgs/{org_id}/...`), checked on the server for every request: a handler that takes it
/// cannot be reached by anyone else. Refusals, in order: no session 401, an organization
/// they are not in (or none) 404, not a manager there 403.
pub struct Manager {
    pub caller: Caller,
    pub org_id: OrgId,
    /// Their membership there as it was checked; a change's transaction checks again.
    pub membership: Membership,
}

impl FromRequestParts<AppState> for Manager {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        let org_id = params
            .iter()
            .find(|(name, _)| *name == "org_id")
            .and_then(|(_, value)| value.parse::<OrgId>().ok())
            .ok_or_else(ApiError::not_found)?;
        let membership = manager(&state.db, &caller, org_id).await?;
        Ok(Self {
            caller,
            org_id,
            membership,
        })
    }
}

/// As [`membership`], and the caller must be an Owner or Admin there (403 otherwise).
pub async fn manager(db: &Db, caller: &Caller, org_id: OrgId) -> ApiResult<Membership> {
    let membership = membership(db, caller, org_id).await?;
    if !membership.role.manages_organization() {
        return Err(ApiError::forbidden(
            "Only the Owner and Admins of this organization can manage its people and licenses.",
        ));
    }
    Ok(membership)
}

/// Opens a session for the account: a fresh token, sent back as the session cookie, or in the
/// body when `bearer` is asked for.
pub async fn open_session(
    db: &Db,
    account_id: AccountId,
    bearer: bool,
) -> ApiResult<(HeaderMap, Json<Session>)> {
    let token = credentials::new_token();
    let now = now();
    let expires_at = now + ABSOLUTE_TIMEOUT_SECS;
    sessions::insert(
        db,
        &credentials::token_hash(&token),
        account_id,
        now,
        expires_at,
    )
    .await?;

    let mut body = sign_in::session(db, account_id).await?;
    let mut headers = HeaderMap::new();
    if bearer {
        body.token = Some(token);
    } else {
        headers.insert(
            header::SET_COOKIE,
            session_cookie(&token)
                .parse()
                .map_err(|_| ApiError::Internal)?,
        );
    }
    Ok((headers, Json(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("theme=dark; {SESSION_COOKIE}=abc; x=1")
                .parse()
                .unwrap(),
        );
        assert_eq!(cookie_token(&headers), Some("abc"));
        assert!(uses_cookie(&headers));
        headers.insert(header::AUTHORIZATION, "Bearer xyz".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("xyz"));
        assert!(!uses_cookie(&headers));
    }
}
