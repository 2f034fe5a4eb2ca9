//! What a run returns: how it ended, what it measured, and the errors that keep it from starting.

use super::faults::FaultRecord;
use crate::adapter::{AdapterError, Capabilities, StateSnapshot, SystemInfo};
use crate::metrics::{CdfPoint, PhaseSummary, SecondStats};
use crate::program::CaseResult;
use crate::time::Nanos;
use serde::{Deserialize, Serialize};

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum EndReason {
    Completed,
    Interrupted,
    AdapterFailed {
        message: String,
    },
    /// The watchdog stopped the run at a limit of `scenario::limits` (what passed it).
    LimitExceeded {
        message: String,
    },
}

/// How well the generator kept its schedule (open-loop phases).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeneratorLag {
    pub p50_ns: Nanos,
    pub p99_ns: Nanos,
    pub max_ns: Nanos,
    pub fell_behind: bool,
}

/// Everything measured by a run (the body of `run.json`'s metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    pub phases: Vec<PhaseSummary>,
    /// All measured (non-warm-up) phases together.
    pub measured: PhaseSummary,
    pub latency_cdf: Vec<CdfPoint>,
    pub series: Vec<SecondStats>,
    pub generator: GeneratorLag,
    /// Outcomes the adapter reported for transactions never sent (a lying adapter).
    pub foreign_outcomes: u64,
    pub duplicate_outcomes: u64,
    /// The workload program and its conformance matrix (expected vs observed per case).
    #[serde(default)]
    pub program: String,
    #[serde(default)]
    pub conformance: Vec<CaseResult>,
    /// Program-specific results (e.g. dividend totals).
    #[serde(default)]
    pub program_summary: Option<serde_json::Value>,
}

/// The result of [`super::run`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub end: EndReason,
    pub system: SystemInfo,
    pub capabilities: Capabilities,
    pub metrics: RunMetrics,
    pub faults: Vec<FaultRecord>,
    /// Run time at the end (virtual in simulation).
    pub duration_ns: Nanos,
    #[serde(skip)]
    pub snapshots: Vec<StateSnapshot>,
}

/// Errors before the run could start (bad pairing of scenario and adapter, failed preparation).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "scenario {scenario:?} uses operation {op:?}, which adapter {adapter} does not support"
    )]
    Unsupported { scenario: String, adapter: String, op: String },
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    #[error("workload program: {0}")]
    Program(String),
}
