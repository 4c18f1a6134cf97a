//! The bytes of each file the loads fetched, raw and compressed: the built widget's files with
//! the `.gz`/`.br` siblings `cargo xtask dist` wrote (and the collector serves), everything else
//! (the loader with its inlined configuration, the policy) as served, compressed the same way.

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::Context as _;
use samtycke_e2e::{Browser, paths};

use crate::Load;

/// Raw, gzip and brotli bytes of one file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Size {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

impl std::ops::Add for Size {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            raw: self.raw + other.raw,
            gzip: self.gzip + other.gzip,
            brotli: self.brotli + other.brotli,
        }
    }
}

/// The size of every resource any load fetched, by path.
pub type Sizes = BTreeMap<String, Size>;

/// Reads or fetches each resource once.
pub async fn read(browser: &Browser, loads: &[&[Load]]) -> anyhow::Result<Sizes> {
    let mut sizes = Sizes::new();
    for load in loads.iter().flat_map(|l| l.iter()) {
        for path in &load.resources {
            if !sizes.contains_key(path) {
                let size = size_of(browser, path).await?;
                sizes.insert(path.clone(), size);
            }
        }
    }
    Ok(sizes)
}

async fn size_of(browser: &Browser, path: &str) -> anyhow::Result<Size> {
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
    let script = format!(
        "return fetch({path:?}, {{ cache: 'no-store' }}).then((r) => r.text());",
        path = path
    );
    let served = browser.eval(&script).await?;
    let text = served
        .as_str()
        .with_context(|| format!("cannot fetch {path}"))?;
    compress(text.as_bytes())
}

/// As `cargo xtask dist` compresses: gzip at its best, brotli at quality 11, window 22.
fn compress(bytes: &[u8]) -> anyhow::Result<Size> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes)?;
    let mut br = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
    br.write_all(bytes)?;
    Ok(Size {
        raw: bytes.len(),
        gzip: gz.finish()?.len(),
        brotli: br.into_inner().len(),
    })
}
