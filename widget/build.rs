//! Minifies the form opt-in's stylesheet for the wasm: the source keeps its comments for people,
//! while the visitor's download carries only the rules. (The banner's own stylesheet is the
//! banner crate's; the loader carries it.)

use std::error::Error;
use std::path::PathBuf;

/// Each `src/NAME.css` becomes `OUT_DIR/NAME.min.css`, which the code `include_str!`s.
const STYLESHEETS: &[&str] = &["optin/optin"];

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for name in STYLESHEETS {
        let source = format!("src/{name}.css");
        println!("cargo::rerun-if-changed={source}");
        let css =
            std::fs::read_to_string(&source).map_err(|e| format!("cannot read {source}: {e}"))?;
        let minified = minifier::css::minify(&css).map_err(|e| format!("{source}: {e}"))?;
        let out = out_dir.join(format!("{}.min.css", name.replace('/', "-")));
        std::fs::write(&out, minified.to_string().trim())
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}
