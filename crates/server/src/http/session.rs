//! Signing in and out, and who the caller is.

use axum::{Router, routing};
use std::{sync::LazyLock, time::Duration};

use allot_core::{
    Account, AccountId, OrganizationSummary, Session, SignInRequest, account, format,
};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, Uri, header},
    response::IntoResponse,
};

use crate::{
    AppState,
    db::{Db, now},
    http::auth::{self, Caller},
    http::error::{ApiError, ApiResult},
    http::extract::{ClientAddr, JsonBody},
    http::security,
    store::{accounts, memberships, sessions},
    throttle::{Attempt, Refusal},
};

/// Verified against when the email is unknown, so that a wrong address costs the same time as
/// a wrong password and timing does not tell which accounts exist.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| auth::hash_password("decoy"));

async fn session_body(db: &Db, account_id: AccountId) -> ApiResult<Session> {
    let (email, full_name) = accounts::profile(db, account_id).await?;
    let rows = memberships::organizations_of(db, account_id).await?;
    let organizations = rows
        .into_iter()
        .map(|(id, name, role, group_role)| OrganizationSummary {
            id,
            name,
            role: allot_core::allocation::raised_role(role, group_role),
        })
        .collect();
    Ok(Session {
        account: Account {
            id: account_id,
            email,
            full_name,
        },
        organizations,
        token: None,
    })
}

/// The longest address SMTP carries.
const MAX_EMAIL_CHARS: usize = 254;

fn invalid_credentials() -> ApiError {
    ApiError::unauthenticated_because(
        "invalid_credentials",
        "That email and password do not match an account.",
    )
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignInRequest,
    responses((status = 200, body = Session), (status = 400, body = allot_core::ErrorBody),
              (status = 401, body = allot_core::ErrorBody), (status = 429, body = allot_core::ErrorBody),
              (status = 503, body = allot_core::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    client: ClientAddr,
    uri: Uri,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignInRequest>,
) -> ApiResult<impl IntoResponse> {
    // A cookie sign-in from another site could sign a visitor into the attacker's account
    // (login CSRF). A bearer token is only returned in the body, which only the origins
    // allowed by `--cors-origin` can read.
    if !request.bearer && security::is_cross_site(&uri, &headers) {
        return Err(security::cross_site_refusal());
    }
    let email = request.email.trim().to_owned();
    // Checked before the throttle counts the attempt, so that its keys hold nothing unbounded.
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(ApiError::bad_request(
            "invalid_email",
            "An email address is at most 254 characters long.",
        ));
    }
    // No account has an address that is no address (accounts are made from validated ones),
    // nor one written `Name <address>`: such a sign-in matches nothing and guesses no
    // password, so it is answered without counting or hashing anything.
    let bare_address = allot_core::emails::validate_email(&email)
        .is_ok_and(|address| address.to_lowercase() == email.to_lowercase());
    if !bare_address {
        return Err(invalid_credentials());
    }
    let account = accounts::find_by_email(&state.db, &email).await?;
    let account_id = authenticate(&state, &client, &email, account, request.password).await?;
    open(&state.db, account_id, request.bearer).await
}

/// Checks a password as sign-in does: each attempt counted before the check and throttled
/// (`throttle`). `account` is the address's account (id and password hash), if it has one.
/// Returns the account's id.
pub async fn authenticate(
    state: &AppState,
    client: &ClientAddr,
    email: &str,
    account: Option<(AccountId, Option<String>)>,
    password: String,
) -> ApiResult<AccountId> {
    account::check_password_input(&password)?;
    let attempt = Attempt::new(email, &client.0);
    if let Err(refusal) = attempt.take(&state.db).await? {
        let (who, wait) = match refusal {
            Refusal::Address(wait) => ("this address", wait),
            Refusal::Client(wait) => ("your network", wait),
        };
        return Err(ApiError::too_many_requests(
            "too_many_attempts",
            format!(
                "Too many sign-in attempts for {who}. Try again {}.",
                format::until(0, wait.as_secs() as i64)
            ),
        ));
    }
    let (account_id, hash) = match account {
        Some((id, Some(hash))) => (Some(id), hash),
        _ => (None, DECOY_HASH.clone()),
    };
    let verified = password_work(state, move || auth::verify_password(&hash, &password)).await?;
    let Some(account_id) = account_id.filter(|_| verified) else {
        return Err(invalid_credentials());
    };
    attempt.succeeded(&state.db).await?;
    Ok(account_id)
}

/// How long a request without a session waits for its turn to hash a password before it is
/// told to come back.
const PASSWORD_WORK_WAIT: Duration = Duration::from_secs(10);

/// Runs password hashing for a request that has no session yet, a few at a time
/// (`AppState::password_work`).
pub async fn password_work<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> ApiResult<T> {
    let busy = || {
        ApiError::unavailable(
            "busy",
            "The server is busy signing people in. Try again in a few seconds.",
        )
    };
    let _turn = tokio::time::timeout(PASSWORD_WORK_WAIT, state.password_work.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ApiError::Internal)
}

/// Opens a session for the account: a fresh token, sent back as the session cookie, or in the
/// body when `bearer` is asked for.
pub async fn open(
    db: &Db,
    account_id: AccountId,
    bearer: bool,
) -> ApiResult<(HeaderMap, Json<Session>)> {
    let token = auth::new_token();
    let now = now();
    let expires_at = now + auth::ABSOLUTE_TIMEOUT_SECS;
    sessions::insert(db, &auth::token_hash(&token), account_id, now, expires_at).await?;

    let mut body = session_body(db, account_id).await?;
    let mut headers = HeaderMap::new();
    if bearer {
        body.token = Some(token);
    } else {
        headers.insert(
            header::SET_COOKIE,
            auth::session_cookie(&token)
                .parse()
                .map_err(|_| ApiError::Internal)?,
        );
    }
    Ok((headers, Json(body)))
}

/// The signed-in account and its organizations.
#[utoipa::path(get, path = "/api/v1/session", tag = "session",
    responses((status = 200, body = Session)))]
pub async fn current(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Session>> {
    Ok(Json(session_body(&state.db, caller.account_id).await?))
}

/// Sign out: the session ends on the server, not only in the browser.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204)))]
pub async fn sign_out(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<impl IntoResponse> {
    sessions::delete(&state.db, &caller.token_hash).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::cleared_session_cookie())],
    ))
}

/// Signing in and out, and the current session: this resource's routes, under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/session",
        routing::get(current).post(sign_in).delete(sign_out),
    )
}
