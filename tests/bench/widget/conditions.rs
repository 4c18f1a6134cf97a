//! The two conditions every contender is measured in, unthrottled and a phone, applied to the
//! page through CDP (Chromium's own CPU and network emulation).

use samtycke_e2e::Browser;
use serde_json::{Value, json};

/// The network and CPU a visitor has.
#[derive(Debug, Clone, Copy)]
pub struct Condition {
    pub name: &'static str,
    /// CDP `Emulation.setCPUThrottlingRate`: 1 is none, 4 is four times slower.
    pub cpu_slowdown: f64,
    /// CDP `Network.emulateNetworkConditions`, if throttled.
    pub network: Option<Throttle>,
}

/// A throttled network, in CDP's units.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    /// At least this long from a request sent to its response's headers, in milliseconds:
    /// DevTools delays each request by it, and does not emulate connection set-up.
    pub latency_ms: f64,
    /// Bytes per second.
    pub download: f64,
    /// Bytes per second.
    pub upload: f64,
}

/// Unthrottled, and a phone: 4× slower CPU, 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
pub const CONDITIONS: [Condition; 2] = [
    Condition {
        name: "unthrottled",
        cpu_slowdown: 1.0,
        network: None,
    },
    Condition {
        name: "phone: CPU ×4, 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up",
        cpu_slowdown: 4.0,
        network: Some(Throttle {
            latency_ms: 150.0,
            download: 1_600_000.0 / 8.0,
            upload: 750_000.0 / 8.0,
        }),
    },
];

/// Applies a condition to the page; it lasts across navigations.
pub async fn emulate(browser: &Browser, condition: &Condition) -> anyhow::Result<()> {
    browser
        .cdp(
            "Emulation.setCPUThrottlingRate",
            json!({ "rate": condition.cpu_slowdown }),
        )
        .await?;
    browser.cdp("Network.enable", json!({})).await?;
    // No throttling: no latency, and -1 for "no limit" on throughput.
    let network: Value = match condition.network {
        Some(t) => json!({ "offline": false, "latency": t.latency_ms,
                           "downloadThroughput": t.download, "uploadThroughput": t.upload }),
        None => json!({ "offline": false, "latency": 0, "downloadThroughput": -1,
                        "uploadThroughput": -1 }),
    };
    browser
        .cdp("Network.emulateNetworkConditions", network)
        .await?;
    Ok(())
}
