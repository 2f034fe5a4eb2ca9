//! What the monitor exposes: the Prometheus registry (`touchstone_` prefix, base units,
//! `_total` counters) and the dashboard's JSON state, both updated by the monitor's loop.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `touchstone_node_finalized_height` | gauge | `node` |
//! | `touchstone_node_head_lag_blocks` | gauge: highest finalized height of any node minus this node's | `node` |
//! | `touchstone_blocks_finalized_total` | counter: new heights of the highest chain | |
//! | `touchstone_transactions_finalized_total` | counter: transactions in them | |
//! | `touchstone_blocks_per_second`, `touchstone_transactions_per_second` | gauge: over the last 10 s | |
//! | `touchstone_seconds_since_last_finalization` | gauge | |
//! | `touchstone_property_status` | gauge: 1 ok, 0 violated, −1 not evaluated | `property` |
//! | `touchstone_findings_total` | counter | `property` |
//! | `touchstone_transaction_latency_seconds` | histogram: `tx.submit` to committed `tx.result` | |
//! | `touchstone_trace_lines_total` | counter | |
//! | `touchstone_trace_lines_restamped_total` | counter: lines that arrived behind the last `t_ns` | |
//! | `touchstone_checker_open_heights` | gauge | |
//! | `touchstone_checker_tx_ids` | gauge: tx ids the checker holds (in flight, or within the tx horizon) | |
//! | `touchstone_monitor_resident_memory_bytes` | gauge | |

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NodeLabel {
    pub node: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PropertyLabel {
    pub property: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The metric handles (each an `Arc` inside: the registry and the loop share them).
#[derive(Debug, Default, Clone)]
pub struct Metrics {
    pub finalized_height: Family<NodeLabel, Gauge>,
    pub head_lag: Family<NodeLabel, Gauge>,
    pub blocks: Counter,
    pub transactions: Counter,
    pub blocks_rate: FloatGauge,
    pub transactions_rate: FloatGauge,
    pub since_finalization: FloatGauge,
    pub property_status: Family<PropertyLabel, Gauge>,
    pub findings: Family<PropertyLabel, Counter>,
    pub lines: Counter,
    pub restamped: Counter,
    pub open_heights: Gauge,
    pub tx_ids: Gauge,
    pub resident_memory: Gauge,
    pub latency: LatencyHistogram,
}

/// `touchstone_transaction_latency_seconds`: 1 ms to about 65 s, doubling.
#[derive(Debug, Clone)]
pub struct LatencyHistogram(pub Histogram);

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram(Histogram::new(exponential_buckets(0.001, 2.0, 17)))
    }
}

impl Metrics {
    /// The handles, and a registry holding them.
    pub fn registered() -> (Metrics, Registry) {
        let m = Metrics::default();
        let mut r = Registry::with_prefix("touchstone");
        r.register(
            "node_finalized_height",
            "Highest height each node has finalized (decided)",
            m.finalized_height.clone(),
        );
        r.register(
            "node_head_lag_blocks",
            "Highest finalized height of any node minus this node's",
            m.head_lag.clone(),
        );
        r.register("blocks_finalized", "New heights finalized (highest chain)", m.blocks.clone());
        r.register(
            "transactions_finalized",
            "Transactions in newly finalized blocks",
            m.transactions.clone(),
        );
        r.register(
            "blocks_per_second",
            "Blocks finalized per second over the last 10 s",
            m.blocks_rate.clone(),
        );
        r.register(
            "transactions_per_second",
            "Transactions finalized per second over the last 10 s",
            m.transactions_rate.clone(),
        );
        r.register(
            "seconds_since_last_finalization",
            "Seconds since a node last finalized a new height",
            m.since_finalization.clone(),
        );
        r.register(
            "property_status",
            "Each trace-format property: 1 ok so far, 0 violated, -1 not evaluated",
            m.property_status.clone(),
        );
        r.register("findings", "Findings by property", m.findings.clone());
        r.register("trace_lines", "Trace lines read", m.lines.clone());
        r.register(
            "trace_lines_restamped",
            "Lines that arrived with a t_ns behind the last one, written with the last one",
            m.restamped.clone(),
        );
        r.register(
            "checker_open_heights",
            "Heights the checker holds open (not yet judged)",
            m.open_heights.clone(),
        );
        r.register(
            "checker_tx_ids",
            "Transaction ids the checker holds (in flight, or within the tx horizon)",
            m.tx_ids.clone(),
        );
        r.register(
            "monitor_resident_memory_bytes",
            "Resident memory of the monitor process",
            m.resident_memory.clone(),
        );
        r.register(
            "transaction_latency_seconds",
            "From tx.submit to its committed tx.result",
            m.latency.0.clone(),
        );
        (m, r)
    }
}

/// The resident set size of this process, from `/proc/self/statm` (0 where there is none).
pub fn resident_bytes() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/statm") else { return 0 };
    let pages: u64 = s.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}
