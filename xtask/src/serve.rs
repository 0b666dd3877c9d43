//! `cargo xtask serve`: set up a fresh machine, build everything for release and run the
//! console in demo mode.

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::{Result, cmd, tools};

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    listen: String,
    db: String,
    /// Serve HTTPS with a self-signed certificate: what Safari needs to keep the session.
    https: bool,
}

impl Options {
    /// `[--listen ADDR] [--db URL] [--https]`; `None` for anything else.
    pub fn parse(args: &[String]) -> Option<Self> {
        let mut options = Self {
            listen: "127.0.0.1:8080".into(),
            db: "sqlite://allot.db".into(),
            https: false,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = match flag.as_str() {
                "--listen" => &mut options.listen,
                "--db" => &mut options.db,
                "--https" => {
                    options.https = true;
                    continue;
                }
                _ => return None,
            };
            value.clone_from(args.next()?);
        }
        Some(options)
    }
}

/// Where `--https` keeps its certificate, made once and reused, so that a browser told to
/// trust it keeps trusting it.
const DEV_CERT_DIR: &str = "target/dev-tls";

pub fn run(root: &Path, options: &Options) -> Result<ExitCode> {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    tools::trunk_build(root)?;
    cmd::run(
        cmd::cargo()
            .args(["build", "--release", "-p", "allot-server"])
            .current_dir(root),
    )?;
    let binary = root.join("target/release/allot-server");
    let mut server = Command::new(&binary);
    if options.https {
        cmd::run(
            Command::new(&binary)
                .args(["dev-cert", "--out", DEV_CERT_DIR])
                .current_dir(root),
        )?;
        server
            .arg("--tls-cert")
            .arg(format!("{DEV_CERT_DIR}/cert.pem"))
            .arg("--tls-key")
            .arg(format!("{DEV_CERT_DIR}/key.pem"));
    }
    server
        .arg("--demo")
        // A demo without SMTP: activation links go to the log, for whoever runs it.
        .arg("--dev-log-links")
        .arg("--static")
        .arg(root.join("dist"))
        .args(["--listen", &options.listen, "--db", &options.db])
        // A relative database URL means a file in the workspace root (git-ignored).
        .current_dir(root);
    hand_over(&mut server)
}

/// Becomes the server, so Ctrl-C and its exit status reach it directly and no parent
/// process is left to outlive or orphan it.
#[cfg(unix)]
fn hand_over(server: &mut Command) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt;
    let error = server.exec();
    Err(cmd::spawn_error(server, &error))
}

#[cfg(not(unix))]
fn hand_over(server: &mut Command) -> Result<ExitCode> {
    let status = server
        .status()
        .map_err(|error| cmd::spawn_error(server, &error))?;
    let code = status.code().and_then(|code| u8::try_from(code).ok());
    Ok(code.map_or(ExitCode::FAILURE, ExitCode::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Option<Options> {
        Options::parse(&args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn parses_defaults_and_overrides() {
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.listen, "127.0.0.1:8080");
        assert_eq!(defaults.db, "sqlite://allot.db");
        assert!(!defaults.https);
        let custom = parse(&[
            "--db",
            "sqlite:///tmp/a.db",
            "--https",
            "--listen",
            "0.0.0.0:9000",
        ])
        .unwrap();
        assert_eq!(custom.listen, "0.0.0.0:9000");
        assert_eq!(custom.db, "sqlite:///tmp/a.db");
        assert!(custom.https);
    }

    #[test]
    fn rejects_unknown_or_incomplete_arguments() {
        assert_eq!(parse(&["--port", "80"]), None);
        assert_eq!(parse(&["--listen"]), None);
    }
}
