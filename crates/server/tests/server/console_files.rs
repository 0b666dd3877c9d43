//! The built console as the server sends it: the precompressed files `cargo xtask build`
//! writes beside each asset, as they are, and caching by name.

use crate::common::TestServer;
use allot_server::WebConfig;
use reqwest::header;

const WASM: &str = "allot-0123456789abcdef_bg.wasm";

/// A console folder with one asset, its brotli and gzip copies made different from anything
/// a server would compute, so that sending them as they are shows.
fn console_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>Allot</title>",
    )
    .unwrap();
    std::fs::write(dir.path().join(WASM), vec![0u8; 4096]).unwrap();
    std::fs::write(
        dir.path().join(format!("{WASM}.br")),
        b"precompressed brotli",
    )
    .unwrap();
    std::fs::write(dir.path().join(format!("{WASM}.gz")), b"precompressed gzip").unwrap();
    dir
}

async fn fetch(server: &TestServer, accept: &str) -> reqwest::Response {
    server
        .get(&format!("/{WASM}"))
        .header(header::ACCEPT_ENCODING, accept)
        .send()
        .await
        .unwrap()
}

/// A shared cache must not hand one encoding to a client that asked for another.
fn assert_vary(answer: &reqwest::Response) {
    assert_eq!(answer.headers()[header::VARY], "accept-encoding");
}

#[tokio::test]
async fn assets_go_out_precompressed_as_built() {
    let dir = console_dir();
    let server = TestServer::start_with(WebConfig {
        static_dir: Some(dir.path().to_owned()),
        ..WebConfig::default()
    })
    .await;

    let brotli = fetch(&server, "gzip, br").await;
    assert_eq!(brotli.headers()[header::CONTENT_ENCODING], "br");
    assert_vary(&brotli);
    assert_eq!(
        brotli.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(brotli.headers()[header::CONTENT_TYPE], "application/wasm");
    assert_eq!(&brotli.bytes().await.unwrap()[..], b"precompressed brotli");

    let gzip = fetch(&server, "gzip").await;
    assert_eq!(gzip.headers()[header::CONTENT_ENCODING], "gzip");
    assert_vary(&gzip);
    assert_eq!(&gzip.bytes().await.unwrap()[..], b"precompressed gzip");

    let plain = fetch(&server, "identity").await;
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_vary(&plain);
    assert_eq!(plain.bytes().await.unwrap().len(), 4096);
}
