//! Every operation that changes an organization writes exactly one audit entry, naming who
//! did it and what it touched. The operations come from the OpenAPI document, so that a new
//! one cannot escape: each has a case here, or a reason why it changes no organization.

use std::collections::BTreeSet;

use crate::common::*;
use allot_core::AuditAction;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Mutating operations that change no organization, with the reason.
const NOT_ORGANIZATION_CHANGES: [(&str, &str, &str); 3] = [
    (
        "post",
        "/api/v1/session",
        "signing in changes no organization",
    ),
    (
        "delete",
        "/api/v1/session",
        "signing out changes no organization",
    ),
    (
        "post",
        "/api/v1/orgs/{org_id}/license/heartbeat",
        "a heartbeat keeps a session alive; its timeout is the system's change",
    ),
];

struct Audit {
    server: TestServer,
    owner: String,
    admin: String,
    member: String,
    /// (method, path template) of every operation a case ran.
    ran: BTreeSet<(String, String)>,
}

impl Audit {
    fn path(rest: &str) -> String {
        format!("/api/v1/orgs/{ACME_QA}/{rest}")
    }

    /// Sends a request that must succeed, outside any case (setting one up).
    async fn setup(&self, token: &str, method: Method, rest: &str, body: Value) -> Value {
        let response = self
            .server
            .send_as(token, method.clone(), &Self::path(rest), Some(body))
            .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{method} {rest}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Runs the operation `template` as `path` with `body` (anonymously without `token`):
    /// it must succeed and leave exactly one new entry, of `action`, by the person whose email
    /// is `by`, whose detail mentions `subject`. Answers the operation's answer.
    #[allow(clippy::too_many_arguments)]
    async fn audited(
        &mut self,
        (method, template): (Method, &str),
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        action: AuditAction,
        by: &str,
        subject: Option<i64>,
    ) -> Value {
        let last = last_entry_id(&self.server.db).await;
        let request = match token {
            Some(token) => self.server.send_as(token, method.clone(), path, body).await,
            None => {
                let mut request = self
                    .server
                    .client
                    .request(method.clone(), self.server.url(path));
                if let Some(body) = body {
                    request = request.json(&body);
                }
                request.send().await.unwrap()
            }
        };
        let status = request.status();
        let text = request.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        let entries = entries_after(&self.server.db, last).await;
        assert_eq!(
            entries.len(),
            1,
            "{method} {template}: one entry, not {entries:?}"
        );
        let (actor, written, detail) = &entries[0];
        assert_eq!(*written, action.as_str(), "{method} {template}");
        let account = account_id(&self.server.db, by).await;
        assert_eq!(*actor, Some(account), "{method} {template}: by {by}");
        if let Some(subject) = subject {
            assert!(
                mentions(detail, subject),
                "{method} {template}: {detail} does not mention {subject}"
            );
        }
        self.ran
            .insert((method.as_str().to_lowercase(), template.to_owned()));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

async fn last_entry_id(db: &db::Db) -> i64 {
    db::query_scalar("SELECT COALESCE(MAX(id), 0) FROM audit_events")
        .fetch_one(db)
        .await
        .unwrap()
}

/// The entries after `id`, but for outside changes (a test's own SQL): actor, action, detail.
async fn entries_after(db: &db::Db, id: i64) -> Vec<(Option<i64>, String, Value)> {
    let rows: Vec<(Option<i64>, String, String)> = db::query_as(
        "SELECT actor_id, action, detail FROM audit_events
         WHERE id > ? AND action != 'external_change' ORDER BY id",
    )
    .bind(id)
    .fetch_all(db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(actor, action, detail)| (actor, action, serde_json::from_str(&detail).unwrap()))
        .collect()
}

async fn account_id(db: &db::Db, email: &str) -> i64 {
    db::query_scalar("SELECT id FROM accounts WHERE email = ?")
        .bind(email)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Whether `id` appears as a number anywhere in `detail`.
fn mentions(detail: &Value, id: i64) -> bool {
    match detail {
        Value::Number(number) => number.as_i64() == Some(id),
        Value::Array(items) => items.iter().any(|item| mentions(item, id)),
        Value::Object(fields) => fields.values().any(|value| mentions(value, id)),
        _ => false,
    }
}

/// Active plain Members of Acme QA other than the demo's named accounts, by id.
async fn plain_members(audit: &Audit) -> Vec<i64> {
    let snapshot = audit
        .setup(&audit.owner, Method::GET, "members", Value::Null)
        .await;
    let named = [OWNER_EMAIL, ADMIN_EMAIL, MEMBER_EMAIL, BILLING_EMAIL];
    snapshot["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "active" && m["role"] == "member")
        .filter(|m| !named.contains(&m["email"].as_str().unwrap()))
        .map(|m| m["id"].as_i64().unwrap())
        .collect()
}

fn invited_id(answer: &Value) -> i64 {
    answer["results"][0]["invitation_id"].as_i64().unwrap()
}

#[tokio::test]
async fn every_change_writes_one_entry_naming_who_and_what() {
    let server = TestServer::start().await;
    let mut audit = Audit {
        owner: server.bearer_token(OWNER_EMAIL).await,
        admin: server.bearer_token(ADMIN_EMAIL).await,
        member: server.bearer_token(MEMBER_EMAIL).await,
        server,
        ran: BTreeSet::new(),
    };
    let admin = audit.admin.clone();
    let admin = Some(admin.as_str());
    let by_admin = ADMIN_EMAIL;
    let mia = member_id(&audit.server.db, ACME_QA, MEMBER_EMAIL).await;
    let plain = plain_members(&audit).await;
    let path = Audit::path;

    // Invitations.
    let invite = |email: &str| json!({ "emails": [email], "role": "member", "products": [] });
    let answer = audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/invitations"),
            &path("invitations"),
            admin,
            Some(invite("audit.one@new.example")),
            AuditAction::InvitationsCreated,
            by_admin,
            None,
        )
        .await;
    let invitation = invited_id(&answer);
    audit
        .audited(
            (
                Method::POST,
                "/api/v1/orgs/{org_id}/invitations/{id}/resend",
            ),
            &path(&format!("invitations/{invitation}/resend")),
            admin,
            Some(json!({})),
            AuditAction::InvitationResent,
            by_admin,
            Some(invitation),
        )
        .await;
    audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/invitations/revoke"),
            &path("invitations/revoke"),
            admin,
            Some(json!({ "ids": [invitation] })),
            AuditAction::InvitationsRevoked,
            by_admin,
            Some(invitation),
        )
        .await;
    let answer = audit
        .setup(
            &audit.admin,
            Method::POST,
            "invitations",
            invite("audit.two@new.example"),
        )
        .await;
    let invitation = invited_id(&answer);
    let link = audit
        .setup(
            &audit.admin,
            Method::GET,
            &format!("invitations/{invitation}/link"),
            Value::Null,
        )
        .await;
    let token = link["path"].as_str().unwrap().trim_start_matches("/join/");
    audit
        .audited(
            (Method::POST, "/api/v1/invitations/{token}/accept"),
            &format!("/api/v1/invitations/{token}/accept"),
            None,
            Some(json!({ "full_name": "Audit Two", "password": "a long enough password" })),
            AuditAction::InvitationAccepted,
            "audit.two@new.example",
            Some(invitation),
        )
        .await;

    // Members.
    let removed = plain[0];
    for (template, rest, action) in [
        (
            "/api/v1/orgs/{org_id}/members/remove",
            "members/remove",
            AuditAction::MembersRemoved,
        ),
        (
            "/api/v1/orgs/{org_id}/members/restore",
            "members/restore",
            AuditAction::MembersRestored,
        ),
    ] {
        audit
            .audited(
                (Method::POST, template),
                &path(rest),
                admin,
                Some(json!({ "ids": [removed] })),
                action,
                by_admin,
                Some(removed),
            )
            .await;
    }
    audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/members/role"),
            &path("members/role"),
            admin,
            Some(json!({ "ids": [plain[1]], "role": "admin" })),
            AuditAction::MembersRoleChanged,
            by_admin,
            Some(plain[1]),
        )
        .await;
    audit
        .audited(
            (Method::GET, "/api/v1/orgs/{org_id}/members/export.csv"),
            &path("members/export.csv"),
            admin,
            None,
            AuditAction::MembersExported,
            by_admin,
            None,
        )
        .await;

    for format in ["csv", "jsonl"] {
        audit
            .audited(
                (
                    Method::GET,
                    &format!("/api/v1/orgs/{{org_id}}/audit/export.{format}"),
                ),
                &path(&format!("audit/export.{format}")),
                admin,
                None,
                AuditAction::AuditExported,
                by_admin,
                None,
            )
            .await;
    }

    // Teams.
    let team = audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/teams"),
            &path("teams"),
            admin,
            Some(json!({ "name": "Audited" })),
            AuditAction::TeamCreated,
            by_admin,
            None,
        )
        .await["id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (Method::PATCH, "/api/v1/orgs/{org_id}/teams/{team_id}"),
            &path(&format!("teams/{team}")),
            admin,
            Some(json!({ "name": "Audited Too" })),
            AuditAction::TeamRenamed,
            by_admin,
            Some(team),
        )
        .await;
    let in_team = path(&format!("teams/{team}/members/{mia}"));
    let template = "/api/v1/orgs/{org_id}/teams/{team_id}/members/{member_id}";
    audit
        .audited(
            (Method::PUT, template),
            &in_team,
            admin,
            Some(json!({ "role": "member" })),
            AuditAction::TeamMemberSet,
            by_admin,
            Some(mia.0),
        )
        .await;
    audit
        .audited(
            (Method::DELETE, template),
            &in_team,
            admin,
            None,
            AuditAction::TeamMemberRemoved,
            by_admin,
            Some(mia.0),
        )
        .await;
    audit
        .audited(
            (Method::DELETE, "/api/v1/orgs/{org_id}/teams/{team_id}"),
            &path(&format!("teams/{team}")),
            admin,
            None,
            AuditAction::TeamDeleted,
            by_admin,
            Some(team),
        )
        .await;

    // Groups, their rules, and Mia's licenses through them.
    let db = audit.server.db.clone();
    let named = add_product_with_pool(&db, ACME_QA, "Audit Named", 5, "named", "online").await;
    let group = audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/groups"),
            &path("groups"),
            admin,
            Some(json!({ "name": "Audit Group", "members": [mia] })),
            AuditAction::GroupCreated,
            by_admin,
            Some(mia.0),
        )
        .await["group"]["id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (Method::PUT, "/api/v1/orgs/{org_id}/groups/{group_id}"),
            &path(&format!("groups/{group}")),
            admin,
            Some(json!({ "name": "Audit Group Too", "members": [mia] })),
            AuditAction::GroupUpdated,
            by_admin,
            Some(group),
        )
        .await;
    audit
        .audited(
            (Method::PUT, "/api/v1/orgs/{org_id}/groups/{group_id}/rule"),
            &path(&format!("groups/{group}/rule")),
            admin,
            Some(json!({ "products": [named] })),
            AuditAction::GroupRuleSet,
            by_admin,
            Some(group),
        )
        .await;
    let member = audit.member.clone();
    let activate = |product: ProductId, machine: &str, mode: &str| {
        json!({ "product_id": product, "machine_id": machine,
                "hostname": format!("{machine}.local"), "mode": mode })
    };
    let session = audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/license/activate"),
            &path("license/activate"),
            Some(&member),
            Some(activate(named, "audit-m1", "online")),
            AuditAction::LicenseActivated,
            MEMBER_EMAIL,
            Some(named.0),
        )
        .await["activation_id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (
                Method::POST,
                "/api/v1/orgs/{org_id}/groups/{group_id}/release",
            ),
            &path(&format!("groups/{group}/release")),
            admin,
            Some(json!({ "ids": [mia] })),
            AuditAction::LicenseReleased,
            by_admin,
            Some(mia.0),
        )
        .await;
    audit
        .audited(
            (Method::DELETE, "/api/v1/orgs/{org_id}/groups/{group_id}"),
            &path(&format!("groups/{group}")),
            admin,
            None,
            AuditAction::GroupDeleted,
            by_admin,
            Some(group),
        )
        .await;
    assert!(session > 0);

    // Direct allocation, and the License API.
    let floating =
        add_product_with_pool(&db, ACME_QA, "Audit Floating", 5, "floating", "online").await;
    audit
        .audited(
            (
                Method::PUT,
                "/api/v1/orgs/{org_id}/members/{member_id}/allocation",
            ),
            &path(&format!("members/{mia}/allocation")),
            admin,
            Some(json!({ "allocate_to_user": false, "products": [floating] })),
            AuditAction::AllocationSet,
            by_admin,
            Some(mia.0),
        )
        .await;
    let session = audit
        .setup(
            &member,
            Method::POST,
            "license/activate",
            activate(floating, "audit-m2", "online"),
        )
        .await["activation_id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/license/release"),
            &path("license/release"),
            Some(&member),
            Some(json!({ "activation_id": session })),
            AuditAction::LicenseReleased,
            MEMBER_EMAIL,
            Some(session),
        )
        .await;

    // License Management's removals.
    let session = audit
        .setup(
            &member,
            Method::POST,
            "license/activate",
            activate(floating, "audit-m3", "online"),
        )
        .await["activation_id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/licenses/online/remove"),
            &path("licenses/online/remove"),
            admin,
            Some(json!({ "ids": [session] })),
            AuditAction::LicensesOnlineRemoved,
            by_admin,
            Some(session),
        )
        .await;
    let offline_product =
        add_product_with_pool(&db, ACME_QA, "Audit Offline", 5, "floating", "offline").await;
    allocate(&db, ACME_QA, mia, offline_product).await;
    let offline = audit
        .setup(
            &member,
            Method::POST,
            "license/activate",
            activate(offline_product, "audit-m4", "offline"),
        )
        .await["activation_id"]
        .as_i64()
        .unwrap();
    // Only an expired offline license can be removed.
    db::query("UPDATE activations SET expires_at = ? WHERE id = ?")
        .bind(db::now() - 1)
        .bind(offline)
        .execute(&db)
        .await
        .unwrap();
    audit
        .audited(
            (
                Method::POST,
                "/api/v1/orgs/{org_id}/licenses/offline/remove",
            ),
            &path("licenses/offline/remove"),
            admin,
            Some(json!({ "ids": [offline] })),
            AuditAction::LicensesOfflineRemoved,
            by_admin,
            Some(offline),
        )
        .await;
    let overview = audit
        .setup(&audit.admin, Method::GET, "licenses", Value::Null)
        .await;
    let machine = overview["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|machine| machine["machine_id"] == "audit-m3")
        .expect("Mia's machine is registered")["id"]
        .as_i64()
        .unwrap();
    audit
        .audited(
            (
                Method::POST,
                "/api/v1/orgs/{org_id}/licenses/machines/remove",
            ),
            &path("licenses/machines/remove"),
            admin,
            Some(json!({ "ids": [machine] })),
            AuditAction::LicensesMachinesRemoved,
            by_admin,
            Some(machine),
        )
        .await;
    // What was deleted is still named: the log cannot look it up any more.
    for (action, sentence) in [
        (
            AuditAction::LicensesOfflineRemoved,
            "Adam Alvarez removed the offline license of audit-m4",
        ),
        (
            AuditAction::LicensesMachinesRemoved,
            "Adam Alvarez removed the registered machine audit-m3",
        ),
    ] {
        let summary: String = db::query_scalar(
            "SELECT summary FROM audit_events WHERE action = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(action.as_str())
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(summary, sentence);
    }
    audit
        .audited(
            (Method::POST, "/api/v1/orgs/{org_id}/licenses/users/remove"),
            &path("licenses/users/remove"),
            admin,
            Some(json!({ "ids": [mia] })),
            AuditAction::LicensesUsersRemoved,
            by_admin,
            Some(mia.0),
        )
        .await;

    // Allocation errors: Mia inherits a license whose seats are all taken; her product's
    // refused activation records the error (by the License API), which is retried once a
    // seat is free, then another dismissed.
    let mut errors = Vec::new();
    for name in ["Audit Full One", "Audit Full Two"] {
        let full = add_product_with_pool(&db, ACME_QA, name, 1, "named", "online").await;
        let owner_member = member_id(&db, ACME_QA, OWNER_EMAIL).await;
        allocate(&db, ACME_QA, owner_member, full).await;
        let body = json!({ "name": name, "members": [mia] });
        let group = audit
            .setup(&audit.admin, Method::POST, "groups", body)
            .await["group"]["id"]
            .as_i64()
            .unwrap();
        let rule = json!({ "products": [full] });
        audit
            .setup(
                &audit.admin,
                Method::PUT,
                &format!("groups/{group}/rule"),
                rule,
            )
            .await;
        let last = last_entry_id(&db).await;
        let refused = audit
            .server
            .send_as(
                &member,
                Method::POST,
                &path("license/activate"),
                Some(activate(full, "audit-m5", "online")),
            )
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        let entries = entries_after(&db, last).await;
        assert_eq!(
            entries.len(),
            1,
            "a refused inheritance: one entry, {entries:?}"
        );
        assert_eq!(entries[0].1, AuditAction::AllocationFailed.as_str());
        assert_eq!(entries[0].0, None, "by the License API");
        errors.push(full);
    }
    let listed = audit
        .setup(&audit.admin, Method::GET, "allocation-errors", Value::Null)
        .await;
    let error_of = |product: ProductId| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|error| error["product_id"] == product.0)
            .expect("the error is listed")["id"]
            .as_i64()
            .unwrap()
    };
    let (retried, dismissed) = (error_of(errors[0]), error_of(errors[1]));
    db::query("UPDATE license_pools SET seats = 2 WHERE product_id = ?")
        .bind(errors[0])
        .execute(&db)
        .await
        .unwrap();
    audit
        .audited(
            (
                Method::POST,
                "/api/v1/orgs/{org_id}/allocation-errors/{id}/retry",
            ),
            &path(&format!("allocation-errors/{retried}/retry")),
            admin,
            None,
            AuditAction::AllocationErrorRetried,
            by_admin,
            Some(mia.0),
        )
        .await;
    audit
        .audited(
            (
                Method::DELETE,
                "/api/v1/orgs/{org_id}/allocation-errors/{id}",
            ),
            &path(&format!("allocation-errors/{dismissed}")),
            admin,
            None,
            AuditAction::AllocationErrorDismissed,
            by_admin,
            Some(mia.0),
        )
        .await;

    // Every mutating operation of the document ran here, or changes no organization.
    let document: Value = audit
        .server
        .get("/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mutating: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|method| matches!(method.as_str(), "post" | "put" | "patch" | "delete"))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let exempt: BTreeSet<(String, String)> = NOT_ORGANIZATION_CHANGES
        .iter()
        .map(|&(method, path, _)| (method.to_owned(), path.to_owned()))
        .collect();
    let unaudited: Vec<_> = mutating
        .iter()
        .filter(|operation| !audit.ran.contains(*operation) && !exempt.contains(*operation))
        .collect();
    assert!(
        unaudited.is_empty(),
        "operations without an audit case: {unaudited:?}"
    );
    let stale: Vec<_> = exempt.difference(&mutating).collect();
    assert!(
        stale.is_empty(),
        "exemptions no longer in the document: {stale:?}"
    );
}

#[tokio::test]
async fn entries_older_than_the_retention_are_forgotten_and_the_rest_kept() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let created = server
        .post_as(&token, &Audit::path("teams"), json!({ "name": "Kept" }))
        .await;
    assert!(created.status().is_success());
    let day = 24 * 60 * 60;
    for age_days in [31, 400] {
        db::query(
            "INSERT INTO audit_events (org_id, actor_id, action, detail, created_at)
             VALUES (?, NULL, 'pool.added', '{}', ?)",
        )
        .bind(ACME_QA)
        .bind(db::now() - age_days * day)
        .execute(&server.db)
        .await
        .unwrap();
    }
    let before = audit_events(&server.db, ACME_QA).await;

    let forgotten = allot_server::retention::forget_older_than(&server.db, 30)
        .await
        .unwrap();

    assert_eq!(forgotten, 2);
    assert_eq!(audit_events(&server.db, ACME_QA).await, before - 2);
    assert_eq!(
        audit_entries(&server.db, ACME_QA, "team.created")
            .await
            .len(),
        1
    );
}

async fn page(server: &TestServer, token: &str, query: &str) -> allot_core::AuditPage {
    let response = server
        .get_as(token, &format!("{}?{query}", Audit::path("audit")))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_log_reads_newest_first_in_pages_as_sentences_with_their_subjects() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let snapshot: Value = server
        .members_as(&token, ACME_QA)
        .await
        .json()
        .await
        .unwrap();
    let plain: Vec<(i64, String)> = snapshot["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "active" && m["role"] == "member")
        .filter(|m| m["email"] != MEMBER_EMAIL)
        .take(3)
        .map(|m| {
            (
                m["id"].as_i64().unwrap(),
                m["full_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let ids: Vec<i64> = plain.iter().map(|(id, _)| *id).collect();
    let removed = server
        .post_as(
            &token,
            &Audit::path("members/remove"),
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let team = server
        .post_as(&token, &Audit::path("teams"), json!({ "name": "Paged" }))
        .await;
    assert!(team.status().is_success());

    let first = page(&server, &token, "limit=1").await;
    assert_eq!(first.entries.len(), 1);
    let newest = &first.entries[0];
    assert_eq!(newest.summary, "Adam Alvarez created the team Paged");
    match &newest.actor {
        allot_core::AuditActor::Person { name, email, .. } => {
            assert_eq!(
                (name.as_str(), email.as_str()),
                ("Adam Alvarez", ADMIN_EMAIL)
            );
        }
        other => panic!("by a person, not {other:?}"),
    }
    let second = page(
        &server,
        &token,
        &format!("limit=1&before={}", first.next_before.unwrap()),
    )
    .await;
    let removal = &second.entries[0];
    assert_eq!(removal.action, AuditAction::MembersRemoved);
    let names: Vec<&str> = plain.iter().map(|(_, name)| name.as_str()).collect();
    assert_eq!(
        removal.summary,
        format!(
            "Adam Alvarez removed 3 users: {}, {} and {}",
            names[0], names[1], names[2]
        )
    );
    let subjects: Vec<(i64, &str)> = removal
        .subjects
        .iter()
        .map(|s| (s.id, s.name.as_str()))
        .collect();
    assert_eq!(
        subjects,
        plain
            .iter()
            .map(|(id, name)| (*id, name.as_str()))
            .collect::<Vec<_>>()
    );
    assert!(newest.id > removal.id && newest.at >= removal.at);

    // Filters: by action, by actor, by time, by text (any case, no accents needed).
    let removals = page(&server, &token, "action=members.removed").await;
    assert_eq!(removals.entries, std::slice::from_ref(removal));
    let owner = account_id(&server.db, OWNER_EMAIL).await;
    assert!(
        page(&server, &token, &format!("actor={owner}"))
            .await
            .entries
            .is_empty()
    );
    let admin = account_id(&server.db, ADMIN_EMAIL).await;
    assert_eq!(
        page(&server, &token, &format!("actor={admin}"))
            .await
            .entries
            .len(),
        2
    );
    assert!(
        page(&server, &token, "actor=system")
            .await
            .entries
            .is_empty()
    );
    let later = page(&server, &token, &format!("from={}", newest.at + 1)).await;
    assert!(later.entries.is_empty());
    let folded = allot_core::search::fold(names[1]).to_uppercase();
    let found = page(&server, &token, &format!("q={}", urlencode(&folded))).await;
    assert_eq!(found.entries, std::slice::from_ref(removal), "{folded}");
    assert!(
        page(&server, &token, "q=100%25").await.entries.is_empty(),
        "% is no wildcard"
    );

    // Time's own changes are the system's.
    db::query(
        "UPDATE invitations SET expires_at = ? WHERE status = 'pending' AND expiry_noted IS NULL",
    )
    .bind(db::now() - 1)
    .execute(&server.db)
    .await
    .unwrap();
    allot_server::expiry::note_due(&server.db).await.unwrap();
    let system = page(&server, &token, "actor=system").await;
    assert_eq!(system.entries.len(), 1);
    assert!(
        system.entries[0].summary.contains("expired"),
        "{}",
        system.entries[0].summary
    );
    assert!(matches!(
        system.entries[0].actor,
        allot_core::AuditActor::Agent {
            agent: allot_core::audit::Agent::System
        }
    ));
}

#[tokio::test]
async fn each_change_event_carries_its_entry_for_open_audit_logs() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let seq = org_seq(&server.db, ACME_QA).await;
    let team = server
        .post_as(&token, &Audit::path("teams"), json!({ "name": "Live" }))
        .await;
    assert!(team.status().is_success());
    let events = change_events_after(&server.db, ACME_QA, seq).await;
    let entry = events[0]
        .audit
        .as_ref()
        .expect("the event carries its entry");
    assert_eq!(entry.summary, "Adam Alvarez created the team Live");
    let newest = page(&server, &token, "limit=1").await;
    assert_eq!(newest.entries, std::slice::from_ref(entry));
}

#[tokio::test]
async fn a_query_it_cannot_read_is_refused_with_the_reason() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    for query in ["limit=0", "limit=501", "limit=many", "before=x"] {
        let response = server
            .get_as(&token, &format!("{}?{query}", Audit::path("audit")))
            .await;
        expect_error(response, StatusCode::BAD_REQUEST, "invalid_query").await;
    }
    for (query, code) in [
        ("action=members.exploded", "unknown_action"),
        ("actor=someone", "unknown_actor"),
        ("from=10&until=10", "invalid_range"),
    ] {
        let response = server
            .get_as(&token, &format!("{}?{query}", Audit::path("audit")))
            .await;
        expect_error(response, StatusCode::UNPROCESSABLE_ENTITY, code).await;
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_log_exports_as_csv_and_json_lines_with_the_filters_of_the_list() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    // A name a spreadsheet would run as a formula.
    for name in ["=HYPERLINK(\"http://evil.example\")", "Plain Team"] {
        let created = server
            .post_as(&token, &Audit::path("teams"), json!({ "name": name }))
            .await;
        assert!(created.status().is_success());
    }
    let listed = page(&server, &token, "action=team.created").await;
    assert_eq!(listed.entries.len(), 2);

    let response = server
        .get_as(&token, &Audit::path("audit/export.csv?action=team.created"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("-audit-") && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, allot_core::csv::AUDIT_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "Adam Alvarez");
    assert_eq!(&rows[0][3], "team.created");
    assert_eq!(&rows[0][4], "Adam Alvarez created the team Plain Team");
    assert!(rows[1][4].starts_with("Adam Alvarez created the team ="));
    // The team's name alone in its cell would run as a formula: it is made text.
    assert_eq!(&rows[1][5], "'=HYPERLINK(\"http://evil.example\")");

    let lines = server
        .get_as(
            &token,
            &Audit::path("audit/export.jsonl?action=team.created"),
        )
        .await
        .text()
        .await
        .unwrap();
    let exported: Vec<allot_core::AuditEntry> = lines
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(exported, listed.entries);
}

#[tokio::test]
async fn entries_from_before_sentences_get_theirs_and_are_found_by_search() {
    let server = TestServer::start().await;
    let token = server.bearer_token(ADMIN_EMAIL).await;
    let snapshot: Value = server
        .members_as(&token, ACME_QA)
        .await
        .json()
        .await
        .unwrap();
    let member = snapshot["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "active" && m["role"] == "member" && m["email"] != MEMBER_EMAIL)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let removed = server
        .post_as(
            &token,
            &Audit::path("members/remove"),
            json!({ "ids": [member] }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let written = page(&server, &token, "limit=1").await.entries.remove(0);
    let name = written.subjects[0].name.clone();
    let search = format!("q={}", urlencode(&name));
    // As an entry written before sentences were stored has it: no sentence, no names.
    db::query(
        "UPDATE audit_events SET summary = NULL, subjects = NULL, search = NULL WHERE id = ?",
    )
    .bind(written.id)
    .execute(&server.db)
    .await
    .unwrap();
    assert!(page(&server, &token, &search).await.entries.is_empty());

    let described = allot_server::retention::describe_old_entries(&server.db)
        .await
        .unwrap();

    assert_eq!(described, 1);
    let found = page(&server, &token, &search).await.entries;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].summary, written.summary);
    assert_eq!(found[0].subjects, written.subjects);
    assert_eq!(
        allot_server::retention::describe_old_entries(&server.db)
            .await
            .unwrap(),
        0,
        "nothing left to describe"
    );
}
