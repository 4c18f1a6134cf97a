//! `cargo xtask dist`: the widget as the collector serves it.
//!
//! Builds the wasm, generates its JS glue with wasm-bindgen (`--target web`), shrinks it with
//! `wasm-opt -Oz`, minifies the JS with terser, and writes every file under `OUT/assets/<build>/`, where `<build>` hashes
//! the files themselves: asset paths never change meaning, so they are cached for good. Beside
//! them, `manifest.json` tells the collector the paths, and `loader.js` is the minified loader template.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use sha2::{Digest as _, Sha256};

use crate::tools;

#[derive(clap::Args)]
pub struct Args {
    /// Where to write the result [default: target/dist]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep function names in the wasm, for size analysis with `twiggy` (bigger output)
    #[arg(long)]
    keep_names: bool,
}

impl Args {
    /// Build into `out`, as `cargo xtask test` and `cargo xtask demo` do.
    pub fn writing_to(out: PathBuf) -> Self {
        Self {
            out: Some(out),
            keep_names: false,
        }
    }
}

/// wasm-opt must know the features rustc's wasm32 target enables, or it refuses the module.
const WASM_OPT_FLAGS: &[&str] = &[
    "-Oz",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
    "--strip-producers",
    "--strip-target-features",
    // True of a module rustc links for the browser: its data starts above the stack, far from
    // address 0, and a new memory is zeroed. Together some 250 B of brotli.
    "--low-memory-unused",
    "--zero-filled-memory",
];

/// A configuration like the demo's, for sizing the loader's code: the demo's settings and its
/// words in both languages, without the first layer and stylesheet the collector adds per site.
const SAMPLE_CONFIG: &str = r#"{"site":"demo","version":3,"consentDays":365,"refusalDays":183,"app":"/assets/0123456789ab/samtycke_widget.js","wasm":"/assets/0123456789ab/samtycke_widget_bg.wasm","disclosure":"0123456789ab","lang":"en","words":{"en":{"settings":"Privacy settings","load":"Load after consent","provider":"Provider:","names":{"ads":"Personalised advertising","analytics":"Statistics","media":"Embedded videos"}},"sv":{"settings":"Integritetsinställningar","load":"Ladda efter samtycke","provider":"Leverantör:","names":{"ads":"Personlig annonsering","analytics":"Statistik","media":"Inbäddade videoklipp"}}}}"#;

pub fn run(args: &Args) -> anyhow::Result<()> {
    let root = crate::root();
    let out = args.out.clone().unwrap_or_else(|| root.join("target/dist"));
    build_with(&root, &out, args.keep_names)
}

fn build_with(root: &Path, out: &Path, keep_names: bool) -> anyhow::Result<()> {
    let target = crate::target_dir();
    tools::ensure_wasm_target()?;
    let wasm_opt = tools::wasm_opt(&target.join("tools"))?;
    let wasm = build_wasm(root, &target)?;
    let staging = target.join("xtask/dist");
    bindgen(&wasm, &staging, keep_names)?;
    shrink(
        &wasm_opt,
        &staging.join("samtycke_widget_bg.wasm"),
        keep_names,
    )?;
    let terser = tools::terser(&target.join("tools"))?;
    if !keep_names {
        minify_modules(&terser, &staging)?;
    }
    let (build, sizes) = publish(&staging, out)?;

    let loader = minify(&terser, &root.join("www/loader.js"), Script::Classic)?;
    write(&out.join("loader.js"), &loader)?;
    let served = String::from_utf8_lossy(&loader).replacen("__SAMTYCKE_CONFIG__", SAMPLE_CONFIG, 1);
    let loader = Size::of(
        Path::new("loader.js (code, sample config; no first layer)"),
        served.as_bytes(),
    )?;

    report(out, &build, &loader, &sizes);
    build_console(root, &target, &wasm_opt, &terser, out)?;
    Ok(())
}

/// The console (`collector/console`): its wasm, glue and stylesheet under
/// `OUT/console/assets/<build>/` with a `boot.js` that starts it, and `OUT/console.json`.
fn build_console(
    root: &Path,
    target: &Path,
    wasm_opt: &Path,
    terser: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    tools::run(tools::cargo().current_dir(root).args([
        "build",
        "-p",
        "samtycke-console",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))
    .context("cannot build the console")?;
    let wasm = target.join("wasm32-unknown-unknown/wasm-release/samtycke_console.wasm");
    let staging = target.join("xtask/console");
    bindgen(&wasm, &staging, false)?;
    shrink(wasm_opt, &staging.join("samtycke_console_bg.wasm"), false)?;
    minify_modules(terser, &staging)?;
    write(
        &staging.join("boot.js"),
        b"import init from './samtycke_console.js';\n\
          init({ module_or_path: new URL('./samtycke_console_bg.wasm', import.meta.url) });\n",
    )?;
    write(
        &staging.join("console.css"),
        &read(&root.join("collector/console/console.css"))?,
    )?;
    let files = files_under(&staging)?;
    let build = build_id(&staging, &files)?;
    let assets = out.join("console/assets");
    recreate(&assets)?;
    let dir = assets.join(&build);
    println!("\nconsole build {build}\n");
    for file in &files {
        let bytes = read(&staging.join(file))?;
        let to = dir.join(file);
        if let Some(parent) = to.parent() {
            create_dir(parent)?;
        }
        let size = Size::of(file, &bytes)?;
        println!(
            "{:<58} {:>9} {:>9} {:>9}",
            size.name,
            size.raw,
            size.gzip.len(),
            size.brotli.len()
        );
        write(&to, &bytes)?;
        write(&sibling(&to, "gz"), &size.gzip)?;
        write(&sibling(&to, "br"), &size.brotli)?;
    }
    let manifest = format!(
        "{{\"module\":\"/console/assets/{build}/boot.js\",\"style\":\"/console/assets/{build}/console.css\"}}\n"
    );
    write(&out.join("console.json"), manifest.as_bytes())?;
    Ok(())
}

/// `cargo build` of the widget for wasm32; returns the `.wasm`.
fn build_wasm(root: &Path, target: &Path) -> anyhow::Result<PathBuf> {
    tools::run(tools::cargo().current_dir(root).args([
        "build",
        "-p",
        "samtycke-widget",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))
    .context("cannot build the widget")?;
    Ok(target.join("wasm32-unknown-unknown/wasm-release/samtycke_widget.wasm"))
}

/// The JS glue for `--target web` (an ES module whose default export loads the wasm), the
/// processed wasm, and the JS snippets the crate binds (`widget/js/bridge.js`).
fn bindgen(wasm: &Path, staging: &Path, keep_names: bool) -> anyhow::Result<()> {
    recreate(staging)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .typescript(false)
        .remove_name_section(!keep_names)
        .remove_producers_section(true)
        .generate(staging)
        .with_context(|| format!("wasm-bindgen cannot process {}", wasm.display()))
}

/// `wasm-opt -Oz` in place.
fn shrink(wasm_opt: &Path, wasm: &Path, keep_names: bool) -> anyhow::Result<()> {
    let names = if keep_names {
        "--debuginfo"
    } else {
        "--strip-debug"
    };
    tools::run(
        Command::new(wasm_opt)
            .args(WASM_OPT_FLAGS)
            .arg(names)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
    .context("wasm-opt failed")
}

/// How a browser runs a script, which decides what terser may rename.
#[derive(Clone, Copy)]
enum Script {
    /// A classic script (the loader): its top-level names are globals and stay.
    Classic,
    /// An ES module (the wasm-bindgen glue and the crate's JS snippets): only its exports are
    /// seen from outside, so everything else may be renamed.
    Module,
}

/// The JS wasm-bindgen wrote, minified in place: some 3 KB of brotli on a first visit that the
/// browser would otherwise fetch as comments and long names.
fn minify_modules(terser: &Path, staging: &Path) -> anyhow::Result<()> {
    for file in files_under(staging)? {
        if file.extension().is_some_and(|e| e == "js") {
            let path = staging.join(file);
            let minified = minify(terser, &path, Script::Module)?;
            write(&path, &minified)?;
        }
    }
    Ok(())
}

/// One script, minified. In the loader the config token stays untouched: an undeclared global,
/// which terser never renames.
fn minify(terser: &Path, script: &Path, kind: Script) -> anyhow::Result<Vec<u8>> {
    let mut command = Command::new(terser);
    command
        .arg(script)
        .args(["--ecma", "2020", "--compress", "passes=2", "--mangle"]);
    if let Script::Module = kind {
        command.arg("--module");
    }
    let output = command
        .output()
        .with_context(|| format!("cannot start {}", terser.display()))?;
    if !output.status.success() {
        bail!(
            "terser cannot minify {}: {}",
            script.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// Copies the staged files to `OUT/assets/<build>/` with `.gz` and `.br` siblings, and writes
/// `OUT/manifest.json`. Earlier builds in `OUT/assets` are removed.
fn publish(staging: &Path, out: &Path) -> anyhow::Result<(String, Vec<Size>)> {
    let files = files_under(staging)?;
    let build = build_id(staging, &files)?;
    let assets = out.join("assets");
    recreate(&assets)?;
    let dir = assets.join(&build);
    let mut sizes = Vec::new();
    for file in &files {
        let bytes = read(&staging.join(file))?;
        let to = dir.join(file);
        if let Some(parent) = to.parent() {
            create_dir(parent)?;
        }
        let size = Size::of(file, &bytes)?;
        write(&to, &bytes)?;
        write(&sibling(&to, "gz"), &size.gzip)?;
        write(&sibling(&to, "br"), &size.brotli)?;
        sizes.push(size);
    }
    let manifest = format!(
        "{{\"app\":\"/assets/{build}/samtycke_widget.js\",\"wasm\":\"/assets/{build}/samtycke_widget_bg.wasm\"}}\n"
    );
    write(&out.join("manifest.json"), manifest.as_bytes())?;
    Ok((build, sizes))
}

/// Raw, gzip (best) and brotli (quality 11) forms of one file.
struct Size {
    name: String,
    raw: usize,
    gzip: Vec<u8>,
    brotli: Vec<u8>,
}

impl Size {
    fn of(name: &Path, bytes: &[u8]) -> anyhow::Result<Self> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes)?;
        let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
        br.write_all(bytes)?;
        Ok(Self {
            name: name.display().to_string(),
            raw: bytes.len(),
            gzip: gz.finish()?,
            brotli: br.into_inner(),
        })
    }
}

fn report(out: &Path, build: &str, loader: &Size, assets: &[Size]) {
    println!("\nwidget build {build} in {}\n", out.display());
    println!("{:<58} {:>9} {:>9} {:>9}", "file", "raw", "gzip", "brotli");
    let line = |name: &str, raw: usize, gz: usize, br: usize| {
        println!("{name:<58} {raw:>9} {gz:>9} {br:>9}");
    };
    for size in std::iter::once(loader).chain(assets) {
        line(&size.name, size.raw, size.gzip.len(), size.brotli.len());
    }
    let sum = |sizes: &[&Size]| {
        sizes.iter().fold((0, 0, 0), |(r, g, b), s| {
            (r + s.raw, g + s.gzip.len(), b + s.brotli.len())
        })
    };
    let first: Vec<&Size> = std::iter::once(loader).chain(assets).collect();
    let (r, g, b) = sum(&first);
    println!();
    line(
        "first visit (loader code + app JS + snippets + wasm)",
        r,
        g,
        b,
    );
    let (r, g, b) = sum(&[loader]);
    line("returning visitor (loader code only)", r, g, b);
    println!(
        "(the collector adds each site's first layer and its stylesheet to the loader: \
         `cargo xtask bench widget` measures it as served)"
    );
}

/// The first 12 hex digits of a SHA-256 over every file's path and contents.
fn build_id(dir: &Path, files: &[PathBuf]) -> anyhow::Result<String> {
    let mut hash = Sha256::new();
    for file in files {
        let bytes = read(&dir.join(file))?;
        hash.update(file.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hex::encode(hash.finalize())[..12].to_owned())
}

/// Every file below `dir`, relative to it, sorted so the build id is stable.
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path.strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("wasm-bindgen wrote nothing into {}", dir.display());
    }
    Ok(files)
}

fn sibling(path: &Path, extension: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn recreate(dir: &Path) -> anyhow::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    create_dir(dir)
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}
