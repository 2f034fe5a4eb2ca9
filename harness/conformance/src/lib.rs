//! # touchstone-conformance: one test body that every adapter must pass
//!
//! The adapter contract (`touchstone_core::adapter`) says what a chain must do to be driven by
//! Touchstone. This kit checks it clause by clause against any adapter, through a factory that
//! builds a fresh one, and says for each clause **pass**, **fail** (with the evidence) or **not
//! applicable** (with the reason, mostly something the adapter does not declare). It is a library
//! so that `touchstone adapter-test` can print the table for any adapter; each adapter's own
//! tests run it and assert that no clause fails.
//!
//! ```
//! use touchstone_conformance::{run_conformance, ConformanceOptions, Verdict};
//! use touchstone_core::adapter::{Adapter, AdapterError};
//!
//! // A factory builds a fresh adapter for each clause; this one never manages to.
//! let factory = || -> Result<Box<dyn Adapter>, AdapterError> {
//!     Err(AdapterError::Connect {
//!         adapter: "demo".into(),
//!         endpoint: "http://127.0.0.1:1".into(),
//!         message: "connection refused".into(),
//!     })
//! };
//! let report = run_conformance(&factory, &ConformanceOptions::default());
//! println!("{report}"); // one line per clause: PASS / FAIL / N/A, id, what it demands
//! assert!(!report.passed());
//! let Some(Verdict::Fail { evidence }) = report.verdict("outcomes.exactly_once") else { panic!() };
//! assert!(evidence.contains("connection refused"));
//! ```
//!
//! ## The clauses
//! Every clause runs on a freshly built and prepared adapter (accounts `a0..`, each holding
//! `initial_balance` of the asset), driven the way the engine drives it: submit, then advance
//! until the outcomes arrive.
//!
//! | id | the adapter must… | not applicable when |
//! |---|---|---|
//! | `operations.declared_are_accepted` | accept at submit and commit one well-formed operation of every kind it declares (admin: the issuer pausing its own asset) | never |
//! | `outcomes.exactly_once` | give each accepted transaction exactly one final outcome (committed or rejected, possibly after `unknown`): none lost within `settle`, none doubled, none for an id never sent; and none at all to one it rejected at submit (an overdraft and a reused nonce are sent to provoke rejections) | never |
//! | `snapshot.matches_outcomes` | report balances equal to the starting ones moved by exactly the committed transfers, at every node it reads (so the sum is conserved); a reported supply unchanged | it declares no state reads |
//! | `precheck.agrees_with_admission` | predict with its pre-check (`can_transfer`, asked about the whole request) what the chain then answers: a fresh transfer commits, and its replay — the same operation and nonce under a new id — is refused for the reason predicted | it offers no pre-check of transfers |
//! | `clock.monotonic` | never let its clock go back, across every `now` and `advance` of the whole run (engine runs included) | never |
//! | `clock.advance_by_deadline` | return from `advance(until)` no later than `until` (wall clock: plus `wall_slack`), and reach `until` when nothing happens | never |
//! | `timeout.unknown` | in an engine run with a short timeout and every validator paused for a while, leave the held transactions unresolved so the engine records them `unknown`, and report at most one final outcome for each afterwards (no duplicate, no foreign outcome) | it declares no pause |
//! | `faults.pause` | on a live chain, commit nothing while every validator is paused; commit again after resume | it declares no pause |
//! | `faults.crash` | on a live chain, commit nothing while every validator is crashed; commit again after restart | it declares no crash |
//! | `faults.partition_minority` | keep going while one validator is cut off: transfers entering elsewhere commit — or, when its finality waits for every validator, the connected ones decide them (consensus events) — and everything commits after heal | no partition; all validators but one hold no quorum by the adapter's declared rule (`system_info().quorum`, default more than 2/3: fewer than 4 validators; a Raft majority: fewer than 3); or finality waits for every validator and no consensus events are exported |
//! | `faults.partition_all` | commit nothing while every validator is isolated; commit again after heal | no partition, or one validator |
//! | `faults.link` | commit more slowly (by at least the added link delay) when every link is slowed | no link fault, or one validator |
//! | `faults.undeclared_refused` | refuse every fault kind it does not declare with `FaultError::NotSupported` (and offer fault control when it declares faults) | it declares every kind |
//!
//! An adapter that fails while a clause runs (an error, a child process that writes garbage or
//! hangs) fails that clause, with the adapter's error as the evidence; the next clause starts on
//! a fresh adapter.
//!
//! "A live chain": before a fault, a round of transfers commits and the chain runs quietly for
//! `hold` (a node that persists its state periodically has then persisted its genesis).
//! Clock skew and Byzantine behaviours have no clause: their effects are protocol-specific and
//! judged by the checker on a full run. A fault clause needs the closing action too (pause
//! needs resume, crash restart, partition heal): declaring one without the other fails it.
//!
//! ## Time
//! Every window (`hold`, `settle`, `step`) is in the adapter's own time: virtual for a simulator
//! (the kit then runs as fast as the simulator), wall time for a real chain (a run against one
//! node takes some tens of seconds, most of it spent watching paused or crashed chains).

mod clauses;
mod report;
mod session;
mod watch;

pub use report::{ClauseResult, ConformanceReport, Verdict};

use touchstone_core::adapter::{Adapter, AdapterError};
use touchstone_core::time::{NS_PER_MS, NS_PER_S};
use touchstone_core::{Nanos, Seed};

/// Builds a fresh adapter for each clause.
pub type Factory<'a> = &'a dyn Fn() -> Result<Box<dyn Adapter>, AdapterError>;

/// How the kit drives the adapter.
#[derive(Debug, Clone, PartialEq)]
pub struct ConformanceOptions {
    /// Given to the adapter in `Setup::seed` and to the engine runs.
    pub seed: Seed,
    /// Accounts `a0..` (at least 4).
    pub accounts: u32,
    /// The asset every account holds (an Ethereum adapter wants its native coin, e.g. `ETH`).
    pub asset: String,
    pub initial_balance: u128,
    /// Transfers sent in `outcomes.exactly_once`.
    pub transfers: usize,
    /// How long a held (paused, crashed, partitioned) chain is watched.
    pub hold: Nanos,
    /// How long the kit waits for outcomes before calling a transaction lost.
    pub settle: Nanos,
    /// How far one `advance` asks the chain to go.
    pub step: Nanos,
    /// How late a wall-clock adapter's `advance` may return after its deadline.
    pub wall_slack: Nanos,
}

impl Default for ConformanceOptions {
    fn default() -> Self {
        ConformanceOptions {
            seed: Seed(1),
            accounts: 8,
            asset: "USD".into(),
            initial_balance: 1_000_000,
            transfers: 24,
            hold: 2 * NS_PER_S,
            settle: 30 * NS_PER_S,
            step: 50 * NS_PER_MS,
            wall_slack: 500 * NS_PER_MS,
        }
    }
}

/// Runs every clause against adapters built by `factory`.
pub fn run_conformance(factory: Factory<'_>, opts: &ConformanceOptions) -> ConformanceReport {
    clauses::run(factory, opts)
}
