//! Where Samtycke's bytes go: each of its files a visit fetched, raw and compressed (the built
//! widget's files with the `.gz`/`.br` siblings `cargo xtask dist` wrote and the collector
//! serves; the loader with its inlined configuration and the policy as served, compressed the
//! same way), beside what the browser received for it.

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::Context as _;
use samtycke_e2e::{Browser, paths};

use crate::measure::Load;
use crate::report::median;

/// Raw, gzip and brotli bytes of one file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Size {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

/// The size of every file the loads fetched from the collector, by path.
pub type Sizes = BTreeMap<String, Size>;

/// Reads or fetches each of the collector's files once (from a page of the site, which the
/// collector answers CORS for).
pub async fn read(browser: &Browser, collector: &str, loads: &[&[Load]]) -> anyhow::Result<Sizes> {
    let mut sizes = Sizes::new();
    for load in loads.iter().flat_map(|l| l.iter()) {
        for fetched in &load.fetched {
            let path = path_of(&fetched.request.url, collector);
            if !sizes.contains_key(path) {
                let size = size_of(browser, collector, path).await?;
                sizes.insert(path.to_owned(), size);
            }
        }
    }
    Ok(sizes)
}

/// Prints the files one kind of visit fetched: raw, gzip and brotli bytes, and the median body
/// bytes received for it (compressed as the collector chose).
pub fn print(visit: &str, loads: &[Load], sizes: &Sizes, collector: &str) {
    println!(
        "\n{:<60} {:>7} {:>8} {:>8} {:>8} {:>8}",
        format!("Samtycke, {visit}: files (B)"),
        "loads",
        "raw",
        "gzip",
        "brotli",
        "served"
    );
    for (path, size) in sizes {
        let mut served: Vec<f64> = loads
            .iter()
            .flat_map(|l| &l.fetched)
            .filter(|f| path_of(&f.request.url, collector) == path)
            .map(|f| f.request.body as f64)
            .collect();
        let count = loads
            .iter()
            .filter(|l| {
                l.fetched
                    .iter()
                    .any(|f| path_of(&f.request.url, collector) == path)
            })
            .count();
        if count == 0 {
            continue;
        }
        let served = median(&mut served).unwrap_or_default();
        println!(
            "  {path:<58} {:>7} {:>8} {:>8} {:>8} {served:>8.0}",
            format!("{count}/{}", loads.len()),
            size.raw,
            size.gzip,
            size.brotli,
        );
    }
}

fn path_of<'a>(url: &'a str, collector: &str) -> &'a str {
    url.strip_prefix(collector).unwrap_or(url)
}

async fn size_of(browser: &Browser, collector: &str, path: &str) -> anyhow::Result<Size> {
    if path.starts_with("/assets/") {
        let file = paths::assets_dir()?.join(path.trim_start_matches('/'));
        let len = |extension: &str| {
            let mut name = file.clone().into_os_string();
            name.push(extension);
            std::fs::metadata(&name)
                .map(|m| m.len() as usize)
                .with_context(|| format!("cannot read {}", name.to_string_lossy()))
        };
        return Ok(Size {
            raw: len("")?,
            gzip: len(".gz")?,
            brotli: len(".br")?,
        });
    }
    let url = format!("{collector}{path}");
    let script = format!("return fetch({url:?}, {{ cache: 'no-store' }}).then((r) => r.text());");
    let served = browser.eval(&script).await?;
    let text = served
        .as_str()
        .with_context(|| format!("cannot fetch {url}"))?;
    let bytes = text.as_bytes();
    Ok(Size {
        raw: bytes.len(),
        gzip: gzip(bytes)?.len(),
        brotli: brotli(bytes)?.len(),
    })
}

/// As `cargo xtask dist` compresses: gzip at its best.
pub fn gzip(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    Ok(gz.finish()?)
}

/// As `cargo xtask dist` compresses: brotli at quality 11, window 22.
pub fn brotli(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
    br.write_all(bytes)?;
    Ok(br.into_inner())
}
