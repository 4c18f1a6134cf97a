//! Minifies the stylesheets for the wasm: the sources keep their comments for people, while the
//! visitor's first download carries only the rules.

use std::error::Error;
use std::path::PathBuf;

/// Each `src/NAME.css` becomes `OUT_DIR/NAME.min.css`, which the code `include_str!`s.
const STYLESHEETS: &[&str] = &["styles", "optin/optin"];

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for name in STYLESHEETS {
        let source = format!("src/{name}.css");
        println!("cargo::rerun-if-changed={source}");
        let css =
            std::fs::read_to_string(&source).map_err(|e| format!("cannot read {source}: {e}"))?;
        let minified = minifier::css::minify(&css).map_err(|e| format!("{source}: {e}"))?;
        let out = out_dir.join(format!("{}.min.css", name.replace('/', "-")));
        std::fs::write(&out, minified.to_string())
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}
