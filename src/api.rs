//! The typed client of the Allot JSON API. Where the API is and how requests prove who
//! they are is set once, when the console is mounted (`configure`).

use std::{cell::RefCell, fmt};

use allot_core::{
    AcceptRequest, AllocationError, AllocationErrorId, AllocationRequest, AuditPage, BulkResponse,
    ChangeRoleRequest, ErrorBody, GroupChange, GroupId, GroupRequest, GroupRuleRequest, IdsRequest,
    InvitationId, InvitationLink, InvitationPreview, InviteRequest, InviteResponse,
    LicenseOverview, MemberId, MemberIdsRequest, MemberStatus, MembersSnapshot, OrgId, ProductId,
    Role, Session, SignInRequest, Team, TeamId, TeamMemberRequest, TeamName, TeamRole, paths,
};
use gloo_net::http::{Method, RequestBuilder, Response};

use serde::{Serialize, de::DeserializeOwned};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials};

/// How requests prove who they are.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    /// The console's own sign-in and a cookie session: an API on the page's origin.
    #[default]
    Cookie,
    /// The console's own sign-in, keeping the bearer token it gets in memory only: an API on
    /// another origin, where no cookie may go.
    OwnToken,
    /// The host's `getToken`, a function returning a Promise of a bearer token: the host signs
    /// its people in, and the console never shows a sign-in of its own.
    HostToken(js_sys::Function),
}

/// Where the API is and how to call it, for the console mounted on this page.
#[derive(Default)]
struct Client {
    /// The API root, e.g. `/api/v1` or `https://api.example.com/api/v1`.
    base: String,
    auth: Auth,
    /// The bearer token in use (`OwnToken`, `HostToken`).
    token: Option<String>,
    /// A `getToken` call under way, which every request waiting for a token shares.
    asking: Option<js_sys::Promise>,
    /// The element to tell when the host's tokens stop working.
    host: Option<web_sys::EventTarget>,
    /// Told once per loss, until a token works again.
    told_unauthorized: bool,
    /// Run with the telling: the console shows that it is signed out.
    on_unauthorized: Option<std::rc::Rc<dyn Fn()>>,
    /// A GET allot.js sent before the console started (path, response): its first request
    /// of that path takes this answer.
    prefetched: Option<(String, js_sys::Promise)>,
}

thread_local! {
    static CLIENT: RefCell<Client> = RefCell::new(Client {
        base: paths::API.to_owned(),
        ..Client::default()
    });
}

/// Sets where the API is and how requests authenticate, for the console being mounted.
pub fn configure(
    base: String,
    auth: Auth,
    host: Option<web_sys::EventTarget>,
    prefetched: Option<(String, js_sys::Promise)>,
) {
    CLIENT.with_borrow_mut(|client| {
        *client = Client {
            base: base.trim_end_matches('/').to_owned(),
            auth,
            host,
            prefetched,
            ..Client::default()
        }
    });
}

/// The answer allot.js already asked for `path`, once.
async fn prefetched(method: &Method, path: &str) -> Option<Response> {
    if *method != Method::GET {
        return None;
    }
    let promise = CLIENT.with_borrow_mut(|client| {
        match client.prefetched.take() {
            // Sent with the page's cookie: only a cookie session may take it.
            Some((prefetched, promise))
                if prefetched == path && matches!(client.auth, Auth::Cookie) =>
            {
                Some(promise)
            }
            other => {
                client.prefetched = other;
                None
            }
        }
    })?;
    let response = JsFuture::from(promise).await.ok()?;
    Some(Response::from(
        response.dyn_into::<web_sys::Response>().ok()?,
    ))
}

/// Runs `hook` whenever the host's tokens stop opening the API (see [`unauthorized`]), until
/// set again.
pub fn on_unauthorized(hook: Option<std::rc::Rc<dyn Fn()>>) {
    CLIENT.with_borrow_mut(|client| client.on_unauthorized = hook);
}

/// Whether the host signs people in (`getToken`), so that the console has no sign-in page.
pub fn host_signs_in() -> bool {
    CLIENT.with_borrow(|client| matches!(client.auth, Auth::HostToken(_)))
}

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
    /// The password was right, but the browser did not keep the session cookie: it keeps
    /// `Secure` cookies only over HTTPS (Safari, even on 127.0.0.1).
    CookieRefused,
    /// The browser did not let the console write to the clipboard.
    ClipboardRefused,
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
            ApiError::ClipboardRefused => {
                f.write_str("The browser did not allow copying to the clipboard.")
            }
            ApiError::CookieRefused => f.write_str(
                "Your password was right, but this browser did not keep the session: it keeps \
                 secure session cookies only over HTTPS. Open Allot at its https:// address \
                 (whoever runs it can serve HTTPS with --tls-cert and --tls-key).",
            ),
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

/// The bearer token to send, if requests carry one; asks the host for one when there is
/// none yet.
async fn bearer() -> Result<Option<String>, ApiError> {
    let (auth, token, asking) = CLIENT.with_borrow(|client| {
        (
            client.auth.clone(),
            client.token.clone(),
            client.asking.clone(),
        )
    });
    let get_token = match (auth, token) {
        (Auth::Cookie, _) => return Ok(None),
        (_, Some(token)) => return Ok(Some(token)),
        (Auth::OwnToken, None) => return Ok(None),
        (Auth::HostToken(get_token), None) => get_token,
    };
    let promise = match asking {
        Some(promise) => promise,
        None => {
            let promise = get_token
                .call0(&wasm_bindgen::JsValue::NULL)
                .ok()
                .and_then(|value| value.dyn_into::<js_sys::Promise>().ok())
                .unwrap_or_else(|| {
                    js_sys::Promise::reject(&"getToken did not return a Promise".into())
                });
            CLIENT.with_borrow_mut(|client| client.asking = Some(promise.clone()));
            promise
        }
    };
    let token = JsFuture::from(promise)
        .await
        .ok()
        .and_then(|token| token.as_string());
    CLIENT.with_borrow_mut(|client| {
        client.asking = None;
        client.token.clone_from(&token);
    });
    match token {
        Some(token) if !token.is_empty() => Ok(Some(token)),
        _ => {
            unauthorized();
            Err(ApiError::Unauthenticated)
        }
    }
}

/// The token `used` was refused: forget it, unless another request already replaced it;
/// the next request asks the host again.
fn forget_token(used: &str) {
    CLIENT.with_borrow_mut(|client| {
        if client.token.as_deref() == Some(used) {
            client.token = None;
        }
    });
}

/// Tells the host, once per loss, that its tokens no longer open the API: an
/// `allot:unauthorized` event on the element, bubbling out of the console's shadow root; and
/// the console, which then shows that it is signed out.
fn unauthorized() {
    let told = CLIENT.with_borrow_mut(|client| {
        let first = !std::mem::replace(&mut client.told_unauthorized, true);
        first.then(|| (client.host.clone(), client.on_unauthorized.clone()))
    });
    let Some((host, hook)) = told else {
        return;
    };
    if let Some(hook) = hook {
        hook();
    }
    if let Some(host) = host {
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        if let Ok(event) =
            web_sys::CustomEvent::new_with_event_init_dict("allot:unauthorized", &init)
        {
            let _ = host.dispatch_event(&event);
        }
    }
}

/// Sends a request to the API, with the token when requests carry one. A refused token is
/// replaced once through the host's `getToken`; if that one is refused too, the host is told.
async fn fetch(
    method: Method,
    path: &str,
    body: Option<String>,
    signal: Option<&AbortSignal>,
) -> Result<Response, ApiError> {
    // A refused prefetch (signed out then, signed in since) is asked again.
    if let Some(response) = prefetched(&method, path).await
        && response.ok()
    {
        return Ok(response);
    }
    let mut renewed = false;
    loop {
        let token = bearer().await?;
        let url = CLIENT.with_borrow(|client| format!("{}{path}", client.base));
        let mut request = RequestBuilder::new(&url)
            .method(method.clone())
            .abort_signal(signal);
        if let Some(token) = &token {
            // Never a cookie along with a token: another origin's API allows none.
            request = request
                .header("Authorization", &format!("Bearer {token}"))
                .credentials(RequestCredentials::Omit);
        }
        let request = match &body {
            Some(json) => request
                .header("Content-Type", "application/json")
                .body(json.as_str()),
            None => request.build(),
        }
        .map_err(|error| ApiError::Server(error.to_string()))?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if response.ok() {
            if token.is_some() {
                CLIENT.with_borrow_mut(|client| client.told_unauthorized = false);
            }
            return Ok(response);
        }
        if let (401, Some(token)) = (response.status(), &token) {
            forget_token(token);
            if host_signs_in() {
                if !renewed {
                    renewed = true;
                    continue;
                }
                unauthorized();
            }
        }
        return Err(error_of(response).await);
    }
}

/// A request whose answer does not matter beyond its success.
async fn send(method: Method, path: &str, body: Option<String>) -> Result<(), ApiError> {
    fetch(method, path, body, None).await.map(drop)
}

/// A request whose answer is JSON.
async fn json<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<String>,
) -> Result<T, ApiError> {
    let unreadable =
        |error: String| ApiError::Server(format!("Unreadable answer from the server: {error}"));
    // Bytes, not text: a large snapshot then reaches the parser without a UTF-16 round trip.
    let bytes = fetch(method, path, body, None)
        .await?
        .binary()
        .await
        .map_err(|error| unreadable(error.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|error| unreadable(error.to_string()))
}

fn body(value: &impl Serialize) -> Option<String> {
    serde_json::to_string(value).ok()
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    json(Method::GET, path, None).await
}

async fn post<T: DeserializeOwned>(path: &str, value: &impl Serialize) -> Result<T, ApiError> {
    json(Method::POST, path, body(value)).await
}

async fn put<T: DeserializeOwned>(path: &str, value: &impl Serialize) -> Result<T, ApiError> {
    json(Method::PUT, path, body(value)).await
}

pub async fn session() -> Result<Session, ApiError> {
    get(paths::SESSION).await
}

/// Signs in with the console's own page: a cookie session, or a bearer token kept in memory
/// when the API is on another origin.
pub async fn sign_in(email: String, password: String) -> Result<Session, ApiError> {
    let bearer = CLIENT.with_borrow(|client| matches!(client.auth, Auth::OwnToken));
    let request = SignInRequest {
        email,
        password,
        bearer,
    };
    let mut session: Session = post(paths::SESSION, &request).await?;
    match session.token.take() {
        Some(token) => CLIENT.with_borrow_mut(|client| client.token = Some(token)),
        // A cookie session: make sure the browser kept the cookie, or every page would send
        // the admin back here without saying why.
        None => {
            if let Err(ApiError::Unauthenticated) = self::session().await {
                return Err(ApiError::CookieRefused);
            }
        }
    }
    Ok(session)
}

pub async fn sign_out() -> Result<(), ApiError> {
    let signed_out = send(Method::DELETE, paths::SESSION, None).await;
    CLIENT.with_borrow_mut(|client| client.token = None);
    signed_out
}

/// The organization's change feed, from after the change `after`: the open response, whose
/// body streams server-sent events until `signal` aborts it.
pub async fn changes(org: OrgId, after: u64, signal: &AbortSignal) -> Result<Response, ApiError> {
    fetch(
        Method::GET,
        &format!("{}?after={after}", paths::fill(paths::CHANGES, &[&org])),
        None,
        Some(signal),
    )
    .await
}

pub async fn members(org: OrgId) -> Result<MembersSnapshot, ApiError> {
    get(&paths::fill(paths::MEMBERS, &[&org])).await
}

pub async fn remove_members(org: OrgId, ids: Vec<MemberId>) -> Result<BulkResponse, ApiError> {
    post(
        &paths::fill(paths::MEMBERS_REMOVE, &[&org]),
        &MemberIdsRequest { ids },
    )
    .await
}

pub async fn restore_members(org: OrgId, ids: Vec<MemberId>) -> Result<BulkResponse, ApiError> {
    post(
        &paths::fill(paths::MEMBERS_RESTORE, &[&org]),
        &MemberIdsRequest { ids },
    )
    .await
}

pub async fn change_role(
    org: OrgId,
    ids: Vec<MemberId>,
    role: Role,
) -> Result<BulkResponse, ApiError> {
    post(
        &paths::fill(paths::MEMBERS_ROLE, &[&org]),
        &ChangeRoleRequest { ids, role },
    )
    .await
}

/// The CSV of the organization's users, with the file name the server gave it: `status` is
/// `all`, `active` or `removed`; `search` filters as the console's search bar does.
pub async fn export(
    org: OrgId,
    status: Option<MemberStatus>,
    search: &str,
) -> Result<(web_sys::Blob, Option<String>), ApiError> {
    let status = status.map_or("all", MemberStatus::as_str);
    let query = js_sys::encode_uri_component(search.trim());
    let path = paths::fill(paths::MEMBERS_EXPORT_CSV, &[&org]);
    download(&format!("{path}?status={status}&q={query}")).await
}

/// The audit log exported at `path` (`paths::AUDIT_EXPORT_CSV` or `…_JSONL`), filtered by
/// `query` (the list's query string), with the file name the server gave it.
pub async fn export_audit(
    org: OrgId,
    path: &'static str,
    query: &str,
) -> Result<(web_sys::Blob, Option<String>), ApiError> {
    download(&format!("{}?{query}", paths::fill(path, &[&org]))).await
}

/// A file the server sends for download, and the name it gives it.
async fn download(path: &str) -> Result<(web_sys::Blob, Option<String>), ApiError> {
    let response: web_sys::Response = fetch(Method::GET, path, None, None).await?.into();
    let name = response
        .headers()
        .get("content-disposition")
        .ok()
        .flatten()
        .and_then(|disposition| {
            let (_, name) = disposition.split_once("filename=\"")?;
            Some(name.trim_end_matches('"').to_owned())
        });
    let blob = JsFuture::from(response.blob().map_err(|_| ApiError::Network)?)
        .await
        .map_err(|_| ApiError::Network)?;
    Ok((blob.unchecked_into(), name))
}

pub async fn invite(org: OrgId, request: InviteRequest) -> Result<InviteResponse, ApiError> {
    post(&paths::fill(paths::INVITATIONS, &[&org]), &request).await
}

pub async fn resend_invitation(org: OrgId, id: InvitationId) -> Result<InvitationLink, ApiError> {
    post(&paths::fill(paths::INVITATION_RESEND, &[&org, &id]), &()).await
}

pub async fn invitation_link(org: OrgId, id: InvitationId) -> Result<InvitationLink, ApiError> {
    get(&paths::fill(paths::INVITATION_LINK, &[&org, &id])).await
}

pub async fn revoke_invitations(org: OrgId, ids: Vec<i64>) -> Result<BulkResponse, ApiError> {
    post(
        &paths::fill(paths::INVITATIONS_REVOKE, &[&org]),
        &IdsRequest { ids },
    )
    .await
}

pub async fn invitation_preview(token: &str) -> Result<InvitationPreview, ApiError> {
    get(&paths::fill(paths::INVITATION, &[&token])).await
}

pub async fn accept_invitation(token: &str, request: AcceptRequest) -> Result<Session, ApiError> {
    post(&paths::fill(paths::INVITATION_ACCEPT, &[&token]), &request).await
}

pub async fn teams(org: OrgId) -> Result<Vec<Team>, ApiError> {
    get(&paths::fill(paths::TEAMS, &[&org])).await
}

pub async fn create_team(org: OrgId, name: String) -> Result<Team, ApiError> {
    post(&paths::fill(paths::TEAMS, &[&org]), &TeamName { name }).await
}

pub async fn rename_team(org: OrgId, team: TeamId, name: String) -> Result<Team, ApiError> {
    let path = paths::fill(paths::TEAM, &[&org, &team]);
    json(Method::PATCH, &path, body(&TeamName { name })).await
}

pub async fn delete_team(org: OrgId, team: TeamId) -> Result<(), ApiError> {
    send(
        Method::DELETE,
        &paths::fill(paths::TEAM, &[&org, &team]),
        None,
    )
    .await
}

pub async fn set_team_member(
    org: OrgId,
    team: TeamId,
    member: MemberId,
    role: TeamRole,
) -> Result<Team, ApiError> {
    let path = paths::fill(paths::TEAM_MEMBER, &[&org, &team, &member]);
    put(&path, &TeamMemberRequest { role }).await
}

pub async fn remove_team_member(
    org: OrgId,
    team: TeamId,
    member: MemberId,
) -> Result<Team, ApiError> {
    let path = paths::fill(paths::TEAM_MEMBER, &[&org, &team, &member]);
    json(Method::DELETE, &path, None).await
}

/// A product's seats in use against its quota over `range`.
pub async fn usage(
    org: OrgId,
    product: ProductId,
    kind: allot_core::licensing::PoolKind,
    range: allot_core::usage::UsageRange,
) -> Result<allot_core::usage::UsageSeries, ApiError> {
    let path = paths::fill(paths::PRODUCT_USAGE, &[&org, &product]);
    get(&format!(
        "{path}?range={}&kind={}",
        range.as_str(),
        kind.as_str()
    ))
    .await
}

/// A page of the audit log: `query` is the Audit Log's query string (its filters, and
/// `before` for an older page).
pub async fn audit(org: OrgId, query: &str) -> Result<AuditPage, ApiError> {
    get(&format!("{}?{query}", paths::fill(paths::AUDIT, &[&org]))).await
}

pub async fn allocation_errors(org: OrgId) -> Result<Vec<AllocationError>, ApiError> {
    get(&paths::fill(paths::ALLOCATION_ERRORS, &[&org])).await
}

pub async fn retry_allocation(org: OrgId, id: AllocationErrorId) -> Result<(), ApiError> {
    let path = paths::fill(paths::ALLOCATION_ERROR_RETRY, &[&org, &id]);
    send(Method::POST, &path, None).await
}

pub async fn dismiss_allocation_error(org: OrgId, id: AllocationErrorId) -> Result<(), ApiError> {
    let path = paths::fill(paths::ALLOCATION_ERROR, &[&org, &id]);
    send(Method::DELETE, &path, None).await
}

pub async fn licenses(org: OrgId) -> Result<LicenseOverview, ApiError> {
    get(&paths::fill(paths::LICENSES, &[&org])).await
}

/// One of the License Management removals, at `path` (`paths::LICENSES_USERS_REMOVE`...).
pub async fn remove_licenses(
    org: OrgId,
    path: &'static str,
    ids: Vec<i64>,
) -> Result<BulkResponse, ApiError> {
    post(&paths::fill(path, &[&org]), &IdsRequest { ids }).await
}

pub async fn create_group(org: OrgId, request: GroupRequest) -> Result<GroupChange, ApiError> {
    post(&paths::fill(paths::GROUPS, &[&org]), &request).await
}

/// Renames the group, sets the role it grants and its exact members (adding and removing).
pub async fn update_group(
    org: OrgId,
    group: GroupId,
    request: GroupRequest,
) -> Result<GroupChange, ApiError> {
    put(&paths::fill(paths::GROUP, &[&org, &group]), &request).await
}

pub async fn delete_group(org: OrgId, group: GroupId) -> Result<GroupChange, ApiError> {
    json(
        Method::DELETE,
        &paths::fill(paths::GROUP, &[&org, &group]),
        None,
    )
    .await
}

/// The group's license allocation rule: the products every member inherits.
pub async fn set_group_rule(
    org: OrgId,
    group: GroupId,
    products: Vec<ProductId>,
) -> Result<GroupChange, ApiError> {
    let path = paths::fill(paths::GROUP_RULE, &[&org, &group]);
    put(&path, &GroupRuleRequest { products }).await
}

/// Frees the seats the members hold of licenses inherited from the group; they re-acquire
/// them at the product's next sign-in.
pub async fn release_group_licenses(
    org: OrgId,
    group: GroupId,
    ids: Vec<MemberId>,
) -> Result<BulkResponse, ApiError> {
    post(
        &paths::fill(paths::GROUP_RELEASE, &[&org, &group]),
        &MemberIdsRequest { ids },
    )
    .await
}

/// The Edit License Allocation panel's Save.
pub async fn set_allocation(
    org: OrgId,
    member: MemberId,
    request: AllocationRequest,
) -> Result<GroupChange, ApiError> {
    put(
        &paths::fill(paths::MEMBER_ALLOCATION, &[&org, &member]),
        &request,
    )
    .await
}
