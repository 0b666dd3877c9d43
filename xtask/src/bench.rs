//! Commands that build the console and the server for release and drive them with a script in
//! Chromium: `cargo xtask bench` (the console's size, load, search, selection and memory, and
//! the server's bulk changes and API under load, at 10,000 and 100,000 demo members; one
//! `bench <name> <value> <unit> budget <budget> <unit>` line per figure, a figure over its
//! budget reported, not a failure; the server's figures also on PostgreSQL) and
//! `cargo xtask screenshots` (every screen and dialog at
//! phone and desktop sizes in both themes, in Chromium, Firefox ESR and WebKitGTK, into
//! target/screenshots/<engine>/).

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::{Result, cmd, postgres, tools};

pub const BENCH: &str = "tests/bench/bench.mjs";
pub const LOAD: &str = "tests/bench/soak.mjs";
pub const SCREENSHOTS: &str = "tests/screenshots/screenshots.mjs";

pub fn run(root: &Path, script: &str) -> Result<ExitCode> {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    let browser = tools::ensure_browser()?;
    println!("==> building the console (release)");
    tools::trunk_build(root)?;
    build_release_server(root)?;
    let mut node = Command::new("node");
    node.arg(script)
        .env("ALLOT_SERVER_BIN", root.join("target/release/allot-server"))
        .env("ALLOT_DIST", root.join("dist"))
        .env("CHROMIUM", &browser.chromium)
        .current_dir(root);
    if script == SCREENSHOTS {
        let server = root.join("target/release/allot-server");
        node.env("FIREFOX", tools::ensure_firefox()?)
            .env("WEBKIT", tools::ensure_webkit()?)
            .envs(tools::test_certificate(root, &server)?);
    }
    // The server's figures on PostgreSQL too, beside SQLite's: a throwaway cluster with an
    // empty database per scale, gone when the bench ends.
    let cluster = if script == BENCH {
        let cluster = postgres::TestCluster::start()?;
        for scale in ["10k", "100k"] {
            cluster.create_database(&format!("allot_bench_{scale}"))?;
        }
        node.env("ALLOT_BENCH_POSTGRES", cluster.url());
        Some(cluster)
    } else {
        None
    };
    println!("==> running {script}");
    cmd::run(&mut node)?;
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask load`: the release server under a sustained mixed load at 100,000 members,
/// on SQLite and on PostgreSQL with two servers (see tests/bench/soak.mjs); figures printed.
pub fn load(root: &Path) -> Result<ExitCode> {
    build_release_server(root)?;
    let cluster = postgres::TestCluster::start()?;
    let database = cluster.create_database("allot_load")?;
    println!("==> running {LOAD}");
    cmd::run(
        Command::new("node")
            .arg(LOAD)
            .env("ALLOT_SERVER_BIN", root.join("target/release/allot-server"))
            .env("ALLOT_LOAD_POSTGRES", database)
            .current_dir(root),
    )?;
    drop(cluster);
    Ok(ExitCode::SUCCESS)
}

fn build_release_server(root: &Path) -> Result {
    println!("==> building allot-server (release)");
    cmd::run(
        cmd::cargo()
            .args(["build", "--release", "-p", "allot-server"])
            .current_dir(root),
    )
}
