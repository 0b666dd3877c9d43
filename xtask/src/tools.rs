//! Installs what the build and the tests need, and only what is missing, so that a machine
//! that already has everything starts in seconds.

use std::env;
use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cmd};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.22.1";
const TWIGGY_VERSION: &str = "0.8.0";
/// `node --test --test-concurrency` needs 20.10.
const MIN_NODE: [u32; 3] = [20, 10, 0];
/// The API fuzzer, pinned so that a run means the same on every machine.
const SCHEMATHESIS_VERSION: &str = "4.32.5";

pub fn setup(root: &Path) -> Result {
    ensure_wasm_tools(root)?;
    ensure_browser()?;
    ensure_firefox()?;
    ensure_webkit()?;
    ensure_node_packages(root)?;
    ensure_schemathesis(root).map(drop)
}

/// schemathesis in a virtual environment of its own under `target/`, installed from PyPI
/// when missing; returns the path of its command.
pub fn ensure_schemathesis(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target/tools/schemathesis");
    let program = venv.join("bin/schemathesis");
    let installed = cmd::stdout(Command::new(&program).arg("--version"));
    if installed.as_deref().and_then(version_in) == Some(SCHEMATHESIS_VERSION) {
        report("schemathesis", format!("ok ({SCHEMATHESIS_VERSION})"));
        return Ok(program);
    }
    report(
        "schemathesis",
        format!("installing {SCHEMATHESIS_VERSION} into {}", venv.display()),
    );
    let create = || {
        cmd::run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
        )
    };
    if create().is_err() {
        // Debian's python3 makes virtual environments only with python3-venv.
        if !is_root() {
            return Err("python3 cannot make a virtual environment: install python3-venv".into());
        }
        apt_install(&["python3-venv"])?;
        create()?;
    }
    cmd::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")),
    )?;
    Ok(program)
}

/// The wasm32 target, wasm-bindgen-cli at the Cargo.lock version and Trunk.
pub fn ensure_wasm_tools(root: &Path) -> Result {
    ensure_wasm_target()?;
    let lock_path = root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .map_err(|error| format!("cannot read {}: {error}", lock_path.display()))?;
    let wasm_bindgen = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no wasm-bindgen package; is the workspace manifest complete?")?;
    // Must equal the library's version exactly, or Trunk tries to download its own and fails
    // offline. No `--locked`: the registry snapshot here lacks one of its locked dependencies.
    ensure_cargo_tool(&CargoTool {
        binary: "wasm-bindgen",
        package: "wasm-bindgen-cli",
        version: wasm_bindgen,
        flags: &[],
        duration: "about 3 minutes",
    })?;
    // 0.22 declares rustc 1.96.1 but builds and runs fine on older toolchains.
    ensure_cargo_tool(&CargoTool {
        binary: "trunk",
        package: "trunk",
        version: TRUNK_VERSION,
        flags: &["--locked", "--ignore-rust-version"],
        duration: "10-16 minutes on a fresh machine",
    })
}

/// twiggy, which says what the console's wasm is made of (`cargo xtask size`).
pub fn ensure_twiggy() -> Result<PathBuf> {
    ensure_cargo_tool(&CargoTool {
        binary: "twiggy",
        package: "twiggy",
        version: TWIGGY_VERSION,
        flags: &["--locked"],
        duration: "about 2 minutes",
    })?;
    Ok(cargo_bin("twiggy"))
}

/// A binary that `cargo install` puts in `$CARGO_HOME/bin`.
pub fn cargo_bin(name: &str) -> PathBuf {
    cargo_home()
        .join("bin")
        .join(format!("{name}{}", env::consts::EXE_SUFFIX))
}

/// `trunk build --release`, with npm's wasm-opt and cargo's wasm-bindgen first on PATH
/// (Trunk.toml pins both and forbids downloads, so Trunk must find exactly these), then
/// `dist/allot.js` and the host page around Trunk's output.
pub fn trunk_build(root: &Path) -> Result {
    let inherited = env::var_os("PATH").unwrap_or_default();
    let path = env::join_paths(
        [root.join("node_modules/.bin"), cargo_home().join("bin")]
            .into_iter()
            .chain(env::split_paths(&inherited)),
    )
    .map_err(|error| format!("cannot build PATH for trunk: {error}"))?;
    cmd::run(
        Command::new(cargo_bin("trunk"))
            .args(["build", "--release"])
            .env("PATH", path)
            .current_dir(root),
    )?;
    crate::dist::finish(root)
}

pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl Browser {
    /// The paths that do not exist, for a message; empty when both do.
    fn missing(&self) -> String {
        [&self.chromium, &self.chromedriver]
            .into_iter()
            .filter(|path| !path.is_file())
            .map(|path| path.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// Chromium and its WebDriver, from `CHROMIUM`/`CHROMEDRIVER` or Debian's packages.
pub fn ensure_browser() -> Result<Browser> {
    let path_from =
        |var, default| env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from);
    let browser = Browser {
        chromium: path_from("CHROMIUM", "/usr/bin/chromium"),
        chromedriver: path_from("CHROMEDRIVER", "/usr/bin/chromedriver"),
    };
    let missing = browser.missing();
    if !missing.is_empty() {
        if !is_root() {
            return Err(format!(
                "{missing} not found: install Debian's chromium and chromium-driver (as root: \
                 apt-get install chromium chromium-driver), or point CHROMIUM and CHROMEDRIVER \
                 at a browser and its matching driver"
            ));
        }
        report(
            "chromium",
            "installing chromium and chromium-driver with apt-get",
        );
        apt_install(&["chromium", "chromium-driver"])?;
        let missing = browser.missing();
        if !missing.is_empty() {
            return Err(format!(
                "{missing} still not found after apt-get install; \
                 set CHROMIUM and CHROMEDRIVER"
            ));
        }
    }
    for (name, path) in [
        ("chromium", &browser.chromium),
        ("chromedriver", &browser.chromedriver),
    ] {
        let version = cmd::stdout(Command::new(path).arg("--version"));
        let version = version
            .as_deref()
            .and_then(version_in)
            .unwrap_or("version unknown");
        report(name, format!("ok ({version}, {})", path.display()));
    }
    Ok(browser)
}

/// Firefox ESR, from `FIREFOX` or Debian's `firefox-esr` (installed when missing, as root).
/// Playwright drives it over WebDriver BiDi (its `moz-firefox` channel): no driver binary.
pub fn ensure_firefox() -> Result<PathBuf> {
    let firefox =
        env::var_os("FIREFOX").map_or_else(|| PathBuf::from("/usr/bin/firefox-esr"), PathBuf::from);
    if !firefox.is_file() {
        if !is_root() {
            return Err(format!(
                "{} not found: install Debian's firefox-esr (as root: apt-get install \
                 firefox-esr), or point FIREFOX at a Firefox",
                firefox.display()
            ));
        }
        report("firefox", "installing firefox-esr with apt-get");
        apt_install(&["firefox-esr"])?;
        if !firefox.is_file() {
            return Err(format!(
                "{} still not found after apt-get install; set FIREFOX",
                firefox.display()
            ));
        }
    }
    let version = cmd::stdout(Command::new(&firefox).arg("--version"));
    let version = version
        .as_deref()
        .and_then(version_in)
        .unwrap_or("version unknown");
    report("firefox", format!("ok ({version}, {})", firefox.display()));
    Ok(firefox)
}

/// A self-signed certificate for 127.0.0.1 made by `server` (`allot-server dev-cert`) into
/// target/e2e-tls, as the variables the browser scripts read: ALLOT_E2E_TLS (the folder,
/// for the servers they start) and NODE_EXTRA_CA_CERTS (so that Node's own requests trust it).
/// WebKit needs HTTPS to keep the session cookie.
pub fn test_certificate(root: &Path, server: &Path) -> Result<[(&'static str, PathBuf); 2]> {
    let dir = root.join("target/e2e-tls");
    cmd::run(Command::new(server).args(["dev-cert", "--out"]).arg(&dir))?;
    Ok([
        ("NODE_EXTRA_CA_CERTS", dir.join("cert.pem")),
        ("ALLOT_E2E_TLS", dir),
    ])
}

/// WebKitGTK (Safari's engine) and its WebDriver, `WebKitWebDriver`, with Xvfb for a display
/// when there is none: Debian's `webkit2gtk-driver` and `xvfb` (installed when missing, as
/// root). Returns WebKitGTK's MiniBrowser, the browser its WebDriver starts.
pub fn ensure_webkit() -> Result<PathBuf> {
    let found = || {
        let browser = minibrowser();
        let missing: Vec<&str> = [
            ("WebKitWebDriver", on_path("WebKitWebDriver")),
            ("MiniBrowser", browser.is_some()),
            ("Xvfb", on_path("Xvfb") || env::var_os("DISPLAY").is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| (!present).then_some(name))
        .collect();
        (browser, missing)
    };
    let (mut browser, mut missing) = found();
    if !missing.is_empty() {
        if !is_root() {
            return Err(format!(
                "{} not found: install Debian's webkit2gtk-driver and xvfb (as root: apt-get \
                 install webkit2gtk-driver xvfb)",
                missing.join(", ")
            ));
        }
        report(
            "webkit",
            "installing webkit2gtk-driver and xvfb with apt-get",
        );
        apt_install(&["webkit2gtk-driver", "xvfb"])?;
        (browser, missing) = found();
        if !missing.is_empty() {
            return Err(format!(
                "{} still not found after apt-get install",
                missing.join(", ")
            ));
        }
    }
    let browser = browser.expect("MiniBrowser was found");
    let version =
        cmd::stdout(Command::new("dpkg-query").args(["-W", "-f=${Version}", "webkit2gtk-driver"]));
    let version = version
        .as_deref()
        .and_then(version_in)
        .unwrap_or("version unknown");
    report(
        "webkit",
        format!("ok (WebKitGTK {version}, {})", browser.display()),
    );
    Ok(browser)
}

/// WebKitGTK's MiniBrowser: `WEBKIT`, or where Debian's libwebkit2gtk-4.1 puts it.
fn minibrowser() -> Option<PathBuf> {
    if let Some(path) = env::var_os("WEBKIT") {
        return Some(PathBuf::from(path));
    }
    fs::read_dir("/usr/lib")
        .ok()?
        .flatten()
        .map(|dir| dir.path().join("webkit2gtk-4.1/MiniBrowser"))
        .find(|path| path.is_file())
}

fn on_path(program: &str) -> bool {
    env::var_os("PATH")
        .is_some_and(|path| env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Node.js new enough for the e2e runner, and `node_modules` matching package-lock.json
/// (binaryen's wasm-opt for Trunk, Playwright and axe for the e2e tests).
pub fn ensure_node_packages(root: &Path) -> Result {
    let output = cmd::stdout(Command::new("node").arg("--version"))
        .ok_or("Node.js not found: install Node.js 20.10 or newer, with npm")?;
    let version = version_in(&output).unwrap_or("unknown");
    if parse_version(version).is_none_or(|parsed| parsed < MIN_NODE) {
        return Err(format!("found Node.js {version}, need 20.10 or newer"));
    }
    report("node", format!("ok ({version})"));

    let lock = root.join("package-lock.json");
    // npm writes this copy of the lock when it installs, so it dates the last install.
    let installed = root.join("node_modules/.package-lock.json");
    let npm_command = if !lock.exists() {
        "install"
    } else if is_older(&installed, &lock) {
        "ci"
    } else {
        report(
            "node packages",
            "ok (installed since package-lock.json last changed)",
        );
        return Ok(());
    };
    report("node packages", format!("running npm {npm_command}"));
    cmd::run(
        Command::new("npm")
            .args([npm_command, "--no-audit", "--no-fund"])
            .current_dir(root),
    )
}

fn ensure_wasm_target() -> Result {
    let installed = cmd::stdout(Command::new("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|targets| targets.lines().any(|line| line.trim() == WASM_TARGET)) {
        report(WASM_TARGET, "ok (installed)");
        return Ok(());
    }
    report(WASM_TARGET, "installing with rustup");
    cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

struct CargoTool<'a> {
    binary: &'a str,
    package: &'a str,
    version: &'a str,
    flags: &'a [&'a str],
    duration: &'a str,
}

fn ensure_cargo_tool(tool: &CargoTool) -> Result {
    let path = cargo_bin(tool.binary);
    let output = cmd::stdout(Command::new(&path).arg("--version"));
    if output.as_deref().and_then(version_in) == Some(tool.version) {
        report(tool.binary, format!("ok ({})", tool.version));
        return Ok(());
    }
    report(
        tool.binary,
        format!(
            "installing {} {} with cargo install ({})",
            tool.package, tool.version, tool.duration
        ),
    );
    let mut install = cmd::cargo();
    install
        .args(["install", tool.package, "--version", tool.version])
        .args(tool.flags)
        // Explicit root, so the binary lands where `cargo_bin` looks for it.
        .arg("--root")
        .arg(cargo_home())
        // These are build tools, not the product: Trunk's own profile (fat LTO, one codegen
        // unit) makes a fresh machine wait over 20 minutes for a few percent of speed.
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
    if path.exists() {
        // Replace the other version instead of refusing to overwrite it.
        install.arg("--force");
    }
    cmd::run(&mut install)
}

fn cargo_home() -> PathBuf {
    env::var_os("CARGO_HOME").map_or_else(
        || env::home_dir().unwrap_or_default().join(".cargo"),
        PathBuf::from,
    )
}

pub fn report(tool: &str, status: impl Display) {
    println!("xtask: {tool:<24} {status}");
}

/// Installs Debian's `packages` (as root).
pub fn apt_install(packages: &[&str]) -> Result {
    cmd::run(Command::new("apt-get").args(["update", "-q"]))?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "-q"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

pub fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| effective_uid(&status))
        == Some(0)
}

/// The effective uid from /proc/self/status (`Uid:` lists real, effective, saved, fs).
fn effective_uid(status: &str) -> Option<u32> {
    let uids = status.lines().find_map(|line| line.strip_prefix("Uid:"))?;
    uids.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `path` is missing or was modified before `reference`.
fn is_older(path: &Path, reference: &Path) -> bool {
    let modified = |path: &Path| fs::metadata(path).and_then(|meta| meta.modified()).ok();
    match (modified(path), modified(reference)) {
        (Some(path), Some(reference)) => path < reference,
        _ => true,
    }
}

/// The `version = "…"` of `package` in a Cargo.lock.
fn locked_version<'a>(lock: &'a str, package: &str) -> Option<&'a str> {
    lock.split("[[package]]").find_map(|entry| {
        let field = |key: &str| {
            entry.lines().find_map(|line| {
                line.strip_prefix(key)?
                    .strip_prefix(" = \"")?
                    .strip_suffix('"')
            })
        };
        (field("name") == Some(package))
            .then(|| field("version"))
            .flatten()
    })
}

/// The first word that looks like a version, as in `trunk 0.22.1` or `v20.20.2`.
fn version_in(text: &str) -> Option<&str> {
    text.split_whitespace()
        .map(|word| word.strip_prefix('v').unwrap_or(word))
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))
}

/// `major.minor.patch`, missing parts as 0, so that arrays compare like versions.
fn parse_version(version: &str) -> Option<[u32; 3]> {
    let mut parts = version.split('.').map(str::parse);
    let mut parsed = [parts.next()?.ok()?, 0, 0];
    for (slot, part) in parsed[1..].iter_mut().zip(parts) {
        *slot = part.ok()?;
    }
    Some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.129"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen",
]

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn finds_the_locked_version_of_the_exact_package() {
        assert_eq!(locked_version(LOCK, "wasm-bindgen"), Some("0.2.130"));
        assert_eq!(locked_version(LOCK, "wasm-bindgen-macro"), Some("0.2.129"));
        assert_eq!(locked_version(LOCK, "trunk"), None);
    }

    #[test]
    fn reads_versions_from_tool_output() {
        assert_eq!(version_in("trunk 0.22.1\n"), Some("0.22.1"));
        assert_eq!(version_in("wasm-bindgen 0.2.130"), Some("0.2.130"));
        assert_eq!(version_in("v20.20.2\n"), Some("20.20.2"));
        assert_eq!(
            version_in("Chromium 156.0.8078.79 built on Debian GNU/Linux 12"),
            Some("156.0.8078.79")
        );
        assert_eq!(version_in("no version here"), None);
    }

    #[test]
    fn compares_versions_numerically() {
        assert_eq!(parse_version("20.20.2"), Some([20, 20, 2]));
        assert_eq!(parse_version("22"), Some([22, 0, 0]));
        assert_eq!(parse_version("x.1"), None);
        assert!(parse_version("20.10.0").unwrap() >= MIN_NODE);
        assert!(parse_version("20.9.9").unwrap() < MIN_NODE);
        assert!(parse_version("20.20.2").unwrap() >= MIN_NODE);
        assert!(parse_version("100.0.0").unwrap() >= MIN_NODE);
    }

    #[test]
    fn reads_the_effective_uid() {
        let status = "Name:\txtask\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";
        assert_eq!(effective_uid(status), Some(0));
        assert_eq!(effective_uid("Name:\txtask\n"), None);
    }
}
