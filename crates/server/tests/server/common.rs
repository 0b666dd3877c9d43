//! Shared set-up for the integration tests: a real server on a free local port, over a real
//! SQLite file in a temporary directory, seeded with the demo organizations.
//!
//! Each test module uses a different part of this one.

use allot_core::{ChangeEvent, ErrorBody, Role};
pub use allot_core::{GroupId, MemberId, OrgId, ProductId, TeamId};
pub use allot_server::db;
pub use allot_server::serve::Limits;
use allot_server::{AppState, WebConfig, auth, credentials, demo, links, router};
use reqwest::{Client, RequestBuilder, Response, StatusCode, header};
use serde_json::json;
use tempfile::TempDir;
use tokio::{net::TcpListener, task::JoinHandle};

pub use allot_server::demo::{
    ADMIN_EMAIL, BILLING_EMAIL, MEMBER_EMAIL, OWNER_EMAIL, PASSWORD as DEMO_PASSWORD,
};

/// Acme QA, the demo organization.
pub const ACME_QA: OrgId = OrgId(1);
/// Acme Labs, where the demo owner is an Admin.
pub const ACME_LABS: OrgId = OrgId(2);
/// An organization id that does not exist.
pub const NO_SUCH_ORG: OrgId = OrgId(999_999);

/// A new, empty database for one test: a SQLite file in a folder of the test's, or, when
/// `ALLOT_TEST_POSTGRES` names a PostgreSQL server (`postgres://user@host:port`, as
/// `cargo xtask test` sets it for the second run of these tests), a new database there,
/// dropped with this value.
pub struct TestDatabase {
    pub url: String,
    /// The PostgreSQL server and the database's name.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new(dir: &std::path::Path) -> Self {
        let Ok(server) = std::env::var("ALLOT_TEST_POSTGRES") else {
            return Self {
                url: format!("sqlite://{}", dir.join("allot.db").display()),
                postgres: None,
            };
        };
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "allot_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let server = server.trim_end_matches('/').to_owned();
        admin(&server, &format!("CREATE DATABASE {name}")).await;
        Self {
            url: format!("{server}/{name}"),
            postgres: Some((server, name)),
        }
    }
}

/// Runs `sql` on the PostgreSQL `server`'s maintenance database.
async fn admin(server: &str, sql: &str) {
    use sqlx::{Connection, Executor};
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("the test PostgreSQL server answers");
    admin.execute(sql).await.expect(sql);
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // A runtime of its own: the test's may be shutting down.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(admin(
                    &server,
                    &format!("DROP DATABASE {name} WITH (FORCE)"),
                ))
        })
        .join();
        if dropped.is_err() {
            eprintln!("the test database could not be dropped");
        }
    }
}

/// Whether these tests run on PostgreSQL (see [`fresh_database_url`]).
pub fn on_postgres() -> bool {
    std::env::var_os("ALLOT_TEST_POSTGRES").is_some()
}

/// A running server with its own database. Dropping it stops the server and deletes the
/// database.
pub struct TestServer {
    base: String,
    pub client: Client,
    pub db: db::Db,
    /// The server's invitation links (its secret), to read mails as they would be sent.
    pub links: std::sync::Arc<links::InvitationLinks>,
    task: JoinHandle<()>,
    // Declared last so that they are removed after everything that uses them.
    _database: TestDatabase,
    _dir: TempDir,
}

impl TestServer {
    /// A server with the default web configuration and the demo seeded.
    pub async fn start() -> Self {
        Self::start_with(WebConfig::default()).await
    }

    pub async fn start_with(config: WebConfig) -> Self {
        Self::launch(config, false, Limits::default()).await
    }

    /// Over HTTPS, with a self-signed certificate (`allot-server dev-cert`'s) that its
    /// client trusts.
    pub async fn start_tls() -> Self {
        Self::launch(WebConfig::default(), true, Limits::default()).await
    }

    /// Over plain HTTP, with these connection limits.
    pub async fn start_with_limits(limits: Limits) -> Self {
        Self::launch(WebConfig::default(), false, limits).await
    }

    async fn launch(config: WebConfig, https: bool, limits: Limits) -> Self {
        // The server's own log, when asked for (ALLOT_LOG=error, as `allot-server` reads it).
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("ALLOT_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = TestDatabase::new(dir.path()).await;
        let db = db::open(&database.url)
            .await
            .expect("the database opens and migrates");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let (tls, client) = if https {
            let (cert, key) = allot_server::tls::write_dev_cert(dir.path()).expect("a certificate");
            let root = reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap();
            let client = Client::builder()
                .no_proxy()
                .use_rustls_tls()
                .add_root_certificate(root)
                .cookie_store(true)
                .build()
                .expect("a reqwest client");
            (
                Some(allot_server::tls::config(&cert, &key).unwrap()),
                client,
            )
        } else {
            (None, client())
        };
        let scheme = if https { "https" } else { "http" };
        let base = format!(
            "{scheme}://{}",
            listener.local_addr().expect("a local address")
        );
        let links = links::InvitationLinks::new(allot_server::secret::random(), &base);
        assert!(
            demo::seed_if_empty(&db, &links)
                .await
                .expect("the demo seeds"),
            "a fresh database gets the demo"
        );
        let state = AppState::new(db.clone(), links);
        let links = state.links.clone();
        let app = router(state, &config);
        let task = tokio::spawn(async move {
            let options = allot_server::serve::Options {
                tls,
                limits,
                ..Default::default()
            };
            allot_server::serve(listener, app, options, std::future::pending())
                .await
                .expect("the server runs");
        });
        Self {
            base,
            client,
            db,
            links,
            task,
            _database: database,
            _dir: dir,
        }
    }

    /// Its database's URL, for a connection of a test's own beside the server's.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `host:port`, as a client sends it in `Host`.
    pub fn host(&self) -> &str {
        self.base
            .trim_start_matches("http://")
            .trim_start_matches("https://")
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path))
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path))
    }

    /// A cookie sign-in request (not yet sent), for adding headers to.
    pub fn sign_in_request(&self, email: &str, password: &str) -> RequestBuilder {
        self.post("/api/v1/session")
            .json(&json!({ "email": email, "password": password }))
    }

    /// Signs in for a session cookie.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.sign_in_request(email, password)
            .send()
            .await
            .expect("the server answers")
    }

    /// Signs in asking for a bearer token.
    pub async fn sign_in_bearer(&self, email: &str, password: &str) -> Response {
        self.post("/api/v1/session")
            .json(&json!({ "email": email, "password": password, "bearer": true }))
            .send()
            .await
            .expect("the server answers")
    }

    /// A bearer token for one of the demo accounts.
    pub async fn bearer_token(&self, email: &str) -> String {
        self.bearer_token_with(email, DEMO_PASSWORD).await
    }

    pub async fn bearer_token_with(&self, email: &str, password: &str) -> String {
        let response = self.sign_in_bearer(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {email}");
        let body: serde_json::Value = response.json().await.expect("a JSON session");
        body["token"]
            .as_str()
            .expect("a bearer sign-in returns a token")
            .to_owned()
    }

    /// The `Cookie` header value (`__Host-allot_session=…`) of a fresh cookie session for
    /// one of the demo accounts.
    pub async fn session_cookie(&self, email: &str) -> String {
        let response = self.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "sign-in of {email}");
        cookie_pair(&response)
    }

    /// `GET path` with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> Response {
        self.get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("the server answers")
    }

    /// `GET /api/v1/orgs/{org_id}/members` with a bearer token.
    pub async fn members_as(&self, token: &str, org_id: OrgId) -> Response {
        self.get_as(token, &format!("/api/v1/orgs/{org_id}/members"))
            .await
    }

    /// Acme QA's usage series of `product` as `token` reads it; `query` says the range and
    /// the kind of seats (`range=24h&kind=floating`).
    pub async fn usage_as(
        &self,
        token: &str,
        product: ProductId,
        query: &str,
    ) -> allot_core::usage::UsageSeries {
        let path = format!("/api/v1/orgs/{ACME_QA}/products/{product}/usage?{query}");
        let response = self.get_as(token, &path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A client without a cookie store: credentials go in explicitly. No proxy, so that the
/// environment cannot reroute requests to 127.0.0.1.
pub fn client() -> Client {
    Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

/// A client that speaks HTTP/2 over plain TCP from the first byte (h2c, "prior knowledge"),
/// as a proxy in front of the server may.
pub fn h2c_client() -> Client {
    Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .expect("a reqwest client")
}

/// A client that keeps cookies like a browser. (Its store sends `Secure` cookies to
/// http://127.0.0.1, as browsers do for loopback addresses.)
pub fn cookie_client() -> Client {
    Client::builder()
        .no_proxy()
        .cookie_store(true)
        .build()
        .expect("a reqwest client")
}

/// The `Set-Cookie` header of the session cookie, if the response sets one.
pub fn set_session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with(&format!("{}=", auth::SESSION_COOKIE)))
        .map(str::to_owned)
}

/// The `name=value` pair of the session cookie a response sets, ready to send back as the
/// `Cookie` header.
pub fn cookie_pair(response: &Response) -> String {
    let set_cookie = set_session_cookie(response).expect("the response sets the session cookie");
    set_cookie
        .split(';')
        .next()
        .expect("a cookie has a name=value pair")
        .to_owned()
}

/// The attributes of a `Set-Cookie` header after its `name=value` pair, trimmed.
pub fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .skip(1)
        .map(|attribute| attribute.trim().to_owned())
        .collect()
}

/// Asserts that `response` is an API error with this status and code, in the
/// `{"error": {"code", "message"}}` shape, and returns the error.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> ErrorBody {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "an error is JSON, not {content_type:?}"
    );
    let text = response.text().await.expect("a body");
    let body: ErrorBody = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{text} is not an API error: {error}"));
    assert_eq!(body.error.code, code, "{text}");
    assert!(!body.error.message.is_empty(), "{text}");
    body
}

/// Creates an organization (with the next free id) whose only member is a new account that
/// is its Admin and belongs to no other organization. Returns the organization's id.
pub async fn create_organization(
    db: &db::Db,
    name: &str,
    admin_email: &str,
    password: &str,
) -> OrgId {
    let now = db::now();
    let org_id: OrgId =
        db::query_scalar("INSERT INTO organizations (name, created_at) VALUES (?, ?) RETURNING id")
            .bind(name)
            .bind(now)
            .fetch_one(db)
            .await
            .expect("the organization is created");
    let account_id: i64 = db::query_scalar(
        "INSERT INTO accounts (email, full_name, password_hash, created_at)
         VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(admin_email)
    .bind(format!("Admin of {name}"))
    .bind(credentials::hash_password(password))
    .bind(now)
    .fetch_one(db)
    .await
    .expect("the account is created");
    db::query(
        "INSERT INTO memberships (org_id, account_id, role, status, joined_at)
         VALUES (?, ?, ?, 'active', ?)",
    )
    .bind(org_id)
    .bind(account_id)
    .bind(Role::Admin.as_str())
    .bind(now)
    .execute(db)
    .await
    .expect("the membership is created");
    org_id
}

/// Gives an existing account a known password.
pub async fn set_password(db: &db::Db, email: &str, password: &str) {
    let updated = db::query("UPDATE accounts SET password_hash = ? WHERE email = ?")
        .bind(credentials::hash_password(password))
        .bind(email)
        .execute(db)
        .await
        .expect("the password is set")
        .rows_affected();
    assert_eq!(updated, 1, "{email} has an account");
}

/// Whether the session of this token is still stored.
pub async fn session_exists(db: &db::Db, token: &str) -> bool {
    let count: i64 = db::query_scalar("SELECT COUNT(*) FROM sessions WHERE token_hash = ?")
        .bind(credentials::token_hash(token))
        .fetch_one(db)
        .await
        .expect("the sessions table is readable");
    count == 1
}

/// Sets one time column (`expires_at` or `last_seen_at`) of the session of this token.
pub async fn set_session_time(db: &db::Db, token: &str, column: &str, at: i64) {
    assert!(matches!(
        column,
        "expires_at" | "last_seen_at" | "created_at"
    ));
    let updated = db::query(&format!(
        "UPDATE sessions SET {column} = ? WHERE token_hash = ?"
    ))
    .bind(at)
    .bind(credentials::token_hash(token))
    .execute(db)
    .await
    .expect("the session is updated")
    .rows_affected();
    assert_eq!(updated, 1, "the token has a session");
}

// Member changes, export, teams

impl TestServer {
    /// A request with a bearer token and, when given, a JSON body.
    pub async fn send_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the server answers")
    }

    /// `POST path` with a bearer token and a JSON body.
    pub async fn post_as(&self, token: &str, path: &str, body: serde_json::Value) -> Response {
        self.send_as(token, reqwest::Method::POST, path, Some(body))
            .await
    }
}

/// The membership id of the account with this email in `org_id`.
pub async fn member_id(db: &db::Db, org_id: OrgId, email: &str) -> MemberId {
    db::query_scalar(
        "SELECT m.id FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.org_id = ? AND a.email = ?",
    )
    .bind(org_id)
    .bind(email)
    .fetch_one(db)
    .await
    .unwrap_or_else(|error| panic!("{email} is a member of {org_id}: {error}"))
}

/// How many audit events the organization has, leaving out those the server wrote for the
/// tests' own direct writes to the database (`external_change`).
pub async fn audit_events(db: &db::Db, org_id: OrgId) -> i64 {
    db::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE org_id = ? AND action != 'external_change'",
    )
    .bind(org_id)
    .fetch_one(db)
    .await
    .expect("the audit log is readable")
}

/// The detail of the organization's latest audit event with this action.
pub async fn last_audit_detail(db: &db::Db, org_id: OrgId, action: &str) -> serde_json::Value {
    let detail: String = db::query_scalar(
        "SELECT detail FROM audit_events WHERE org_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(org_id)
    .bind(action)
    .fetch_one(db)
    .await
    .unwrap_or_else(|error| panic!("an audit event {action}: {error}"));
    serde_json::from_str(&detail).expect("audit details are JSON")
}

/// The organization's audit events with this action: (actor, detail), oldest first.
pub async fn audit_entries(
    db: &db::Db,
    org_id: OrgId,
    action: &str,
) -> Vec<(Option<i64>, serde_json::Value)> {
    let rows: Vec<(Option<i64>, String)> = db::query_as(
        "SELECT actor_id, detail FROM audit_events WHERE org_id = ? AND action = ? ORDER BY id",
    )
    .bind(org_id)
    .bind(action)
    .fetch_all(db)
    .await
    .expect("the audit log is readable");
    rows.into_iter()
        .map(|(actor, detail)| (actor, serde_json::from_str(&detail).expect("JSON details")))
        .collect()
}

/// The organization's change sequence number.
pub async fn org_seq(db: &db::Db, org_id: OrgId) -> u64 {
    let seq: i64 = db::query_scalar("SELECT seq FROM organizations WHERE id = ?")
        .bind(org_id)
        .fetch_one(db)
        .await
        .expect("the organization exists");
    seq as u64
}

/// The organization's change events after `seq`, in order.
pub async fn change_events_after(db: &db::Db, org_id: OrgId, seq: u64) -> Vec<ChangeEvent> {
    let bodies: Vec<String> = db::query_scalar(
        "SELECT body FROM change_events WHERE org_id = ? AND seq > ? ORDER BY seq",
    )
    .bind(org_id)
    .bind(seq as i64)
    .fetch_all(db)
    .await
    .expect("the change events are readable");
    bodies
        .iter()
        .map(|body| serde_json::from_str(body).expect("an event"))
        .collect()
}

// Invitations

/// Adds a product to the organization with one named pool of `seats` seats, valid for a
/// year; returns the product's id.
pub async fn add_product(db: &db::Db, org_id: OrgId, name: &str, seats: u32) -> ProductId {
    let now = db::now();
    let product_id: ProductId =
        db::query_scalar("INSERT INTO products (org_id, name) VALUES (?, ?) RETURNING id")
            .bind(org_id)
            .bind(name)
            .fetch_one(db)
            .await
            .expect("the product is created");
    db::query(
        "INSERT INTO license_pools (org_id, product_id, seats, kind, usage, starts_at, expires_at)
         VALUES (?, ?, ?, 'named', 'online', ?, ?)",
    )
    .bind(org_id)
    .bind(product_id)
    .bind(seats)
    .bind(now - 24 * 60 * 60)
    .bind(now + 365 * 24 * 60 * 60)
    .execute(db)
    .await
    .expect("the pool is created");
    product_id
}

/// A mail the server queued.
#[derive(Debug)]
pub struct OutboxMail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl TestServer {
    /// The mails in the outbox, oldest first, with their activation links made as sending
    /// would make them (the table itself holds none).
    pub async fn outbox(&self) -> Vec<OutboxMail> {
        type Row = (
            String,
            String,
            String,
            Option<String>,
            Option<allot_core::InvitationId>,
        );
        let rows: Vec<Row> = db::query_as(
            "SELECT o.recipient, o.subject, o.body, i.token_nonce, o.invitation_id
             FROM outbox o LEFT JOIN invitations i ON i.id = o.invitation_id ORDER BY o.id",
        )
        .fetch_all(&self.db)
        .await
        .expect("the outbox is readable");
        rows.into_iter()
            .map(|(to, subject, body, nonce, invitation)| {
                assert!(
                    !body.contains("/join/"),
                    "a link stored in the outbox: {body}"
                );
                let body = match (invitation, nonce) {
                    (Some(id), Some(nonce)) => {
                        allot_server::mailer::render(&body, &self.links.link(id, &nonce))
                    }
                    _ => body,
                };
                OutboxMail { to, subject, body }
            })
            .collect()
    }
}

// License API

/// Adds a product with one pool of `kind` (`named` | `floating`) and `usage` (`online` |
/// `offline`), valid for a year; returns the product's id.
pub async fn add_product_with_pool(
    db: &db::Db,
    org_id: OrgId,
    name: &str,
    seats: u32,
    kind: &str,
    usage: &str,
) -> ProductId {
    let product_id: ProductId =
        db::query_scalar("INSERT INTO products (org_id, name) VALUES (?, ?) RETURNING id")
            .bind(org_id)
            .bind(name)
            .fetch_one(db)
            .await
            .expect("the product is created");
    add_pool(db, org_id, product_id, seats, kind, usage).await;
    product_id
}

/// Adds a pool valid for a year to a product.
pub async fn add_pool(
    db: &db::Db,
    org_id: OrgId,
    product_id: ProductId,
    seats: u32,
    kind: &str,
    usage: &str,
) {
    let now = db::now();
    db::query(
        "INSERT INTO license_pools (org_id, product_id, seats, kind, usage, starts_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(org_id)
    .bind(product_id)
    .bind(seats)
    .bind(kind)
    .bind(usage)
    .bind(now - 24 * 60 * 60)
    .bind(now + 365 * 24 * 60 * 60)
    .execute(db)
    .await
    .expect("the pool is created");
}

/// Gives the member a direct license of the product.
pub async fn allocate(db: &db::Db, org_id: OrgId, member_id: MemberId, product_id: ProductId) {
    db::query(
        "INSERT INTO direct_allocations (org_id, membership_id, product_id, created_at)
         VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(org_id)
    .bind(member_id)
    .bind(product_id)
    .bind(db::now())
    .execute(db)
    .await
    .expect("the allocation is made");
}

/// Starts the `allot-server` binary with `args` on a free port (with `ALLOT_LOG=warn` and its
/// output read, so that it never blocks on a full pipe); answers the process and its address.
pub fn spawn_server<I, S>(args: I) -> (std::process::Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_allot-server"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .env("ALLOT_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("Allot listening on ").map(str::to_owned))
        .expect("the server says where it listens");
    std::thread::spawn(move || lines.for_each(drop));
    (child, address)
}
