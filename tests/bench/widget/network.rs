//! What a page load received, from the DevTools network events chromedriver logs
//! (`Browser::network_events`).
//!
//! Resource Timing cannot size cross-origin responses without `Timing-Allow-Origin`, which the
//! collector does not send, so the sizes come from DevTools: `Network.loadingFinished`'s
//! `encodedDataLength` is every byte received for a request, headers and body as the server
//! encoded it; `Network.responseReceived`'s, the bytes received by the time the headers were in,
//! which over HTTP/1.1 are the headers. The body is the difference.

use std::collections::HashMap;

use serde_json::Value;

/// One request of the page, as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: String,
    /// The response body as received (compressed as the server chose), in bytes.
    pub body: u64,
    /// Headers and body, in bytes.
    pub wire: u64,
    /// It finished or failed; a request still open has no final size.
    pub done: bool,
    /// A cache answered it (the memory cache, the disk cache), not the server.
    pub cached: bool,
}

/// The requests made for the first document the events show loading (the navigation's, when the
/// log was emptied just before it) and everything fetched under its loader, in the order they
/// were sent. Requests of the page before it, still ending, are left out.
pub fn page_requests(events: &[Value]) -> Vec<Request> {
    let document = events.iter().find(|event| {
        event["method"] == "Network.requestWillBeSent" && event["params"]["type"] == "Document"
    });
    let Some(loader) = document.and_then(|event| event["params"]["loaderId"].as_str()) else {
        return Vec::new();
    };
    let mut requests: Vec<Request> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut headers: HashMap<usize, u64> = HashMap::new();
    for event in events {
        let params = &event["params"];
        let Some(id) = params["requestId"].as_str() else {
            continue;
        };
        match event["method"].as_str() {
            Some("Network.requestWillBeSent") if params["loaderId"] == loader => {
                let url = params["request"]["url"].as_str().unwrap_or_default();
                if url.starts_with("http") && !index.contains_key(id) {
                    index.insert(id, requests.len());
                    requests.push(Request {
                        url: url.to_owned(),
                        body: 0,
                        wire: 0,
                        done: false,
                        cached: false,
                    });
                }
            }
            Some("Network.responseReceived") => {
                if let Some(&i) = index.get(id) {
                    let response = &params["response"];
                    let received = response["encodedDataLength"].as_f64();
                    headers.insert(i, received.unwrap_or(0.0) as u64);
                    requests[i].cached |=
                        response["fromDiskCache"] == true || response["fromPrefetchCache"] == true;
                }
            }
            Some("Network.requestServedFromCache") => {
                if let Some(&i) = index.get(id) {
                    requests[i].cached = true;
                }
            }
            Some("Network.loadingFinished") => {
                if let Some(&i) = index.get(id) {
                    let wire = params["encodedDataLength"].as_f64().unwrap_or(0.0) as u64;
                    let request = &mut requests[i];
                    request.wire = wire;
                    request.body = wire.saturating_sub(headers.get(&i).copied().unwrap_or(0));
                    request.done = true;
                }
            }
            Some("Network.loadingFailed") => {
                if let Some(&i) = index.get(id) {
                    requests[i].done = true;
                }
            }
            _ => {}
        }
    }
    requests
}
