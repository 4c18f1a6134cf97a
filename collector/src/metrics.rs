//! Prometheus metrics (`GET /metrics`, OpenMetrics text): receipts by outcome and problem type,
//! the receipt endpoint's latency, group-commit batch sizes and failed transactions, retention's
//! work, and the data-subject requests open, overdue and due within a week. One
//! registry per `Application`, held in its state: no global recorder, so tests and benchmarks
//! that start several collectors in one process each count their own.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The labels of `samtycke_receipts`: `outcome` is `created`, `replayed`, `refused` or
/// `failed`; `problem` the problem type's slug for the last two, else empty.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReceiptLabels {
    /// What became of the request.
    pub outcome: String,
    /// The problem slug, if any.
    pub problem: String,
}

/// What the store reports: it is built before the HTTP layer, so it gets these on its own.
#[derive(Debug, Clone)]
pub struct StoreMetrics {
    /// Appends per group-commit transaction.
    pub batch_size: Histogram,
    /// Group-commit transactions that did not commit.
    pub batch_failures: Counter,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        Self {
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
            batch_failures: Counter::default(),
        }
    }
}

/// Every metric of one collector, and the registry that renders them.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    /// Receipt requests by outcome.
    pub receipts: Family<ReceiptLabels, Counter>,
    /// Seconds from a receipt request's head to its answer.
    pub receipt_seconds: Histogram,
    /// The store's own.
    pub store: StoreMetrics,
    /// Contacts held inactive by retention, by site.
    pub retention_held: Family<SiteLabels, Counter>,
    /// Contacts erased by retention, by site.
    pub retention_erased: Family<SiteLabels, Counter>,
    /// Data-subject requests open, counted when the metrics are read.
    pub requests_open: Gauge,
    /// Open past their due date.
    pub requests_overdue: Gauge,
    /// Open and due within 7 days.
    pub requests_due_soon: Gauge,
}

/// A site label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SiteLabels {
    /// The site.
    pub site: String,
}

impl Default for Metrics {
    fn default() -> Self {
        let receipts = Family::<ReceiptLabels, Counter>::default();
        // 0.5 ms to about 16 s.
        let receipt_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        let store = StoreMetrics::default();
        let mut registry = Registry::with_prefix("samtycke");
        registry.register(
            "receipts",
            "Receipt requests (POST /v1/receipts) by outcome and problem type",
            receipts.clone(),
        );
        registry.register(
            "receipt_request_seconds",
            "Time from a receipt request to its answer",
            receipt_seconds.clone(),
        );
        registry.register(
            "append_batch_size",
            "Receipts appended per group-commit transaction",
            store.batch_size.clone(),
        );
        registry.register(
            "append_batch_failures",
            "Group-commit transactions that failed to commit",
            store.batch_failures.clone(),
        );
        let retention_held = Family::<SiteLabels, Counter>::default();
        let retention_erased = Family::<SiteLabels, Counter>::default();
        registry.register(
            "retention_held",
            "Contacts held inactive by retention (no receipt for the site's time)",
            retention_held.clone(),
        );
        registry.register(
            "retention_erased",
            "Contacts erased by retention after the grace period",
            retention_erased.clone(),
        );
        let (requests_open, requests_overdue, requests_due_soon) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        registry.register(
            "requests_open",
            "Data-subject requests not yet done or refused",
            requests_open.clone(),
        );
        registry.register(
            "requests_overdue",
            "Data-subject requests open past their due date (Art 12(3))",
            requests_overdue.clone(),
        );
        registry.register(
            "requests_due_within_7_days",
            "Data-subject requests open and due within 7 days",
            requests_due_soon.clone(),
        );
        Self {
            registry: Arc::new(registry),
            receipts,
            receipt_seconds,
            store,
            retention_held,
            retention_erased,
            requests_open,
            requests_overdue,
            requests_due_soon,
        }
    }
}

impl Metrics {
    /// Counts one receipt request.
    pub fn count_receipt(&self, outcome: &str, problem: &str) {
        self.receipts
            .get_or_create(&ReceiptLabels {
                outcome: outcome.to_owned(),
                problem: problem.to_owned(),
            })
            .inc();
    }

    /// Counts one retention run's work on a site.
    pub fn count_retention(&self, site: &str, held: u64, erased: u64) {
        let labels = SiteLabels {
            site: site.to_owned(),
        };
        self.retention_held.get_or_create(&labels).inc_by(held);
        self.retention_erased.get_or_create(&labels).inc_by(erased);
    }

    /// Sets the data-subject request gauges (read fresh on each scrape).
    pub fn set_requests(&self, open: usize, overdue: usize, due_soon: usize) {
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.requests_open.set(gauge(open));
        self.requests_overdue.set(gauge(overdue));
        self.requests_due_soon.set(gauge(due_soon));
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}
