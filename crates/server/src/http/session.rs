//! Signing in and out, and who the caller is.

use allot_core::{Session, SignInRequest, paths};
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, Uri, header},
    response::IntoResponse,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    http::auth::{self, Caller},
    http::extract::{ClientAddr, JsonBody},
    http::security,
    ops::sign_in,
    store::{accounts, sessions},
};

/// The longest address SMTP carries.
const MAX_EMAIL_CHARS: usize = 254;

/// Sign in with email and password.
#[utoipa::path(post, path = paths::SESSION, tag = "session", request_body = SignInRequest,
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
        return Err(sign_in::invalid_credentials());
    }
    let account = accounts::find_by_email(&state.db, &email).await?;
    let account_id =
        sign_in::authenticate(&state, &client.0, &email, account, request.password).await?;
    auth::open_session(&state.db, account_id, request.bearer).await
}

/// The signed-in account and its organizations.
#[utoipa::path(get, path = paths::SESSION, tag = "session",
    responses((status = 200, body = Session)))]
pub async fn current(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Session>> {
    Ok(Json(sign_in::session(&state.db, caller.account_id).await?))
}

/// Sign out: the session ends on the server, not only in the browser.
#[utoipa::path(delete, path = paths::SESSION, tag = "session",
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
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(current, sign_in, sign_out))
}
