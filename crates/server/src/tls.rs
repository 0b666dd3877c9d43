//! HTTPS served by the server itself, from a certificate and key in PEM files (`--tls-cert`,
//! `--tls-key`), and `allot-server dev-cert`, which writes a self-signed pair for local use.
//!
//! The session cookie is `__Host-` and `Secure`: browsers keep it only over HTTPS, except
//! that Chromium and Firefox make an exception for loopback addresses. Safari (WebKit) makes
//! none, so it needs HTTPS even on 127.0.0.1.

use std::{
    io,
    path::{Path, PathBuf},
};

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

/// The rustls configuration for a certificate chain and its key, both PEM files, offering
/// HTTP/2 and HTTP/1.1 (ALPN).
pub fn config(cert: &Path, key: &Path) -> io::Result<Arc<rustls::ServerConfig>> {
    // ring, the provider the mailer's rustls already uses; once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let unusable = |error: &dyn std::fmt::Display| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "cannot use the TLS certificate {} with the key {}: {error}",
                cert.display(),
                key.display()
            ),
        )
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| unusable(&error))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| unusable(&error))?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| unusable(&error))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The certificate and key `dev-cert` writes into a folder.
pub fn dev_cert_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// Writes a self-signed certificate for `localhost`, `127.0.0.1` and `::1` into `dir`
/// (`cert.pem`, and `key.pem` readable by its owner only), unless both files are there.
/// Browsers warn about it once; it is for development and tests, never for production.
pub fn write_dev_cert(dir: &Path) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    let (cert_path, key_path) = dev_cert_paths(dir);
    if cert_path.is_file() && key_path.is_file() {
        return Ok((cert_path, key_path));
    }
    std::fs::create_dir_all(dir)?;
    let names = ["localhost", "127.0.0.1", "::1"]
        .map(str::to_owned)
        .to_vec();
    let rcgen::CertifiedKey { cert, key_pair } = rcgen::generate_simple_self_signed(names)?;
    std::fs::write(&cert_path, cert.pem())?;
    write_private(&key_path, key_pair.serialize_pem().as_bytes())?;
    Ok((cert_path, key_path))
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(contents)
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    std::fs::write(path, contents)
}
