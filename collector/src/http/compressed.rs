//! Documents served as they were compressed once: the loader of each site, language and GPC
//! setting, and each policy version. Compressing at brotli's best costs milliseconds, which a
//! response made per request could not spend; made once and kept, every visitor gets the
//! smallest bytes.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One document in each encoding a browser may ask for.
#[derive(Debug)]
pub struct Compressed {
    identity: Bytes,
    brotli: Bytes,
    gzip: Bytes,
    /// A strong validator of the document (its hex SHA-256, as the caller names it).
    etag: HeaderValue,
}

impl Compressed {
    /// Compresses `document`, whose hex SHA-256 (or other strong validator) is `sha256`.
    pub fn new(document: Vec<u8>, sha256: &str) -> Self {
        let mut brotli = Vec::with_capacity(document.len() / 3);
        {
            let mut writer = brotli::CompressorWriter::new(&mut brotli, 4096, 11, 22);
            // Writing into a Vec cannot fail.
            let _ = writer.write_all(&document);
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gzip.write_all(&document);
        let gzip = gzip.finish().unwrap_or_default();
        let etag = HeaderValue::from_str(&format!("\"{sha256}\""))
            .unwrap_or(HeaderValue::from_static("\"\""));
        Self {
            identity: document.into(),
            brotli: brotli.into(),
            gzip: gzip.into(),
            etag,
        }
    }

    /// The document as `request` accepts it (`Accept-Encoding`), or `304` when its
    /// `If-None-Match` names this version. `vary` lists the request headers, besides
    /// `Accept-Encoding`, that chose this document.
    pub fn respond(
        &self,
        request: &HeaderMap,
        content_type: &'static str,
        cache: &'static str,
        vary: &'static str,
    ) -> Response {
        let cache = HeaderValue::from_static(cache);
        let vary = HeaderValue::from_static(vary);
        let matches = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|tag| tag.trim().trim_start_matches("W/") == self.etag)
            });
        if matches {
            return (
                StatusCode::NOT_MODIFIED,
                [
                    (header::ETAG, self.etag.clone()),
                    (header::CACHE_CONTROL, cache),
                    (header::VARY, vary),
                ],
            )
                .into_response();
        }
        let (body, encoding) = match preferred(request) {
            Encoding::Brotli => (self.brotli.clone(), Some("br")),
            Encoding::Gzip => (self.gzip.clone(), Some("gzip")),
            Encoding::Identity => (self.identity.clone(), None),
        };
        let mut response = (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (header::ETAG, self.etag.clone()),
                (header::CACHE_CONTROL, cache),
                (header::VARY, vary),
            ],
            body,
        )
            .into_response();
        if let Some(encoding) = encoding {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    }
}

/// The encodings served, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// The best encoding `Accept-Encoding` allows: a coding listed without `q=0`.
fn preferred(request: &HeaderMap) -> Encoding {
    let accepted = |name: &str| {
        request
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';');
                let coding = parts.next().unwrap_or_default().trim();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
    };
    if accepted("br") {
        Encoding::Brotli
    } else if accepted("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Compressed documents kept by a key (site, version, language…). Its keys are few and known:
/// the sites' loaders and policy versions, so it needs no eviction.
#[derive(Debug, Default)]
pub struct CompressedCache {
    documents: Mutex<HashMap<String, Arc<Compressed>>>,
}

impl CompressedCache {
    /// The document kept under `key`, if any.
    pub fn get(&self, key: &str) -> Option<Arc<Compressed>> {
        self.lock().get(key).cloned()
    }

    /// Keeps `document` under `key` and returns it (or the one another request kept first).
    pub fn keep(&self, key: String, document: Compressed) -> Arc<Compressed> {
        Arc::clone(self.lock().entry(key).or_insert_with(|| Arc::new(document)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Compressed>>> {
        // A panic while holding the lock leaves the map whole: entries are inserted at once.
        self.documents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn brotli_goes_to_browsers_that_take_it_and_gzip_or_nothing_to_others() {
        assert_eq!(
            preferred(&accepting("gzip, deflate, br, zstd")),
            Encoding::Brotli
        );
        assert_eq!(preferred(&accepting("gzip, br;q=0")), Encoding::Gzip);
        assert_eq!(preferred(&accepting("identity")), Encoding::Identity);
        assert_eq!(preferred(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn each_encoding_gives_back_the_document() {
        let document = br#"{"site":"demo","text":"Samtycke, samtycke, samtycke"}"#.to_vec();
        let compressed = Compressed::new(document.clone(), "ab");
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(&mut &compressed.brotli[..], &mut unbrotli).expect("brotli");
        assert_eq!(unbrotli, document);
        let mut ungzip = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&compressed.gzip[..]),
            &mut ungzip,
        )
        .expect("gzip");
        assert_eq!(ungzip, document);
    }
}
