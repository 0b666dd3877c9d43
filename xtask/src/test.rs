//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure, with a
//! summary of durations and test counts at the end.

use std::fs;
use std::io::{self, Write};
use std::ops::AddAssign;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::tools::{self, WASM_TARGET};
use crate::{Result, cmd, postgres};

type Step = fn(&Path, &mut Counts) -> Result;

const STEPS: [(&str, Step); 9] = [
    ("format", format),
    ("clippy", clippy),
    ("native tests", native_tests),
    ("server tests on PostgreSQL", postgres_tests),
    ("API fuzzing (schemathesis)", api_fuzzing),
    ("component tests (headless Chromium)", component_tests),
    ("end-to-end tests (Chromium)", end_to_end),
    ("end-to-end tests (Firefox ESR)", end_to_end_firefox),
    ("end-to-end tests (WebKitGTK)", end_to_end_webkit),
];

const E2E_DIR: &str = "tests/e2e";
const FUZZ_DIR: &str = "tests/schemathesis";

pub fn run(root: &Path) -> ExitCode {
    let mut finished: Vec<(Duration, Counts, bool)> = Vec::new();
    for (index, (name, step)) in STEPS.iter().enumerate() {
        println!("==> [{}/{}] {name}", index + 1, STEPS.len());
        let start = Instant::now();
        let mut counts = Counts::default();
        let outcome = step(root, &mut counts);
        if let Err(error) = &outcome {
            eprintln!("xtask: error: {error}");
            // A failed step is a failure even when it ran no tests (fmt, clippy, a build).
            counts.failed = counts.failed.max(1);
        }
        finished.push((start.elapsed(), counts, outcome.is_ok()));
        if outcome.is_err() {
            break;
        }
    }

    println!("==> results");
    let mut total = Counts::default();
    for (index, (name, _)) in STEPS.iter().enumerate() {
        let Some(&(duration, counts, ok)) = finished.get(index) else {
            println!("    {name:<36} {:>8}  not run", "-");
            continue;
        };
        total += counts;
        let status = if ok { "ok" } else { "FAILED" };
        let tests = if counts == Counts::default() {
            String::new()
        } else {
            format!("  ({} passed, {} failed)", counts.passed, counts.failed)
        };
        println!(
            "    {name:<36} {:>7.1}s  {status}{tests}",
            duration.as_secs_f64()
        );
    }
    if let Some(disk) = disk_use(&root.join("target")) {
        println!("    {disk}");
    }
    println!("summary: {} passed, {} failed", total.passed, total.failed);
    // Steps only go unrun after a failure, which is itself in `finished`.
    if finished.iter().all(|&(_, _, ok)| ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What the build left on disk and what is still free there: a CI machine once ran out of
/// disk mid-build, and this line tells how close a run came.
fn disk_use(target: &Path) -> Option<String> {
    let kib = |program: &str, args: &[&str], column: usize| -> Option<f64> {
        let output = Command::new(program).args(args).arg(target).output().ok()?;
        let text = String::from_utf8(output.stdout).ok()?;
        let line = text.lines().last()?;
        line.split_whitespace().nth(column)?.parse().ok()
    };
    let used = kib("du", &["-sk"], 0)?;
    let free = kib("df", &["-Pk"], 3)?;
    let gib = |kib: f64| kib / (1024.0 * 1024.0);
    Some(format!(
        "disk: target/ holds {:.1} GiB, {:.1} GiB free",
        gib(used),
        gib(free)
    ))
}

fn format(root: &Path, _: &mut Counts) -> Result {
    cmd::run(
        cmd::cargo()
            .args(["fmt", "--all", "--", "--check"])
            .current_dir(root),
    )
}

fn clippy(root: &Path, _: &mut Counts) -> Result {
    cmd::run(
        cmd::cargo()
            .args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])
            .current_dir(root),
    )
}

/// Everything but the SPA, whose tests only run in a browser (the next step). Passing tests'
/// own lines are shown: the authorization matrix and kill -9 say what they covered.
fn native_tests(root: &Path, counts: &mut Counts) -> Result {
    run_counted(
        cmd::cargo()
            .args([
                "test",
                "--workspace",
                "--exclude",
                "allot",
                "--",
                "--show-output",
            ])
            .current_dir(root),
        counts,
    )
}

/// The server's integration tests again, each test server on a new database of a throwaway
/// PostgreSQL cluster instead of a SQLite file; the tests of several servers over one
/// database run only here.
fn postgres_tests(root: &Path, counts: &mut Counts) -> Result {
    let cluster = postgres::TestCluster::start()?;
    run_counted(
        cmd::cargo()
            .args([
                "test",
                "-p",
                "allot-server",
                "--test",
                "*",
                "--",
                "--show-output",
            ])
            .env("ALLOT_TEST_POSTGRES", cluster.url())
            .current_dir(root),
        counts,
    )
}

/// A bounded, seeded schemathesis pass against a debug server, as an Owner and as an Admin,
/// and as an Owner on PostgreSQL.
fn api_fuzzing(root: &Path, counts: &mut Counts) -> Result {
    run_schemathesis(root, counts, &[])
}

/// `cargo xtask fuzz`: the same with many more examples and a random seed.
pub fn fuzz(root: &Path) -> ExitCode {
    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.as_secs())
            .to_string()
    });
    println!("==> schemathesis, seed {seed} (SCHEMATHESIS_SEED={seed} repeats this run)");
    let examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "200".into());
    let mut counts = Counts::default();
    let outcome = run_schemathesis(
        root,
        &mut counts,
        &[
            ("SCHEMATHESIS_SEED", seed.as_str()),
            ("SCHEMATHESIS_MAX_EXAMPLES", examples.as_str()),
        ],
    );
    println!(
        "summary: {} passed, {} failed",
        counts.passed, counts.failed
    );
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run_schemathesis(root: &Path, counts: &mut Counts, env: &[(&str, &str)]) -> Result {
    tools::ensure_node_packages(root)?;
    let schemathesis = tools::ensure_schemathesis(root)?;
    cmd::run(
        cmd::cargo()
            .args(["build", "-p", "allot-server"])
            .current_dir(root),
    )?;
    let files = node_test_files(root, Path::new(FUZZ_DIR))?;
    let cluster = postgres::TestCluster::start()?;
    let database = cluster.create_database("allot_fuzz")?;
    run_counted(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .args(files)
            .env("ALLOT_FUZZ_POSTGRES", database)
            .env("ALLOT_SERVER_BIN", root.join("target/debug/allot-server"))
            .env("ALLOT_SCHEMATHESIS", schemathesis)
            .envs(env.iter().copied())
            .current_dir(root),
        counts,
    )
}

fn component_tests(root: &Path, counts: &mut Counts) -> Result {
    tools::ensure_wasm_tools(root)?;
    let browser = tools::ensure_browser()?;
    run_counted(
        cmd::cargo()
            .args(["test", "-p", "allot", "--target", WASM_TARGET])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                tools::cargo_bin("wasm-bindgen-test-runner"),
            )
            .env("CHROMEDRIVER", &browser.chromedriver)
            .current_dir(root),
        counts,
    )
}

/// The release console served by a debug server (which reuses the test build's
/// dependencies), driven by Playwright from `node --test` in Debian's Chromium.
fn end_to_end(root: &Path, counts: &mut Counts) -> Result {
    let browser = tools::ensure_browser()?;
    // The cross-engine test's second browser.
    let firefox = tools::ensure_firefox()?;
    let env = [("CHROMIUM", browser.chromium), ("FIREFOX", firefox)];
    run_end_to_end(root, counts, "chromium", &env)
}

/// The same suite in Debian's Firefox ESR: one suite, every flow in each engine.
fn end_to_end_firefox(root: &Path, counts: &mut Counts) -> Result {
    let firefox = tools::ensure_firefox()?;
    let chromium = tools::ensure_browser()?.chromium;
    run_end_to_end(
        root,
        counts,
        "firefox",
        &[("FIREFOX", firefox), ("CHROMIUM", chromium)],
    )
}

/// The same suite in Debian's WebKitGTK, through its WebDriver. Its servers speak HTTPS
/// (WebKit keeps no `Secure` cookie from plain HTTP) with a certificate made here, which
/// the tests' own requests from Node trust too.
fn end_to_end_webkit(root: &Path, counts: &mut Counts) -> Result {
    let webkit = tools::ensure_webkit()?;
    let chromium = tools::ensure_browser()?.chromium;
    build_for_end_to_end(root)?;
    let [trust, certificate] =
        tools::test_certificate(root, &root.join("target/debug/allot-server"))?;
    let env = [
        ("WEBKIT", webkit),
        ("CHROMIUM", chromium),
        trust,
        certificate,
    ];
    run_end_to_end(root, counts, "webkit", &env)
}

/// The release console and the debug server the e2e tests run (nothing to do once built).
fn build_for_end_to_end(root: &Path) -> Result {
    tools::ensure_node_packages(root)?;
    tools::trunk_build(root)?;
    cmd::run(
        cmd::cargo()
            .args(["build", "-p", "allot-server"])
            .current_dir(root),
    )
}

/// Runs every e2e test file in `engine` (the harness's ALLOT_E2E_BROWSER), with `env` naming
/// its binaries and what else it needs; builds the console and the server first.
fn run_end_to_end(
    root: &Path,
    counts: &mut Counts,
    engine: &str,
    env: &[(&str, PathBuf)],
) -> Result {
    build_for_end_to_end(root)?;
    let files = node_test_files(root, Path::new(E2E_DIR))?;
    // Several servers over one database (several-servers.test.mjs).
    let cluster = postgres::TestCluster::start()?;
    let several_servers = cluster.create_database("allot_e2e")?;
    run_counted(
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .args(files)
            .env("ALLOT_E2E_POSTGRES", several_servers)
            .env("ALLOT_SERVER_BIN", root.join("target/debug/allot-server"))
            .env("ALLOT_DIST", root.join("dist"))
            .env("ALLOT_E2E_BROWSER", engine)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .current_dir(root),
        counts,
    )
}

/// Test files under `dir` (relative to `root`), named as `node --test` finds them by default.
/// Listed here because Node 21+ no longer searches a directory given on the command line.
fn node_test_files(root: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(root.join(&dir))
            .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
            let path = dir.join(entry.file_name());
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(path);
            } else if entry.file_name().to_str().is_some_and(is_node_test_file) {
                files.push(path);
            }
        }
    }
    if files.is_empty() {
        return Err(format!(
            "no test files (*.test.mjs, ...) in {}",
            dir.display()
        ));
    }
    files.sort();
    Ok(files)
}

/// Node's default test file names: `test.js`, `test-*.js`, `*.test.js`, `*-test.js` and
/// `*_test.js`, each also as `.mjs` and `.cjs`.
fn is_node_test_file(name: &str) -> bool {
    let Some(stem) = [".js", ".mjs", ".cjs"]
        .iter()
        .find_map(|extension| name.strip_suffix(extension))
    else {
        return false;
    };
    stem == "test"
        || stem.starts_with("test-")
        || [".test", "-test", "_test"]
            .iter()
            .any(|suffix| stem.ends_with(suffix))
}

/// Runs a test command, passing its stdout through as it arrives and counting the tests
/// its summary lines report. Stderr stays inherited, so cargo keeps its progress display.
fn run_counted(command: &mut Command, counts: &mut Counts) -> Result {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|error| cmd::spawn_error(command, &error))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut tee = CountingTee::new(io::stdout());
    let copied = io::copy(&mut stdout, &mut tee);
    *counts += tee.finish();
    // Wait even if copying failed, so the child is not left behind.
    let status = child
        .wait()
        .map_err(|error| cmd::spawn_error(command, &error))?;
    copied
        .map_err(|error| format!("passing on output of `{}`: {error}", cmd::describe(command)))?;
    cmd::check(command, status)
}

/// Tests passed and failed, as reported by the runners' own summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    passed: u64,
    failed: u64,
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

impl Counts {
    /// Reads libtest's `test result: ok. 3 passed; 1 failed; ...` (wasm-bindgen-test-runner
    /// prints the same) and node's `ℹ pass 3` / `ℹ fail 1` (spec) or `# pass 3` (TAP).
    /// Any other line counts nothing.
    fn from_line(line: &str) -> Self {
        let line = strip_ansi(line);
        if let Some((_, result)) = line.split_once("test result:") {
            let words: Vec<&str> = result
                .split_whitespace()
                .map(|word| word.trim_end_matches(';'))
                .collect();
            let count = |label: &str| {
                words
                    .windows(2)
                    .find(|pair| pair[1] == label)
                    .and_then(|pair| pair[0].parse().ok())
                    .unwrap_or(0)
            };
            return Self {
                passed: count("passed"),
                failed: count("failed"),
            };
        }
        let words: Vec<&str> = line
            .trim_start()
            .trim_start_matches(['ℹ', '#'])
            .split_whitespace()
            .collect();
        let number = |text: &str| text.parse().unwrap_or(0);
        match words[..] {
            ["pass", passed] => Self {
                passed: number(passed),
                failed: 0,
            },
            ["fail", failed] => Self {
                passed: 0,
                failed: number(failed),
            },
            _ => Self::default(),
        }
    }
}

/// Removes terminal colour codes (`ESC [ ... letter`), which runners add when
/// FORCE_COLOR and the like ask for them even on a pipe.
fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                chars.by_ref().find(|c| ('@'..='~').contains(c));
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

/// Passes bytes on to `out` immediately and counts tests line by line.
struct CountingTee<W> {
    out: W,
    line: Vec<u8>,
    counts: Counts,
}

impl<W: Write> CountingTee<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            line: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Counts the last line even when the output did not end with a newline.
    fn finish(mut self) -> Counts {
        self.end_line();
        self.counts
    }

    fn end_line(&mut self) {
        self.counts += Counts::from_line(&String::from_utf8_lossy(&self.line));
        self.line.clear();
    }
}

impl<W: Write> Write for CountingTee<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.out.write_all(bytes)?;
        self.out.flush()?;
        for &byte in bytes {
            if byte == b'\n' {
                self.end_line();
            } else {
                self.line.push(byte);
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passed: u64, failed: u64) -> Counts {
        Counts { passed, failed }
    }

    #[test]
    fn counts_libtest_summaries() {
        let ok = "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(Counts::from_line(ok), counts(12, 0));
        let failed =
            "test result: FAILED. 3 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out";
        assert_eq!(Counts::from_line(failed), counts(3, 2));
        let colored = "test result: \x1b[32mok\x1b[0m. 4 passed; 0 failed; 0 ignored";
        assert_eq!(Counts::from_line(colored), counts(4, 0));
    }

    #[test]
    fn counts_node_summaries() {
        assert_eq!(Counts::from_line("ℹ pass 7"), counts(7, 0));
        assert_eq!(Counts::from_line("ℹ fail 2"), counts(0, 2));
        assert_eq!(Counts::from_line("# pass 5"), counts(5, 0));
        assert_eq!(Counts::from_line("# fail 0"), counts(0, 0));
        assert_eq!(Counts::from_line("pass 3"), counts(3, 0));
        assert_eq!(Counts::from_line("\x1b[34mℹ pass 9\x1b[39m"), counts(9, 0));
    }

    #[test]
    fn ignores_other_lines() {
        for line in [
            "",
            "test pass ... ok",
            "ℹ tests 7",
            "ℹ duration_ms 812.5",
            "✔ signs in (120.3ms)",
            "running 3 tests",
        ] {
            assert_eq!(Counts::from_line(line), Counts::default(), "{line:?}");
        }
    }

    #[test]
    fn tee_passes_output_through_and_counts_lines_split_across_writes() {
        let mut tee = CountingTee::new(Vec::new());
        tee.write_all(b"running 2 tests\ntest result: ok. 2 pa")
            .unwrap();
        tee.write_all(b"ssed; 1 failed; 0 ignored\n\xe2\x84\xb9 pass 4")
            .unwrap();
        let output = tee.out.clone();
        assert_eq!(tee.finish(), counts(6, 1));
        assert_eq!(
            String::from_utf8(output).unwrap(),
            "running 2 tests\ntest result: ok. 2 passed; 1 failed; 0 ignored\nℹ pass 4"
        );
    }

    #[test]
    fn recognises_node_test_file_names() {
        for name in [
            "app.test.mjs",
            "login-test.js",
            "api_test.cjs",
            "test-flow.mjs",
            "test.js",
        ] {
            assert!(is_node_test_file(name), "{name}");
        }
        for name in [
            "helpers.mjs",
            "latest.mjs",
            "app.test.ts",
            "fixture.json",
            "contest.js",
        ] {
            assert!(!is_node_test_file(name), "{name}");
        }
    }
}
