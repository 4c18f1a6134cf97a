//! Minifies the banner's stylesheets: the sources keep their comments for people, while what
//! visitors fetch carries only the rules.

use std::error::Error;
use std::path::PathBuf;

/// Each `src/styles/PATH.css` becomes `OUT_DIR/NAME.min.css` (NAME: the file's own name), which
/// `lib.rs` includes.
const STYLESHEETS: &[&str] = &[
    "first",
    "second",
    "layouts/bar",
    "layouts/modal",
    "layouts/corner",
];

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    for name in STYLESHEETS {
        let source = format!("src/styles/{name}.css");
        println!("cargo::rerun-if-changed={source}");
        let css =
            std::fs::read_to_string(&source).map_err(|e| format!("cannot read {source}: {e}"))?;
        let minified = minifier::css::minify(&css).map_err(|e| format!("{source}: {e}"))?;
        let file = name.rsplit('/').next().unwrap_or(name);
        let out = out_dir.join(format!("{file}.min.css"));
        std::fs::write(&out, minified.to_string().trim())
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}
