//! Allot's project automation, run as `cargo xtask <command>`.
//!
//! Plain std (and two pure-Rust compressors from crates.io) on purpose: it has to build on a
//! fresh machine before anything else is installed.

mod bench;
mod cmd;
mod dist;
mod postgres;
mod serve;
mod size;
mod test;
mod tools;

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  serve [--listen ADDR] [--db URL] [--https]
          install what is missing, build the console and the server (release), then run
          the server in demo mode (defaults: 127.0.0.1:8080, sqlite://allot.db); --https
          serves it with a self-signed certificate kept in target/dev-tls/ (Safari needs it)
  build   install what is missing and build the console (release) into dist/: allot.js,
          the hashed files it loads, and the host page index.html, for any static host
  test    fmt, clippy, native tests, a bounded schemathesis run against the API, component
          tests in headless Chromium and end-to-end tests in Chromium, Firefox ESR and
          WebKitGTK; ends with
          `summary: N passed, M failed`
  bench   build the console and the server (release) and measure them at 10,000 and
          100,000 demo members: console size, load, search, select-all, memory, bulk
          removal and API load; one `bench <name> <value> <unit> budget ...` line per figure
  load    build the server (release) and run it under a sustained mixed load at 100,000
          demo members for 2 minutes, on SQLite and on PostgreSQL with two servers: 1,000
          licensed products heartbeating every 10 s, 20 admins loading the snapshot every
          30 s and making a change every 2 s, health asked every 250 ms; prints heartbeat
          p50/p99, errors, snapshot p95, health p99 and resident memory
          (ALLOT_LOAD_SECONDS, ALLOT_LOAD_PRODUCTS, ALLOT_LOAD_MEMBERS to change)
  size    build the console (release) and say what its bytes are: each served file raw
          and brotli, then twiggy's largest items and generic copies in the wasm
  screenshots
          build as for bench, then write every screen and dialog at desktop (1440×900)
          and phone (390×844) sizes, light and dark, in Chromium, Firefox ESR and WebKitGTK,
          into target/screenshots/<engine>/
  fuzz    schemathesis against the API with many examples and a random seed
          (SCHEMATHESIS_SEED, SCHEMATHESIS_MAX_EXAMPLES to choose)
  setup   only install what is missing (wasm tools, Chromium, Firefox ESR, WebKitGTK,
          node packages, schemathesis)
";

/// Errors are messages for the person at the terminal; nothing inspects them.
type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args
        .split_first()
        .map_or(("", &[][..]), |(command, rest)| (command.as_str(), rest));
    let root = workspace_root();
    let result = match command {
        "serve" => match serve::Options::parse(rest) {
            Some(options) => serve::run(root, &options),
            None => return usage_error(),
        },
        "build" if rest.is_empty() => build(root).map(|()| ExitCode::SUCCESS),
        "test" if rest.is_empty() => Ok(test::run(root)),
        "bench" if rest.is_empty() => bench::run(root, bench::BENCH),
        "load" if rest.is_empty() => bench::load(root),
        "size" if rest.is_empty() => size::run(root).map(|()| ExitCode::SUCCESS),
        "screenshots" if rest.is_empty() => bench::run(root, bench::SCREENSHOTS),
        "fuzz" if rest.is_empty() => Ok(test::fuzz(root)),
        "setup" if rest.is_empty() => tools::setup(root).map(|()| ExitCode::SUCCESS),
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage_error(),
    };
    result.unwrap_or_else(|error| {
        eprintln!("xtask: error: {error}");
        ExitCode::FAILURE
    })
}

/// The console, ready to copy to any static host.
fn build(root: &Path) -> Result {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    tools::trunk_build(root)?;
    println!("xtask: the console is in {}", root.join("dist").display());
    Ok(())
}

fn usage_error() -> ExitCode {
    eprint!("{USAGE}");
    ExitCode::from(2)
}

/// xtask lives one level below the workspace root, so commands work from any directory.
fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
}
