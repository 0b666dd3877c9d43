//! Turns Trunk's output into what hosts use: `dist/allot.js`, the one stable-named module
//! (from `web/allot.js`, with the hashed names of the bindings, the wasm and the styles that
//! Trunk wrote), and `dist/index.html`, a host page holding `<allot-console>` (from
//! `web/index.html`). Trunk's own index.html, which loads the wasm itself, is replaced.
//! Every asset gets a brotli-11 and a gzip-9 copy beside it (`x.wasm.br`, `x.wasm.gz`),
//! which the server (or a CDN) sends as they are: what is served is what the bench measures,
//! not a quick on-the-fly compression.

use std::fs;
use std::io::Write;
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
    write("page.css", read("page.css")?)?;
    precompress(&dist)
}

/// Files worth compressing: the code, styles and icons (the host page is tiny and rewritten
/// by those who embed the console).
const COMPRESSED: [&str; 4] = [".wasm", ".js", ".css", ".svg"];

fn precompress(dist: &Path) -> Result {
    let entries =
        fs::read_dir(dist).map_err(|error| format!("cannot list {}: {error}", dist.display()))?;
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        let name = path.to_string_lossy();
        if !COMPRESSED.iter().any(|ext| name.ends_with(ext)) {
            continue;
        }
        let bytes = fs::read(&path).map_err(|error| format!("cannot read {name}: {error}"))?;
        let write = |ext: &str, data: Vec<u8>| {
            fs::write(format!("{name}.{ext}"), data)
                .map_err(|error| format!("cannot write {name}.{ext}: {error}"))
        };
        write("br", brotli_11(&bytes)?)?;
        write("gz", gzip_9(&bytes)?)?;
    }
    Ok(())
}

fn brotli_11(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|error| format!("brotli failed: {error}"))?;
    Ok(out)
}

fn gzip_9(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|error| format!("gzip failed: {error}"))
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
