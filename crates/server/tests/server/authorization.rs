//! The authorization matrix: every operation of the OpenAPI document, called by every kind of
//! caller, with an id of this organization, of another organization, and one that does not
//! exist. Who may call what comes from one table here; an operation missing from it fails
//! the test, so a new operation cannot escape. Another organization's ids must answer exactly
//! as nonexistent ones do.

use std::collections::BTreeSet;

use crate::common::*;
use allot_core::OrgId;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in account.
    SignedIn,
    /// Any active member of the organization.
    Member,
    /// The organization's Owner and Admins.
    Manager,
}

/// One row of the table: the operation, who may call it, and a valid body (with `{...}`
/// placeholders).
struct Operation {
    method: &'static str,
    path: &'static str,
    access: Access,
    body: Option<&'static str>,
}

const fn op(
    method: &'static str,
    path: &'static str,
    access: Access,
    body: Option<&'static str>,
) -> Operation {
    Operation {
        method,
        path,
        access,
        body,
    }
}

use Access::*;

const OPERATIONS: &[Operation] = &[
    op("get", "/api/v1/health", Public, None),
    op("get", "/api/v1/license/public-key", Public, None),
    op("get", "/api/v1/invitations/{token}", Public, None),
    op(
        "post",
        "/api/v1/invitations/{token}/accept",
        Public,
        Some(r#"{"password": "not the password"}"#),
    ),
    op(
        "post",
        "/api/v1/session",
        Public,
        Some(r#"{"email": "nobody@example.com", "password": "x"}"#),
    ),
    op("get", "/api/v1/session", SignedIn, None),
    op("delete", "/api/v1/session", SignedIn, None),
    op("get", "/api/v1/orgs/{org_id}/members", Manager, None),
    op("get", "/api/v1/orgs/{org_id}/changes", Manager, None),
    op(
        "post",
        "/api/v1/orgs/{org_id}/members/remove",
        Manager,
        Some(r#"{"ids": [{member}]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/members/restore",
        Manager,
        Some(r#"{"ids": [{member}]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/members/role",
        Manager,
        Some(r#"{"ids": [{member}], "role": "admin"}"#),
    ),
    op(
        "get",
        "/api/v1/orgs/{org_id}/members/export.csv",
        Manager,
        None,
    ),
    op("get", "/api/v1/orgs/{org_id}/teams", Manager, None),
    op(
        "post",
        "/api/v1/orgs/{org_id}/teams",
        Manager,
        Some(r#"{"name": "Team {n}"}"#),
    ),
    op(
        "patch",
        "/api/v1/orgs/{org_id}/teams/{team_id}",
        Manager,
        Some(r#"{"name": "Renamed {n}"}"#),
    ),
    op(
        "delete",
        "/api/v1/orgs/{org_id}/teams/{team_id}",
        Manager,
        None,
    ),
    op(
        "put",
        "/api/v1/orgs/{org_id}/teams/{team_id}/members/{member_id}",
        Manager,
        Some(r#"{"role": "member"}"#),
    ),
    op(
        "delete",
        "/api/v1/orgs/{org_id}/teams/{team_id}/members/{member_id}",
        Manager,
        None,
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/groups",
        Manager,
        Some(r#"{"name": "Group {n}"}"#),
    ),
    op(
        "put",
        "/api/v1/orgs/{org_id}/groups/{group_id}",
        Manager,
        Some(r#"{"name": "Group {n}"}"#),
    ),
    op(
        "delete",
        "/api/v1/orgs/{org_id}/groups/{group_id}",
        Manager,
        None,
    ),
    op(
        "put",
        "/api/v1/orgs/{org_id}/groups/{group_id}/rule",
        Manager,
        Some(r#"{"products": []}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/groups/{group_id}/release",
        Manager,
        Some(r#"{"ids": [{member}]}"#),
    ),
    op(
        "put",
        "/api/v1/orgs/{org_id}/members/{member_id}/allocation",
        Manager,
        Some(r#"{"allocate_to_user": false, "products": []}"#),
    ),
    op(
        "get",
        "/api/v1/orgs/{org_id}/allocation-errors",
        Manager,
        None,
    ),
    op("get", "/api/v1/orgs/{org_id}/audit", Manager, None),
    op(
        "get",
        "/api/v1/orgs/{org_id}/audit/export.csv",
        Manager,
        None,
    ),
    op(
        "get",
        "/api/v1/orgs/{org_id}/audit/export.jsonl",
        Manager,
        None,
    ),
    op(
        "delete",
        "/api/v1/orgs/{org_id}/allocation-errors/{id}",
        Manager,
        None,
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/allocation-errors/{id}/retry",
        Manager,
        None,
    ),
    op("get", "/api/v1/orgs/{org_id}/products", Manager, None),
    op("get", "/api/v1/orgs/{org_id}/invitations", Manager, None),
    op(
        "post",
        "/api/v1/orgs/{org_id}/invitations",
        Manager,
        Some(r#"{"emails": ["matrix{n}@new.example"], "role": "member"}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/invitations/revoke",
        Manager,
        Some(r#"{"ids": [{invitation}]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/invitations/{id}/resend",
        Manager,
        None,
    ),
    op(
        "get",
        "/api/v1/orgs/{org_id}/invitations/{id}/link",
        Manager,
        None,
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/license/activate",
        Member,
        Some(
            r#"{"product_id": {product}, "machine_id": "M-{n}", "hostname": "m", "mode": "online"}"#,
        ),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/license/heartbeat",
        Member,
        Some(r#"{"activation_id": 999999}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/license/release",
        Member,
        Some(r#"{"activation_id": 999999}"#),
    ),
    op("get", "/api/v1/orgs/{org_id}/licenses", Manager, None),
    op(
        "get",
        "/api/v1/orgs/{org_id}/products/{product_id}/usage",
        Manager,
        None,
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/licenses/users/remove",
        Manager,
        Some(r#"{"ids": [{member}]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/licenses/online/remove",
        Manager,
        Some(r#"{"ids": [999999]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/licenses/offline/remove",
        Manager,
        Some(r#"{"ids": [999999]}"#),
    ),
    op(
        "post",
        "/api/v1/orgs/{org_id}/licenses/machines/remove",
        Manager,
        Some(r#"{"ids": [999999]}"#),
    ),
];

/// The kinds of caller.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    Anonymous,
    SignedOut,
    RemovedMember,
    OtherOrgOwner,
    BillingManager,
    Member,
    Admin,
    Owner,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::SignedOut,
    Caller::RemovedMember,
    Caller::OtherOrgOwner,
    Caller::BillingManager,
    Caller::Member,
    Caller::Admin,
    Caller::Owner,
];

/// Which organization the ids in a request belong to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ids {
    ThisOrg,
    OtherOrg,
    Nonexistent,
}

/// The ids an operation's placeholders stand for.
#[derive(Clone, Copy, Debug)]
struct Entities {
    member: MemberId,
    team: TeamId,
    group: GroupId,
    invitation: i64,
    allocation_error: i64,
    product: ProductId,
}

const NONEXISTENT: Entities = Entities {
    member: MemberId(999_001),
    team: TeamId(999_002),
    group: GroupId(999_003),
    invitation: 999_004,
    allocation_error: 999_005,
    product: ProductId(999_006),
};

/// Fresh things to act on in `org`, made by its Owner `owner_account` (direct writes: the
/// matrix is about who may act, not about making them).
async fn entities(db: &allot_server::db::Db, org: OrgId, owner_account: i64, n: usize) -> Entities {
    let now = allot_server::db::now();
    let scalar = |sql: &'static str| db::query_scalar::<i64>(sql);
    let account = scalar(
        "INSERT INTO accounts (email, full_name, password_hash, created_at)
         VALUES (?, 'Matrix Target', 'x', ?) RETURNING id",
    )
    .bind(format!("target{org}-{n}@matrix.example"))
    .bind(now)
    .fetch_one(db)
    .await
    .unwrap();
    let member = scalar(
        "INSERT INTO memberships (org_id, account_id, role, status, joined_at)
         VALUES (?, ?, 'member', 'active', ?) RETURNING id",
    )
    .bind(org)
    .bind(account)
    .bind(now)
    .fetch_one(db)
    .await
    .unwrap();
    let team = scalar("INSERT INTO teams (org_id, name) VALUES (?, ?) RETURNING id")
        .bind(org)
        .bind(format!("Matrix team {n}"))
        .fetch_one(db)
        .await
        .unwrap();
    db::query("INSERT INTO team_members (team_id, membership_id, role) VALUES (?, ?, 'member')")
        .bind(team)
        .bind(member)
        .execute(db)
        .await
        .unwrap();
    let group = scalar("INSERT INTO groups (org_id, name) VALUES (?, ?) RETURNING id")
        .bind(org)
        .bind(format!("Matrix group {n}"))
        .fetch_one(db)
        .await
        .unwrap();
    let invitation = scalar(
        "INSERT INTO invitations (org_id, email, role, invited_by, created_at, expires_at, status,
                                  token_hash, token_nonce)
         VALUES (?, ?, 'member', ?, ?, ?, 'pending', ?, 'nonce') RETURNING id",
    )
    .bind(org)
    .bind(format!("invited{org}-{n}@matrix.example"))
    .bind(owner_account)
    .bind(now)
    .bind(now + 3600)
    .bind(allot_server::secret::random())
    .fetch_one(db)
    .await
    .unwrap();
    let product = add_product(db, org, &format!("Matrix product {n}"), 5).await;
    let allocation_error = scalar(
        "INSERT INTO allocation_errors (org_id, membership_id, product_id, reason, created_at)
         VALUES (?, ?, ?, 'matrix', ?) RETURNING id",
    )
    .bind(org)
    .bind(member)
    .bind(product)
    .bind(now)
    .fetch_one(db)
    .await
    .unwrap();
    Entities {
        member: MemberId(member),
        team: TeamId(team),
        group: GroupId(group),
        invitation,
        allocation_error,
        product,
    }
}

/// The request for `operation` on `entities`, with the organization `org` in its path.
fn request(operation: &Operation, org: OrgId, e: &Entities, n: usize) -> (String, Option<Value>) {
    let id = if operation.path.contains("allocation-errors") {
        e.allocation_error
    } else {
        e.invitation
    };
    let path = operation
        .path
        .replace("{org_id}", &org.to_string())
        .replace("{team_id}", &e.team.to_string())
        .replace("{member_id}", &e.member.to_string())
        .replace("{group_id}", &e.group.to_string())
        .replace("{id}", &id.to_string())
        .replace("{product_id}", &e.product.to_string())
        .replace("{token}", &"0".repeat(64));
    let path = if operation.path.ends_with("/changes") {
        format!("{path}?after=0")
    } else {
        path
    };
    let body = operation.body.map(|body| {
        let body = body
            .replace("{member}", &e.member.to_string())
            .replace("{invitation}", &e.invitation.to_string())
            .replace("{product}", &e.product.to_string())
            .replace("{n}", &n.to_string());
        serde_json::from_str(&body).expect("the table's bodies are JSON")
    });
    (path, body)
}

/// What a caller may expect of an operation.
fn allowed(access: Access, caller: Caller) -> bool {
    match access {
        Public => true,
        SignedIn => !matches!(caller, Caller::Anonymous | Caller::SignedOut),
        Member => matches!(
            caller,
            Caller::BillingManager | Caller::Member | Caller::Admin | Caller::Owner
        ),
        Manager => matches!(caller, Caller::Admin | Caller::Owner),
    }
}

/// The answer a caller gets when not allowed, in the organization `org`.
fn refusal(access: Access, caller: Caller, org: OrgId) -> StatusCode {
    match caller {
        Caller::Anonymous | Caller::SignedOut => StatusCode::UNAUTHORIZED,
        // Not a member of the organization: it does not exist for them.
        Caller::RemovedMember | Caller::OtherOrgOwner => StatusCode::NOT_FOUND,
        _ if org != ACME_QA => StatusCode::NOT_FOUND,
        _ if access == Manager => StatusCode::FORBIDDEN,
        _ => unreachable!("{caller:?} is refused {access:?}"),
    }
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_the_table_says() {
    let server = TestServer::start().await;
    let client = server.client.clone();
    authorization_matrix(&server, &client, "HTTP/1.1").await;
}

/// The same over HTTP/2: requests carry their host as `:authority`, not `Host`, and every
/// check must hold all the same.
#[tokio::test]
async fn every_operation_answers_every_caller_as_the_table_says_over_http2() {
    let server = TestServer::start().await;
    authorization_matrix(&server, &h2c_client(), "HTTP/2").await;
}

async fn authorization_matrix(server: &TestServer, client: &reqwest::Client, protocol: &str) {
    // The table covers the document exactly.
    let document: Value = server
        .get("/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let tabled: BTreeSet<(String, String)> = OPERATIONS
        .iter()
        .map(|o| (o.method.to_owned(), o.path.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "operations missing from the table: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "operations in the table but not in the document: {stale:?}"
    );

    // The callers.
    let owner_account: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = ?")
        .bind(OWNER_EMAIL)
        .fetch_one(&server.db)
        .await
        .unwrap();
    let other_password = "the other owner's password";
    let other_org = create_organization(
        &server.db,
        "Elsewhere",
        "owner@else.example",
        other_password,
    )
    .await;
    db::query("UPDATE memberships SET role = 'owner' WHERE org_id = ?")
        .bind(other_org)
        .execute(&server.db)
        .await
        .unwrap();
    let other_owner_account: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = ?")
        .bind("owner@else.example")
        .fetch_one(&server.db)
        .await
        .unwrap();
    let removed_email: String = db::query_scalar(
        "SELECT a.email FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND m.status = 'removed'
           AND a.id NOT IN (SELECT account_id FROM memberships WHERE status = 'active')
         ORDER BY m.id LIMIT 1",
    )
    .bind(ACME_QA)
    .fetch_one(&server.db)
    .await
    .unwrap();
    set_password(&server.db, &removed_email, DEMO_PASSWORD).await;
    let sign_in = |caller: Caller| {
        let removed_email = removed_email.clone();
        async move {
            match caller {
                Caller::Anonymous => None,
                Caller::SignedOut => {
                    let token = server.bearer_token(MEMBER_EMAIL).await;
                    let response = server
                        .send_as(&token, Method::DELETE, "/api/v1/session", None)
                        .await;
                    assert_eq!(response.status(), StatusCode::NO_CONTENT);
                    Some(token)
                }
                Caller::RemovedMember => Some(server.bearer_token(&removed_email).await),
                Caller::OtherOrgOwner => Some(
                    server
                        .bearer_token_with("owner@else.example", other_password)
                        .await,
                ),
                Caller::BillingManager => Some(server.bearer_token(BILLING_EMAIL).await),
                Caller::Member => Some(server.bearer_token(MEMBER_EMAIL).await),
                Caller::Admin => Some(server.bearer_token(ADMIN_EMAIL).await),
                Caller::Owner => Some(server.bearer_token(OWNER_EMAIL).await),
            }
        }
    };
    let mut tokens = Vec::new();
    for caller in CALLERS {
        tokens.push((caller, sign_in(caller).await));
    }
    let elsewhere = entities(&server.db, other_org, other_owner_account, 0).await;

    let mut requests = 0;
    let mut n = 1;
    for operation in OPERATIONS {
        let method: Method = operation.method.to_uppercase().parse().unwrap();
        let has_entity = ["{team_id}", "{member_id}", "{group_id}", "{id}"]
            .iter()
            .any(|param| operation.path.contains(param));
        for &(caller, ref token) in &tokens {
            // Signing out ends the caller's session: that one call gets its own.
            let own_token = if operation.method == "delete" && operation.path == "/api/v1/session" {
                sign_in(caller).await
            } else {
                token.clone()
            };
            let mut answers = Vec::new();
            for ids in [Ids::ThisOrg, Ids::OtherOrg, Ids::Nonexistent] {
                n += 1;
                let (org, e) = match (ids, has_entity) {
                    (Ids::ThisOrg, _) => (
                        ACME_QA,
                        entities(&server.db, ACME_QA, owner_account, n).await,
                    ),
                    (Ids::OtherOrg, true) => (ACME_QA, elsewhere),
                    (Ids::OtherOrg, false) => (other_org, elsewhere),
                    (Ids::Nonexistent, true) => (ACME_QA, NONEXISTENT),
                    (Ids::Nonexistent, false) => (NO_SUCH_ORG, NONEXISTENT),
                };
                let (path, body) = request(operation, org, &e, n);
                let mut request = client.request(method.clone(), server.url(&path));
                if let Some(token) = &own_token {
                    request = request.bearer_auth(token);
                }
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let response = request.send().await.unwrap();
                if protocol == "HTTP/2" {
                    assert_eq!(response.version(), reqwest::Version::HTTP_2);
                }
                requests += 1;
                let status = response.status();
                // A feed that opened streams for ever: its status says enough.
                let text = if path.contains("/changes") && status.is_success() {
                    String::new()
                } else {
                    response.text().await.unwrap()
                };
                let what = format!(
                    "{} {path} as {caller:?} with {ids:?} ids: {status} {text}",
                    operation.method
                );
                assert!(!status.is_server_error(), "{what}");
                answers.push((status, error_code(&text)));
                // The other organization's own Owner in their own organization: allowed
                // there, and no cell of this matrix.
                if caller == Caller::OtherOrgOwner && ids == Ids::OtherOrg && !has_entity {
                    continue;
                }
                if !allowed(operation.access, caller) {
                    // Refused before anything else is looked at, whatever the ids.
                    assert_eq!(status, refusal(operation.access, caller, org), "{what}");
                } else if ids == Ids::ThisOrg && matches!(operation.access, Member | Manager) {
                    // Let in: a 403 now can only be a rule of the operation itself (a product
                    // the member has no license of), never the role gate's `forbidden`.
                    let gate = status == StatusCode::FORBIDDEN
                        && error_code(&text).as_deref() == Some("forbidden");
                    assert!(status != StatusCode::UNAUTHORIZED && !gate, "{what}");
                    // Only the license API's made-up activations are unknown here.
                    assert!(
                        status != StatusCode::NOT_FOUND || operation.path.contains("/license/"),
                        "{what}"
                    );
                }
            }
            // Another organization's ids answer exactly as nonexistent ones, for everyone
            // who is not a member there.
            let own_org = caller == Caller::OtherOrgOwner && !has_entity;
            if !own_org && matches!(operation.access, Member | Manager) {
                let (other, none) = (&answers[1], &answers[2]);
                assert_eq!(
                    other, none,
                    "{} {} as {caller:?}: another organization's id answered unlike a nonexistent one",
                    operation.method, operation.path
                );
            }
        }
    }
    println!(
        "authorization matrix over {protocol}: {} operations x {} callers x 3 kinds of id = {requests} requests",
        OPERATIONS.len(),
        CALLERS.len()
    );
}

fn error_code(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body)
        .ok()?
        .pointer("/error/code")?
        .as_str()
        .map(str::to_owned)
}
