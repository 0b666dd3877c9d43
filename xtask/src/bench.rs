//! `cargo xtask bench`: the console's size, load, search, selection and memory in Chromium,
//! and the server's bulk changes and API under load, at 10,000 and 100,000 demo members.
//! Prints one line per figure (`bench <name> <value> <unit> budget <budget> <unit>`); a
//! figure over its budget is reported, not a failure.

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::{Result, cmd, tools};

const SCRIPT: &str = "tests/bench/bench.mjs";

pub fn run(root: &Path) -> Result<ExitCode> {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    let browser = tools::ensure_browser()?;
    println!("==> building the console (release)");
    tools::trunk_build(root)?;
    println!("==> building allot-server (release)");
    cmd::run(
        cmd::cargo()
            .args(["build", "--release", "-p", "allot-server"])
            .current_dir(root),
    )?;
    println!("==> measuring");
    cmd::run(
        Command::new("node")
            .arg(SCRIPT)
            .env("ALLOT_SERVER_BIN", root.join("target/release/allot-server"))
            .env("ALLOT_DIST", root.join("dist"))
            .env("CHROMIUM", &browser.chromium)
            .current_dir(root),
    )?;
    Ok(ExitCode::SUCCESS)
}
