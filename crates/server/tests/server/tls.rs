//! The server over HTTPS (`--tls-cert`/`--tls-key`): what Safari needs to keep the session
//! cookie, on 127.0.0.1 too.

use crate::common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn over_https_a_browser_keeps_the_secure_session_cookie_and_stays_signed_in() {
    let server = TestServer::start_tls().await;
    let base = server.url("");
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let health = server.get("/api/v1/health").send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let signed_in = server.sign_in(OWNER_EMAIL, DEMO_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookie = signed_in
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        cookie.starts_with("__Host-") && cookie.contains("Secure"),
        "{cookie}"
    );
    // The client's store sent it back: the session holds over HTTPS.
    let session = server.get("/api/v1/session").send().await.unwrap();
    assert_eq!(session.status(), StatusCode::OK);
}

#[tokio::test]
async fn plain_http_to_the_https_port_is_refused() {
    let server = TestServer::start_tls().await;
    let plain = client()
        .get(format!("http://{}/api/v1/health", server.host()))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
}

#[test]
fn dev_cert_is_written_once_with_a_private_key_only_its_owner_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = allot_server::tls::write_dev_cert(dir.path()).unwrap();
    let first = std::fs::read(&cert).unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with("-----BEGIN CERTIFICATE-----"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Kept: a second run does not replace what browsers were told to trust.
    allot_server::tls::write_dev_cert(dir.path()).unwrap();
    assert_eq!(std::fs::read(&cert).unwrap(), first);
}
