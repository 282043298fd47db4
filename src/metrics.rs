//! Prometheus metrics, held in the app state (no global registry, so tests can run many
//! apps in one process).

use axum::extract::MatchedPath;
use std::fmt::Write as _;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: MethodLabel,
    /// The route template (`/api/v1/batches/{id}`), never the raw path, to bound cardinality.
    pub route: RouteLabel,
    pub status: u16,
}

/// A request's method as a label; the standard methods are stored inline, not allocated.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct MethodLabel(pub axum::http::Method);

impl EncodeLabelValue for MethodLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.0.as_str())
    }
}

/// The matched route's template as a label: axum's shared string, not a copy per request.
#[derive(Clone, Debug)]
pub enum RouteLabel {
    Matched(MatchedPath),
    Unmatched,
}

impl RouteLabel {
    fn as_str(&self) -> &str {
        match self {
            Self::Matched(p) => p.as_str(),
            Self::Unmatched => "unmatched",
        }
    }
}

impl PartialEq for RouteLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RouteLabel {}

impl std::hash::Hash for RouteLabel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl EncodeLabelValue for RouteLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram>,
    pub resolver: ResolverCounters,
    pub scan_writer: ScanWriterCounters,
}

/// What the scan writer did (services/scans.rs): its commits, how long they took, and how
/// often a page found its queue full (the writer is then what limits the scan page).
#[derive(Clone)]
pub struct ScanWriterCounters {
    /// Scans committed.
    pub scans: Counter,
    /// Transactions that committed a group of scans, and how long each took.
    pub commit_seconds: Histogram,
    /// Scans that waited for room in the writer's queue.
    pub queue_full: Counter,
}

impl Default for ScanWriterCounters {
    fn default() -> Self {
        Self {
            scans: Counter::default(),
            commit_seconds: Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
            queue_full: Counter::default(),
        }
    }
}

/// What the scan resolver's cache did: how often it read from the database, and what ledger
/// entries made it drop (services/resolve_cache.rs).
#[derive(Clone, Default)]
pub struct ResolverCounters {
    /// Lots (a batch's shared page data) read from the database.
    pub lots_read: Counter,
    /// Stamps resolved from the database (their own row; the lot may come from the cache).
    pub stamps_read: Counter,
    /// Cached lots dropped because an entry named something they show.
    pub lots_dropped: Counter,
    /// Ledger entries read to bring the cache up to date.
    pub entries_applied: Counter,
    /// Statements that read stamps' rows, each for the stamps asked for meanwhile.
    pub stamp_statements: Counter,
    /// Reads of the log's size made for pages (each for the pages asking meanwhile).
    pub log_size_reads: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("ocop");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
        });
        registry.register("http_requests", "HTTP requests served", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            durations.clone(),
        );
        let resolver = ResolverCounters::default();
        let mut sub = |name: &str, help: &str, c: &Counter| {
            registry.register(name, help, c.clone());
        };
        sub(
            "resolver_lots_read",
            "Lots (the page data the stamps of a batch share) read from the database",
            &resolver.lots_read,
        );
        sub(
            "resolver_stamps_read",
            "Stamps resolved from the database",
            &resolver.stamps_read,
        );
        sub(
            "resolver_lots_dropped",
            "Cached lots dropped because a ledger entry changed what they show",
            &resolver.lots_dropped,
        );
        sub(
            "resolver_ledger_entries_applied",
            "Ledger entries read to keep the resolver's cache current",
            &resolver.entries_applied,
        );
        sub(
            "resolver_stamp_statements",
            "Statements that read stamps' rows, each for the stamps asked for meanwhile",
            &resolver.stamp_statements,
        );
        sub(
            "resolver_log_size_reads",
            "Reads of the ledger's size made for scan pages, each shared by the pages asking meanwhile",
            &resolver.log_size_reads,
        );
        let scan_writer = ScanWriterCounters::default();
        registry.register(
            "scans_committed",
            "Scans committed by the scan writer",
            scan_writer.scans.clone(),
        );
        registry.register(
            "scan_commit_duration_seconds",
            "How long the scan writer's transactions took, each a group of scans",
            scan_writer.commit_seconds.clone(),
        );
        registry.register(
            "scan_queue_full",
            "Scans that waited for room in the scan writer's queue",
            scan_writer.queue_full.clone(),
        );
        Self {
            registry,
            requests,
            durations,
            resolver,
            scan_writer,
        }
    }
}

impl Metrics {
    /// Counts a request and its latency.
    pub fn observe(
        &self,
        method: MethodLabel,
        route: RouteLabel,
        status: u16,
        latency: std::time::Duration,
    ) {
        let labels = RequestLabels {
            method,
            route,
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations
            .get_or_create(&labels)
            .observe(latency.as_secs_f64());
    }

    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}
