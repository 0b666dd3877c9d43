//! `cargo xtask serve`: set up a fresh machine, build everything for release and run the
//! console in demo mode.

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::{Result, cmd, tools};

#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    listen: String,
    db: String,
}

impl Options {
    /// `[--listen ADDR] [--db URL]`; `None` for anything else.
    pub fn parse(args: &[String]) -> Option<Self> {
        let mut options = Self {
            listen: "127.0.0.1:8080".into(),
            db: "sqlite://allot.db".into(),
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = match flag.as_str() {
                "--listen" => &mut options.listen,
                "--db" => &mut options.db,
                _ => return None,
            };
            value.clone_from(args.next()?);
        }
        Some(options)
    }
}

pub fn run(root: &Path, options: &Options) -> Result<ExitCode> {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    tools::trunk_build(root)?;
    cmd::run(
        cmd::cargo()
            .args(["build", "--release", "-p", "allot-server"])
            .current_dir(root),
    )?;
    let mut server = Command::new(root.join("target/release/allot-server"));
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
        let custom = parse(&["--db", "sqlite:///tmp/a.db", "--listen", "0.0.0.0:9000"]).unwrap();
        assert_eq!(custom.listen, "0.0.0.0:9000");
        assert_eq!(custom.db, "sqlite:///tmp/a.db");
    }

    #[test]
    fn rejects_unknown_or_incomplete_arguments() {
        assert_eq!(parse(&["--port", "80"]), None);
        assert_eq!(parse(&["--listen"]), None);
    }
}
