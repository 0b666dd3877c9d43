//! A throwaway PostgreSQL server for the tests and the bench: Debian's `postgresql` package
//! (installed when missing), a new cluster in the system's temporary folder, on a free
//! loopback port, stopped and removed when dropped.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use crate::tools::{apt_install, is_root, report};
use crate::{Result, cmd};

pub struct TestCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl TestCluster {
    /// Starts a new cluster. (In the temporary folder rather than under `root`: run as root,
    /// the server runs as the postgres user, who may not be able to reach a checkout in a
    /// private home folder.)
    pub fn start() -> Result<Self> {
        let bin = ensure_postgres()?;
        let dir = std::env::temp_dir().join(format!("allot-postgres-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|error| format!("{}: {error}", dir.display()))?;
        // PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
        let as_postgres = is_root();
        if as_postgres {
            cmd::run(Command::new("chown").arg("postgres").arg(&dir))?;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| format!("finding a free port: {error}"))?
            .port();
        let cluster = Self {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = cluster.dir.join("data");
        cmd::run(
            cluster
                .command("initdb")
                .arg("--pgdata")
                .arg(&data)
                .args([
                    "--auth=trust",
                    "--username=postgres",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ])
                .stdout(std::process::Stdio::null()),
        )?;
        // Durability is not what these tests measure; many connections are (several
        // servers, each with its pool, and the tests' own).
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            cluster.dir.display()
        );
        cmd::run(
            cluster
                .command("pg_ctl")
                .arg("--pgdata")
                .arg(&data)
                .arg("--log")
                .arg(cluster.dir.join("server.log"))
                .args(["--wait", "--options", &options, "start"])
                .stdout(std::process::Stdio::null()),
        )?;
        report(
            "postgresql",
            format!("a test cluster on port {port} ({})", cluster.dir.display()),
        );
        Ok(cluster)
    }

    /// `postgres://postgres@127.0.0.1:<port>`, without a database name.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    /// Creates the database `name`, returning its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        cmd::run(
            Command::new(self.bin.join("createdb"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .args(["-U", "postgres", name]),
        )?;
        Ok(format!("{}/{name}", self.url()))
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("--pgdata")
            .arg(self.dir.join("data"))
            .args(["--mode=immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The newest installed PostgreSQL's programs (`/usr/lib/postgresql/<version>/bin`), from
/// Debian's `postgresql` package, installed when missing.
fn ensure_postgres() -> Result<PathBuf> {
    if let Some(bin) = installed() {
        return Ok(bin);
    }
    if !is_root() {
        return Err(
            "PostgreSQL not found: install Debian's postgresql package (as root: \
             apt-get install postgresql)"
                .into(),
        );
    }
    report("postgresql", "installing postgresql with apt-get");
    apt_install(&["postgresql"])?;
    installed().ok_or_else(|| "PostgreSQL still not found after apt-get install".into())
}

fn installed() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
