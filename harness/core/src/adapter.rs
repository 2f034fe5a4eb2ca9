//! The adapter contract (DESIGN §4): what a chain must offer to be driven by Touchstone.
//!
//! Real chains are asynchronous: a submission is accepted or rejected quickly, and its commit is
//! observed later. So an adapter
//! - declares [`Capabilities`] (operations, faults, consensus export, what "committed" means);
//! - [`Adapter::prepare`]s accounts and assets before the measured phase;
//! - [`Adapter::submit`]s without waiting for the commit, answering accepted or rejected;
//! - reports [`Outcome`]s (committed / rejected / unknown) and trace events through an
//!   [`EventSink`] while the engine lets time pass with [`Adapter::advance`];
//! - reads state for the ledger checks ([`Adapter::snapshot`]);
//! - exposes fault injection through a separate [`FaultControl`] handle that the chain under test
//!   never sees. A fault the adapter cannot inject answers [`FaultError::NotSupported`] and is
//!   recorded as "not exercised", never as passed.
//!
//! Time: the adapter owns the clock. The simulator's clock is virtual and moves only inside
//! `advance`; real chains use [`crate::time::WallClock`] and `advance` waits (on I/O) until the
//! deadline. The engine never reads the wall clock itself, so one engine drives both.

use crate::ids::TxId;
use crate::ledger::{Genesis, OpKind, Operation};
use crate::reason::Reason;
use crate::scenario::{AssetSpec, FaultAction, FaultKind, Scenario};
use crate::seed::Seed;
use crate::time::Nanos;
use crate::trace::{QuorumRule, TraceEvent, TraceSink, ValidatorInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One transaction handed to the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxRequest {
    pub id: TxId,
    /// The client (load-generator worker) that sends it; rejections are reported to it.
    pub client: u32,
    pub op: Operation,
    /// Per-sender sequence number assigned by the harness (the adapter may map it to the chain's
    /// nonce); `None` when the harness leaves nonces to the adapter.
    pub nonce: Option<u64>,
    /// A preferred entry node (e.g. to race two conflicting transactions through two validators).
    pub via: Option<String>,
    /// When the schedule wanted it sent (latency is measured from here).
    pub intended: Nanos,
}

/// The adapter's immediate answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitAck {
    /// Accepted for inclusion; the outcome comes later through the sink.
    Accepted { via: Option<String> },
    /// Refused at once (e.g. mempool check failed); final, with a reason code.
    Rejected { reason: Reason },
}

/// What eventually happened to a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    /// Definitely applied, at `height`.
    Committed { height: u64 },
    /// Definitely not applied.
    Rejected { reason: Reason },
    /// The client cannot tell (timeout); it may still appear later.
    Unknown,
}

/// An outcome observed by the adapter at time `at`, at `node` when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub tx: TxId,
    pub status: OutcomeStatus,
    pub at: Nanos,
    pub node: Option<String>,
}

/// Where an adapter sends what it observes. The engine implements it: outcomes go to the metrics
/// and the trace, trace events go to the trace file.
pub trait EventSink {
    fn outcome(&mut self, outcome: Outcome);
    fn trace(&mut self, t: Nanos, ev: &TraceEvent<'_>);
}

/// What "committed" means for this adapter, shown in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalityRule {
    /// e.g. "BFT finality: decided at 100% of validators", "1 confirmation".
    pub description: String,
    /// Share of validators that must have observed the commit (1.0 for BFT finality).
    pub required_share: f64,
    /// Blocks on top of the including block (0 for instant finality).
    pub confirmation_depth: u64,
}

/// Declared abilities of an adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capabilities {
    pub operations: Vec<OpKind>,
    pub faults: Vec<FaultKind>,
    /// Whether `cons.*` events are exported into the trace.
    pub consensus_events: bool,
    /// Whether [`Adapter::snapshot`] returns balances and supply.
    pub state_reads: bool,
    pub finality: FinalityRule,
    /// `true` if the adapter's clock is virtual (deterministic simulation).
    pub virtual_time: bool,
}

impl Capabilities {
    pub fn supports(&self, op: OpKind) -> bool {
        self.operations.contains(&op)
    }

    pub fn can_inject(&self, f: FaultKind) -> bool {
        self.faults.contains(&f)
    }
}

/// Description of the system under test, for `run.start` and the report's disclosure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SystemInfo {
    /// Adapter name (`sim`, `null`, `ethereum`, ...).
    pub adapter: String,
    /// Consensus protocol (`pbft`, `tendermint`, `hotstuff`, `raft`, `unknown`...).
    pub protocol: String,
    pub validators: Vec<ValidatorInfo>,
    pub quorum: Option<QuorumRule>,
    /// Free-form facts: versions, topology, link model, client software, chain id... Two keys
    /// also reach the trace's `run.start`: [`DETAIL_FAMILY`] and [`DETAIL_TIMEOUT_NS`].
    pub details: BTreeMap<String, String>,
}

/// The `details` key of the protocol family (`tendermint`, `pbft`, `hotstuff`, `raft`,
/// `simplex`...): written as `run.start.family`, it opts the trace into that family's vote
/// rules (docs/trace-format.md).
pub const DETAIL_FAMILY: &str = "family";

/// The `details` key of the protocol's base timeout in nanoseconds: written as
/// `run.start.timeout_ns`, it sets the checker's progress bound.
pub const DETAIL_TIMEOUT_NS: &str = "timeout_ns";

/// What the adapter must set up before the measured phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The run's seed, as given to the engine: the one way a seed reaches an adapter. Every
    /// random choice of the adapter (keys, a simulated network's delays) derives from it
    /// through named streams ([`Seed::stream`]).
    pub seed: Seed,
    /// Harness account names, `a0..aN`.
    pub accounts: Vec<String>,
    /// The workload's assets and the balance every account starts with (simple adapters may use
    /// this and ignore `genesis`).
    pub assets: Vec<AssetSpec>,
    /// The complete starting state: every balance, asset policies and identity. Adapters that
    /// support regulated assets apply all of it; others refuse policies they cannot enforce.
    pub genesis: Genesis,
}

/// A read of the chain's state (for ledger checks).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StateSnapshot {
    pub node: String,
    pub height: u64,
    pub app_hash: Option<String>,
    pub supply: Vec<(String, u128)>,
    pub balances: Vec<(String, Vec<(String, u128)>)>,
}

/// Errors of an adapter: the chain could not be driven (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    #[error("{adapter}: cannot connect to {endpoint}: {message}")]
    Connect { adapter: String, endpoint: String, message: String },
    #[error("{adapter}: {method} failed: {message}")]
    Call { adapter: String, method: String, message: String },
    #[error("{adapter}: the chain answered something that makes no sense in {method}: {message}")]
    Protocol { adapter: String, method: String, message: String },
    #[error("{adapter}: configuration {path}: {message}")]
    Config { adapter: String, path: String, message: String },
    #[error("{adapter}: scenario asks for something this adapter cannot do: {message}")]
    Unsupported { adapter: String, message: String },
    #[error("{adapter}: {message}")]
    Other { adapter: String, message: String },
}

/// Errors of fault injection.
#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    /// Recorded as "not exercised".
    #[error("fault {0:?} is not supported by this adapter")]
    NotSupported(FaultKind),
    #[error("fault failed: {0}")]
    Failed(String),
}

/// The separate handle through which faults are injected. The chain under test never sees it.
pub trait FaultControl {
    /// Applies `action` at time `now`. Trace events describing its effect (beyond the engine's
    /// own `fault.start`/`fault.stop`) go to `sink`.
    fn apply(
        &mut self,
        now: Nanos,
        action: &FaultAction,
        sink: &mut dyn EventSink,
    ) -> Result<(), FaultError>;
}

/// A chain, simulated or real.
pub trait Adapter {
    /// Adapter name as used by `--adapter`.
    fn name(&self) -> &str;

    fn capabilities(&self) -> Capabilities;

    /// What is being tested (for `run.start` and the disclosure). Valid after `prepare`.
    fn system_info(&self) -> SystemInfo;

    /// Creates and funds accounts and assets; may emit genesis trace events (issue at height 0).
    fn prepare(&mut self, setup: &Setup, sink: &mut dyn EventSink) -> Result<(), AdapterError>;

    /// Current time of the adapter's clock (ns since run start).
    fn now(&self) -> Nanos;

    /// Submits without waiting for the commit.
    fn submit(
        &mut self,
        tx: &TxRequest,
        sink: &mut dyn EventSink,
    ) -> Result<SubmitAck, AdapterError>;

    /// Lets the chain progress until `until`, or until at least one outcome was reported,
    /// whichever comes first; reports what it observes to `sink`. Returns the new `now()`.
    fn advance(&mut self, until: Nanos, sink: &mut dyn EventSink) -> Result<Nanos, AdapterError>;

    /// The fault-control handle, if the adapter can inject any fault.
    fn faults(&mut self) -> Option<&mut dyn FaultControl>;

    /// Reads state (supply, balances, app hash) as seen by the nodes that can be read.
    fn snapshot(&mut self, accounts: &[String]) -> Result<Vec<StateSnapshot>, AdapterError>;

    /// Ends the run: stop load, release resources. Called also on abort.
    fn shutdown(&mut self, sink: &mut dyn EventSink) -> Result<(), AdapterError>;

    /// Asks the chain, without submitting, whether `tx` would be accepted now and if not why
    /// (`can_transfer`). The whole request is asked about, not only its operation: whether a
    /// transaction is acceptable depends on its nonce (a replay reuses a spent one) and its id
    /// (a duplicate) as much as on balances and controls. `Ok(None)` when the chain has no such
    /// query (or none for this kind of operation).
    fn precheck(&mut self, _tx: &TxRequest) -> Result<Option<Result<(), Reason>>, AdapterError> {
        Ok(None)
    }
}

/// A sink wrapper that forwards trace events to any [`TraceSink`] and collects outcomes.
#[derive(Debug, Default)]
pub struct CollectingSink<T: TraceSink> {
    pub trace: T,
    pub outcomes: Vec<Outcome>,
}

impl<T: TraceSink> EventSink for CollectingSink<T> {
    fn outcome(&mut self, outcome: Outcome) {
        self.outcomes.push(outcome);
    }
    fn trace(&mut self, t: Nanos, ev: &TraceEvent<'_>) {
        self.trace.emit(t, ev);
    }
}

/// Factory for adapters by name, so the CLI can list and pick them.
pub trait AdapterFactory {
    fn name(&self) -> &'static str;
    fn description(&self) -> &'static str;
    /// Builds the adapter for `scenario`, with an optional configuration file. The run's seed
    /// reaches the adapter later, in [`Setup::seed`].
    fn build(
        &self,
        scenario: &Scenario,
        config: Option<&std::path::Path>,
    ) -> Result<Box<dyn Adapter>, AdapterError>;

    /// Whether this adapter can run `scenario`, checked without building anything (what
    /// `touchstone validate` asks, so that everything `run` refuses is refused there first).
    /// The default accepts every valid scenario.
    fn check(&self, scenario: &Scenario) -> Result<(), AdapterError> {
        let _ = scenario;
        Ok(())
    }
}
