//! What the browser tests share: reading the collector's stored receipts and verifying them.

use jsonwebtoken::jwk::JwkSet;
use samtycke_collector::keys::KeyRing;
use samtycke_e2e::DemoCollector;
use samtycke_shared::ReceiptId;
use samtycke_shared::jose::{VerifiedReceipt, verify_receipt};

/// The receipt the collector stored under `id` (the JWT as stored), verified against its keys.
pub async fn stored_receipt(collector: &DemoCollector, id: &str) -> (String, VerifiedReceipt) {
    let store = samtycke_collector::store::connect(&collector.database_url)
        .await
        .expect("database opens");
    let id = ReceiptId::parse(id).expect("receipt id");
    let stored = store
        .receipt(&id)
        .await
        .expect("query")
        .expect("the collector holds the receipt");
    let jwks: JwkSet = KeyRing::load(&collector.key_dir()).expect("keys").jwks();
    let verified = verify_receipt(&stored.receipt, &jwks).expect("the stored receipt verifies");
    (stored.receipt, verified)
}
