//! Minifies the banner's stylesheet: the source keeps its comments for people, while what
//! visitors fetch carries only the rules.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let source = "src/styles.css";
    println!("cargo::rerun-if-changed={source}");
    let css = std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?;
    let minified = minifier::css::minify(&css).map_err(|e| format!("{source}: {e}"))?;
    let out = out_dir.join("styles.min.css");
    std::fs::write(&out, minified.to_string().trim())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(())
}
