//! `cargo xtask size`: what the console's bytes are made of. Builds it for release, then
//! prints the size of each served file (raw and as sent, brotli) and twiggy's view of the
//! wasm before wasm-bindgen and wasm-opt (which keep no names): the largest items, and the
//! generic functions with the most bytes in copies.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::{Result, cmd, tools};

/// The wasm as rustc wrote it for Trunk's release profile, names and all.
const UNOPTIMISED: &str = "target/wasm32-unknown-unknown/wasm-release/allot.wasm";

pub fn run(root: &Path) -> Result {
    tools::ensure_wasm_tools(root)?;
    tools::ensure_node_packages(root)?;
    let twiggy = tools::ensure_twiggy()?;
    println!("==> building the console (release)");
    tools::trunk_build(root)?;
    served(&root.join("dist"))?;
    let wasm = root.join(UNOPTIMISED);
    println!("\n==> largest items (twiggy top; sizes before wasm-opt)");
    cmd::run(Command::new(&twiggy).args(["top", "-n", "30"]).arg(&wasm))?;
    println!("\n==> generic functions by the bytes of their copies (twiggy monos)");
    cmd::run(
        Command::new(&twiggy)
            .args(["monos", "-m", "20", "-n", "0"])
            .arg(&wasm),
    )
}

/// Each file the console is served as, with its brotli copy: what a first visit downloads.
fn served(dist: &Path) -> Result {
    let mut names: Vec<String> = fs::read_dir(dist)
        .map_err(|error| format!("cannot list {}: {error}", dist.display()))?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| {
            [".wasm", ".js", ".css"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
        .collect();
    names.sort();
    let size = |name: &str| fs::metadata(dist.join(name)).map_or(0, |m| m.len());
    println!("\n==> served files (raw → brotli-11, as sent)");
    let mut total = (0, 0);
    for name in &names {
        let (raw, brotli) = (size(name), size(&format!("{name}.br")));
        total = (total.0 + raw, total.1 + brotli);
        println!("{:>10} → {:>8}  {name}", raw, brotli);
    }
    println!("{:>10} → {:>8}  total", total.0, total.1);
    Ok(())
}
