//! A run's budget, computed from its script before anything runs: how long it lasts, how many
//! transactions it sends, how many trace events and bytes it writes (in all, and in its busiest
//! simulated second), and how much memory it needs. Each is an upper estimate from documented
//! per-unit costs (`docs/limits.md`), computed without overflow (sums of durations checked,
//! estimates in `f64` saturating into `u64`); [`check`] compares them with the
//! [limits](super::limits).

use super::diag::FieldPath;
use super::limits::*;
use super::model::{RateSpec, Scenario};
use crate::time::{format_duration, Nanos, NS_PER_MS, NS_PER_S};
use serde::Serialize;

/// Trace lines per transaction (`tx.submit`, `tx.result`).
pub const LINES_PER_TX: f64 = 2.0;
/// Bytes of one transaction line.
pub const BYTES_PER_TX_LINE: f64 = 220.0;
/// Consensus lines per height and validator (propose, votes, steps, decide).
pub const LINES_PER_HEIGHT_PER_NODE: f64 = 6.0;
/// Bytes of one consensus line.
pub const BYTES_PER_CONSENSUS_LINE: f64 = 170.0;
/// Bytes a transaction adds to the `cons.decide` line of each validator (its id).
pub const BYTES_PER_TX_PER_NODE: f64 = 12.0;
/// Bytes of one balance in a `state.snapshot` line.
pub const BYTES_PER_BALANCE: f64 = 40.0;
/// Memory per transaction (engine, simulator, checker).
pub const MEMORY_PER_TX: f64 = 640.0;
/// Memory per balance per validator (each validator keeps the ledger).
pub const MEMORY_PER_BALANCE_PER_NODE: f64 = 96.0;
/// Memory per pair of validators (links, messages in flight).
pub const MEMORY_PER_LINK: f64 = 8192.0;
/// Memory of the harness itself, whatever the script.
pub const MEMORY_BASE: f64 = 64.0 * 1024.0 * 1024.0;

/// The estimated cost of one run of a script.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Budget {
    /// All phases plus the drain.
    pub run_ns: Nanos,
    pub transactions: u64,
    pub events: u64,
    pub trace_bytes: u64,
    /// Events and bytes of the busiest simulated second.
    pub peak_events_per_second: u64,
    pub peak_bytes_per_second: u64,
    pub memory_bytes: u64,
}

/// Saturating `f64` → `u64` (NaN → the maximum: an estimate that cannot be made is too big).
fn sat(x: f64) -> u64 {
    if x.is_nan() {
        u64::MAX
    } else {
        x.max(0.0) as u64
    }
}

/// Transactions of a phase of `len` and the most it sends in one second.
fn phase_txs(rate: &RateSpec, len: Nanos, block_interval: Nanos) -> (f64, f64) {
    let secs = len as f64 / NS_PER_S as f64;
    match *rate {
        RateSpec::Constant { tps } => (tps * secs + 1.0, tps + 1.0),
        RateSpec::Poisson { tps } => {
            let mean = tps * secs;
            (mean + 6.0 * mean.sqrt() + 1.0, tps + 6.0 * tps.sqrt() + 1.0)
        }
        RateSpec::Ramp { from, to } => ((from + to) / 2.0 * secs + 1.0, from.max(to) + 1.0),
        RateSpec::Burst { count, within, .. } => {
            let spread = (within as f64 / NS_PER_S as f64).max(1.0);
            (count as f64, (count as f64 / spread).ceil())
        }
        // At most `concurrency` outstanding, each at least a block interval (and 1 ms) long.
        RateSpec::Closed { concurrency } => {
            let per_s = concurrency as f64 * NS_PER_S as f64 / block_interval.max(NS_PER_MS) as f64;
            (per_s * secs, per_s)
        }
    }
}

impl Scenario {
    /// The run's duration (checked), and its estimated transactions, events, bytes and memory.
    pub fn budget(&self) -> Budget {
        let w = &self.workload;
        let net = &self.network;
        let run_ns = w
            .phases
            .iter()
            .try_fold(0u64, |acc, p| acc.checked_add(p.duration))
            .and_then(|load| load.checked_add(w.drain))
            .unwrap_or(Nanos::MAX);
        let secs = run_ns as f64 / NS_PER_S as f64;
        let n = net.validators as f64;
        let bi = net.consensus.block_interval.max(NS_PER_US);
        let (mut txs, mut peak_tps) = (0.0f64, 0.0f64);
        for p in &w.phases {
            let (t, peak) = phase_txs(&p.rate, p.duration, bi);
            txs += t;
            peak_tps = peak_tps.max(peak);
        }
        let balances = w.accounts as f64 * w.assets.len() as f64;
        // Heights at most one per block interval; rounds that time out at most one per timeout.
        let heights_per_s = NS_PER_S as f64 / bi as f64;
        let rounds_per_s = NS_PER_S as f64 / net.consensus.timeout.max(NS_PER_MS) as f64;
        let mut cons_per_s = n * LINES_PER_HEIGHT_PER_NODE * (heights_per_s + rounds_per_s);
        if net.trace_messages {
            cons_per_s += n * n * 4.0 * (heights_per_s + rounds_per_s);
        }
        let snapshot_lines = n
            * (1.0
                + if net.snapshot_every > 0 {
                    heights_per_s * secs / net.snapshot_every as f64
                } else {
                    0.0
                });
        let snapshot_line_bytes = balances * BYTES_PER_BALANCE + 200.0;
        let genesis_lines = balances * 2.0;
        let tx_lines = txs * LINES_PER_TX + genesis_lines;
        let events = tx_lines + cons_per_s * secs + snapshot_lines;
        let trace_bytes = tx_lines * BYTES_PER_TX_LINE
            + cons_per_s * secs * BYTES_PER_CONSENSUS_LINE
            + txs * n * BYTES_PER_TX_PER_NODE
            + snapshot_lines * snapshot_line_bytes;
        // The busiest second: the busiest phase's second, or the first (genesis) or the last
        // (the final snapshots).
        let peak_events = (peak_tps * LINES_PER_TX + genesis_lines).max(n) + cons_per_s;
        let peak_bytes = (peak_tps
            * (LINES_PER_TX * BYTES_PER_TX_LINE + n * BYTES_PER_TX_PER_NODE)
            + genesis_lines * BYTES_PER_TX_LINE)
            .max(n * snapshot_line_bytes)
            + cons_per_s * BYTES_PER_CONSENSUS_LINE;
        let memory = MEMORY_BASE
            + txs * MEMORY_PER_TX
            + n * balances * MEMORY_PER_BALANCE_PER_NODE
            + n * n * MEMORY_PER_LINK
            + 2.0 * snapshot_line_bytes;
        Budget {
            run_ns,
            transactions: sat(txs),
            events: sat(events),
            trace_bytes: sat(trace_bytes),
            peak_events_per_second: sat(peak_events),
            peak_bytes_per_second: sat(peak_bytes),
            memory_bytes: sat(memory),
        }
    }
}

/// `n` with thousands separators.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes for humans: `512 B`, `3.2 MiB`, `4.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Which part of the script to change when consensus lines, not transactions, dominate.
fn driver(s: &Scenario) -> FieldPath {
    let b = s.budget();
    let tx_share = b.transactions as f64 * LINES_PER_TX;
    if tx_share * 2.0 >= b.events as f64 {
        FieldPath::root().key("workload").key("phases")
    } else {
        FieldPath::root().key("network").key("block_interval")
    }
}

/// The budget's totals beyond the limits, each at the field to change.
pub(super) fn check(s: &Scenario) -> Vec<(FieldPath, String)> {
    let b = s.budget();
    let mut errs = Vec::new();
    let phases = FieldPath::root().key("workload").key("phases");
    let how = "(see docs/limits.md)";
    if b.run_ns > MAX_RUN_NS {
        errs.push((
            phases.clone(),
            format!(
                "the run lasts {} (all phases and the drain), over the limit of {} {how}",
                if b.run_ns == Nanos::MAX {
                    "more than 584 years".into()
                } else {
                    format_duration(b.run_ns)
                },
                format_duration(MAX_RUN_NS)
            ),
        ));
        return errs;
    }
    if b.transactions > MAX_TXS {
        errs.push((
            phases.clone(),
            format!(
                "the phases send about {} transactions, over the limit of {} {how}: shorten them or lower their rates",
                thousands(b.transactions),
                thousands(MAX_TXS)
            ),
        ));
    }
    let more =
        "lower the rates, shorten the run, raise network.block_interval or use fewer validators";
    if b.events > MAX_EVENTS {
        errs.push((
            driver(s),
            format!(
                "the run would write about {} trace events, over the limit of {} {how}: {more}",
                thousands(b.events),
                thousands(MAX_EVENTS)
            ),
        ));
    }
    if b.trace_bytes > MAX_TRACE_BYTES {
        errs.push((
            driver(s),
            format!(
                "the run would write a trace of about {}, over the limit of {} {how}: {more}",
                bytes(b.trace_bytes),
                bytes(MAX_TRACE_BYTES)
            ),
        ));
    }
    if b.peak_events_per_second > MAX_EVENTS_PER_SIM_SECOND {
        errs.push((driver(s), format!("the busiest second would write about {} trace events, over the limit of {} per simulated second {how}: {more}", thousands(b.peak_events_per_second), thousands(MAX_EVENTS_PER_SIM_SECOND))));
    }
    if b.peak_bytes_per_second > MAX_BYTES_PER_SIM_SECOND {
        errs.push((driver(s), format!("the busiest second would write about {} of trace, over the limit of {} per simulated second {how}: {more}, or fewer accounts", bytes(b.peak_bytes_per_second), bytes(MAX_BYTES_PER_SIM_SECOND))));
    }
    if b.memory_bytes > MAX_MEMORY_BYTES {
        errs.push((
            FieldPath::root().key("network").key("validators"),
            format!("the run would need about {} of memory, over the limit of {} {how}: fewer validators, accounts or transactions", bytes(b.memory_bytes), bytes(MAX_MEMORY_BYTES)),
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{ScenarioBuilder, ScenarioKind};

    #[test]
    fn a_small_run_is_well_within_every_limit() {
        let s = ScenarioBuilder::new("s", ScenarioKind::Payment)
            .phase("p", 10 * NS_PER_S, RateSpec::Constant { tps: 100.0 })
            .build();
        let b = s.budget();
        assert!(b.transactions >= 1000 && b.transactions < 1100, "{b:?}");
        assert!(check(&s).is_empty(), "{:?}", check(&s));
    }

    #[test]
    fn durations_that_wrap_are_caught_not_wrapped() {
        let s = ScenarioBuilder::new("s", ScenarioKind::Payment)
            .phase("a", u64::MAX, RateSpec::Constant { tps: 1.0 })
            .phase("b", 5_000_000_000, RateSpec::Constant { tps: 1.0 })
            .build();
        assert_eq!(s.budget().run_ns, Nanos::MAX);
        let errs = check(&s);
        assert!(errs[0].1.contains("over the limit of 24h"), "{errs:?}");
    }

    #[test]
    fn a_million_tps_for_a_minute_is_refused_by_its_transactions() {
        let s = ScenarioBuilder::new("s", ScenarioKind::Payment)
            .phase("p", 60 * NS_PER_S, RateSpec::Constant { tps: 1e6 })
            .build();
        let errs = check(&s);
        assert!(
            errs.iter()
                .any(|(p, m)| p.to_string() == "workload.phases"
                    && m.contains("limit of 10,000,000")),
            "{errs:?}"
        );
    }

    #[test]
    fn bytes_and_thousands_read_well() {
        assert_eq!(thousands(10_000_000), "10,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(4 << 30), "4.0 GiB");
    }
}
