//! Options and hostile-input bounds.

use std::collections::BTreeMap;

/// Hostile-input bounds, never a crash or an OOM. A limit on what the whole trace holds (node,
/// tx, account ids...) is a clear [`crate::CheckError::LimitExceeded`] (or, for per-line limits
/// with `skip_bad_lines`, a counted bad line). The limits that protect memory per height
/// (`max_open_heights`, `max_blocks_per_height`, `max_open_votes`) degrade per height: the events
/// over them are dropped, their height is not judged, and the report says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest accepted line, in bytes (default 16 MiB).
    pub max_line_bytes: usize,
    /// Deepest accepted JSON nesting (default 32).
    pub max_depth: usize,
    /// Longest accepted identifier (node, block, tx, account, asset, fault...), in bytes (default 1024).
    pub max_id_bytes: usize,
    /// Most distinct node ids (validators, signers, targets, accused; default 100,000).
    pub max_nodes: usize,
    /// Most validators in one set (default 100,000).
    pub max_validators: usize,
    /// Largest voting power of one validator (default 10^15, so sums fit in 64 bits).
    pub max_power: u64,
    /// Heights kept open (with votes and proposals) below the highest height decided by a
    /// correct node; older heights are judged and pruned (default 1024).
    pub window_heights: u64,
    /// Most heights open at once (default 100,000).
    pub max_open_heights: usize,
    /// Most distinct block ids at one height (default 4096).
    pub max_blocks_per_height: usize,
    /// Most distinct first votes (node, round, vtype) held across open heights (default 20 M).
    pub max_open_votes: usize,
    /// Most distinct tx ids held at once (default 20 M).
    pub max_txs: usize,
    /// The transaction horizon, in heights (default [`DEFAULT_TX_HORIZON`]; `None` remembers
    /// every tx id to the end of the trace). A tx that settled cleanly — submitted, committed,
    /// once in the decided chain, never rejected — more than this many heights below the last
    /// judged height is forgotten, except its nonce, so that memory is bounded by the txs in
    /// flight on a trace of any length. Beyond the horizon, the same tx id decided again is
    /// judged as a tx never submitted (`no_phantom_tx` still, not as a duplicate), and a
    /// `rejected` result read for a forgotten tx is not compared with its commit. With a
    /// horizon, a decision arriving more than 65,536 heights after its height was judged is
    /// counted as late but not compared with the judged block.
    pub tx_horizon_heights: Option<u64>,
    /// Most distinct accounts plus assets (default 10 M).
    pub max_accounts: usize,
    /// Most snapshot entries (supply and balance values) kept for the ledger replay (default 20 M).
    pub max_snapshot_entries: usize,
    /// Findings kept per property; further ones are counted only (default 1000).
    pub max_findings_per_property: usize,
    /// Distinct unknown kinds counted by name; others are counted under `"<other>"` (default 256).
    pub max_unknown_kinds: usize,
    /// Bad lines described in the report (the rest are counted; default 20).
    pub max_bad_lines_reported: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 16 << 20,
            max_depth: 32,
            max_id_bytes: 1024,
            max_nodes: 100_000,
            max_validators: 100_000,
            max_power: 1_000_000_000_000_000,
            window_heights: 1024,
            max_open_heights: 100_000,
            max_blocks_per_height: 4096,
            max_open_votes: 20_000_000,
            max_txs: 20_000_000,
            tx_horizon_heights: Some(DEFAULT_TX_HORIZON),
            max_accounts: 10_000_000,
            max_snapshot_entries: 20_000_000,
            max_findings_per_property: 1000,
            max_unknown_kinds: 256,
            max_bad_lines_reported: 20,
        }
    }
}

/// How to check a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Count and report bad lines instead of stopping at the first one.
    pub skip_bad_lines: bool,
    /// Bounded-liveness bound in nanoseconds; `None` means the default of 10 s.
    pub liveness_bound_ns: Option<u64>,
    /// Bound on a gap between new heights (`progress`), ns; `None`: derived from
    /// `run.start.timeout_ns` ([`PROGRESS_TIMEOUTS`] timeouts), else [`DEFAULT_PROGRESS_BOUND_NS`].
    pub progress_bound_ns: Option<u64>,
    /// Replay command to print with findings. When `None`, one is built only for a trace that
    /// names, in `run.start`, a `scenario` listed in [`replay_scenarios`](Self::replay_scenarios),
    /// an `adapter` listed in [`replay_adapters`](Self::replay_adapters) and a `seed`:
    /// `touchstone run <script> --adapter <adapter> --seed <seed>`. A trace from elsewhere gets
    /// none (trace format 1.1, resolution 12).
    pub replay_command: Option<String>,
    /// Scenario names Touchstone can run, and the script of each (e.g. the shipped
    /// `scenarios/*.toml`).
    pub replay_scenarios: BTreeMap<String, String>,
    /// Adapter names Touchstone can run (e.g. `sim`).
    pub replay_adapters: Vec<String>,
    /// Hostile-input bounds.
    pub limits: Limits,
    /// 1.2: bound on settlement time (`xchain_settlement_time`), from the source commit of a
    /// lock or burn to the destination commit of its mint or release, ns; `None`:
    /// [`DEFAULT_SETTLEMENT_BOUND_NS`].
    pub settlement_bound_ns: Option<u64>,
}

/// The default tx horizon, in heights ([`Limits::tx_horizon_heights`]).
pub const DEFAULT_TX_HORIZON: u64 = 256;

/// The default bound on cross-chain settlement time: 10 s.
pub const DEFAULT_SETTLEMENT_BOUND_NS: u64 = 10_000_000_000;

/// The default liveness bound: 10 s.
pub const DEFAULT_LIVENESS_BOUND_NS: u64 = 10_000_000_000;

/// The default bound on a gap between new heights when the trace declares no timeout: 10 s.
pub const DEFAULT_PROGRESS_BOUND_NS: u64 = 10_000_000_000;

/// The bound on a gap between new heights, in protocol timeouts (`run.start.timeout_ns`).
pub const PROGRESS_TIMEOUTS: u64 = 10;

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            skip_bad_lines: false,
            liveness_bound_ns: Some(DEFAULT_LIVENESS_BOUND_NS),
            progress_bound_ns: None,
            replay_command: None,
            replay_scenarios: BTreeMap::new(),
            replay_adapters: Vec::new(),
            limits: Limits::default(),
            settlement_bound_ns: None,
        }
    }
}
