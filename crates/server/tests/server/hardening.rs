//! What an attacker tried in the third round of probing, each kept out: keys of any length,
//! half-sent requests and idle sockets, a member's refused-activation loop, the Origin check
//! over HTTP/2, exports from another site's link, control characters in stored text, tokens
//! in debug logs, HSTS, health under load and sessions outliving their last organization.
//! Bounded counts, loopback only.

use std::time::Duration;

use crate::common::*;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

async fn throttle_keys(db: &db::Db) -> (i64, i64) {
    db::query_as(
        "SELECT COUNT(*), CAST(COALESCE(MAX(LENGTH(key)), 0) AS BIGINT) FROM sign_in_throttle",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn an_oversized_or_malformed_address_is_refused_before_the_throttle_counts_it() {
    let server = TestServer::start().await;
    let long = format!("{}@example.com", "a".repeat(1_900_000));
    let named = format!("{} <owner@example.com>", "N".repeat(1_900_000));
    for email in [long.as_str(), named.as_str()] {
        let response = server.sign_in(email, "whatever password").await;
        expect_error(response, StatusCode::BAD_REQUEST, "invalid_email").await;
    }
    // No account has such an address: nothing to guess, nothing counted.
    for email in [
        "no-at-sign",
        "two@@example.com",
        "Owner <owner@example.com>",
        "",
    ] {
        let response = server.sign_in(email, DEMO_PASSWORD).await;
        expect_error(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    assert_eq!(
        throttle_keys(&server.db).await,
        (0, 0),
        "nothing was counted"
    );

    // A real guess is counted, under keys of one small size.
    let wrong = server.sign_in(OWNER_EMAIL, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (keys, longest) = throttle_keys(&server.db).await;
    assert_eq!(keys, 3, "pair, client and address");
    assert!(longest < 80, "a key of {longest} characters");
}

/// Reads until the server closes the connection; answers what it sent before.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut received));
    // A reset is a close too.
    let _ = closed.await.expect("the server closes the connection");
    received
}

#[tokio::test]
async fn half_sent_requests_are_closed_and_others_are_answered_meanwhile() {
    let server = TestServer::start_with_limits(Limits {
        header_read: Duration::from_secs(1),
        ..Limits::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(server.host()).await.unwrap();
        stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // And idle sockets that never say a word.
    for _ in 0..20 {
        slow.push(TcpStream::connect(server.host()).await.unwrap());
    }
    let health = server.get("/api/v1/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK, "a new client is answered");
    for stream in &mut slow {
        let sent = read_until_closed(stream).await;
        assert!(
            sent.is_empty() || sent.starts_with(b"HTTP/1.1 408"),
            "the half-sent request got no answer but a timeout: {}",
            String::from_utf8_lossy(&sent)
        );
    }
    // A client of its own: the first one's kept-alive connection may be closing just now,
    // idle past the one-second header timeout while the slow ones were read.
    let health = reqwest::Client::new()
        .get(server.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn one_client_address_holds_at_most_its_share_of_connections() {
    let server = TestServer::start_with_limits(Limits {
        connections_per_client: 20,
        // The held connections stay open however slow the machine is.
        header_read: Duration::from_secs(300),
        ..Limits::default()
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut stream = TcpStream::connect(server.host()).await.unwrap();
        // Each is a live keep-alive connection, answered once.
        stream
            .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 12];
        stream.read_exact(&mut buffer).await.unwrap();
        assert_eq!(&buffer, b"HTTP/1.1 200");
        held.push(stream);
    }
    let mut over = TcpStream::connect(server.host()).await.unwrap();
    let _ = over
        .write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    assert!(
        read_until_closed(&mut over).await.is_empty(),
        "the 21st connection is closed unanswered"
    );
    drop(held.pop());
    // The server sees the close, then has a slot again.
    let answered = async {
        loop {
            let response = server.get("/api/v1/health").send().await;
            if response.is_ok_and(|response| response.status() == StatusCode::OK) {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), answered)
        .await
        .expect("a closed connection gives its slot back");
}

/// A Member whose group grants a product with no free seat, activating it in a loop.
#[tokio::test]
async fn a_refused_activation_loop_is_recorded_once_and_then_held_back() {
    let server = TestServer::start().await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let full = add_product_with_pool(&server.db, ACME_QA, "Full House", 1, "named", "online").await;
    let owner = member_id(&server.db, ACME_QA, OWNER_EMAIL).await;
    allocate(&server.db, ACME_QA, owner, full).await;
    let mia = member_id(&server.db, ACME_QA, MEMBER_EMAIL).await;
    let group: Value = server
        .post_as(
            &admin,
            &format!("/api/v1/orgs/{ACME_QA}/groups"),
            json!({ "name": "Loopers", "members": [mia] }),
        )
        .await
        .json()
        .await
        .unwrap();
    let group = group["group"]["id"].as_i64().unwrap();
    let rule = server
        .send_as(
            &admin,
            Method::PUT,
            &format!("/api/v1/orgs/{ACME_QA}/groups/{group}/rule"),
            Some(json!({ "products": [full] })),
        )
        .await;
    assert_eq!(rule.status(), StatusCode::OK);

    let audit_before = audit_events(&server.db, ACME_QA).await;
    let seq_before = org_seq(&server.db, ACME_QA).await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let response = server
            .post_as(
                &member,
                &format!("/api/v1/orgs/{ACME_QA}/license/activate"),
                json!({ "product_id": full, "machine_id": "loop-1", "hostname": "loop",
                        "mode": "online" }),
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses[..10], [409; 10], "{statuses:?}");
    assert!(
        statuses[10..].iter().all(|&status| status == 429),
        "{statuses:?}"
    );
    assert_eq!(
        audit_events(&server.db, ACME_QA).await,
        audit_before + 1,
        "one allocation.failed entry for the whole loop"
    );
    assert_eq!(
        change_events_after(&server.db, ACME_QA, seq_before)
            .await
            .len(),
        1,
        "one change event"
    );
    // The member's other machines are not held back by this one's wait.
    let other_machine = server
        .post_as(
            &member,
            &format!("/api/v1/orgs/{ACME_QA}/license/activate"),
            json!({ "product_id": full, "machine_id": "loop-2", "hostname": "loop",
                    "mode": "online" }),
        )
        .await;
    expect_error(other_machine, StatusCode::CONFLICT, "seats_exceeded").await;
}

/// Over HTTP/2 the host is the request's `:authority`: a foreign Origin is still foreign.
#[tokio::test]
async fn cookie_writes_from_another_site_are_refused_over_http2() {
    for server in [TestServer::start().await, TestServer::start_tls().await] {
        let client = if server.url("").starts_with("https") {
            server.client.clone()
        } else {
            h2c_client()
        };
        let cookie = server.session_cookie(ADMIN_EMAIL).await;
        let teams = server.url(&format!("/api/v1/orgs/{ACME_QA}/teams"));
        let foreign = client
            .post(&teams)
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, "http://evil.example")
            .json(&json!({ "name": "Planted" }))
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.version(), reqwest::Version::HTTP_2);
        expect_error(foreign, StatusCode::FORBIDDEN, "forbidden").await;

        let own_origin = server.url("");
        let own = client
            .post(&teams)
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, own_origin.trim_end_matches('/'))
            .json(&json!({ "name": "Ours" }))
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::CREATED);

        let sign_in = client
            .post(server.url("/api/v1/session"))
            .header(header::ORIGIN, "http://evil.example")
            .json(&json!({ "email": ADMIN_EMAIL, "password": DEMO_PASSWORD }))
            .send()
            .await
            .unwrap();
        assert!(set_session_cookie(&sign_in).is_none(), "no cookie is set");
        expect_error(sign_in, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn exports_answer_only_the_consoles_own_pages_when_a_cookie_asks() {
    let server = TestServer::start().await;
    let cookie = server.session_cookie(ADMIN_EMAIL).await;
    let bearer = server.bearer_token(ADMIN_EMAIL).await;
    for export in [
        "members/export.csv",
        "audit/export.csv",
        "audit/export.jsonl",
    ] {
        let path = format!("/api/v1/orgs/{ACME_QA}/{export}");
        let before = audit_events(&server.db, ACME_QA).await;
        for fetch_site in [Some("cross-site"), Some("same-site"), None] {
            let mut request = server.get(&path).header(header::COOKIE, &cookie);
            if let Some(site) = fetch_site {
                request = request.header("sec-fetch-site", site);
            }
            let refused = request.send().await.unwrap();
            expect_error(refused, StatusCode::FORBIDDEN, "forbidden").await;
        }
        assert_eq!(
            audit_events(&server.db, ACME_QA).await,
            before,
            "{export}: a refused export is not audited as the admin's"
        );
        for fetch_site in ["same-origin", "none"] {
            let own = server
                .get(&path)
                .header(header::COOKIE, &cookie)
                .header("sec-fetch-site", fetch_site)
                .send()
                .await
                .unwrap();
            assert_eq!(own.status(), StatusCode::OK, "{export} from {fetch_site}");
        }
        let scripted = server.get_as(&bearer, &path).await;
        assert_eq!(
            scripted.status(),
            StatusCode::OK,
            "{export} with a bearer token"
        );
    }
}

const CONTROL_CHARACTERS: [&str; 6] = ["\u{0}", "\u{1b}[31m", "\r\n", "\t", "\u{85}", "\u{202e}"];

/// Sends `body` and expects it refused as naming `field`, with nothing changed.
async fn refused_for(
    server: &TestServer,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Value,
    field: &str,
) {
    let seq = org_seq(&server.db, ACME_QA).await;
    let mut request = server.client.request(method, server.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let error = expect_error(response, StatusCode::BAD_REQUEST, "control_character").await;
    assert!(
        error
            .error
            .message
            .starts_with(&format!("{field} holds a control character")),
        "{path}: {}",
        error.error.message
    );
    assert_eq!(
        org_seq(&server.db, ACME_QA).await,
        seq,
        "{path} changed nothing"
    );
}

#[tokio::test]
async fn control_characters_are_refused_in_every_stored_line_of_text() {
    let server = TestServer::start().await;
    let admin = server.bearer_token(ADMIN_EMAIL).await;
    let member = server.bearer_token(MEMBER_EMAIL).await;
    let org = format!("/api/v1/orgs/{ACME_QA}");
    let team: Value = server
        .post_as(&admin, &format!("{org}/teams"), json!({ "name": "Plain" }))
        .await
        .json()
        .await
        .unwrap();
    let team = team["id"].as_i64().unwrap();
    let group: Value = server
        .post_as(&admin, &format!("{org}/groups"), json!({ "name": "Plain" }))
        .await
        .json()
        .await
        .unwrap();
    let group = group["group"]["id"].as_i64().unwrap();
    let product = add_product(&server.db, ACME_QA, "Typed", 5).await;
    for bad in CONTROL_CHARACTERS {
        let text = format!("name{bad}end");
        let cases = [
            (
                None,
                Method::POST,
                "/api/v1/session".to_owned(),
                json!({ "email": format!("a{bad}@b.co"), "password": "p" }),
                "email",
            ),
            (
                Some(&admin),
                Method::POST,
                format!("{org}/teams"),
                json!({ "name": text }),
                "name",
            ),
            (
                Some(&admin),
                Method::PATCH,
                format!("{org}/teams/{team}"),
                json!({ "name": text }),
                "name",
            ),
            (
                Some(&admin),
                Method::POST,
                format!("{org}/groups"),
                json!({ "name": text }),
                "name",
            ),
            (
                Some(&admin),
                Method::PUT,
                format!("{org}/groups/{group}"),
                json!({ "name": text }),
                "name",
            ),
            (
                Some(&admin),
                Method::POST,
                format!("{org}/invitations"),
                json!({ "emails": ["ok@b.co", format!("x{bad}@b.co")], "role": "member" }),
                "emails[1]",
            ),
            (
                None,
                Method::POST,
                "/api/v1/invitations/any-token/accept".to_owned(),
                json!({ "full_name": text, "password": "a long enough password" }),
                "full_name",
            ),
            (
                Some(&member),
                Method::POST,
                format!("{org}/license/activate"),
                json!({ "product_id": product, "machine_id": text, "hostname": "h", "mode": "online" }),
                "machine_id",
            ),
            (
                Some(&member),
                Method::POST,
                format!("{org}/license/activate"),
                json!({ "product_id": product, "machine_id": "m", "hostname": text, "mode": "online" }),
                "hostname",
            ),
        ];
        for (token, method, path, body, field) in cases {
            refused_for(
                &server,
                token.map(String::as_str),
                method,
                &path,
                body,
                field,
            )
            .await;
        }
    }
    // A password is never stored or shown: any character is its owner's.
    let tabbed = server.sign_in(OWNER_EMAIL, "wrong\tpassword").await;
    expect_error(tabbed, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // Search terms drop them instead: the export is still made, and audited without them.
    for export in ["members/export.csv", "audit/export.csv"] {
        let response = server
            .get_as(&admin, &format!("{org}/{export}?q=%00Ann%1b%E2%80%AE"))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{export}");
    }
    let detail = last_audit_detail(&server.db, ACME_QA, "members.exported").await;
    assert_eq!(detail["q"], "Ann");
    let detail = last_audit_detail(&server.db, ACME_QA, "audit.exported").await;
    assert_eq!(detail["q"], "Ann");
}

#[tokio::test]
async fn debug_logs_name_routes_not_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("allot.db").display());
    // The server logs to standard output, where it also says where it listens.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_allot-server"))
        .args(["--listen", "127.0.0.1:0", "--demo", "--db", &db])
        .env("ALLOT_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    /// Stops the server however the test ends.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let (base, output) = {
        use std::io::{BufRead, BufReader};
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| line.strip_prefix("Allot listening on ").map(str::to_owned))
            .expect("the server says where it listens");
        let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
        let errors =
            std::thread::spawn(move || errors.by_ref().map_while(Result::ok).collect::<Vec<_>>());
        let output = std::thread::spawn(move || {
            let mut output: Vec<String> = lines.map_while(Result::ok).collect();
            output.extend(errors.join().unwrap());
            output.join("\n")
        });
        (base, output)
    };
    let server = Running(child);
    let client = client();
    let session: Value = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": DEMO_PASSWORD, "bearer": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = session["token"].as_str().unwrap().to_owned();
    let invited: allot_core::InviteResponse = client
        .post(format!("{base}/api/v1/orgs/{ACME_QA}/invitations"))
        .bearer_auth(&bearer)
        .json(&json!({ "emails": ["logged@new.example"], "role": "member" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let allot_core::InviteOutcome::Invited { invitation_id: id } = invited.results[0].outcome
    else {
        panic!("not invited: {invited:?}");
    };
    let link: Value = client
        .get(format!(
            "{base}/api/v1/orgs/{ACME_QA}/invitations/{id}/link"
        ))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = link["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("/join/")
        .to_owned();
    for path in [
        format!("/api/v1/invitations/{token}"),
        format!("/api/v1/invitations/{token}/accept"),
    ] {
        client
            .post(format!("{base}{path}"))
            .json(&json!({ "password": "short" }))
            .send()
            .await
            .unwrap();
        client.get(format!("{base}{path}")).send().await.unwrap();
    }
    client
        .get(format!(
            "{base}/api/v1/orgs/{ACME_QA}/members/export.csv?q=secret-search"
        ))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    drop(server);
    let logged = output.join().unwrap();
    assert!(
        logged.contains("/api/v1/invitations/{token}"),
        "the route is named: {}",
        &logged[..logged.len().min(2000)]
    );
    for secret in [token.as_str(), bearer.as_str(), "secret-search"] {
        assert!(!logged.contains(secret), "{secret} is in the debug log");
    }
}

#[tokio::test]
async fn every_answer_over_tls_says_strict_transport_security() {
    let server = TestServer::start_tls().await;
    for path in [
        "/api/v1/health",
        "/api/v1/no-such-thing",
        "/api/v1/orgs/1/members",
    ] {
        let response = server.get(path).send().await.unwrap();
        assert_eq!(
            response.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000",
            "{path}"
        );
    }
    let plain = TestServer::start().await;
    let response = plain.get("/api/v1/health").send().await.unwrap();
    assert!(
        response
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
}

#[tokio::test]
async fn health_answers_busy_while_every_connection_is_at_work() {
    let server = TestServer::start().await;
    // Take every connection the server's pool has.
    let mut held = Vec::new();
    while let Ok(connection) =
        tokio::time::timeout(Duration::from_millis(500), server.db.acquire()).await
    {
        held.push(connection.unwrap());
    }
    assert!(!held.is_empty());
    let response = server.get("/api/v1/health").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "up, though busy");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "busy");
    drop(held);
    let body: Value = server
        .get("/api/v1/health")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn removal_from_the_last_organization_ends_the_session() {
    let server = TestServer::start().await;
    let owner = server.bearer_token(OWNER_EMAIL).await;
    // Mia belongs to Acme QA only; the billing manager to Acme QA and, added here, Acme Labs.
    let mia = server.bearer_token(MEMBER_EMAIL).await;
    let billing_account: i64 = db::query_scalar("SELECT id FROM accounts WHERE email = ?")
        .bind(BILLING_EMAIL)
        .fetch_one(&server.db)
        .await
        .unwrap();
    db::query(
        "INSERT INTO memberships (org_id, account_id, role, status, joined_at)
         VALUES (?, ?, 'member', 'active', 0)",
    )
    .bind(ACME_LABS)
    .bind(billing_account)
    .execute(&server.db)
    .await
    .unwrap();
    let billing = server.bearer_token(BILLING_EMAIL).await;
    let ids = [
        member_id(&server.db, ACME_QA, MEMBER_EMAIL).await,
        member_id(&server.db, ACME_QA, BILLING_EMAIL).await,
    ];
    let removed = server
        .post_as(
            &owner,
            &format!("/api/v1/orgs/{ACME_QA}/members/remove"),
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let ended = server.get_as(&mia, "/api/v1/session").await;
    expect_error(ended, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let kept = server.get_as(&billing, "/api/v1/session").await;
    assert_eq!(kept.status(), StatusCode::OK, "still a member of Acme Labs");
}
