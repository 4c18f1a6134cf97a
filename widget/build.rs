//! Minifies the banner's stylesheet for the wasm: the source keeps its comments for people,
//! while the visitor's first download carries only the rules (some 2.5 KB of raw wasm).

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let source = "src/styles.css";
    println!("cargo::rerun-if-changed={source}");
    let css = std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?;
    let minified = minifier::css::minify(&css).map_err(|e| format!("{source}: {e}"))?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("styles.min.css");
    std::fs::write(&out, minified.to_string())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(())
}
