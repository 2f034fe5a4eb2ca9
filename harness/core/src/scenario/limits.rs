//! The limits every accepted script stays within, so that every run finishes in bounded time
//! and memory. `validate` (and `run`, which validates first) refuses a script beyond them,
//! naming the field and the limit; the engine's watchdog enforces the run-time ones
//! ([`RunLimits`]) on whatever a run actually produces. The table is `docs/limits.md`.
//!
//! Ranges of single fields keep every timer at or above 1 µs of simulated time, even under the
//! fastest clock skew, so no loop of the simulator can go on without time advancing; totals
//! (the [`super::Budget`]) keep the trace, the events and the memory of a run bounded.

use crate::time::{Nanos, NS_PER_MS, NS_PER_S};

/// One microsecond, the shortest timer anything may set.
pub const NS_PER_US: Nanos = 1_000;
/// One hour.
pub const HOUR: Nanos = 3600 * NS_PER_S;
/// One minute.
pub const MINUTE: Nanos = 60 * NS_PER_S;

/// Longest run in (simulated or wall) time: all phases plus the drain, 24 h.
pub const MAX_RUN_NS: Nanos = 24 * HOUR;
/// Shortest phase: 1 ms.
pub const MIN_PHASE_NS: Nanos = NS_PER_MS;
/// `workload.timeout`: 1 ms ..= 1 h.
pub const TX_TIMEOUT_NS: (Nanos, Nanos) = (NS_PER_MS, HOUR);
/// `workload.drain`: 0 ..= 1 h.
pub const MAX_DRAIN_NS: Nanos = HOUR;
/// `network.timeout` (the consensus base timeout): 1 ms ..= 1 h.
pub const CONSENSUS_TIMEOUT_NS: (Nanos, Nanos) = (NS_PER_MS, HOUR);
/// `network.block_interval`: 1 µs ..= 1 min.
pub const BLOCK_INTERVAL_NS: (Nanos, Nanos) = (NS_PER_US, MINUTE);
/// `network.msg_cost`, `network.tx_cost`: 0 ..= 1 s of virtual CPU.
pub const MAX_COST_NS: Nanos = NS_PER_S;
/// Link `latency`, `spread`, `jitter`: 0 ..= 1 min.
pub const MAX_LINK_NS: Nanos = MINUTE;
/// Behaviour `delay`: 0 ..= 1 h.
pub const MAX_DELAY_NS: Nanos = HOUR;
/// `clock_skew` `rate`: 0.01 ..= 100 (a 1 ms timer never fires sooner than after 10 µs).
pub const CLOCK_RATE: (f64, f64) = (0.01, 100.0);

/// Largest rate of an open-loop phase (`tps`, ramp `from` and `to`): 1,000,000 tx/s.
pub const MAX_TPS: f64 = 1_000_000.0;
/// Largest closed-loop `concurrency`: 100,000.
pub const MAX_CONCURRENCY: i64 = 100_000;
/// Most accounts: 200,000.
pub const MAX_ACCOUNTS: i64 = 200_000;
/// Most balances (accounts × assets): 200,000 — a `state.snapshot` line lists them all and must
/// stay well inside the checker's 16 MiB line limit.
pub const MAX_BALANCES: u64 = 200_000;
/// Most transactions in one block: 100,000.
pub const MAX_BLOCK_SIZE: i64 = 100_000;
/// Largest voting power of one validator: 10^15 (the checker's own limit, so sums fit in 64 bits).
pub const MAX_POWER: i64 = 1_000_000_000_000_000;
/// Longest scenario name (it names a folder): 100 bytes.
pub const MAX_NAME_BYTES: usize = 100;
/// Longest id (asset, fault, phase name): 128 bytes (the checker accepts 1024).
pub const MAX_ID_BYTES: usize = 128;

/// Most transactions a run may send (the checker holds 20 M): 10,000,000.
pub const MAX_TXS: u64 = 10_000_000;
/// Most trace events (lines) a run may write: 50,000,000.
pub const MAX_EVENTS: u64 = 50_000_000;
/// Largest trace a run may write: 4 GiB.
pub const MAX_TRACE_BYTES: u64 = 4 << 30;
/// Most trace events in any one second of simulated time: 5,000,000.
pub const MAX_EVENTS_PER_SIM_SECOND: u64 = 5_000_000;
/// Most trace bytes in any one second of simulated time: 1 GiB.
pub const MAX_BYTES_PER_SIM_SECOND: u64 = 1 << 30;
/// Largest estimated memory of a run (harness, simulator and checker): 4 GiB.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;

/// What the engine's watchdog enforces while a run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    pub max_events: u64,
    pub max_trace_bytes: u64,
    pub max_events_per_sim_second: u64,
    pub max_bytes_per_sim_second: u64,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            max_events: MAX_EVENTS,
            max_trace_bytes: MAX_TRACE_BYTES,
            max_events_per_sim_second: MAX_EVENTS_PER_SIM_SECOND,
            max_bytes_per_sim_second: MAX_BYTES_PER_SIM_SECOND,
        }
    }
}
