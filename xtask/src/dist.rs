//! Turns Trunk's output into what hosts use: `dist/allot.js`, the one stable-named module
//! (from `web/allot.js`, with the hashed names of the bindings, the wasm and the styles that
//! Trunk wrote), and `dist/index.html`, a host page holding `<allot-console>` (from
//! `web/index.html`). Trunk's own index.html, which loads the wasm itself, is replaced.

use std::fs;
use std::path::Path;

use crate::Result;

/// The files Trunk names with a content hash, found in `dist/`.
#[derive(Debug, PartialEq, Eq)]
struct Built {
    bindings: String,
    wasm: String,
    styles: String,
    favicon: String,
}

pub fn finish(root: &Path) -> Result {
    let dist = root.join("dist");
    let names: Vec<String> = fs::read_dir(&dist)
        .map_err(|error| format!("cannot list {}: {error}", dist.display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let built = find(&names)?;
    let read = |name: &str| {
        let path = root.join("web").join(name);
        fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))
    };
    let write = |name: &str, text: String| {
        let path = dist.join(name);
        fs::write(&path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
    };
    write(
        "allot.js",
        read("allot.js")?
            .replace("__BINDINGS__", &built.bindings)
            .replace("__WASM__", &built.wasm)
            .replace("__STYLES__", &built.styles),
    )?;
    write(
        "index.html",
        read("index.html")?.replace("__FAVICON__", &built.favicon),
    )?;
    write("page.css", read("page.css")?)
}

/// Trunk's hashed files among `names`: exactly one of each, or Trunk's output is not what
/// this expects.
fn find(names: &[String]) -> Result<Built> {
    let one = |what: &str, matches: &dyn Fn(&str) -> bool| {
        let found: Vec<&String> = names.iter().filter(|name| matches(name)).collect();
        match found[..] {
            [name] => Ok(name.clone()),
            _ => Err(format!(
                "dist/ should hold exactly one {what}, not {found:?}: did Trunk's output change?"
            )),
        }
    };
    let hashed = |name: &str, prefix: &str, suffix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(is_hash)
    };
    Ok(Built {
        bindings: one("wasm-bindgen module (allot-<hash>.js)", &|name| {
            hashed(name, "allot-", ".js")
        })?,
        wasm: one("wasm file (allot-<hash>_bg.wasm)", &|name| {
            hashed(name, "allot-", "_bg.wasm")
        })?,
        styles: one("style sheet (main-<hash>.css)", &|name| {
            hashed(name, "main-", ".css")
        })?,
        favicon: one("icon (favicon-<hash>.svg)", &|name| {
            hashed(name, "favicon-", ".svg")
        })?,
    })
}

/// Trunk's content hash: a 64-bit number in hex, without leading zeros.
fn is_hash(text: &str) -> bool {
    (1..=16).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn finds_each_hashed_file_of_trunks_output() {
        let dist = names(&[
            "index.html",
            "allot-0123456789abcdef.js",
            "allot-d464e5433c32948_bg.wasm",
            "main-fedcba9876543210.css",
            "favicon-00112233445566aa.svg",
            "allot.js",
        ]);
        assert_eq!(
            find(&dist).unwrap(),
            Built {
                bindings: "allot-0123456789abcdef.js".into(),
                // Leading zeros of the hash are left out.
                wasm: "allot-d464e5433c32948_bg.wasm".into(),
                styles: "main-fedcba9876543210.css".into(),
                favicon: "favicon-00112233445566aa.svg".into(),
            }
        );
    }

    #[test]
    fn refuses_missing_or_doubled_files() {
        let missing = names(&["allot-0123456789abcdef.js"]);
        assert!(find(&missing).unwrap_err().contains("wasm file"));
        let doubled = names(&[
            "allot-0123456789abcdef.js",
            "allot-1123456789abcdef.js",
            "allot-0123456789abcdef_bg.wasm",
            "main-fedcba9876543210.css",
            "favicon-00112233445566aa.svg",
        ]);
        assert!(find(&doubled).unwrap_err().contains("wasm-bindgen module"));
    }
}
