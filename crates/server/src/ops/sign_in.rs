//! Signing in: a password checked as sign-in does (throttled, in constant work whether the
//! account exists or not), password hashing a few at a time for requests without a session,
//! and what a session says of its account.

use std::{sync::LazyLock, time::Duration};

use allot_core::{Account, AccountId, OrganizationSummary, Session, account, format};

use crate::{
    AppState, credentials,
    db::Db,
    error::{ApiError, ApiResult},
    store::{accounts, memberships},
    throttle::{Attempt, Refusal},
};

/// Verified against when the email is unknown, so that a wrong address costs the same time as
/// a wrong password and timing does not tell which accounts exist.
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| credentials::hash_password("decoy"));

/// The signed-in account and the organizations it belongs to, with its role in each.
pub async fn session(db: &Db, account_id: AccountId) -> ApiResult<Session> {
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

/// Checks a password as sign-in does: each attempt counted before the check and throttled
/// (`throttle`). `account` is the address's account (id and password hash), if it has one.
/// Returns the account's id.
pub async fn authenticate(
    state: &AppState,
    client: &str,
    email: &str,
    account: Option<(AccountId, Option<String>)>,
    password: String,
) -> ApiResult<AccountId> {
    account::check_password_input(&password)?;
    let attempt = Attempt::new(email, client);
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
    let verified = password_work(state, move || {
        credentials::verify_password(&hash, &password)
    })
    .await?;
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

/// The one answer to an email and password that do not match, whatever the reason.
pub fn invalid_credentials() -> ApiError {
    ApiError::unauthenticated_because(
        "invalid_credentials",
        "That email and password do not match an account.",
    )
}
